/* callboard broker-config: write mosquitto.conf, passwd, acl, the
 * installers' credentials and, with --tls, a small CA with server and client
 * certificates (made with the openssl command). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brokercfg.h"
#include "brokersite.h"
#include "cli.h"
#include "enrol_msg.h"
#include "log.h"

/* Paths below DIR: room for DIR (PATH_MAX) and a client name. */
#define PBUF (PATH_MAX + 512)

static const char bc_usage[] =
    "usage: callboard broker-config --devices FILE --out DIR [options]\n"
    "  Write a mosquitto config for the bridge and the displays in FILE:\n"
    "    DIR/mosquitto.conf    listeners, no anonymous clients, passwd, acl\n"
    "    DIR/passwd            mosquitto password hashes (mode 0600)\n"
    "    DIR/acl               per-client topic rules (own site, own device)\n"
    "    DIR/credentials.ini   the plain passwords for installers (mode 0600); it\n"
    "                          is a devices file: pass it back to keep them\n"
    "  Passwords given in FILE are kept; the others are fresh random ones.\n"
    "  --port N         plain MQTT listener (default 1883)\n"
    "  --bind ADDR      listen on ADDR only (default every address; with --tls\n"
    "                   the plain listener defaults to 127.0.0.1)\n"
    "  --tls            also a TLS listener with client certificates: DIR/ca.crt,\n"
    "                   ca.key (kept and reused if present), server.crt/.key and\n"
    "                   clients/USER.crt/.key with CN=USER\n"
    "  --no-plain       with --tls: no password listener at all, TLS only\n"
    "  --tls-port N     TLS listener (default 8883)\n"
    "  --tls-name NAME  extra DNS name in the server certificate (repeatable)\n"
    "  --user NAME      account mosquitto runs as when started by root (written as\n"
    "                   'user NAME'; it must be able to read DIR's files)\n"
    "  --dynsec         accounts and rights in mosquitto's dynamic security plugin\n"
    "                   (DIR/dynamic-security.json, mode 0600) instead of passwd and\n"
    "                   acl: the bridge may then pair screens that show a code; the\n"
    "                   shared account '" PROTO_ENROL_USER_DEFAULT "' (password the same)\n"
    "                   reaches only each waiting screen's own enrolment topics\n"
    "  --site-bridge HOST:PORT --site TENANT/SITE\n"
    "                   instead, a site broker: the site's displays only, bridged to\n"
    "                   the central broker at HOST:PORT with the [site-broker:...]\n"
    "                   account of FILE (the central config's credentials.ini);\n"
    "                   writes mosquitto.conf (mode 0600: it holds that password),\n"
    "                   passwd and acl\n"
    "  --central-cafile FILE    the site bridge uses TLS, checked against FILE\n"
    "  --central-certfile FILE, --central-keyfile FILE\n"
    "                   the site bridge's client certificate (central --tls makes\n"
    "                   clients/TENANT.SITE.crt/.key for each site broker)\n"
    "The devices file format is in tools/callboard/README.md.\n"
    "Exit codes: 0 ok, 1 bad devices file or a write failed, 2 bad usage.\n";

static bool random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* 24 characters from [A-Za-z0-9]: about 143 bits. */
static bool random_password(char out[BC_PASS_MAX + 1])
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int n = 0;
	while (n < 24) {
		unsigned char b[32];
		if (!random_bytes(b, sizeof b))
			return false;
		for (size_t i = 0; i < sizeof b && n < 24; i++)
			if (b[i] < 248) /* 248 = 4 * 62: no modulo bias */
				out[n++] = alphabet[b[i] % 62];
	}
	out[n] = '\0';
	return true;
}

static bool write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PBUF], tmp[PBUF + 8];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) < 0)
		goto fail;
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	return true;
fail:
	fprintf(stderr, "callboard broker-config: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return false;
}

static bool passwd_line(FILE *f, const char *user, const char *password)
{
	unsigned char salt[12];
	char hash[200];
	if (!random_bytes(salt, sizeof salt) ||
	    !bc_hash_password(password, salt, hash, sizeof hash))
		return false;
	fprintf(f, "%s:%s\n", user, hash);
	return true;
}

/* Run openssl with argv (NULL-terminated); output goes to log_path. */
static bool run_openssl(const char *log_path, const char *const *argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		execvp("openssl", (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	fprintf(stderr, "callboard broker-config: openssl %s %s failed (exit %d); see %s\n",
	        argv[1], argv[2], WIFEXITED(st) ? WEXITSTATUS(st) : -1, log_path);
	return false;
}

static const char openssl_cnf[] = "[req]\n"
                                  "distinguished_name = dn\n"
                                  "prompt = no\n"
                                  "[dn]\n"
                                  "[v3_ca]\n"
                                  "basicConstraints = critical,CA:TRUE\n"
                                  "keyUsage = critical,keyCertSign,cRLSign\n"
                                  "subjectKeyIdentifier = hash\n";

/* A key and a certificate signed by the CA: kind "server" or "client". */
static bool make_cert(const char *dir, const char *log, const char *ext, const char *section,
                      const char *cn, const char *key, const char *crt)
{
	char csr[PBUF], subj[300], cnf[PBUF], ca[PBUF], cakey[PBUF];
	snprintf(csr, sizeof csr, "%s.csr", crt);
	snprintf(subj, sizeof subj, "/CN=%s", cn);
	snprintf(cnf, sizeof cnf, "%s/.openssl.cnf", dir);
	snprintf(ca, sizeof ca, "%s/ca.crt", dir);
	snprintf(cakey, sizeof cakey, "%s/ca.key", dir);
	unsigned char sb[16];
	char serial[40] = "0x";
	if (!random_bytes(sb, sizeof sb))
		return false;
	sb[0] &= 0x7f; /* positive */
	for (int i = 0; i < 16; i++)
		snprintf(serial + 2 + 2 * i, 3, "%02x", sb[i]);
	const char *req[] = {"openssl", "req",      "-new",
	                     "-config", cnf,        "-newkey",
	                     "ec",      "-pkeyopt", "ec_paramgen_curve:prime256v1",
	                     "-nodes",  "-keyout",  key,
	                     "-subj",   subj,       "-out",
	                     csr,       NULL};
	const char *sign[] = {"openssl",  "x509", "-req",        "-in",   csr,     "-CA", ca,
	                      "-CAkey",   cakey,  "-set_serial", serial,  "-days", "825", "-sha256",
	                      "-extfile", ext,    "-extensions", section, "-out",  crt,   NULL};
	bool ok = run_openssl(log, req) && chmod(key, 0600) == 0 && run_openssl(log, sign);
	unlink(csr);
	return ok;
}

static bool make_tls(const char *dir, const struct bc_config *c, char **names, int nnames)
{
	char log[PBUF], cnf[PBUF], ext[PBUF], ca[PBUF], cakey[PBUF];
	snprintf(log, sizeof log, "%s/openssl.log", dir);
	snprintf(cnf, sizeof cnf, "%s/.openssl.cnf", dir);
	snprintf(ext, sizeof ext, "%s/.openssl-ext.cnf", dir);
	snprintf(ca, sizeof ca, "%s/ca.crt", dir);
	snprintf(cakey, sizeof cakey, "%s/ca.key", dir);
	unlink(log);
	char san[2048] = "IP:127.0.0.1,IP:::1,DNS:localhost";
	for (int i = 0; i < nnames; i++) {
		size_t l = strlen(san);
		snprintf(san + l, sizeof san - l, ",DNS:%s", names[i]);
	}
	char exttext[2300];
	snprintf(exttext, sizeof exttext,
	         "[server]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n"
	         "subjectAltName = %s\n"
	         "[client]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\n",
	         san);
	if (!write_file(dir, ".openssl.cnf", openssl_cnf, 0600) ||
	    !write_file(dir, ".openssl-ext.cnf", exttext, 0600))
		return false;
	bool ok = true;
	if (access(cakey, R_OK) != 0 || access(ca, R_OK) != 0) {
		const char *mkca[] = {"openssl",
		                      "req",
		                      "-x509",
		                      "-new",
		                      "-config",
		                      cnf,
		                      "-extensions",
		                      "v3_ca",
		                      "-newkey",
		                      "ec",
		                      "-pkeyopt",
		                      "ec_paramgen_curve:prime256v1",
		                      "-nodes",
		                      "-keyout",
		                      cakey,
		                      "-subj",
		                      "/CN=callboard broker CA",
		                      "-days",
		                      "3650",
		                      "-sha256",
		                      "-out",
		                      ca,
		                      NULL};
		ok = run_openssl(log, mkca) && chmod(cakey, 0600) == 0;
		if (ok)
			printf("%s: new CA\n", ca);
	} else {
		printf("%s: kept the existing CA\n", ca);
	}
	char key[PBUF], crt[PBUF], cdir[PATH_MAX + 16];
	snprintf(key, sizeof key, "%s/server.key", dir);
	snprintf(crt, sizeof crt, "%s/server.crt", dir);
	ok = ok && make_cert(dir, log, ext, "server", "localhost", key, crt);
	snprintf(cdir, sizeof cdir, "%.*s/clients", PATH_MAX - 1, dir);
	if (ok && mkdir(cdir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "callboard broker-config: %s: %s\n", cdir, strerror(errno));
		ok = false;
	}
	int nusers = c->ndisplays + c->nsite_brokers + c->nmonitors;
	for (int i = -1; ok && i < nusers; i++) {
		int k = i - c->ndisplays - c->nsite_brokers;
		const char *user = i < 0              ? c->bridge_user
		                   : i < c->ndisplays ? c->displays[i].username
		                   : i < c->ndisplays + c->nsite_brokers
		                       ? c->site_brokers[i - c->ndisplays].username
		                       : c->monitors[k].username;
		snprintf(key, sizeof key, "%s/%s.key", cdir, user);
		snprintf(crt, sizeof crt, "%s/%s.crt", cdir, user);
		ok = make_cert(dir, log, ext, "client", user, key, crt);
	}
	unlink(cnf);
	unlink(ext);
	if (ok) {
		unlink(log);
		printf("%s/server.crt, %s/*.crt: %d client certificates\n", dir, cdir, nusers + 1);
	}
	return ok;
}

enum {
	B_DEVICES = 1000,
	B_OUT,
	B_PORT,
	B_BIND,
	B_TLS,
	B_TLS_PORT,
	B_TLS_NAME,
	B_USER,
	B_DYNSEC,
	B_NO_PLAIN,
	B_SITE_BRIDGE,
	B_SITE,
	B_CENTRAL_CA,
	B_CENTRAL_CERT,
	B_CENTRAL_KEY
};

static const struct option bc_options[] = {
    {"devices", required_argument, NULL, B_DEVICES},
    {"out", required_argument, NULL, B_OUT},
    {"port", required_argument, NULL, B_PORT},
    {"bind", required_argument, NULL, B_BIND},
    {"tls", no_argument, NULL, B_TLS},
    {"tls-port", required_argument, NULL, B_TLS_PORT},
    {"tls-name", required_argument, NULL, B_TLS_NAME},
    {"no-plain", no_argument, NULL, B_NO_PLAIN},
    {"user", required_argument, NULL, B_USER},
    {"dynsec", no_argument, NULL, B_DYNSEC},
    {"site-bridge", required_argument, NULL, B_SITE_BRIDGE},
    {"site", required_argument, NULL, B_SITE},
    {"central-cafile", required_argument, NULL, B_CENTRAL_CA},
    {"central-certfile", required_argument, NULL, B_CENTRAL_CERT},
    {"central-keyfile", required_argument, NULL, B_CENTRAL_KEY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool port_arg(const char *opt, const char *v, int *out)
{
	char *end;
	long p = strtol(v, &end, 10);
	if (end == v || *end || p < 1 || p > 65535) {
		fprintf(stderr, "callboard broker-config: --%s: '%s': must be 1..65535\n", opt, v);
		return false;
	}
	*out = (int)p;
	return true;
}

static bool dns_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* What the command line asks for. */
struct bc_args {
	const char *devices, *out;
	struct bc_listen l; /* l.dir is filled when the folder exists */
	char *names[16];    /* --tls-name values (argv's) */
	int nnames;
	const char *site; /* --site: a site broker's config */
	bool site_bridge; /* --site-bridge given: central is set */
	struct bs_central central;
};

/* Parse the flags into a. -1 to go on, or the exit code: 0 after --help,
 * 2 after printing a usage error. */
static int bc_parse_args(int argc, char **argv, struct bc_args *a)
{
	*a = (struct bc_args){.l = {.port = 1883, .tls_port = 8883}};
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, ":h", bc_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(bc_usage, stdout);
			return 0;
		case B_DEVICES:
			a->devices = optarg;
			break;
		case B_OUT:
			a->out = optarg;
			break;
		case B_PORT:
			if (!port_arg("port", optarg, &a->l.port))
				return 2;
			break;
		case B_TLS_PORT:
			if (!port_arg("tls-port", optarg, &a->l.tls_port))
				return 2;
			break;
		case B_BIND:
			if (!dns_name_ok(optarg) && !strchr(optarg, ':')) {
				fprintf(stderr,
				        "callboard broker-config: --bind: '%s': not an "
				        "address\n",
				        optarg);
				return 2;
			}
			a->l.bind = optarg;
			break;
		case B_USER:
			if (!dns_name_ok(optarg) || strchr(optarg, '.')) {
				fprintf(stderr,
				        "callboard broker-config: --user: '%s': not an "
				        "account name\n",
				        optarg);
				return 2;
			}
			a->l.user = optarg;
			break;
		case B_TLS:
			a->l.tls = true;
			break;
		case B_DYNSEC:
			a->l.dynsec = true;
			break;
		case B_NO_PLAIN:
			a->l.no_plain = true;
			break;
		case B_TLS_NAME:
			if (!dns_name_ok(optarg) || a->nnames == 16) {
				fprintf(stderr, "callboard broker-config: --tls-name: '%s': %s\n",
				        optarg,
				        a->nnames == 16 ? "at most 16 names" : "not a DNS name");
				return 2;
			}
			a->names[a->nnames++] = optarg;
			break;
		case B_SITE_BRIDGE:
			if (!bs_central_parse(optarg, &a->central)) {
				fprintf(stderr,
				        "callboard broker-config: --site-bridge: '%s': must be "
				        "HOST:PORT\n",
				        optarg);
				return 2;
			}
			a->site_bridge = true;
			break;
		case B_SITE:
			a->site = optarg;
			break;
		case B_CENTRAL_CA:
			a->central.cafile = optarg;
			break;
		case B_CENTRAL_CERT:
			a->central.certfile = optarg;
			break;
		case B_CENTRAL_KEY:
			a->central.keyfile = optarg;
			break;
		default:
			fprintf(stderr, "callboard broker-config: %s '%s' (try --help)\n",
			        ch == ':' ? "missing value for" : "unknown option",
			        argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc || !a->devices || !a->out) {
		fprintf(stderr, "usage: callboard broker-config --devices FILE --out DIR [--tls] "
		                "(try --help)\n");
		return 2;
	}
	if (a->l.no_plain && !a->l.tls) {
		fprintf(stderr, "callboard broker-config: --no-plain needs --tls\n");
		return 2;
	}
	if (a->site_bridge != !!a->site || (!a->central.certfile != !a->central.keyfile) ||
	    (a->central.certfile && !a->central.cafile) || (!a->site_bridge && a->central.cafile)) {
		fprintf(stderr, "callboard broker-config: --site-bridge and --site go together; "
		                "--central-certfile and --central-keyfile together, with "
		                "--central-cafile\n");
		return 2;
	}
	if (a->l.tls && !a->l.no_plain && a->l.tls_port == a->l.port) {
		fprintf(stderr, "callboard broker-config: --port and --tls-port are the same\n");
		return 2;
	}
	return -1;
}

/* Fresh random passwords for accounts without one, and the passwd file
 * text (caller frees); the bridge's line only when with_bridge (a site
 * broker has none). NULL when random bytes or hashing failed. */
static char *bc_passwords(struct bc_config *c, bool with_bridge)
{
	if (with_bridge && !c->bridge_password[0] && !random_password(c->bridge_password))
		return NULL;
	for (int i = 0; i < c->ndisplays; i++)
		if (!c->displays[i].password[0] && !random_password(c->displays[i].password))
			return NULL;
	for (int i = 0; i < c->nsite_brokers; i++)
		if (!c->site_brokers[i].password[0] &&
		    !random_password(c->site_brokers[i].password))
			return NULL;
	for (int i = 0; i < c->nmonitors; i++)
		if (!c->monitors[i].password[0] && !random_password(c->monitors[i].password))
			return NULL;
	char *pw = NULL;
	size_t pwlen = 0;
	FILE *pf = open_memstream(&pw, &pwlen);
	if (!pf)
		abort();
	bool ok = !with_bridge || passwd_line(pf, c->bridge_user, c->bridge_password);
	for (int i = 0; ok && i < c->ndisplays; i++)
		ok = passwd_line(pf, c->displays[i].username, c->displays[i].password);
	for (int i = 0; ok && i < c->nsite_brokers; i++)
		ok = passwd_line(pf, c->site_brokers[i].username, c->site_brokers[i].password);
	for (int i = 0; ok && i < c->nmonitors; i++)
		ok = passwd_line(pf, c->monitors[i].username, c->monitors[i].password);
	fclose(pf);
	if (!ok) {
		free(pw);
		return NULL;
	}
	return pw;
}

static bool salt_bytes(void *data, unsigned char salt[12])
{
	return random_bytes(salt, 12);
}

/* With --dynsec: DIR/dynamic-security.json (after the passwords exist),
 * and the enrolment account's password and ACL files. */
static bool write_dynsec(const struct bc_args *a, const struct bc_config *c)
{
	if (!a->l.dynsec)
		return true;
	char *js = bc_dynsec_json(c, salt_bytes, NULL), *acl = bc_enrol_acl();
	char *pw = NULL;
	size_t pwlen = 0;
	FILE *pf = open_memstream(&pw, &pwlen);
	if (!pf)
		abort();
	bool ok = passwd_line(pf, PROTO_ENROL_USER_DEFAULT, PROTO_ENROL_USER_DEFAULT);
	fclose(pf);
	ok = ok && js && write_file(a->l.dir, "dynamic-security.json", js, 0600) &&
	     write_file(a->l.dir, "enrol.passwd", pw, 0600) &&
	     write_file(a->l.dir, "enrol.acl", acl, 0644);
	if (!js)
		fprintf(stderr, "callboard broker-config: hashing failed\n");
	free(js);
	free(acl);
	free(pw);
	return ok;
}

/* a followed by b, both freed; caller frees the result. */
static char *joined(char *a, char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	a = xrealloc(a, la + lb + 1);
	memcpy(a + la, b, lb + 1);
	free(b);
	return a;
}

/* Write a site broker's files for the site a->site of c into a->l.dir:
 * that site's displays and the bridge to the central broker. false after
 * printing why. */
static bool bc_write_site(struct bc_args *a, const struct bc_config *c)
{
	struct bc_config site;
	const struct bc_site_broker *sb;
	if (bs_site_only(c, a->site, &site, &sb) < 0)
		return false;
	const char *dir = a->l.dir;
	char *pw = bc_passwords(&site, false);
	bool ok = pw != NULL;
	if (!ok)
		fprintf(stderr, "callboard broker-config: hashing failed\n");
	char *acl = bc_acl(&site);
	char *conf = joined(bc_mosquitto_conf(&site, &a->l), bs_bridge_conf(sb, &a->central));
	ok = ok && write_file(dir, "passwd", pw, 0600) && write_file(dir, "acl", acl, 0644) &&
	     (!a->l.tls || make_tls(dir, &site, a->names, a->nnames)) &&
	     write_file(dir, "mosquitto.conf", conf, 0600);
	if (ok)
		printf("%s/mosquitto.conf: site %s, %d display(s), bridged to %s:%d as '%s'\n"
		       "start with: mosquitto -c %s/mosquitto.conf\n",
		       dir, a->site, site.ndisplays, a->central.host, a->central.port, sb->username,
		       dir);
	free(acl);
	free(conf);
	free(pw);
	bc_config_free(&site);
	return ok;
}

/* Write every file for the displays in c into the folder a->l.dir; false
 * after printing why. */
static bool bc_write(struct bc_args *a, struct bc_config *c)
{
	const char *dir = a->l.dir;
	char *pw = bc_passwords(c, true);
	if (!pw) {
		fprintf(stderr, "callboard broker-config: no random bytes or hashing failed\n");
		return false;
	}
	char *acl = joined(bc_acl(c), bs_central_acl(c));
	char *conf = bc_mosquitto_conf(c, &a->l);
	char *cred = joined(bc_credentials(c), bs_credentials(c));
	/* The config last: it names the other files, so it appears complete or not at all. */
	bool ok = write_file(dir, "passwd", pw, 0600) && write_file(dir, "acl", acl, 0644) &&
	          write_file(dir, "credentials.ini", cred, 0600) && write_dynsec(a, c) &&
	          (!a->l.tls || make_tls(dir, c, a->names, a->nnames)) &&
	          write_file(dir, "mosquitto.conf", conf, 0644);
	if (ok)
		printf("%s/mosquitto.conf: %d tenant(s), %d display(s) and the bridge '%s'\n"
		       "%s/credentials.ini: the passwords (keep secret)\n"
		       "start with: mosquitto -c %s/mosquitto.conf\n",
		       dir, c->ntenants, c->ndisplays, c->bridge_user, dir, dir);
	free(acl);
	free(conf);
	free(cred);
	free(pw);
	return ok;
}

int cmd_broker_config(int argc, char **argv)
{
	struct bc_args a;
	int rc = bc_parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	struct cfg_ctx ctx = {0};
	struct bc_config c;
	int ret = 1;
	char dir[PATH_MAX];
	if (bc_parse(&ctx, a.devices, NULL, &c) < 0) {
		cfg_print_errors(&ctx, stderr);
		goto out;
	}
	if ((mkdir(a.out, 0750) < 0 && errno != EEXIST) || !realpath(a.out, dir)) {
		fprintf(stderr, "callboard broker-config: %s: %s\n", a.out, strerror(errno));
		goto out;
	}
	a.l.dir = dir;
	if (a.site ? bc_write_site(&a, &c) : bc_write(&a, &c))
		ret = 0;
out:
	bc_config_free(&c);
	cfg_ctx_free(&ctx);
	return ret;
}

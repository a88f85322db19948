#include <openssl/evp.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brokercfg.h"
#include "brokersite.h"
#include "log.h"

struct parse_state {
	struct bc_config *c;
	int tenants_cap, displays_cap, monitors_cap;
	void *by_user; /* tsearch tree of struct display_key: each display */
};

/* A display's place in c->displays, found by its username (tenant.site.device:
 * the dot occurs in no name, so it names one display) without a scan per
 * section of a large fleet. */
struct display_key {
	int index;
	char user[BC_USER_MAX + 1];
};

static int display_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct display_key *)a)->user, ((const struct display_key *)b)->user);
}

static struct bc_tenant *find_tenant(struct bc_config *c, const char *name)
{
	for (int i = 0; i < c->ntenants; i++)
		if (!strcmp(c->tenants[i].name, name))
			return &c->tenants[i];
	return NULL;
}

/* Passwords go into a colon-separated file and an INI file: printable
 * ASCII without ':' or spaces at the ends keeps both unambiguous. */
bool bc_password_ok(struct cfg_ctx *ctx, const char *section, const char *value, char *out)
{
	size_t n = strlen(value);
	if (n < 12 || n > BC_PASS_MAX) {
		cfg_error(ctx, section, "password", NULL, "must be 12..%d characters", BC_PASS_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (value[i] <= ' ' || value[i] > '~' || value[i] == ':' || value[i] == '#' ||
		    value[i] == ';') {
			cfg_error(ctx, section, "password", NULL,
			          "printable ASCII only, without spaces, ':', '#' or ';'");
			return false;
		}
	memcpy(out, value, n + 1);
	return true;
}

static bool split3(const char *s, char (*out)[PROTO_NAME_MAX + 1])
{
	const char *p = s;
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(p, "/");
		if (n == 0 || n > PROTO_NAME_MAX)
			return false;
		memcpy(out[i], p, n);
		out[i][n] = '\0';
		if (!proto_name_valid(out[i]))
			return false;
		p += n;
		if (i < 2 && *p++ != '/')
			return false;
	}
	return *p == '\0';
}

static struct bc_display *display_for(struct cfg_ctx *ctx, struct parse_state *st,
                                      const char *section, const char *key, const char *name)
{
	char parts[3][PROTO_NAME_MAX + 1];
	if (!split3(name, parts)) {
		cfg_error(ctx, section, key, NULL,
		          "section name must be display:TENANT/SITE/DEVICE with names matching "
		          "[a-z0-9][a-z0-9-]*");
		return NULL;
	}
	struct bc_config *c = st->c;
	struct display_key *k = xmalloc(sizeof *k);
	snprintf(k->user, sizeof k->user, "%s.%s.%s", parts[0], parts[1], parts[2]);
	k->index = c->ndisplays;
	struct display_key **found = tsearch(k, &st->by_user, display_key_cmp);
	if (!found)
		abort(); /* no memory for the node: as xmalloc */
	if (*found != k) {
		free(k);
		return &c->displays[(*found)->index];
	}
	xgrow(&c->displays, &st->displays_cap, c->ndisplays, sizeof *c->displays);
	struct bc_display *d = &c->displays[c->ndisplays++];
	memset(d, 0, sizeof *d);
	memcpy(d->tenant, parts[0], sizeof d->tenant);
	memcpy(d->site, parts[1], sizeof d->site);
	memcpy(d->device, parts[2], sizeof d->device);
	memcpy(d->username, k->user, sizeof d->username);
	return d;
}

static struct bc_monitor *monitor_for(struct cfg_ctx *ctx, struct parse_state *st,
                                      const char *section, const char *key, const char *name)
{
	struct bc_config *c = st->c;
	if (!proto_name_valid(name)) {
		cfg_error(ctx, section, key, NULL, "monitor name must match [a-z0-9][a-z0-9-]*");
		return NULL;
	}
	for (int i = 0; i < c->nmonitors; i++)
		if (!strcmp(c->monitors[i].username, name))
			return &c->monitors[i];
	xgrow(&c->monitors, &st->monitors_cap, c->nmonitors, sizeof *c->monitors);
	struct bc_monitor *m = &c->monitors[c->nmonitors++];
	memset(m, 0, sizeof *m);
	snprintf(m->username, sizeof m->username, "%s", name);
	m->line = ctx->line;
	return m;
}

/* The keys of every account's section: password, and username (written
 * back by the credentials file, so it must be the derived one). False when
 * key is neither. */
static bool account_key(struct cfg_ctx *ctx, const char *section, const char *key,
                        const char *value, const char *username, char *password)
{
	if (!strcmp(key, "password"))
		bc_password_ok(ctx, section, value, password);
	else if (!strcmp(key, "username")) {
		if (strcmp(value, username))
			cfg_error(ctx, section, key, value,
			          "must be %s (derived from the section name)", username);
	} else
		return false;
	return true;
}

/* [monitor:NAME]: tenants = * or a list; password. */
static void monitor_key(struct cfg_ctx *ctx, struct parse_state *st, const char *section,
                        const char *key, const char *value)
{
	struct bc_monitor *m = monitor_for(ctx, st, section, key, section + 8);
	if (!m)
		return;
	if (account_key(ctx, section, key, value, m->username, m->password))
		return;
	if (!strcmp(key, "tenants")) {
		m->all = !strcmp(value, "*");
		free(m->tenants);
		m->tenants = NULL;
		m->ntenants = 0;
		int n = 0;
		if (!m->all)
			m->tenants = cfg_name_list_new(ctx, section, key, value,
			                               (int)sizeof *m->tenants, &n);
		if (m->tenants)
			m->ntenants = n;
	} else {
		cfg_error(ctx, section, key, value, "unknown key (expected tenants, password)");
	}
}

static void on_key(struct cfg_ctx *ctx, const char *section, const char *key, const char *value)
{
	struct parse_state *st = ctx->user;
	struct bc_config *c = st->c;
	if (!strcmp(section, "bridge")) {
		if (!strcmp(key, "username"))
			cfg_name(ctx, section, key, value, c->bridge_user, sizeof c->bridge_user);
		else if (!strcmp(key, "password"))
			bc_password_ok(ctx, section, value, c->bridge_password);
		else
			cfg_error(ctx, section, key, value,
			          "unknown key (expected username, password)");
		return;
	}
	if (!strncmp(section, "tenant:", 7)) {
		const char *name = section + 7;
		if (!proto_name_valid(name)) {
			cfg_error(ctx, section, key, NULL,
			          "tenant name must match [a-z0-9][a-z0-9-]*");
			return;
		}
		if (strcmp(key, "sites")) {
			cfg_error(ctx, section, key, value, "unknown key (expected sites)");
			return;
		}
		struct bc_tenant *t = find_tenant(c, name);
		if (t) {
			cfg_error(ctx, section, key, value, "sites given twice for this tenant");
			return;
		}
		int n;
		char(*sites)[PROTO_NAME_MAX + 1] =
		    cfg_name_list_new(ctx, section, key, value, (int)sizeof *sites, &n);
		if (!sites)
			return;
		xgrow(&c->tenants, &st->tenants_cap, c->ntenants, sizeof *c->tenants);
		t = &c->tenants[c->ntenants++];
		memset(t, 0, sizeof *t);
		snprintf(t->name, sizeof t->name, "%s", name);
		t->line = ctx->line;
		t->sites = sites;
		t->nsites = n;
		return;
	}
	if (bs_on_key(ctx, c, section, key, value))
		return;
	if (!strncmp(section, "display:", 8)) {
		struct bc_display *d = display_for(ctx, st, section, key, section + 8);
		if (!d)
			return;
		if (account_key(ctx, section, key, value, d->username, d->password))
			return;
		if (!strcmp(key, "areas")) {
			int n = cfg_name_list(ctx, section, key, value, &d->areas[0][0],
			                      PROTO_NAME_MAX + 1, PROTO_AREAS_MAX);
			if (n == 0)
				cfg_error(ctx, section, key, value, "at least one area");
			d->nareas = n > 0 ? n : 0;
		} else {
			cfg_error(ctx, section, key, value,
			          "unknown key (expected areas, password)");
		}
		return;
	}
	if (!strncmp(section, "monitor:", 8)) {
		monitor_key(ctx, st, section, key, value);
		return;
	}
	cfg_error(
	    ctx, section, key, value,
	    "unknown section (expected [bridge], [tenant:NAME], [display:TENANT/SITE/DEVICE], "
	    "[site-broker:TENANT/SITE], [monitor:NAME])");
}

int bc_parse(struct cfg_ctx *ctx, const char *path, const char *text, struct bc_config *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->bridge_user, sizeof out->bridge_user, "bridge");
	struct parse_state st = {.c = out};
	if (text)
		cfg_parse_string(ctx, path, text, on_key, &st);
	else
		cfg_parse_file(ctx, path, on_key, &st);
	tdestroy(st.by_user, free);
	if (ctx->nerrors)
		return -1;
	if (!out->ntenants)
		cfg_error_noline(ctx, "tenant:NAME", "sites", "no tenant defined");
	for (int i = 0; i < out->ndisplays; i++) {
		struct bc_display *d = &out->displays[i];
		char sec[256];
		snprintf(sec, sizeof sec, "display:%s/%s/%s", d->tenant, d->site, d->device);
		struct bc_tenant *t = find_tenant(out, d->tenant);
		bool site_ok = false;
		for (int k = 0; t && k < t->nsites; k++)
			site_ok |= !strcmp(t->sites[k], d->site);
		if (!t)
			cfg_error_noline(ctx, sec, "tenant", "'%s' has no [tenant:%s] section",
			                 d->tenant, d->tenant);
		else if (!site_ok)
			cfg_error_noline(ctx, sec, "site", "'%s' is not in [tenant:%s] sites",
			                 d->site, d->tenant);
		if (!d->nareas)
			cfg_error_noline(ctx, sec, "areas", "missing (the board areas it shows)");
		if (!strcmp(d->username, out->bridge_user))
			cfg_error_noline(ctx, sec, "username", "same as the bridge's");
	}
	bs_check(ctx, out);
	for (int i = 0; i < out->nmonitors; i++) {
		const struct bc_monitor *m = &out->monitors[i];
		char sec[128];
		snprintf(sec, sizeof sec, "monitor:%s", m->username);
		if (!m->all && !m->ntenants)
			cfg_error_noline(ctx, sec, "tenants", "missing (a list of tenants, or *)");
		for (int k = 0; k < m->ntenants; k++)
			if (!find_tenant(out, m->tenants[k]))
				cfg_error_noline(ctx, sec, "tenants",
				                 "'%s' has no [tenant:%s] section", m->tenants[k],
				                 m->tenants[k]);
		if (!strcmp(m->username, out->bridge_user))
			cfg_error_noline(ctx, sec, "username", "same as the bridge's");
	}
	return ctx->nerrors ? -1 : 0;
}

void bc_config_free(struct bc_config *c)
{
	for (int i = 0; i < c->ntenants; i++)
		free(c->tenants[i].sites);
	free(c->tenants);
	c->tenants = NULL;
	c->ntenants = 0;
	for (int i = 0; i < c->nmonitors; i++)
		free(c->monitors[i].tenants);
	free(c->monitors);
	c->monitors = NULL;
	c->nmonitors = 0;
	free(c->displays);
	c->displays = NULL;
	c->ndisplays = 0;
	bs_free(c);
}

struct sb {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *bc_acl(const struct bc_config *c)
{
	struct sb b = {0};
	sb_printf(&b, "# callboard broker ACL, written by 'callboard broker-config'.\n"
	              "# Explicit per-site lines only: no wildcard spans a tenant or a site.\n\n");
	sb_printf(&b, "# The bridge: the only writer of boards, queue figures, notices and\n"
	              "# commands, and the reader of every display's status, health, ack,\n"
	              "# results and screenshots (writing only to clear those a display left\n"
	              "# retained).\n");
	sb_printf(&b, "user %s\n", c->bridge_user);
	for (int i = 0; i < c->ntenants; i++) {
		const struct bc_tenant *t = &c->tenants[i];
		for (int k = 0; k < t->nsites; k++) {
			char root[200];
			snprintf(root, sizeof root, "callboard/v1/%s/%s", t->name, t->sites[k]);
			sb_printf(&b, "topic readwrite %s/board/+\n", root);
			sb_printf(&b, "topic readwrite %s/queue/+\n", root);
			sb_printf(&b, "topic readwrite %s/notice\n", root);
			sb_printf(&b, "topic write %s/display/+/cmd\n", root);
			/* Write too where the bridge clears what a display left retained. */
			static const char *const reads[] = {"read status", "readwrite health",
			                                    "readwrite ack", "readwrite cmd/result",
			                                    "readwrite screenshot"};
			for (int r = 0; r < 5; r++) {
				const char *kind = strchr(reads[r], ' ');
				sb_printf(&b, "topic %.*s %s/display/+/%s\n",
				          (int)(kind - reads[r]), reads[r], root, kind + 1);
			}
		}
		sb_printf(&b, "topic write " BC_DISCOVERY_ACL "\n", t->name);
	}
	for (int i = 0; i < c->ndisplays; i++) {
		const struct bc_display *d = &c->displays[i];
		char root[200], dev[300];
		snprintf(root, sizeof root, "callboard/v1/%s/%s", d->tenant, d->site);
		snprintf(dev, sizeof dev, "%s/display/%s", root, d->device);
		sb_printf(&b, "\n# display %s/%s/%s\nuser %s\n", d->tenant, d->site, d->device,
		          d->username);
		for (int a = 0; a < d->nareas; a++) {
			sb_printf(&b, "topic read %s/board/%s\n", root, d->areas[a]);
			sb_printf(&b, "topic read %s/queue/%s\n", root, d->areas[a]);
		}
		sb_printf(&b, "topic read %s/notice\n", root);
		sb_printf(&b, "topic read %s/cmd\n", dev);
		static const char *const writes[] = {"status", "health", "ack", "cmd/result",
		                                     "screenshot"};
		for (int w = 0; w < 5; w++)
			sb_printf(&b, "topic write %s/%s\n", dev, writes[w]);
	}
	for (int i = 0; i < c->nmonitors; i++) {
		const struct bc_monitor *m = &c->monitors[i];
		sb_printf(&b, "\n# monitor %s: reads %s, writes nothing\nuser %s\n", m->username,
		          m->all ? "every tenant" : "its tenants", m->username);
		for (int k = 0; k < c->ntenants; k++) {
			const struct bc_tenant *t = &c->tenants[k];
			if (!bc_monitor_reads(m, t->name))
				continue;
			/* What monitoring shows: state and events, not commands or
			 * screenshots. */
			static const char *const reads[] = {
			    "board/+",          "notice",        "display/+/status",
			    "display/+/health", "display/+/ack", "display/+/cmd/result"};
			for (int j = 0; j < t->nsites; j++)
				for (size_t r = 0; r < sizeof reads / sizeof reads[0]; r++)
					sb_printf(&b, "topic read callboard/v1/%s/%s/%s\n", t->name,
					          t->sites[j], reads[r]);
			sb_printf(&b, "topic read " BC_DISCOVERY_ACL "\n", t->name);
		}
	}
	return b.s;
}

bool bc_monitor_reads(const struct bc_monitor *m, const char *tenant)
{
	for (int k = 0; k < m->ntenants; k++)
		if (!strcmp(m->tenants[k], tenant))
			return true;
	return m->all;
}

char *bc_mosquitto_conf(const struct bc_config *c, const struct bc_listen *l)
{
	struct sb b = {0};
	sb_printf(&b,
	          "# callboard broker config, written by 'callboard broker-config'.\n"
	          "# %d tenant(s), %d display(s). Every client needs a username and password\n"
	          "# from passwd; acl limits each one to its own topics.\n"
	          "per_listener_settings false\n"
	          "allow_anonymous false\n",
	          c->ntenants, c->ndisplays);
	if (l->dynsec)
		sb_printf(
		    &b,
		    "# Accounts and rights: the dynamic security plugin, administered at run\n"
		    "# time by the bridge (paired screens) and by mosquitto_ctrl. Only the\n"
		    "# shared enrolment account is in a file: its rights need %%c patterns.\n"
		    "plugin " BC_DYNSEC_PLUGIN "\n"
		    "plugin_opt_config_file %s/dynamic-security.json\n"
		    "password_file %s/enrol.passwd\nacl_file %s/enrol.acl\n",
		    l->dir, l->dir, l->dir);
	else
		sb_printf(&b, "password_file %s/passwd\nacl_file %s/acl\n", l->dir, l->dir);
	sb_printf(&b,
	          "# Small messages (acks, boards) go out at once, not after a delayed ACK.\n"
	          "set_tcp_nodelay true\n"
	          "# The largest packet of the protocol (a screenshot, 4 MiB) and its\n"
	          "# framing: a client sending more is disconnected before it is read.\n"
	          "max_packet_size %d\n\n",
	          PROTO_PACKET_MAX);
	/* The limits are per client but set once for all. The bridge is the one
	 * client that receives from every display: after a broker restart or a
	 * network cut each display sends an online status, an ack per area and a
	 * health report while the Wills of its old connections arrive too, about
	 * four messages a display at once; mosquitto's default (1,000) dropped
	 * statuses and Wills when 10,000 displays reconnected. A display receives
	 * a board per call of its areas; the byte limit keeps the queue of one
	 * that stays away long small (boards are retained, the newest is enough). */
	int queued = c->ndisplays > 250 ? 4 * c->ndisplays : 1000;
	sb_printf(&b,
	          "# Per-client queue: 4 messages a display for the bridge's reconnect burst\n"
	          "# (status, Will, ack, health), 512 bytes each on average.\n"
	          "max_queued_messages %d\n"
	          "max_queued_bytes %lld\n\n",
	          queued, 512LL * queued);
	if (l->user)
		sb_printf(&b, "user %s\n\n", l->user);
	/* A listener setting in mosquitto: repeated for each listener. */
	/* With the plugin, each of its accounts carries its client id (the
	 * username); the shared enrolment account must keep the random ids of
	 * the screens that wait, so the listener may not force them. */
	const char *own_id =
	    l->dynsec ? "# Client ids: each plugin account is bound to its own (clientid).\n"
	              : "# The client id is the username: no credential can take over\n"
	                "# (disconnect) another client's session by claiming its id.\n"
	                "use_username_as_clientid true\n";
	/* With TLS on the network, passwords stay off it: the plain listener is
	 * for the bridge on the broker's own host unless --bind says otherwise. */
	const char *plain_bind = l->bind ? l->bind : l->tls ? "127.0.0.1" : NULL;
	if (l->tls && l->no_plain)
		sb_printf(&b, "# No password listener: every client needs a certificate.\n");
	else
		sb_printf(&b, "listener %d%s%s\n%s", l->port, plain_bind ? " " : "",
		          plain_bind ? plain_bind : "", own_id);
	if (l->tls) {
		sb_printf(&b,
		          "\n# TLS: clients prove who they are with a certificate from ca.crt;\n"
		          "# its CN is the username the ACL applies to.\n"
		          "listener %d%s%s\n"
		          "cafile %s/ca.crt\n"
		          "certfile %s/server.crt\n"
		          "keyfile %s/server.key\n"
		          "tls_version tlsv1.2\n"
		          "require_certificate true\n"
		          "use_identity_as_username true\n%s",
		          l->tls_port, l->bind ? " " : "", l->bind ? l->bind : "", l->dir, l->dir,
		          l->dir, own_id);
	}
	return b.s;
}

char *bc_credentials(const struct bc_config *c)
{
	struct sb b = {0};
	sb_printf(&b,
	          "# callboard broker credentials: secret, keep mode 0600.\n"
	          "# This is a devices file too: give it back to 'callboard broker-config\n"
	          "# --devices' to keep these passwords; delete one password line to rotate it.\n\n"
	          "[bridge]\nusername = %s\npassword = %s\n",
	          c->bridge_user, c->bridge_password);
	for (int i = 0; i < c->ntenants; i++) {
		sb_printf(&b, "\n[tenant:%s]\nsites = ", c->tenants[i].name);
		for (int k = 0; k < c->tenants[i].nsites; k++)
			sb_printf(&b, "%s%s", k ? ", " : "", c->tenants[i].sites[k]);
		sb_printf(&b, "\n");
	}
	for (int i = 0; i < c->ndisplays; i++) {
		const struct bc_display *d = &c->displays[i];
		sb_printf(&b, "\n[display:%s/%s/%s]\nareas = ", d->tenant, d->site, d->device);
		for (int a = 0; a < d->nareas; a++)
			sb_printf(&b, "%s%s", a ? ", " : "", d->areas[a]);
		sb_printf(&b, "\nusername = %s\npassword = %s\n", d->username, d->password);
	}
	for (int i = 0; i < c->nmonitors; i++) {
		const struct bc_monitor *m = &c->monitors[i];
		sb_printf(&b, "\n[monitor:%s]\ntenants = %s", m->username, m->all ? "*" : "");
		for (int k = 0; k < m->ntenants; k++)
			sb_printf(&b, "%s%s", k ? ", " : "", m->tenants[k]);
		sb_printf(&b, "\nusername = %s\npassword = %s\n", m->username, m->password);
	}
	return b.s;
}

bool bc_hash_password(const char *password, const unsigned char salt[12], char *out, size_t cap)
{
	unsigned char hash[64];
	if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, 12, 101, EVP_sha512(),
	                       sizeof hash, hash))
		return false;
	char s64[32], h64[100];
	EVP_EncodeBlock((unsigned char *)s64, salt, 12);
	EVP_EncodeBlock((unsigned char *)h64, hash, sizeof hash);
	int n = snprintf(out, cap, "$7$101$%s$%s", s64, h64);
	return n > 0 && (size_t)n < cap;
}

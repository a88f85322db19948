/* broker-config's pure part: devices file parsing (table), ACL and config
 * text, the credentials round trip, and the mosquitto password hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brokercfg.h"

static const char good[] = "[bridge]\n"
                           "username = bridge\n"
                           "[tenant:aarhus]\n"
                           "sites = dokk1, gellerup\n"
                           "[tenant:samsoe]\n"
                           "sites = tranebjerg\n"
                           "[display:aarhus/dokk1/screen-1]\n"
                           "areas = main, pas\n"
                           "[display:aarhus/gellerup/screen-1]\n"
                           "areas = main\n"
                           "password = given-password-1\n"
                           "[display:samsoe/tranebjerg/tv]\n"
                           "areas = main\n";

static int parse(const char *text, struct bc_config *c, char *err, size_t cap)
{
	struct cfg_ctx ctx = {0};
	int r = bc_parse(&ctx, "devices.ini", text, c);
	err[0] = '\0';
	if (ctx.nerrors)
		snprintf(err, cap, "%s", ctx.errors[0]);
	cfg_ctx_free(&ctx);
	return r;
}

static void test_parse_good(void **state)
{
	struct bc_config c;
	char err[512];
	assert_int_equal(parse(good, &c, err, sizeof err), 0);
	assert_int_equal(c.ntenants, 2);
	assert_int_equal(c.tenants[0].nsites, 2);
	assert_string_equal(c.tenants[0].sites[1], "gellerup");
	assert_int_equal(c.ndisplays, 3);
	assert_string_equal(c.displays[0].username, "aarhus.dokk1.screen-1");
	assert_int_equal(c.displays[0].nareas, 2);
	assert_string_equal(c.displays[0].password, "");
	assert_string_equal(c.displays[1].password, "given-password-1");
	assert_string_equal(c.bridge_user, "bridge");
	bc_config_free(&c);
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *text, *expect;
	} bad[] = {
	    {"[bridge]\nuser = x\n", "devices.ini:2: [bridge] user: x: unknown key"},
	    {"[bridge]\nusername = Bridge\n", "[bridge] username"},
	    {"[tenant:Aarhus]\nsites = a\n", "[tenant:Aarhus] sites: tenant name"},
	    {"[tenant:aarhus]\nsites = \n", "empty list"},
	    {"[tenant:aarhus]\nsites = Dokk1\n", "[tenant:aarhus] sites"},
	    {"[tenant:aarhus]\nplaces = a\n", "unknown key (expected sites)"},
	    {"[tenant:aarhus]\nsites = a\n[tenant:aarhus]\nsites = b\n", "sites given twice"},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/a]\nareas = main\n",
	     "display:TENANT/SITE/DEVICE"},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/a/x/y]\nareas = main\n",
	     "display:TENANT/SITE/DEVICE"},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/b/x]\nareas = main\n",
	     "'b' is not in [tenant:aarhus] sites"},
	    {"[tenant:aarhus]\nsites = a\n[display:odense/a/x]\nareas = main\n",
	     "'odense' has no [tenant:odense] section"},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/a/x]\npassword = short\n",
	     "password: must be 12.."},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/a/x]\npassword = has:colon-inside\n",
	     "printable ASCII only"},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/a/x]\npassword = longenough123\n",
	     "areas: missing"},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/a/x]\nareas = main\ncolour = red\n",
	     "unknown key (expected areas, password)"},
	    {"[tenant:aarhus]\nsites = a\n[display:aarhus/a/x]\nareas = main\nusername = y\n",
	     "must be aarhus.a.x"},
	    {"[screens]\nx = 1\n", "unknown section"},
	    {"[tenant:aarhus]\nsites = a\n[monitor:ha]\npassword = longenough123\n",
	     "[monitor:ha] tenants: missing"},
	    {"[tenant:aarhus]\nsites = a\n[monitor:ha]\ntenants = odense\n",
	     "'odense' has no [tenant:odense] section"},
	    {"[tenant:aarhus]\nsites = a\n[monitor:Ha]\ntenants = *\n", "monitor name"},
	    {"[tenant:aarhus]\nsites = a\n[monitor:ha]\ntenants = aarhus, Odense\n",
	     "devices.ini:4: [monitor:ha] tenants: aarhus, Odense: item 'Odense' must match"},
	    {"[tenant:aarhus]\nsites = a, B\n",
	     "devices.ini:2: [tenant:aarhus] sites: a, B: item 'B'"},
	    {"[tenant:aarhus]\nsites = a\n[monitor:ha]\nwrite = yes\n",
	     "unknown key (expected tenants, password)"},
	    {"[tenant:aarhus]\nsites = a\n[monitor:bridge]\ntenants = *\n", "same as the bridge's"},
	    {"[bridge]\nusername = bridge\n", "no tenant defined"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct bc_config c;
		char err[512];
		int r = parse(bad[i].text, &c, err, sizeof err);
		if (r == 0 || !strstr(err, bad[i].expect))
			fail_msg("case %zu: got %d '%s', expected '%s'", i, r, err, bad[i].expect);
		bc_config_free(&c);
	}
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* The ACL block of user (from its user line to the next blank line); caller
 * frees; NULL when the user has none. */
static char *user_block(const char *acl, const char *user)
{
	char head[128];
	snprintf(head, sizeof head, "user %s\n", user);
	const char *start = strstr(acl, head);
	if (!start)
		return NULL;
	const char *end = strstr(start, "\n\n");
	return strndup(start, end ? (size_t)(end - start + 1) : strlen(start));
}

/* A monitor reads its tenants' sites and their discovery topics, writes
 * nothing; the bridge writes the discovery topics. */
static void test_acl_monitor(void **state)
{
	char text[1024];
	snprintf(text, sizeof text,
	         "%s[monitor:ha-aarhus]\ntenants = aarhus\n[monitor:noc]\n"
	         "tenants = *\n",
	         good);
	struct bc_config c;
	char err[512];
	assert_int_equal(parse(text, &c, err, sizeof err), 0);
	assert_int_equal(c.nmonitors, 2);
	char *acl = bc_acl(&c);
	/* Per user: a whole line its block has (present), or text it lacks. */
	static const struct {
		const char *user, *text;
		bool present;
	} rows[] = {
	    {"bridge", "topic write homeassistant/+/callboard-samsoe/+/config", true},
	    {"ha-aarhus", "topic read callboard/v1/aarhus/gellerup/display/+/health", true},
	    {"ha-aarhus", "topic read homeassistant/+/callboard-aarhus/+/config", true},
	    {"ha-aarhus", "samsoe", false},
	    {"ha-aarhus", "topic write", false},
	    {"ha-aarhus", "/cmd\n", false},
	    {"noc", "topic read callboard/v1/samsoe/tranebjerg/board/+", true},
	    {"noc", "topic read homeassistant/+/callboard-samsoe/+/config", true},
	    {"noc", "topic write", false},
	    {"noc", "topic readwrite", false},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *block = user_block(acl, rows[i].user);
		assert_non_null(block);
		bool found = rows[i].present ? has_line(block, rows[i].text)
		                             : strstr(block, rows[i].text) != NULL;
		if (found != rows[i].present)
			fail_msg("row %zu: %s: '%s' %s", i, rows[i].user, rows[i].text,
			         rows[i].present ? "missing" : "present");
		free(block);
	}
	char *cred = bc_credentials(&c);
	assert_non_null(strstr(cred, "[monitor:noc]\ntenants = *\nusername = noc\n"));
	assert_non_null(strstr(cred, "[monitor:ha-aarhus]\ntenants = aarhus\n"));
	free(cred);
	free(acl);
	bc_config_free(&c);
}

static void test_acl(void **state)
{
	struct bc_config c;
	char err[512];
	assert_int_equal(parse(good, &c, err, sizeof err), 0);
	char *acl = bc_acl(&c);
	/* The display of aarhus/dokk1: its own areas, notice, cmd; writes its own topics. */
	const char *d = "callboard/v1/aarhus/dokk1";
	char want[256];
	assert_true(has_line(acl, "user aarhus.dokk1.screen-1"));
	static const char *const display_lines[] = {
	    "read|/board/main",
	    "read|/board/pas",
	    "read|/queue/main",
	    "read|/queue/pas",
	    "read|/notice",
	    "read|/display/screen-1/cmd",
	    "write|/display/screen-1/status",
	    "write|/display/screen-1/health",
	    "write|/display/screen-1/ack",
	    "write|/display/screen-1/cmd/result",
	    "write|/display/screen-1/screenshot",
	    "readwrite|/board/+",
	    "readwrite|/queue/+",
	    "readwrite|/notice",
	    "write|/display/+/cmd",
	    "read|/display/+/status",
	    "readwrite|/display/+/screenshot",
	    "readwrite|/display/+/health",
	};
	for (size_t i = 0; i < sizeof display_lines / sizeof display_lines[0]; i++) {
		const char *bar = strchr(display_lines[i], '|');
		snprintf(want, sizeof want, "topic %.*s %s%s", (int)(bar - display_lines[i]),
		         display_lines[i], d, bar + 1);
		if (!has_line(acl, want))
			fail_msg("missing '%s'", want);
	}
	/* No '#' and no '+' where a tenant or site belongs. */
	assert_null(strstr(acl, "#\n"));
	assert_null(strstr(acl, "callboard/v1/+"));
	assert_null(strstr(acl, "callboard/v1/#"));
	for (const char *p = acl; (p = strstr(p, "callboard/v1/")); p++)
		assert_true(strncmp(p + 13 + strcspn(p + 13, "/"), "/+", 2) != 0);
	/* Displays never write boards or notices. */
	char *block = user_block(acl, "aarhus.dokk1.screen-1");
	assert_non_null(block);
	assert_null(strstr(block, "write callboard/v1/aarhus/dokk1/board"));
	assert_null(strstr(block, "write callboard/v1/aarhus/dokk1/notice"));
	assert_null(strstr(block, "write callboard/v1/aarhus/dokk1/queue"));
	assert_null(strstr(block, "gellerup"));
	assert_null(strstr(block, "samsoe"));
	assert_null(strstr(block, "/+"));
	free(block);
	free(acl);
	bc_config_free(&c);
}

static void test_conf(void **state)
{
	struct bc_config c;
	char err[512];
	assert_int_equal(parse(good, &c, err, sizeof err), 0);
	struct bc_listen l = {.dir = "/etc/cb", .port = 1883, .tls_port = 8883};
	char *conf = bc_mosquitto_conf(&c, &l);
	assert_true(has_line(conf, "allow_anonymous false"));
	assert_true(has_line(conf, "password_file /etc/cb/passwd"));
	assert_true(has_line(conf, "acl_file /etc/cb/acl"));
	assert_true(has_line(conf, "listener 1883"));
	assert_null(strstr(conf, "8883"));
	assert_true(has_line(conf, "max_packet_size 4195328")); /* 4 MiB + 1 KiB framing */
	assert_true(has_line(conf, "use_username_as_clientid true"));
	assert_true(has_line(conf, "max_queued_messages 1000"));
	assert_null(strstr(conf, "plugin"));
	free(conf);
	/* The plugin of the architecture built for, in Debian's multiarch folder. */
	l.dynsec = true;
	conf = bc_mosquitto_conf(&c, &l);
	assert_true(has_line(conf, "plugin " BC_DYNSEC_PLUGIN));
	assert_true(!strncmp(BC_DYNSEC_PLUGIN, "/usr/lib/", 9));
	assert_non_null(strstr(BC_DYNSEC_PLUGIN, "-linux-gnu"));
	assert_true(has_line(conf, "plugin_opt_config_file /etc/cb/dynamic-security.json"));
	assert_true(has_line(conf, "password_file /etc/cb/enrol.passwd"));
	free(conf);
	l.dynsec = false;
	/* the bridge's queue grows with the fleet */
	int n = c.ndisplays;
	c.ndisplays = 10000;
	conf = bc_mosquitto_conf(&c, &l);
	assert_true(has_line(conf, "max_queued_messages 40000"));
	assert_true(has_line(conf, "max_queued_bytes 20480000"));
	free(conf);
	c.ndisplays = n;
	l.tls = true;
	/* TLS on every address, passwords on loopback only unless --bind says */
	conf = bc_mosquitto_conf(&c, &l);
	assert_true(has_line(conf, "listener 1883 127.0.0.1"));
	assert_true(has_line(conf, "listener 8883"));
	free(conf);
	l.no_plain = true;
	conf = bc_mosquitto_conf(&c, &l);
	assert_null(strstr(conf, "listener 1883"));
	assert_true(has_line(conf, "listener 8883"));
	free(conf);
	l.no_plain = false;
	l.bind = "127.0.0.1";
	conf = bc_mosquitto_conf(&c, &l);
	assert_true(has_line(conf, "listener 1883 127.0.0.1"));
	assert_true(has_line(conf, "listener 8883 127.0.0.1"));
	assert_true(has_line(conf, "require_certificate true"));
	assert_true(has_line(conf, "cafile /etc/cb/ca.crt"));
	/* A listener setting: once per listener. */
	char *second = strstr(strstr(conf, "use_username_as_clientid true\n") + 1,
	                      "use_username_as_clientid true\n");
	assert_non_null(second);
	assert_true(second > strstr(conf, "listener 8883"));
	free(conf);
	bc_config_free(&c);
}

static void test_credentials_round_trip(void **state)
{
	struct bc_config c, c2;
	char err[512];
	assert_int_equal(parse(good, &c, err, sizeof err), 0);
	snprintf(c.bridge_password, sizeof c.bridge_password, "bridge-secret-123");
	snprintf(c.displays[0].password, sizeof c.displays[0].password, "AbCdEf0123456789xyzQ");
	snprintf(c.displays[2].password, sizeof c.displays[2].password, "another-one-4567");
	char *cred = bc_credentials(&c);
	if (parse(cred, &c2, err, sizeof err) != 0)
		fail_msg("credentials do not parse: %s", err);
	assert_string_equal(c2.bridge_password, "bridge-secret-123");
	assert_int_equal(c2.ndisplays, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(c2.displays[i].password, c.displays[i].password);
		assert_string_equal(c2.displays[i].username, c.displays[i].username);
		assert_int_equal(c2.displays[i].nareas, c.displays[i].nareas);
	}
	free(cred);
	bc_config_free(&c);
	bc_config_free(&c2);
}

/* Past the old fixed caps (64 tenants, 64 sites a tenant, 4,096 displays,
 * 16 monitors, 64 tenants a monitor): 100 tenants, one with 1,000 sites in
 * one line, 5,000 displays, 17 monitors of 99 tenants each; a display
 * section given twice is one display; the credentials parse back. */
static void test_large_fleet(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "[tenant:t0]\nsites = s0");
	for (int i = 1; i < 1000; i++)
		fprintf(f, ", s%d", i);
	fprintf(f, "\n");
	for (int i = 1; i < 100; i++)
		fprintf(f, "[tenant:t%d]\nsites = a\n", i);
	for (int i = 0; i < 5000; i++)
		fprintf(f, "[display:t0/s%d/d%d]\nareas = main\n", i % 1000, i / 1000);
	for (int i = 0; i < 17; i++) {
		fprintf(f, "[monitor:m%d]\ntenants = t1", i);
		for (int k = 2; k < 100; k++)
			fprintf(f, ", t%d", k);
		fprintf(f, "\n");
	}
	fprintf(f, "[display:t0/s0/d0]\npassword = given-password-1\n");
	fclose(f);

	struct bc_config c, back;
	char err[512];
	if (parse(text, &c, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.ntenants, 100);
	assert_int_equal(c.tenants[0].nsites, 1000);
	assert_string_equal(c.tenants[0].sites[999], "s999");
	assert_int_equal(c.ndisplays, 5000);
	assert_string_equal(c.displays[0].password, "given-password-1");
	assert_string_equal(c.displays[4999].username, "t0.s999.d4");
	assert_int_equal(c.nmonitors, 17);
	assert_int_equal(c.monitors[16].ntenants, 99);
	assert_string_equal(c.monitors[16].tenants[98], "t99");

	char *acl = bc_acl(&c);
	/* The first and last site, display and tenant, each in its user's block. */
	static const struct {
		const char *user, *line;
	} rows[] = {
	    {"bridge", "topic readwrite callboard/v1/t0/s0/board/+"},
	    {"bridge", "topic readwrite callboard/v1/t0/s999/board/+"},
	    {"bridge", "topic readwrite callboard/v1/t99/a/board/+"},
	    {"t0.s0.d0", "topic read callboard/v1/t0/s0/board/main"},
	    {"t0.s999.d4", "topic write callboard/v1/t0/s999/display/d4/status"},
	    {"m16", "topic read callboard/v1/t99/a/notice"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *block = user_block(acl, rows[i].user);
		if (!block || !has_line(block, rows[i].line))
			fail_msg("%s: missing '%s'", rows[i].user, rows[i].line);
		free(block);
	}
	char *m0 = user_block(acl, "m0");
	assert_non_null(m0);
	assert_null(strstr(m0, "callboard/v1/t0/"));
	free(m0);
	free(acl);

	/* The credentials file has every password. */
	snprintf(c.bridge_password, sizeof c.bridge_password, "bridge-secret-123");
	for (int i = 0; i < c.ndisplays; i++)
		snprintf(c.displays[i].password, sizeof c.displays[i].password, "display-secret-%d",
		         i);
	for (int i = 0; i < c.nmonitors; i++)
		snprintf(c.monitors[i].password, sizeof c.monitors[i].password, "monitor-secret-%d",
		         i);
	char *cred = bc_credentials(&c);
	if (parse(cred, &back, err, sizeof err) != 0)
		fail_msg("credentials do not parse: %s", err);
	assert_int_equal(back.tenants[0].nsites, 1000);
	assert_int_equal(back.ndisplays, 5000);
	assert_string_equal(back.displays[4999].password, "display-secret-4999");
	assert_int_equal(back.monitors[16].ntenants, 99);
	free(cred);
	free(text);
	bc_config_free(&back);
	bc_config_free(&c);
}

/* A line made by mosquitto_passwd 2.0.11 for password "secret". */
static void test_hash_matches_mosquitto_passwd(void **state)
{
	const char *line = "$7$101$dP2FolKfDo7900eg$zDEJWGVXiOdUdJefuqqO34b7tnez3KjBSqjMKggj7bX5vaP"
	                   "68/isCPoVcTp/lBVvsJzIruD/q5PtCyEiJR/BqA==";
	/* base64 "dP2FolKfDo7900eg" */
	static const unsigned char salt[12] = {0x74, 0xfd, 0x85, 0xa2, 0x52, 0x9f,
	                                       0x0e, 0x8e, 0xfd, 0xd3, 0x47, 0xa0};
	char out[200];
	assert_true(bc_hash_password("secret", salt, out, sizeof out));
	assert_string_equal(out, line);
	assert_true(bc_hash_password("Secret", salt, out, sizeof out));
	assert_string_not_equal(out, line);
	assert_false(bc_hash_password("secret", salt, out, 50));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_acl),
	    cmocka_unit_test(test_acl_monitor),
	    cmocka_unit_test(test_conf),
	    cmocka_unit_test(test_credentials_round_trip),
	    cmocka_unit_test(test_large_fleet),
	    cmocka_unit_test(test_hash_matches_mosquitto_passwd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

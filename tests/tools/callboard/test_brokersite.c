/* Site brokers in broker-config's pure part: the [site-broker:...] section
 * (table of bad inputs), the central address, the central ACL lines, the
 * credentials round trip, narrowing to one site and the bridge section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brokersite.h"

#define SITES "[tenant:aarhus]\nsites = dokk1, gellerup\n"

static const char good[] = SITES "[display:aarhus/dokk1/screen-1]\n"
                                 "areas = main\n"
                                 "password = screen-1-password\n"
                                 "[display:aarhus/gellerup/screen-1]\n"
                                 "areas = main\n"
                                 "password = other-site-password\n"
                                 "[site-broker:aarhus/dokk1]\n"
                                 "username = aarhus.dokk1\n"
                                 "password = site-dokk1-password\n";

/* bc_parse of text into c: NULL, or its first error (static). */
static const char *parse(const char *text, struct bc_config *c)
{
	static char err[512];
	struct cfg_ctx ctx = {0};
	int r = bc_parse(&ctx, "devices.ini", text, c);
	snprintf(err, sizeof err, "%s", ctx.nerrors ? ctx.errors[0] : "");
	cfg_ctx_free(&ctx);
	return r == 0 ? NULL : err;
}

static void test_parse(void **state)
{
	struct bc_config c;
	assert_null(parse(good, &c));
	assert_int_equal(c.nsite_brokers, 1);
	assert_string_equal(c.site_brokers[0].username, "aarhus.dokk1");
	assert_string_equal(c.site_brokers[0].password, "site-dokk1-password");
	bc_config_free(&c);
	assert_null(c.site_brokers);

	static const struct {
		const char *text, *expect;
	} bad[] = {
	    {SITES "[site-broker:aarhus]\nusername = aarhus\n", "site-broker:TENANT/SITE"},
	    {SITES "[site-broker:aarhus/Dokk1]\nusername = x\n", "site-broker:TENANT/SITE"},
	    {SITES "[site-broker:aarhus/dokk1/x]\nusername = x\n", "site-broker:TENANT/SITE"},
	    {SITES "[site-broker:aarhus/dokk1]\nusername = dokk1\n", "must be aarhus.dokk1"},
	    {SITES "[site-broker:aarhus/dokk1]\npassword = short\n", "must be 12.."},
	    {SITES "[site-broker:aarhus/dokk1]\nareas = main\n",
	     "unknown key (expected username, password)"},
	    {SITES "[site-broker:aarhus/tranebjerg]\nusername = aarhus.tranebjerg\n",
	     "'aarhus/tranebjerg' is not a site"},
	    {SITES "[site-broker:samsoe/dokk1]\nusername = samsoe.dokk1\n",
	     "'samsoe/dokk1' is not a site"},
	    {SITES "[sitebroker:aarhus/dokk1]\nusername = aarhus.dokk1\n", "[site-broker:"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *err = parse(bad[i].text, &c);
		if (!err || !strstr(err, bad[i].expect))
			fail_msg("case %zu: got '%s', expected '%s'", i, err ? err : "ok",
			         bad[i].expect);
		bc_config_free(&c);
	}
}

static void test_central_address(void **state)
{
	struct bs_central m = {0};
	assert_true(bs_central_parse("central.example.org:8883", &m));
	assert_string_equal(m.host, "central.example.org");
	assert_int_equal(m.port, 8883);
	assert_true(bs_central_parse("::1:1883", &m));
	assert_string_equal(m.host, "::1");
	static const char *const bad[] = {"central",    ":1883",    "host:",    "host:0",
	                                  "host:65536", "host:18x", "a b:1883", "host/x:1883"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (bs_central_parse(bad[i], &m))
			fail_msg("'%s' accepted", bad[i]);
}

static void test_acl_and_credentials(void **state)
{
	struct bc_config c, back;
	assert_null(parse(good, &c));
	char *acl = bs_central_acl(&c);
	assert_non_null(strstr(acl, "\nuser aarhus.dokk1\n"));
	assert_non_null(strstr(acl, "topic read callboard/v1/aarhus/dokk1/board/+\n"));
	assert_non_null(strstr(acl, "topic write callboard/v1/aarhus/dokk1/display/+/ack\n"));
	assert_null(strstr(acl, "gellerup"));
	assert_null(strstr(acl, "topic write callboard/v1/aarhus/dokk1/board"));
	/* The credentials file with the site broker's section parses back
	 * (its passwords generated first, as broker-config does). */
	strcpy(c.bridge_password, "bridge-password-1");
	char *base = bc_credentials(&c), *site = bs_credentials(&c);
	char *all = malloc(strlen(base) + strlen(site) + 1);
	strcpy(all, base);
	strcat(all, site);
	assert_null(parse(all, &back));
	assert_int_equal(back.nsite_brokers, 1);
	assert_string_equal(back.site_brokers[0].password, "site-dokk1-password");
	bc_config_free(&back);
	free(all);
	free(site);
	free(base);
	free(acl);
	bc_config_free(&c);
}

static void test_site_only_and_bridge(void **state)
{
	struct bc_config c, s;
	const struct bc_site_broker *sb;
	assert_null(parse(good, &c));
	assert_int_equal(bs_site_only(&c, "aarhus/dokk1", &s, &sb), 0);
	assert_int_equal(s.ntenants, 1);
	assert_int_equal(s.tenants[0].nsites, 1);
	assert_int_equal(s.ndisplays, 1);
	assert_string_equal(s.displays[0].username, "aarhus.dokk1.screen-1");
	assert_int_equal(s.nsite_brokers, 0);
	assert_string_equal(s.bridge_password, "");
	struct bs_central m = {.cafile = "/etc/ca.crt"};
	assert_true(bs_central_parse("central:8883", &m));
	char *conf = bs_bridge_conf(sb, &m);
	static const char *const lines[] = {
	    "address central:8883\n",
	    "remote_clientid aarhus.dokk1\n",
	    "remote_password site-dokk1-password\n",
	    "cleansession false\n",
	    "bridge_cafile /etc/ca.crt\n",
	    "topic board/+ in 1 callboard/v1/aarhus/dokk1/ callboard/v1/aarhus/dokk1/\n",
	    "topic display/+/cmd in 1 callboard/v1/aarhus/dokk1/ callboard/v1/aarhus/dokk1/\n",
	    "topic display/+/status out 1 callboard/v1/aarhus/dokk1/ callboard/v1/aarhus/dokk1/\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (!strstr(conf, lines[i]))
			fail_msg("no '%s' in:\n%s", lines[i], conf);
	assert_null(strstr(conf, "bridge_certfile"));
	free(conf);
	bc_config_free(&s);
	/* A site without a site broker, or one given without passwords. */
	assert_int_equal(bs_site_only(&c, "aarhus/gellerup", &s, &sb), -1);
	assert_int_equal(bs_site_only(&c, "aarhus", &s, &sb), -1);
	bc_config_free(&c);
	assert_null(parse(SITES "[display:aarhus/dokk1/x]\nareas = main\n"
	                        "[site-broker:aarhus/dokk1]\npassword = site-dokk1-password\n",
	                  &c));
	assert_int_equal(bs_site_only(&c, "aarhus/dokk1", &s, &sb), -1);
	bc_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_central_address),
	    cmocka_unit_test(test_acl_and_credentials),
	    cmocka_unit_test(test_site_only_and_bridge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

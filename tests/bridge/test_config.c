/* Bridge config parser and the personal-data key check: tables of good and
 * bad inputs; a bad one must name the key in its error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "request.h"
#include "config.h"

#define TENANT "[tenant:aarhus]\ntoken = 0123456789abcdef\nsites = dokk1, lystrup\n"

struct row {
	const char *text;
	const char *expect; /* NULL: valid; otherwise a substring of the first error */
};

static const struct row rows[] = {
    {TENANT, NULL},
    {"[http]\nlisten = 0.0.0.0:9000\nbody_limit = 4096\n" TENANT, NULL},
    {"[http]\nlisten = [::1]:9000\n" TENANT, NULL},
    {"[http]\nper_ip_connections = 0\nrequest_timeout = 300\n" TENANT, NULL},
    {"[mqtt]\nhost = broker\nport = 8883\nkeepalive = 20\ncafile = /x/ca.pem\n" TENANT, NULL},
    {"[board]\nlength = 50\nmax_age = 600\n" TENANT, NULL},
    {"[registry]\nhealth_interval = 10\nwebhook = http://127.0.0.1:9/alert\n" TENANT, NULL},
    {"[pairing]\nadmin = dynsec\ncode_ttl = 5\n" TENANT, NULL},
    {"[pairing]\nadmin = none\n" TENANT, NULL},
    {"[pairing]\nadmin = emqx\n" TENANT, "[pairing] admin: emqx: expected one of: none, dynsec"},
    {"[pairing]\ncode_ttl = 1\n" TENANT, "[pairing] code_ttl: 1: must be between 5 and 86400"},
    {"[pairing]\ncodes = 3\n" TENANT, "[pairing] codes: 3: unknown key"},
    {TENANT "[site:aarhus/dokk1]\nhours = mon-fri 08:00-16:00; sat 10:00-13:00; sun closed\n",
     NULL},
    /* the display's [hours] syntax: weekday keys, spans past midnight, dates */
    {TENANT "[site:aarhus/dokk1]\nhours = Mon-Fri 08:00-16:00; SAT Closed\nfri = 22:00-02:00\n"
            "2026-12-24 = closed\n",
     NULL},
    {"", "no tenant configured"},
    {"[http]\nlisten = 9000\n" TENANT, "[http] listen: 9000: expected host:port"},
    {"[http]\nlisten = 127.0.0.1:99999\n" TENANT, "[http] listen"},
    {"[http]\nbody_limit = 10\n" TENANT, "[http] body_limit"},
    {"[http]\nper_ip_connections = 5000\n" TENANT, "[http] per_ip_connections"},
    {"[http]\nrequest_timeout = 0\n" TENANT, "[http] request_timeout"},
    {"[http]\nadmin_token = short\n" TENANT, "at least 16 characters"},
    {"[http]\ncolour = red\n" TENANT, "[http] colour: red: unknown key"},
    {"[board]\nlength = 51\n" TENANT, "[board] length"},
    {"[board]\nlength = 0\n" TENANT, "[board] length"},
    {"[mqtt]\nport = x\n" TENANT, "[mqtt] port: x: not a whole number"},
    {"[mqtt]\ncertfile = /a\n" TENANT, "[mqtt] keyfile"},
    {"[registry]\nwebhook = https://x/y\n" TENANT, "must start with http://"},
    {"[tenant:Aarhus]\ntoken = 0123456789abcdef\nsites = a\n", "tenant name"},
    {"[tenant:aarhus]\nsites = dokk1\n", "[tenant:aarhus] token: missing"},
    {"[tenant:aarhus]\ntoken = 0123456789abcdef\n", "[tenant:aarhus] sites: missing"},
    {"[tenant:aarhus]\ntoken = 0123456789abcdef\nsites = Dokk1\n", "[tenant:aarhus] sites"},
    {TENANT "[tenant:samsoe]\ntoken = 0123456789abcdef\nsites = x\n", "same token"},
    {TENANT "[site:aarhus/nowhere]\nhours = mon 08:00-16:00\n", "no such site"},
    {TENANT "[site:aarhus/dokk1]\nhours = mon 16:00-16:00\n", "bad time range"},
    {TENANT "[site:aarhus/dokk1]\nhours = mon 16:0-18:00\n", "bad time range"},
    {TENANT "[site:aarhus/dokk1]\nhours = mon 16:00\n", "'16:00': expected HH:MM-HH:MM"},
    {TENANT "[site:aarhus/dokk1]\nhours = sat-mon closed\n", "days are"},
    {TENANT "[site:aarhus/dokk1]\nmon = 8-16\n",
     "[site:aarhus/dokk1] mon: 8-16: expected HH:MM-HH:MM or closed"},
    {TENANT "[site:aarhus/dokk1]\n2026-02-30 = closed\n",
     "[site:aarhus/dokk1] 2026-02-30: closed: expected a date as YYYY-MM-DD"},
    {TENANT "[site:aarhus/dokk1]\ncolour = red\n", "[site:aarhus/dokk1] colour: red: unknown key"},
    {TENANT "[site:aarhus/nowhere]\nsat = closed\n", "[site:aarhus/nowhere] sat: no such site"},
    {TENANT "[site:aarhus]\nhours = mon closed\n", "section must be [site:TENANT/SITE]"},
    {TENANT "[site:aarhus/dokk1]\nhours = funday 08:00-16:00\n", "days are"},
    {"[storage]\npath = /x\nsize = 3\n" TENANT, "[storage] size: 3: unknown key"},
    {"[nosuch]\na = b\n" TENANT, "unknown section"},
    {"not an ini line\n" TENANT, "syntax error"},
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct bridge_config *cfg = malloc(sizeof *cfg);
		struct cfg_ctx ctx = {0};
		bridge_config_defaults(cfg);
		int rc = bridge_config_load_string(cfg, "t.ini", rows[i].text, &ctx);
		if (!rows[i].expect) {
			if (rc != 0)
				fail_msg("row %zu: unexpected error: %s", i, ctx.errors[0]);
		} else {
			if (rc == 0)
				fail_msg("row %zu: accepted, want '%s'", i, rows[i].expect);
			bool found = false;
			for (int e = 0; e < ctx.nerrors && e < CFG_MAX_ERRORS; e++)
				found |= strstr(ctx.errors[e], rows[i].expect) != NULL;
			if (!found)
				fail_msg("row %zu: got '%s', want '%s'", i, ctx.errors[0],
				         rows[i].expect);
		}
		cfg_ctx_free(&ctx);
		bridge_config_free(cfg);
		free(cfg);
	}
}

static void test_values(void **state)
{
	struct bridge_config *cfg = malloc(sizeof *cfg);
	struct cfg_ctx ctx = {0};
	bridge_config_defaults(cfg);
	assert_int_equal(cfg->board_length, 10);
	assert_int_equal(cfg->stats_days, 90);
	assert_int_equal(
	    bridge_config_load_string(cfg, "t.ini",
	                              "[http]\nlisten = 127.0.0.1:8181\n" TENANT
	                              "[site:aarhus/lystrup]\nhours = mon-sun 00:00-24:00\n",
	                              &ctx),
	    0);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8181);
	assert_non_null(bridge_config_site(cfg, "aarhus", "lystrup"));
	assert_null(bridge_config_site(cfg, "aarhus", "nowhere"));
	assert_null(bridge_config_site(cfg, "samsoe", "dokk1"));
	assert_true(bridge_config_site_open(cfg, bridge_config_site(cfg, "samsoe", "dokk1"), 0));
	assert_true(bridge_config_site_open(cfg, bridge_config_site(cfg, "aarhus", "lystrup"),
	                                    1800000000000LL));
	cfg_ctx_free(&ctx);
	bridge_config_free(cfg);
	free(cfg);
}

/* Opening hours in UTC: the compact week, a weekday key that wins over it
 * whatever the order, and an exception date whose span runs past midnight. */
static void test_hours(void **state)
{
	static const struct {
		int64_t ms;
		bool open;
	} at[] = {
	    {1800032400000LL, true},  /* Fri 2027-01-15 17:00: fri = 08:00-18:00 */
	    {1799946000000LL, false}, /* Thu 2027-01-14 17:00 */
	    {1800097200000LL, true},  /* Sat 2027-01-16 11:00 */
	    {1800183600000LL, false}, /* Sun 2027-01-17 11:00: not named, closed */
	    {1798106400000LL, false}, /* Thu 2026-12-24 10:00: the exception */
	    {1798160400000LL, true},  /* Fri 2026-12-25 01:00: the exception's night */
	    {1798167600000LL, false}, /* Fri 2026-12-25 03:00 */
	};
	setenv("TZ", "UTC", 1);
	tzset();
	struct bridge_config *cfg = malloc(sizeof *cfg);
	struct cfg_ctx ctx = {0};
	bridge_config_defaults(cfg);
	assert_int_equal(bridge_config_load_string(cfg, "t.ini",
	                                           TENANT "[site:aarhus/dokk1]\n"
	                                                  "fri = 08:00-18:00\n"
	                                                  "hours = mon-fri 08:00-16:00; "
	                                                  "sat 10:00-13:00\n"
	                                                  "2026-12-24 = 20:00-02:00\n",
	                                           &ctx),
	                 0);
	const struct cfg_site *site = bridge_config_site(cfg, "aarhus", "dokk1");
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
		if (bridge_config_site_open(cfg, site, at[i].ms) != at[i].open)
			fail_msg("row %zu: want %s", i, at[i].open ? "open" : "closed");
	assert_true(bridge_config_site_open(cfg, bridge_config_site(cfg, "aarhus", "lystrup"),
	                                    at[3].ms)); /* no hours: always open */
	cfg_ctx_free(&ctx);
	bridge_config_free(cfg);
	free(cfg);
}

/* A country's worth: 300 tenants, the last with 1,000 sites on one line,
 * and opening hours for each of them. */
static void test_many_sites(void **state)
{
	enum { TENANTS = 300, SITES = 1000 };
	size_t cap = (size_t)TENANTS * 80 + (size_t)SITES * 60;
	char *text = malloc(cap);
	size_t n = 0;
	for (int i = 1; i <= TENANTS; i++)
		n += (size_t)snprintf(text + n, cap - n,
		                      "[tenant:t%d]\ntoken = token-%012d\nsites = %s", i, i,
		                      i < TENANTS ? "main\n" : "");
	for (int i = 1; i <= SITES; i++)
		n += (size_t)snprintf(text + n, cap - n, "%ssite-%d", i > 1 ? ", " : "", i);
	n += (size_t)snprintf(text + n, cap - n, "\n");
	for (int i = 1; i <= SITES; i++)
		n += (size_t)snprintf(text + n, cap - n, "[site:t%d/site-%d]\nsun = closed\n",
		                      TENANTS, i);
	assert_true(n < cap - 1);
	struct bridge_config *cfg = malloc(sizeof *cfg);
	struct cfg_ctx ctx = {0};
	bridge_config_defaults(cfg);
	if (bridge_config_load_string(cfg, "t.ini", text, &ctx) != 0)
		fail_msg("%s", ctx.errors[0]);
	assert_int_equal(cfg->ntenants, TENANTS);
	assert_int_equal(cfg->nhours, SITES);
	const struct cfg_tenant *t = bridge_config_tenant(cfg, "t300");
	assert_non_null(t);
	assert_int_equal(t->nsites, SITES);
	const struct cfg_site *last = bridge_config_site(cfg, "t300", "site-1000");
	assert_non_null(last);
	assert_int_equal(last->hours, SITES);
	assert_false(bridge_config_site_open(cfg, last, 1800183600000LL)); /* a Sunday */
	cfg_ctx_free(&ctx);
	bridge_config_free(cfg);
	free(cfg);
	free(text);
}

static void test_personal_keys(void **state)
{
	static const char *const yes[] = {"name",         "Name",          "NAME",   "full_name",
	                                  "firstName",    "cpr",           "CPR_nr", "phone",
	                                  "phone_number", "email",         "e-mail", "Address",
	                                  "birthday",     "date_of_birth", "mobile", NULL};
	static const char *const no[] = {"ticket", "desk", "desk_label", "service", "area",
	                                 "id",     "text", "mode",       NULL};
	for (int i = 0; yes[i]; i++)
		if (!request_personal_key(yes[i]))
			fail_msg("%s should be refused", yes[i]);
	for (int i = 0; no[i]; i++)
		if (request_personal_key(no[i]))
			fail_msg("%s should be accepted", no[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),         cmocka_unit_test(test_values),
	    cmocka_unit_test(test_hours),         cmocka_unit_test(test_many_sites),
	    cmocka_unit_test(test_personal_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

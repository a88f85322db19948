/* The CLI's HTTP helpers: request URLs under the bridge URL (table) and
 * target names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "http.h"

/* The bridge URL: common/url parses it (tests/common/test_url.c); the CLI
 * keeps its path as a prefix and puts request paths under it. */
static void test_url_for(void **state)
{
	static const struct {
		const char *url, *path, *full;
	} cases[] = {
	    {"http://127.0.0.1:8080", "/v1/devices", "http://127.0.0.1:8080/v1/devices"},
	    {"http://localhost", "/v1/devices", "http://localhost:80/v1/devices"},
	    {"http://h:1/api/", "/v1/x", "http://h:1/api/v1/x"},
	    {"http://h:1/api//", "/v1/x", "http://h:1/api/v1/x"},
	    {"http://[::1]:8080/b", "/v1/x", "http://[::1]:8080/b/v1/x"},
	    {"https://h", "/v1/x", "https://h:443/v1/x"},
	};
	struct http_url u;
	char why[160], full[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (!http_url_parse(cases[i].url, &u, why, sizeof why))
			fail_msg("%s: %s", cases[i].url, why);
		assert_true(http_url_for(&u, cases[i].path, full, sizeof full));
		assert_string_equal(full, cases[i].full);
	}
	assert_true(http_url_parse("http://bridge.example", &u, why, sizeof why));
	assert_false(http_url_for(&u, "/v1/devices", full, 16));
	/* A query would end up in the middle of every request path. */
	assert_false(http_url_parse("http://h/x?y=1", &u, why, sizeof why));
	assert_non_null(strstr(why, "query"));
	assert_false(http_url_parse("ftp://h", &u, why, sizeof why));
	assert_non_null(strstr(why, "must start with http:// or https://"));
}

static void test_split_target(void **state)
{
	static const struct {
		const char *s;
		int want;
		const char *err;
	} cases[] = {
	    {"aarhus/dokk1", 2, NULL},
	    {"aarhus/dokk1/screen-1", 3, NULL},
	    {"aarhus", 2, "expected TENANT/SITE"},
	    {"aarhus/dokk1/x", 2, "expected TENANT/SITE"},
	    {"aarhus/dokk1", 3, "expected TENANT/SITE/DEVICE"},
	    {"Aarhus/dokk1", 2, "tenant 'Aarhus'"},
	    {"aarhus/-x", 2, "site '-x'"},
	    {"/dokk1", 2, "tenant: missing"},
	    {"aarhus/", 2, "site: missing"},
	    {"aarhus/dokk1/", 3, "device: missing"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char names[3][64], why[256] = "";
		bool ok = cli_split_target(cases[i].s, cases[i].want, names, why, sizeof why);
		if (ok != !cases[i].err || (cases[i].err && !strstr(why, cases[i].err)))
			fail_msg("'%s': got %d '%s'", cases[i].s, ok, why);
	}
	char names[3][64], why[256];
	assert_true(cli_split_target("aarhus/dokk1/screen-1", 3, names, why, sizeof why));
	assert_string_equal(names[0], "aarhus");
	assert_string_equal(names[1], "dokk1");
	assert_string_equal(names[2], "screen-1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_for),
	    cmocka_unit_test(test_split_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

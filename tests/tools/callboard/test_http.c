/* The CLI's HTTP helpers: request URLs under the bridge URL (table), path
 * escaping, target names. */
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

/* The bridge URL: common/url parses it; the CLI keeps the path as a prefix
 * and puts request paths under it. */
static void test_url_for(void **state)
{
	static const struct {
		const char *url, *path, *full, *err;
	} cases[] = {
	    {"http://127.0.0.1:8080", "/v1/devices", "http://127.0.0.1:8080/v1/devices", NULL},
	    {"http://localhost", "/v1/devices", "http://localhost:80/v1/devices", NULL},
	    {"http://h:1/api/", "/v1/x", "http://h:1/api/v1/x", NULL},
	    {"http://h:1/api//", "/v1/x", "http://h:1/api/v1/x", NULL},
	    {"http://[::1]:8080/b", "/v1/x", "http://[::1]:8080/b/v1/x", NULL},
	    {"https://h", "/v1/x", "https://h:443/v1/x", NULL},
	    {"ftp://h", NULL, NULL, "must start with http:// or https://"},
	    {"http://h:0", NULL, NULL, "bad port"},
	    {"http://h/x?y=1", NULL, NULL, "query"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_url u;
		char why[160] = "", full[256];
		bool ok = http_url_parse(cases[i].url, &u, why, sizeof why);
		if (cases[i].err) {
			if (ok || !strstr(why, cases[i].err))
				fail_msg("%s: got '%s', expected '%s'", cases[i].url, why,
				         cases[i].err);
			continue;
		}
		if (!ok)
			fail_msg("%s: %s", cases[i].url, why);
		assert_true(http_url_for(&u, cases[i].path, full, sizeof full));
		assert_string_equal(full, cases[i].full);
	}
	struct http_url u;
	char why[160], small[16];
	assert_true(http_url_parse("http://bridge.example", &u, why, sizeof why));
	assert_false(http_url_for(&u, "/v1/devices", small, sizeof small));
}

static void test_path_escape(void **state)
{
	char out[64];
	assert_true(http_path_escape("c7f3-a_b.c~d", out, sizeof out));
	assert_string_equal(out, "c7f3-a_b.c~d");
	assert_true(http_path_escape("a b/c?", out, sizeof out));
	assert_string_equal(out, "a%20b%2Fc%3F");
	assert_true(http_path_escape("æ", out, sizeof out));
	assert_string_equal(out, "%C3%A6");
	assert_false(http_path_escape("////", out, 12));
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
	    cmocka_unit_test(test_path_escape),
	    cmocka_unit_test(test_split_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

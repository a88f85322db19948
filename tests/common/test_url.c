/* The one URL parser: a table of accepted and refused URLs, formatting and
 * escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "url.h"

static void test_parse(void **state)
{
	static const struct {
		const char *url, *host, *path;
		int port;
		const char *err;
	} cases[] = {
	    {"http://127.0.0.1:8080", "127.0.0.1", "/", 8080, NULL},
	    {"http://localhost", "localhost", "/", 80, NULL},
	    {"HTTP://bridge.example:9000/", "bridge.example", "/", 9000, NULL},
	    {"http://h:1/api/", "h", "/api/", 1, NULL},
	    {"http://[::1]:8080/x", "::1", "/x", 8080, NULL},
	    {"http://[::1]", "::1", "/", 80, NULL},
	    {"https://h", "h", "/", 443, NULL},
	    {"https://h:8443/b", "h", "/b", 8443, NULL},
	    {"http://relay:9/hook?k=v", "relay", "/hook?k=v", 9, NULL},
	    {"ftp://h", NULL, NULL, 0, "must start with http:// or https://"},
	    {"127.0.0.1:8080", NULL, NULL, 0, "must start with http:// or https://"},
	    {"http://", NULL, NULL, 0, "no host"},
	    {"http://:80", NULL, NULL, 0, "no host"},
	    {"http://h:x1", NULL, NULL, 0, "bad port"},
	    {"http://h:0", NULL, NULL, 0, "bad port"},
	    {"http://h:65536", NULL, NULL, 0, "bad port"},
	    {"http://[::1:80", NULL, NULL, 0, "IPv6"},
	    {"http://u:p@h/", NULL, NULL, 0, "user name"},
	    {"http://h h/", NULL, NULL, 0, "host"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct url u;
		char why[160] = "";
		bool ok = url_parse(cases[i].url, true, &u, why, sizeof why);
		if (cases[i].err) {
			if (ok || !strstr(why, cases[i].err))
				fail_msg("%s: got '%s', expected '%s'", cases[i].url, why,
				         cases[i].err);
			continue;
		}
		if (!ok)
			fail_msg("%s: %s", cases[i].url, why);
		assert_string_equal(u.host, cases[i].host);
		assert_int_equal(u.port, cases[i].port);
		assert_string_equal(u.path, cases[i].path);
		assert_int_equal(u.tls, !strncmp(cases[i].url, "https:", 6));
	}
}

static void test_plain_only(void **state)
{
	struct url u;
	char why[160];
	assert_false(url_parse("https://h/", false, &u, why, sizeof why));
	assert_string_equal(why, "must start with http://");
	assert_true(url_parse("http://h/", false, &u, why, sizeof why));
}

static void test_format(void **state)
{
	struct url u;
	char why[160], buf[64];
	assert_true(url_parse("http://[::1]:81/p", true, &u, why, sizeof why));
	assert_true(url_format(&u, "/api", "/v1/x", buf, sizeof buf));
	assert_string_equal(buf, "http://[::1]:81/api/v1/x");
	assert_true(url_parse("https://h", true, &u, why, sizeof why));
	assert_true(url_format(&u, "", "", buf, sizeof buf));
	assert_string_equal(buf, "https://h:443");
	assert_false(url_format(&u, "", "/0123456789012345678901234567890123456789012345678901",
	                        buf, sizeof buf));
}

static void test_escape(void **state)
{
	char out[64];
	assert_true(url_escape("c7f3-a_b.c~d", out, sizeof out));
	assert_string_equal(out, "c7f3-a_b.c~d");
	assert_true(url_escape("a b/c?:", out, sizeof out));
	assert_string_equal(out, "a%20b%2Fc%3F%3A");
	assert_true(url_escape("æ", out, sizeof out));
	assert_string_equal(out, "%C3%A6");
	assert_false(url_escape("////", out, 12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_plain_only),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

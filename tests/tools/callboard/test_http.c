/* The CLI's HTTP client: URL parsing (table), path escaping, target names. */
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

static void test_url_parse(void **state)
{
	static const struct {
		const char *url, *host, *port, *prefix, *err;
	} cases[] = {
	    {"http://127.0.0.1:8080", "127.0.0.1", "8080", "", NULL},
	    {"http://localhost", "localhost", "80", "", NULL},
	    {"http://bridge.example:9000/", "bridge.example", "9000", "", NULL},
	    {"http://h:1/api/", "h", "1", "/api", NULL},
	    {"http://[::1]:8080/x", "::1", "8080", "/x", NULL},
	    {"http://[::1]", "::1", "80", "", NULL},
	    {"https://h", "h", "443", "", NULL},
	    {"https://h:8443/b", "h", "8443", "/b", NULL},
	    {"ftp://h", NULL, NULL, NULL, "must start with http:// or https://"},
	    {"127.0.0.1:8080", NULL, NULL, NULL, "must start with http:// or https://"},
	    {"http://", NULL, NULL, NULL, "no host"},
	    {"http://:80", NULL, NULL, NULL, "no host"},
	    {"http://h:", NULL, NULL, NULL, "bad port"},
	    {"http://h:x1", NULL, NULL, NULL, "bad port"},
	    {"http://h:0", NULL, NULL, NULL, "port must be"},
	    {"http://h:65536", NULL, NULL, NULL, "port must be"},
	    {"http://[::1:80", NULL, NULL, NULL, "unterminated"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_url u;
		char why[160] = "";
		bool ok = http_url_parse(cases[i].url, &u, why, sizeof why);
		if (cases[i].err) {
			if (ok || !strstr(why, cases[i].err))
				fail_msg("%s: got '%s', expected '%s'", cases[i].url, why,
				         cases[i].err);
			continue;
		}
		if (!ok)
			fail_msg("%s: %s", cases[i].url, why);
		assert_string_equal(u.host, cases[i].host);
		assert_string_equal(u.port, cases[i].port);
		assert_string_equal(u.prefix, cases[i].prefix);
		assert_int_equal(u.tls, !strncmp(cases[i].url, "https:", 6));
	}
}

static void test_parse_response(void **state)
{
	static const struct {
		const char *raw;
		int status;
		const char *body, *ctype, *err;
	} cases[] = {
	    {"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: "
	     "19\r\n\r\n{\"id\":\"a\",\"seq\":42}",
	     202, "{\"id\":\"a\",\"seq\":42}", "application/json", NULL},
	    {"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA", 200, "ok", "", NULL},
	    {"HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<html>", 200, "<html>", "text/html",
	     NULL},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	     "chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
	     200, "abcde", "", NULL},
	    {"HTTP/1.1 422 Unprocessable\r\nContent-Length: 0\r\n\r\n", 422, "", "", NULL},
	    {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 0, NULL, NULL, "cut short"},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab", 0, NULL,
	     NULL, "malformed chunked"},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, NULL, NULL,
	     "malformed chunked"},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, NULL, NULL,
	     "malformed chunked"},
	    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 0, NULL, NULL, "malformed HTTP response"},
	    {"SMTP 220 hello\r\n\r\n", 0, NULL, NULL, "malformed HTTP response"},
	    {"HTTP/1.1 999 Odd\r\n\r\n", 0, NULL, NULL, "status line"},
	    {"HTTP/1.1 abc\r\n\r\n", 0, NULL, NULL, "status line"},
	    {"", 0, NULL, NULL, "malformed HTTP response"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = strlen(cases[i].raw);
		char *buf = malloc(n + 1);
		memcpy(buf, cases[i].raw, n + 1);
		struct http_response r = {0};
		char why[160] = "";
		bool ok = http_parse_response(buf, n, &r, why, sizeof why);
		if (cases[i].err) {
			if (ok || !strstr(why, cases[i].err))
				fail_msg("case %zu: got %d '%s', expected '%s'", i, ok, why,
				         cases[i].err);
		} else {
			if (!ok)
				fail_msg("case %zu: %s", i, why);
			assert_int_equal(r.status, cases[i].status);
			assert_string_equal(r.body, cases[i].body);
			assert_int_equal(r.len, strlen(cases[i].body));
			assert_string_equal(r.content_type, cases[i].ctype);
		}
		http_response_free(&r);
		free(buf);
	}
}

static void test_path_escape(void **state)
{
	char out[64];
	assert_true(http_path_escape("c7f3-a_b.c:d", out, sizeof out));
	assert_string_equal(out, "c7f3-a_b.c:d");
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
	    cmocka_unit_test(test_url_parse),
	    cmocka_unit_test(test_parse_response),
	    cmocka_unit_test(test_path_escape),
	    cmocka_unit_test(test_split_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

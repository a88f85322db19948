/* The registry's key parser, as a table: "tenant/site" and
 * "tenant/site/device" split into valid names, everything else refused
 * (the ?site= and ?after= of GET /v1/devices). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"

#define LONG63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"

static void test_key_split(void **state)
{
	static const struct {
		const char *in;
		int n;
		bool ok;
		const char *last;
	} cases[] = {
	    {"aarhus/dokk1", 2, true, "dokk1"},  {"aarhus/dokk1/screen-1", 3, true, "screen-1"},
	    {"a/b/" LONG63, 3, true, LONG63},    {"a/b/" LONG63 "x", 3, false, NULL},
	    {"aarhus/dokk1", 3, false, NULL},    {"aarhus/dokk1/screen-1", 2, false, NULL},
	    {"aarhus/dokk1/", 3, false, NULL},   {"aarhus//screen-1", 3, false, NULL},
	    {"/dokk1/screen-1", 3, false, NULL}, {"aarhus/dokk1/screen-1/x", 3, false, NULL},
	    {"Aarhus/dokk1", 2, false, NULL},    {"aarhus/dokk 1", 2, false, NULL},
	    {"nonsense", 3, false, NULL},        {"", 2, false, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char parts[3][PROTO_NAME_MAX + 1];
		bool ok = registry_key_split(cases[i].in, parts, cases[i].n);
		if (ok != cases[i].ok)
			fail_msg("'%s' (%d parts): %s", cases[i].in, cases[i].n,
			         ok ? "accepted" : "refused");
		if (ok)
			assert_string_equal(parts[cases[i].n - 1], cases[i].last);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

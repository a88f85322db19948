/* RFC 3339 UTC timestamps: parse edge cases and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timeutil.h"

struct tcase {
	const char *s;
	bool ok;
	int64_t ms;
};

static const struct tcase cases[] = {
    {"1970-01-01T00:00:00Z", true, 0},
    {"1970-01-01T00:00:00.000Z", true, 0},
    {"2026-11-30T09:15:02.123Z", true, 1796030102123LL},
    {"2026-11-30T09:15:02.1Z", true, 1796030102100LL},
    {"2026-11-30T09:15:02.12Z", true, 1796030102120LL},
    {"2026-11-30T09:15:02.123456789Z", true, 1796030102123LL}, /* truncated, not rounded */
    {"2026-11-30T09:15:02.999999999Z", true, 1796030102999LL},
    {"2024-02-29T00:00:00Z", true, 1709164800000LL}, /* leap year */
    {"2000-02-29T12:00:00Z", true, 951825600000LL},  /* divisible by 400 */
    {"9999-12-31T23:59:59.999Z", true, 253402300799999LL},
    {"2026-06-30T23:59:60Z", true, 1782863999000LL}, /* leap second: held at :59 */
    {"2023-02-29T00:00:00Z", false, 0},
    {"2100-02-29T00:00:00Z", false, 0}, /* century, not leap */
    {"2026-04-31T00:00:00Z", false, 0},
    {"2026-13-01T00:00:00Z", false, 0},
    {"2026-00-01T00:00:00Z", false, 0},
    {"2026-01-00T00:00:00Z", false, 0},
    {"2026-01-01T24:00:00Z", false, 0},
    {"2026-01-01T00:60:00Z", false, 0},
    {"2026-01-01T00:00:61Z", false, 0},
    {"1969-12-31T23:59:59Z", false, 0},
    {"2026-11-30T09:15:02.1234567890Z", false, 0}, /* more than 9 fraction digits */
    {"2026-11-30T09:15:02.Z", false, 0},
    {"2026-11-30T09:15:02,123Z", false, 0},
    {"2026-11-30T09:15:02+00:00", false, 0},
    {"2026-11-30T10:15:02+01:00", false, 0},
    {"2026-11-30T09:15:02.123+01:00", false, 0},
    {"2026-11-30T09:15:02", false, 0},
    {"2026-11-30T09:15:02z", false, 0},
    {"2026-11-30t09:15:02Z", false, 0},
    {"2026-11-30 09:15:02Z", false, 0},
    {"2026-11-30T09:15:02ZZ", false, 0},
    {"2026-11-30T09:15:02Z ", false, 0},
    {" 2026-11-30T09:15:02Z", false, 0},
    {"26-11-30T09:15:02Z", false, 0},
    {"2026-1-30T09:15:02Z", false, 0},
    {"+2026-11-30T09:15:02Z", false, 0},
    {"2026-11-30", false, 0},
    {"", false, 0},
};

static void test_parse(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t ms = -42;
		bool ok = time_parse_iso(cases[i].s, &ms);
		if (ok != cases[i].ok || (ok && ms != cases[i].ms)) {
			print_error("'%s': ok=%d ms=%lld\n", cases[i].s, ok, (long long)ms);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_format(void **state)
{
	(void)state;
	char buf[32];
	time_fmt_iso(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	time_fmt_iso(1796030102123LL, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-30T09:15:02.123Z");
	time_fmt_iso(1709164800005LL, buf, sizeof buf);
	assert_string_equal(buf, "2024-02-29T00:00:00.005Z");
	time_fmt_iso(253402300799999LL, buf, sizeof buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	/* every formatted value parses back to itself */
	for (int64_t ms = 0; ms < 4102444800000LL; ms += 86399999LL * 37) {
		int64_t back;
		time_fmt_iso(ms, buf, sizeof buf);
		assert_int_equal(strlen(buf), 24);
		assert_true(time_parse_iso(buf, &back));
		assert_int_equal(back, ms);
	}
}

static void test_clocks(void **state)
{
	(void)state;
	int64_t a = time_mono_ms(), b = time_mono_ms();
	assert_true(b >= a);
	assert_true(time_now_ms() > 1700000000000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_clocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

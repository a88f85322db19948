/* Opening hours: weekdays, spans past midnight, exception dates, DST days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cfgparse.h"
#include "schedule.h"

static struct sched_time at(int y, int mo, int d, int wday, int h, int mi)
{
	return (struct sched_time){y, mo, d, wday, h * 60 + mi};
}

/* Whether s is open at that local time. */
static bool open_at(const struct schedule *s, int y, int mo, int d, int wday, int h, int mi)
{
	struct sched_time t = at(y, mo, d, wday, h, mi);
	return schedule_open(s, &t);
}

static void set(struct schedule *s, int wday, const char *v)
{
	assert_true(schedule_parse_day(v, &s->week[wday]));
}

static void test_parse_day(void **state)
{
	static const struct {
		const char *in;
		bool ok;
		int from, to;
	} cases[] = {
	    {"08:00-16:00", true, 480, 960}, {"22:00-02:00", true, 1320, 120},
	    {"00:00-24:00", true, 0, 1440},  {"closed", true, -1, -1},
	    {"8:00-16:00", false, 0, 0},     {"08:00-16:60", false, 0, 0},
	    {"25:00-26:00", false, 0, 0},    {"08:00-08:00", false, 0, 0},
	    {"08:00 16:00", false, 0, 0},    {"", false, 0, 0},
	    {"24:00-08:00", false, 0, 0},    {"08:00-16:00x", false, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sched_day d;
		bool ok = schedule_parse_day(cases[i].in, &d);
		assert_int_equal(ok, cases[i].ok);
		if (ok && !d.closed) {
			assert_int_equal(d.from_min, cases[i].from);
			assert_int_equal(d.to_min, cases[i].to);
		}
	}
	int y, m, dd;
	assert_true(schedule_parse_date("2026-12-24", &y, &m, &dd));
	assert_int_equal(dd, 24);
	assert_true(schedule_parse_date("2028-02-29", &y, &m, &dd));
	assert_false(schedule_parse_date("2026-02-29", &y, &m, &dd));
	assert_false(schedule_parse_date("2026-13-01", &y, &m, &dd));
	assert_false(schedule_parse_date("2026-1-01", &y, &m, &dd));
}

static void test_weekdays(void **state)
{
	struct schedule s;
	schedule_init(&s);
	assert_true(open_at(&s, 2026, 11, 30, 1, 3, 0)); /* default: always open */
	set(&s, 1, "08:00-16:00");
	set(&s, 0, "closed");
	assert_false(open_at(&s, 2026, 11, 30, 1, 7, 59));
	assert_true(open_at(&s, 2026, 11, 30, 1, 8, 0));
	assert_true(open_at(&s, 2026, 11, 30, 1, 15, 59));
	assert_false(open_at(&s, 2026, 11, 30, 1, 16, 0));
	assert_false(open_at(&s, 2026, 11, 29, 0, 12, 0));
}

static void test_across_midnight(void **state)
{
	struct schedule s;
	schedule_init(&s);
	for (int i = 0; i < 7; i++)
		set(&s, i, "closed");
	set(&s, 5, "20:00-02:00"); /* Friday evening into Saturday */
	assert_true(open_at(&s, 2026, 12, 4, 5, 21, 0));
	assert_true(open_at(&s, 2026, 12, 5, 6, 1, 59));
	assert_false(open_at(&s, 2026, 12, 5, 6, 2, 0));
	assert_false(open_at(&s, 2026, 12, 4, 5, 1, 0)); /* Friday 01:00: Thursday is closed */
	/* Across a month and a year boundary: 31 Dec (Thu) into 1 Jan. */
	set(&s, 4, "22:00-03:00");
	assert_true(open_at(&s, 2027, 1, 1, 5, 2, 30));
}

static void test_exceptions(void **state)
{
	struct schedule s;
	schedule_init(&s);
	for (int i = 1; i <= 5; i++)
		set(&s, i, "08:00-16:00");
	struct sched_day closed, short_day, late;
	assert_true(schedule_parse_day("closed", &closed));
	assert_true(schedule_parse_day("10:00-13:00", &short_day));
	assert_true(schedule_parse_day("23:00-01:00", &late));
	assert_true(schedule_add_exception(&s, 2026, 12, 24, &closed));
	assert_true(schedule_add_exception(&s, 2026, 12, 23, &short_day));
	assert_false(open_at(&s, 2026, 12, 24, 4, 9, 0));
	assert_false(open_at(&s, 2026, 12, 23, 3, 9, 0));
	assert_true(open_at(&s, 2026, 12, 23, 3, 12, 0));
	assert_true(open_at(&s, 2026, 12, 22, 2, 9, 0));
	/* An exception's span past midnight carries into the next (closed) day. */
	assert_true(schedule_add_exception(&s, 2026, 12, 31, &late));
	assert_true(open_at(&s, 2027, 1, 1, 5, 0, 30));
	/* Replacing an exception does not add a second one. */
	int n = s.nexceptions;
	assert_true(schedule_add_exception(&s, 2026, 12, 24, &short_day));
	assert_int_equal(s.nexceptions, n);
}

/* Local time from the epoch with Europe/Copenhagen on DST change days. */
static void test_dst(void **state)
{
	setenv("TZ", "Europe/Copenhagen", 1);
	tzset();
	struct schedule s;
	schedule_init(&s);
	set(&s, 0, "01:00-04:00"); /* both change days are Sundays */
	struct sched_time t;
	/* 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC. */
	int64_t spring = 1774746000000LL; /* 2026-03-29T01:00:00Z */
	schedule_local(spring - 1, &t);
	assert_int_equal(t.min, 1 * 60 + 59);
	assert_int_equal(t.mday, 29);
	schedule_local(spring, &t);
	assert_int_equal(t.min, 3 * 60);
	assert_true(schedule_open(&s, &t));
	schedule_local(spring + 3600000, &t); /* 04:00 CEST: closed */
	assert_int_equal(t.min, 4 * 60);
	assert_false(schedule_open(&s, &t));
	/* 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC. */
	int64_t autumn = 1792890000000LL; /* 2026-10-25T01:00:00Z */
	schedule_local(autumn - 1, &t);
	assert_int_equal(t.min, 2 * 60 + 59);
	schedule_local(autumn, &t);
	assert_int_equal(t.min, 2 * 60);
	assert_int_equal(t.wday, 0);
	assert_true(schedule_open(&s, &t));
	schedule_local(autumn + 2 * 3600000, &t); /* 04:00 CET */
	assert_false(schedule_open(&s, &t));
	/* Midnight in local time, not UTC: 2026-11-29T23:30Z is Monday 00:30. */
	schedule_local(1795995000000LL, &t);
	assert_int_equal(t.wday, 1);
	assert_int_equal(t.mday, 30);
	assert_int_equal(t.min, 30);
}

/* The config keys both programs share: weekdays in any case, dates, and
 * anything else left to the caller. */
static void test_config_key(void **state)
{
	assert_int_equal(schedule_weekday("sun", 3), 0);
	assert_int_equal(schedule_weekday("Mon", 3), 1);
	assert_int_equal(schedule_weekday("sat-sun", 3), 6);
	assert_int_equal(schedule_weekday("sunday", 6), -1);
	struct schedule s;
	schedule_init(&s);
	struct cfg_ctx ctx = {.path = "x.ini", .line = 3};
	assert_true(schedule_config_key(&ctx, &s, "hours", "tue", "22:00-02:00"));
	assert_int_equal(s.week[2].from_min, 22 * 60);
	assert_true(schedule_config_key(&ctx, &s, "hours", "2026-12-24", "closed"));
	assert_int_equal(s.nexceptions, 1);
	assert_int_equal(ctx.nerrors, 0);
	assert_false(schedule_config_key(&ctx, &s, "hours", "closed_text", "x"));
	assert_true(schedule_config_key(&ctx, &s, "hours", "wed", "9-17"));
	assert_true(schedule_config_key(&ctx, &s, "hours", "2026-13-01", "closed"));
	assert_int_equal(ctx.nerrors, 2);
	assert_string_equal(ctx.errors[0],
	                    "x.ini:3: [hours] wed: 9-17: expected HH:MM-HH:MM or closed");
	assert_string_equal(ctx.errors[1],
	                    "x.ini:3: [hours] 2026-13-01: closed: expected a date as YYYY-MM-DD");
	cfg_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_day),
	    cmocka_unit_test(test_weekdays),
	    cmocka_unit_test(test_across_midnight),
	    cmocka_unit_test(test_exceptions),
	    cmocka_unit_test(test_dst),
	    cmocka_unit_test(test_config_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The status page's problem rules: a table of display states and the
 * problems each must give, as "kind@severity text" lines, in order. Times
 * are rendered in UTC; now is 2026-12-01 12:00:00. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "problems.h"

#define NOW_MS 1796126400000LL
#define NONE   (-1) /* no time known */

struct row {
	const char *what;
	enum dev_state state;
	int64_t since_ago_s, seen_ago_s; /* NONE: unknown */
	bool behind;
	int64_t ack_seq, board_seq; /* of area "main"; both 0: no area */
	bool health;                /* a health report, with the fields below */
	enum proto_screen_state screen;
	enum proto_audio_state audio;
	int undervoltage;
	bool has_clock;
	int64_t clock_ms;
	double temp_c; /* 0: not reported */
	bool closed;   /* the site is outside its opening hours */
	const char *want;
};

static const struct row rows[] = {
    {"online and well", DEV_ONLINE, 60, 1, .health = true, .temp_c = 48.5, .want = ""},
    {"online, no health yet", DEV_ONLINE, 60, 1, .want = ""},
    {"offline", DEV_OFFLINE, 300, 400, .want = "offline@0 offline since 11:55:00 (5 min ago)\n"},
    {"offline, since unknown: last seen", DEV_OFFLINE, NONE, 7200,
     .want = "offline@0 offline since 10:00:00 (2 h 0 min ago)\n"},
    {"offline since yesterday", DEV_OFFLINE, 90000, NONE,
     .want = "offline@0 offline since 2026-11-30 11:00 (1 d 1 h ago)\n"},
    {"offline, no time at all", DEV_OFFLINE, NONE, NONE,
     .want = "offline@0 offline since an unknown time\n"},
    {"stale", DEV_STALE, 10, 42,
     .want = "stale@0 stale: no health report, last heard from 11:59:18 (42 s ago)\n"},
    {"stale, never heard", DEV_STALE, 10, NONE,
     .want = "stale@0 stale: no health report, last heard from an unknown time\n"},
    {"unknown", DEV_UNKNOWN, NONE, NONE, .want = "unknown@0 state unknown\n"},
    {"behind", DEV_ONLINE, 60, 1, true, 4, 9,
     .want = "behind@1 behind: area main still shows an older board (seq 4, sent 9)\n"},
    {"behind, no area lags", DEV_ONLINE, 60, 1, true,
     .want = "behind@1 behind: shows an older board\n"},
    {"acked the latest board", DEV_ONLINE, 60, 1, false, 9, 9, .want = ""},
    {"no output while open", DEV_ONLINE, 60, 1, .health = true, .screen = PROTO_SCREEN_NO_OUTPUT,
     .want = "no-output@1 no output: no screen connected during opening hours\n"},
    {"no output while closed", DEV_ONLINE, 60, 1, .health = true, .screen = PROTO_SCREEN_NO_OUTPUT,
     .closed = true, .want = ""},
    {"screen closed", DEV_ONLINE, 60, 1, .health = true, .screen = PROTO_SCREEN_CLOSED, .want = ""},
    {"no audio device", DEV_ONLINE, 60, 1, .health = true, .audio = PROTO_AUDIO_NONE,
     .want = "silent@1 silent: audio none\n"},
    {"audio error", DEV_ONLINE, 60, 1, .health = true, .audio = PROTO_AUDIO_ERROR,
     .want = "silent@1 silent: audio error\n"},
    {"muted is no problem", DEV_ONLINE, 60, 1, .health = true, .audio = PROTO_AUDIO_MUTED,
     .want = ""},
    {"under-voltage", DEV_ONLINE, 60, 1, .health = true, .undervoltage = 1,
     .want = "under-voltage@2 under-voltage: check the power supply\n"},
    {"under-voltage unknown", DEV_ONLINE, 60, 1, .health = true, .undervoltage = -1, .want = ""},
    {"clock ahead", DEV_ONLINE, 60, 1, .health = true, .has_clock = true, .clock_ms = 31500,
     .want = "clock-off@2 clock off by 31 s\n"},
    {"clock behind", DEV_ONLINE, 60, 1, .health = true, .has_clock = true, .clock_ms = -45000,
     .want = "clock-off@2 clock off by -45 s\n"},
    {"clock at the limit", DEV_ONLINE, 60, 1, .health = true, .has_clock = true, .clock_ms = -30000,
     .want = ""},
    {"clock offset not measured", DEV_ONLINE, 60, 1, .health = true, .clock_ms = 99999, .want = ""},
    {"hot", DEV_ONLINE, 60, 1, .health = true, .temp_c = 80.0, .want = "hot@2 CPU at 80 \u00b0C\n"},
    {"warm", DEV_ONLINE, 60, 1, .health = true, .temp_c = 79.9, .want = ""},
    {"offline: old health is not current", DEV_OFFLINE, 60, 60, .health = true,
     .audio = PROTO_AUDIO_NONE, .undervoltage = 1, .temp_c = 95,
     .want = "offline@0 offline since 11:59:00 (1 min ago)\n"},
    {"stale: old health is not current", DEV_STALE, 60, 60, .health = true,
     .screen = PROTO_SCREEN_NO_OUTPUT,
     .want = "stale@0 stale: no health report, last heard from 11:59:00 (1 min ago)\n"},
    {"everything at once, in order", DEV_ONLINE, 60, 1, true, 1, 2, true, PROTO_SCREEN_NO_OUTPUT,
     PROTO_AUDIO_ERROR, 1, true, 60000, 85.4,
     .want = "behind@1 behind: area main still shows an older board (seq 1, sent 2)\n"
             "no-output@1 no output: no screen connected during opening hours\n"
             "silent@1 silent: audio error\n"
             "under-voltage@2 under-voltage: check the power supply\n"
             "clock-off@2 clock off by 60 s\n"
             "hot@2 CPU at 85 \u00b0C\n"},
};

static int64_t ago(int64_t s)
{
	return s == NONE ? 0 : NOW_MS - s * 1000;
}

static void check(const struct row *r)
{
	struct proto_health h;
	proto_health_init(&h);
	h.screen = r->screen;
	h.audio = r->audio;
	h.undervoltage = r->undervoltage;
	h.has_clock_offset = r->has_clock;
	h.clock_offset_ms = r->clock_ms;
	h.cpu_temp_c = r->temp_c != 0 ? r->temp_c : NAN;
	struct registry_view v = {
	    .tenant = "aarhus",
	    .site = "dokk1",
	    .device = "screen-1",
	    .state = r->state,
	    .behind = r->behind,
	    .state_since_ms = ago(r->since_ago_s),
	    .last_seen_ms = ago(r->seen_ago_s),
	    .version = "0.1.0",
	    .health = r->health ? &h : NULL,
	};
	if (r->ack_seq || r->board_seq)
		v.acks[v.nacks++] = (struct registry_view_ack){"main", r->ack_seq, r->board_seq};
	struct problem got[PROBLEMS_MAX];
	int n = problems_find(&v, NOW_MS, !r->closed, got);
	char text[2048] = "";
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		assert_true(problems_has(got, n, got[i].kind));
		len += (size_t)snprintf(text + len, sizeof text - len, "%s@%d %s\n",
		                        problem_kind_name(got[i].kind), (int)got[i].severity,
		                        got[i].text);
	}
	if (strcmp(text, r->want) != 0)
		fail_msg("%s:\n got: %s\nwant: %s", r->what, text, r->want);
}

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		check(&rows[i]);
}

static void test_has(void **state)
{
	(void)state;
	struct problem p[2] = {{.kind = PROBLEM_SILENT}, {.kind = PROBLEM_HOT}};
	assert_true(problems_has(p, 2, PROBLEM_HOT));
	assert_false(problems_has(p, 1, PROBLEM_HOT));
	assert_false(problems_has(p, 0, PROBLEM_SILENT));
	for (int k = 0; k < PROBLEM_KINDS; k++)
		assert_string_not_equal(problem_kind_name((enum problem_kind)k), "?");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_has),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

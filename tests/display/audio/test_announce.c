/* Announce policy with explicit time: fresh vs stale, recall, silenced,
 * and a display clock that is minutes off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "announce_policy.h"

#define T0   1764493200000LL /* bridge time of the first board */
#define MIN  60000LL
#define WALL 0 /* wall clock correct */

static struct proto_board board;
static struct announce_policy pol;
static struct proto_call out[PROTO_BOARD_CALLS_MAX];

/* Put a call first on the board (newest first). */
static void add_call(const char *id, const char *ticket, enum proto_call_kind kind, int64_t ts)
{
	memmove(&board.calls[1], &board.calls[0], (size_t)board.ncalls * sizeof(board.calls[0]));
	struct proto_call *c = &board.calls[0];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->ticket, sizeof(c->ticket), "%s", ticket);
	snprintf(c->desk, sizeof(c->desk), "3");
	c->kind = kind;
	c->ts_ms = ts;
	board.ncalls++;
}

/* Deliver the board (seq+1, ts = bridge_ts) received when the bridge's
 * clock reads recv_bridge; the display's clocks are off by skew. */
static int deliver(int64_t bridge_ts, int64_t recv_bridge, int64_t skew, bool silenced)
{
	board.seq++;
	board.ts_ms = bridge_ts;
	/* The steady clock has an arbitrary origin. */
	int64_t steady = recv_bridge - T0 + 5000 + skew;
	int64_t wall = recv_bridge + skew;
	return announce_board(&pol, "main", &board, steady, wall, silenced, out,
	                      PROTO_BOARD_CALLS_MAX);
}

static int setup(void **state)
{
	memset(&board, 0, sizeof(board));
	announce_init(&pol, 60);
	return 0;
}

static void test_fresh_spoken_once(void **state)
{
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 40, WALL, false), 1);
	assert_string_equal(out[0].ticket, "A042");
	/* Same call on a newer board: not again. */
	assert_int_equal(deliver(T0 + 1000, T0 + 1040, WALL, false), 0);
	/* An equal or older seq is ignored. */
	board.seq -= 2;
	add_call("c2", "A043", PROTO_KIND_CALL, T0 + 2000);
	assert_int_equal(deliver(T0 + 2000, T0 + 2040, WALL, false), 0);
}

static void test_stale_after_reconnect(void **state)
{
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 30, WALL, false), 1);
	/* Offline 5 minutes; meanwhile two calls; the retained board comes. */
	add_call("c2", "A043", PROTO_KIND_CALL, T0 + 1 * MIN);
	add_call("c3", "A044", PROTO_KIND_CALL, T0 + 2 * MIN);
	assert_int_equal(deliver(T0 + 2 * MIN, T0 + 6 * MIN, WALL, false), 0);
	/* A fresh one after that is spoken. */
	add_call("c4", "A045", PROTO_KIND_CALL, T0 + 7 * MIN);
	assert_int_equal(deliver(T0 + 7 * MIN, T0 + 7 * MIN + 20, WALL, false), 1);
	assert_string_equal(out[0].ticket, "A045");
}

static void test_first_board_stale(void **state)
{
	/* A display starts and gets a retained board from 10 minutes ago. */
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 10 * MIN, WALL, false), 0);
	/* The next live board with a new call is spoken. */
	add_call("c2", "A043", PROTO_KIND_CALL, T0 + 10 * MIN + 500);
	assert_int_equal(deliver(T0 + 10 * MIN + 500, T0 + 10 * MIN + 530, WALL, false), 1);
	assert_string_equal(out[0].ticket, "A043");
}

static void test_order_oldest_first_and_cap(void **state)
{
	add_call("c1", "A001", PROTO_KIND_CALL, T0);
	add_call("c2", "A002", PROTO_KIND_CALL, T0 + 100);
	add_call("c3", "A003", PROTO_KIND_CALL, T0 + 200);
	assert_int_equal(deliver(T0 + 200, T0 + 250, WALL, false), 3);
	assert_string_equal(out[0].ticket, "A001");
	assert_string_equal(out[2].ticket, "A003");
	/* With room for 2, the newest 2 are kept. */
	add_call("c4", "A004", PROTO_KIND_CALL, T0 + 300);
	add_call("c5", "A005", PROTO_KIND_CALL, T0 + 400);
	add_call("c6", "A006", PROTO_KIND_CALL, T0 + 500);
	board.seq++;
	board.ts_ms = T0 + 500;
	assert_int_equal(announce_board(&pol, "main", &board, 5600, T0 + 600, false, out, 2), 2);
	assert_string_equal(out[0].ticket, "A005");
	assert_string_equal(out[1].ticket, "A006");
}

static void test_recall_spoken_again(void **state)
{
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 30, WALL, false), 1);
	add_call("c1", "A042", PROTO_KIND_RECALL, T0 + 20000);
	assert_int_equal(deliver(T0 + 20000, T0 + 20030, WALL, false), 1);
	assert_int_equal(out[0].kind, PROTO_KIND_RECALL);
	/* A second recall of the same call: a new ts, spoken again. */
	add_call("c1", "A042", PROTO_KIND_RECALL, T0 + 40000);
	assert_int_equal(deliver(T0 + 40000, T0 + 40030, WALL, false), 1);
	assert_int_equal(deliver(T0 + 41000, T0 + 41030, WALL, false), 0);
}

static void test_silenced_never_later(void **state)
{
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 30, WALL, true), 0);
	/* Quiet hours end: the call is not spoken late. */
	assert_int_equal(deliver(T0 + 1000, T0 + 1030, WALL, false), 0);
	add_call("c2", "A043", PROTO_KIND_CALL, T0 + 2000);
	assert_int_equal(deliver(T0 + 2000, T0 + 2030, WALL, false), 1);
}

/* The display clock is off by skew; after one live board it must speak
 * fresh calls and stay silent on stale ones, and report the offset. */
static void skewed(int64_t skew)
{
	int64_t off;
	assert_false(announce_clock_offset(&pol, &off));
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	deliver(T0, T0 + 50, skew, false); /* first board: judged by the wall clock */
	add_call("c2", "A043", PROTO_KIND_CALL, T0 + 10000);
	assert_int_equal(deliver(T0 + 10000, T0 + 10020, skew, false), 1);
	assert_string_equal(out[0].ticket, "A043");
	assert_true(announce_clock_offset(&pol, &off));
	/* min over samples: skew + the smallest delay (20 ms) */
	assert_true(off >= skew && off <= skew + 50);
	/* A reconnect brings a board with a call 3 minutes old. */
	add_call("c3", "A044", PROTO_KIND_CALL, T0 + 20000);
	assert_int_equal(deliver(T0 + 20000, T0 + 20000 + 3 * MIN, skew, false), 0);
	/* Then a fresh one. */
	add_call("c4", "A045", PROTO_KIND_CALL, T0 + 4 * MIN);
	assert_int_equal(deliver(T0 + 4 * MIN, T0 + 4 * MIN + 80, skew, false), 1);
}

static void test_clock_ahead(void **state)
{
	skewed(7 * MIN);
}

static void test_clock_behind(void **state)
{
	skewed(-9 * MIN);
}

static void test_wall_clock_step(void **state)
{
	int64_t off;
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	deliver(T0, T0 + 50, WALL, false);
	add_call("c2", "A043", PROTO_KIND_CALL, T0 + 1000);
	assert_int_equal(deliver(T0 + 1000, T0 + 1020, WALL, false), 1);
	/* NTP steps the wall clock 5 minutes: the steady clock does not move,
	 * so judging is unchanged and the offset follows the wall clock. */
	board.seq++;
	add_call("c3", "A044", PROTO_KIND_CALL, T0 + 2000);
	board.ts_ms = T0 + 2000;
	int64_t steady = T0 + 2030 - T0 + 5000;
	assert_int_equal(announce_board(&pol, "main", &board, steady, T0 + 2030 + 5 * MIN, false,
	                                out, PROTO_BOARD_CALLS_MAX),
	                 1);
	assert_true(announce_clock_offset(&pol, &off));
	assert_true(off >= 5 * MIN && off <= 5 * MIN + 50);
}

/* Start, get a retained board, lose the link before any live board, get a
 * newer retained board 5 minutes old: not spoken, whatever the clock. */
static void test_reconnect_before_live(void **state)
{
	/* Both retained boards are 5 minutes old when they arrive, so board
	 * ts alone cannot tell; only the link reset keeps c2 silent. */
	int64_t skew = -3 * MIN;
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 5 * MIN, skew, false), 0);
	announce_link_reset(&pol);
	add_call("c2", "A043", PROTO_KIND_CALL, T0 + 6 * MIN);
	assert_int_equal(deliver(T0 + 6 * MIN, T0 + 11 * MIN, skew, false), 0);
	int64_t off;
	assert_false(announce_clock_offset(&pol, &off));
	/* The next live board speaks. */
	add_call("c3", "A044", PROTO_KIND_CALL, T0 + 12 * MIN);
	assert_int_equal(deliver(T0 + 12 * MIN, T0 + 12 * MIN + 30, skew, false), 1);
	assert_true(announce_clock_offset(&pol, &off));
	assert_true(off >= skew && off <= skew + 50);
}

/* A skewed display whose first board after connecting is live (the MQTT
 * retain flag was clear) speaks its fresh call at once. */
static void test_first_board_live_hint(void **state)
{
	int64_t skew = 7 * MIN, off;
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	announce_hint_live(&pol);
	assert_int_equal(deliver(T0, T0 + 30, skew, false), 1);
	assert_true(announce_clock_offset(&pol, &off));
	assert_true(off >= skew && off <= skew + 50);
	/* Without the hint the same situation stays silent (the board may be
	 * an old retained one and the wall clock disagrees). */
	announce_init(&pol, 60);
	memset(&board, 0, sizeof(board));
	add_call("c9", "B001", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 30, skew, false), 0);
	/* Once a live sample exists, boards after a reconnect are judged by the
	 * bridge clock. */
	announce_init(&pol, 60);
	announce_hint_live(&pol);
	announce_link_reset(&pol);
	memset(&board, 0, sizeof(board));
	add_call("c8", "B002", PROTO_KIND_CALL, T0);
	assert_int_equal(deliver(T0, T0 + 30, skew, false), 1);
	announce_link_reset(&pol);
	add_call("c7", "B003", PROTO_KIND_CALL, T0 + 20 * MIN);
	assert_int_equal(deliver(T0 + 20 * MIN, T0 + 20 * MIN + 30, skew, false), 1);
}

static void test_areas_separate_seq(void **state)
{
	add_call("c1", "A042", PROTO_KIND_CALL, T0);
	board.seq = 10;
	board.ts_ms = T0;
	assert_int_equal(announce_board(&pol, "a", &board, 5050, T0 + 50, false, out, 50), 1);
	struct proto_board b2 = {0};
	b2.seq = 3;
	b2.ts_ms = T0 + 100;
	b2.ncalls = 1;
	b2.calls[0] = board.calls[0];
	snprintf(b2.calls[0].id, sizeof(b2.calls[0].id), "d1");
	b2.calls[0].ts_ms = T0 + 100;
	assert_int_equal(announce_board(&pol, "b", &b2, 5150, T0 + 150, false, out, 50), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_fresh_spoken_once, setup),
	    cmocka_unit_test_setup(test_stale_after_reconnect, setup),
	    cmocka_unit_test_setup(test_first_board_stale, setup),
	    cmocka_unit_test_setup(test_order_oldest_first_and_cap, setup),
	    cmocka_unit_test_setup(test_recall_spoken_again, setup),
	    cmocka_unit_test_setup(test_silenced_never_later, setup),
	    cmocka_unit_test_setup(test_clock_ahead, setup),
	    cmocka_unit_test_setup(test_clock_behind, setup),
	    cmocka_unit_test_setup(test_wall_clock_step, setup),
	    cmocka_unit_test_setup(test_reconnect_before_live, setup),
	    cmocka_unit_test_setup(test_areas_separate_seq, setup),
	    cmocka_unit_test_setup(test_first_board_live_hint, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

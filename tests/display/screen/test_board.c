/* The board model: seq ordering, area merge, highlight timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "board.h"

static const char areas[3][PROTO_NAME_MAX + 1] = {"main", "pas", "sund"};

static struct proto_call call(const char *id, const char *ticket, int64_t ts, int kind)
{
	struct proto_call c;
	memset(&c, 0, sizeof c);
	snprintf(c.id, sizeof c.id, "%s", id);
	snprintf(c.ticket, sizeof c.ticket, "%s", ticket);
	snprintf(c.desk, sizeof c.desk, "1");
	c.kind = (enum proto_call_kind)kind;
	c.ts_ms = ts;
	return c;
}

/* A board of n calls given newest first as (id, ts) pairs. */
static struct proto_board board(int64_t seq, int n, const char *const *ids, const int64_t *ts)
{
	struct proto_board b;
	memset(&b, 0, sizeof b);
	b.seq = seq;
	b.ncalls = n;
	for (int i = 0; i < n; i++)
		b.calls[i] = call(ids[i], ids[i], ts[i], PROTO_KIND_CALL);
	return b;
}

static void test_seq_ordering(void **state)
{
	struct board_model m;
	board_init(&m, areas, 1, 10000);
	const char *ids1[] = {"a1"}, *ids2[] = {"a2", "a1"};
	int64_t ts1[] = {1000}, ts2[] = {2000, 1000};
	struct proto_board b5 = board(5, 1, ids1, ts1), b6 = board(6, 2, ids2, ts2);
	assert_int_equal(board_apply(&m, "main", &b5, 1000), BOARD_APPLIED);
	assert_int_equal(board_seq(&m, "main"), 5);
	assert_int_equal(board_apply(&m, "main", &b5, 1100), BOARD_STALE);
	assert_int_equal(board_apply(&m, "main", &b6, 2000), BOARD_APPLIED);
	/* An older board after a newer one is ignored: the screen keeps seq 6. */
	assert_int_equal(board_apply(&m, "main", &b5, 2100), BOARD_STALE);
	assert_int_equal(board_seq(&m, "main"), 6);
	assert_string_equal(board_top(&m)->call->id, "a2");
	assert_int_equal(board_apply(&m, "nope", &b6, 2100), BOARD_UNKNOWN_AREA);
	assert_int_equal(board_seq(&m, "nope"), 0);
}

static void test_merge_newest_first(void **state)
{
	struct board_model m;
	board_init(&m, areas, 3, 10000);
	const char *pa[] = {"p3", "p2", "p1"}, *sa[] = {"s2", "s1"};
	int64_t pt[] = {5000, 3000, 1000}, st[] = {4000, 2000};
	struct proto_board pb = board(1, 3, pa, pt), sb = board(9, 2, sa, st);
	board_apply(&m, "pas", &pb, 5000);
	board_apply(&m, "sund", &sb, 5000);
	const char *want[] = {"p3", "s2", "p2", "s1", "p1"};
	assert_int_equal(m.nmerged, 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(m.merged[i].call->id, want[i]);
	assert_int_equal(m.merged[1].area, 2);
	char ids[3][PROTO_ID_MAX + 1];
	assert_int_equal(board_visible_ids(&m, 3, ids, 3), 3);
	assert_string_equal(ids[2], "p2");
	/* Each area keeps its own seq. */
	assert_int_equal(board_seq(&m, "pas"), 1);
	assert_int_equal(board_seq(&m, "sund"), 9);
}

static void test_highlight_expiry(void **state)
{
	struct board_model m;
	board_init(&m, areas, 1, 10000);
	const char *ids[] = {"a1"};
	int64_t ts[] = {100000};
	struct proto_board b = board(1, 1, ids, ts);
	board_apply(&m, "main", &b, 100500);
	assert_true(board_highlighted(&m, 100500));
	assert_int_equal(board_highlight_elapsed(&m, 101500), 1000);
	assert_true(board_highlighted(&m, 110499));
	assert_false(board_highlighted(&m, 110500));
	/* The same call again in a newer board (another call cancelled below
	 * it) does not highlight again. */
	struct proto_board b2 = board(2, 1, ids, ts);
	board_apply(&m, "main", &b2, 200000);
	assert_false(board_highlighted(&m, 200000));
}

static void test_recall_highlights_again(void **state)
{
	struct board_model m;
	board_init(&m, areas, 1, 10000);
	struct proto_board b;
	memset(&b, 0, sizeof b);
	b.seq = 1;
	b.ncalls = 1;
	b.calls[0] = call("x1", "A042", 1000, PROTO_KIND_CALL);
	board_apply(&m, "main", &b, 1000);
	assert_false(board_highlighted(&m, 20000));
	b.seq = 2;
	b.ncalls = 2;
	b.calls[1] = b.calls[0];
	b.calls[0] = call("x1", "A042", 30000, PROTO_KIND_RECALL);
	board_apply(&m, "main", &b, 30000);
	assert_true(board_highlighted(&m, 30000));
	/* The recall and its call share an id: listed once, as the recall. */
	assert_int_equal(m.nmerged, 1);
	assert_int_equal(board_top(&m)->call->kind, PROTO_KIND_RECALL);
}

static void test_restart_no_stale_highlight(void **state)
{
	struct board_model m;
	board_init(&m, areas, 1, 10000);
	const char *ids[] = {"old"};
	int64_t ts[] = {1000};
	struct proto_board b = board(7, 1, ids, ts);
	/* Retained board after a restart an hour later: shown, not flashed. */
	board_apply(&m, "main", &b, 3600000);
	assert_non_null(board_top(&m));
	assert_false(board_highlighted(&m, 3600000));
}

static void test_cancel_uncovers_older(void **state)
{
	struct board_model m;
	board_init(&m, areas, 1, 10000);
	const char *ids[] = {"n2", "n1"};
	int64_t ts[] = {2000, 1000};
	struct proto_board b = board(1, 2, ids, ts);
	board_apply(&m, "main", &b, 2000);
	assert_true(board_highlighted(&m, 2000));
	struct proto_board c = board(2, 1, ids + 1, ts + 1);
	board_apply(&m, "main", &c, 3000);
	assert_string_equal(board_top(&m)->call->id, "n1");
	assert_false(board_highlighted(&m, 3000));
	struct proto_board empty = board(3, 0, NULL, NULL);
	board_apply(&m, "main", &empty, 4000);
	assert_null(board_top(&m));
	assert_false(board_highlighted(&m, 4000));
}

#define NOW 1796000000000LL /* 2026-11-30 */

/* A board of one call id whose board and call ts are ts. */
static struct proto_board one(int64_t seq, const char *id, int64_t ts)
{
	const char *ids[] = {id};
	int64_t cts[] = {ts};
	struct proto_board b = board(seq, 1, ids, cts);
	b.ts_ms = ts;
	return b;
}

/* A board's seq may run ahead of its own ts only by PROTO_SEQ_AHEAD_MAX_MS:
 * the bridge starts an area's seq at its clock and adds one per change. */
static void test_seq_judge_table(void **state)
{
	const int64_t now = NOW, day = PROTO_SEQ_AHEAD_MAX_MS;
	const struct {
		int64_t shown_seq, shown_ts, seq, ts;
		enum proto_seq_verdict want;
	} rows[] = {
	    {0, 0, 1, now, PROTO_SEQ_NEWER},
	    {0, 0, now, now, PROTO_SEQ_NEWER},
	    {0, 0, now + day, now, PROTO_SEQ_NEWER},
	    {0, 0, now + day + 1, now, PROTO_SEQ_AHEAD},
	    {0, 0, PROTO_SEQ_MAX, now, PROTO_SEQ_AHEAD},
	    {5, now, PROTO_SEQ_MAX, now + 1, PROTO_SEQ_AHEAD},
	    {5, now, 6, now + 1, PROTO_SEQ_NEWER},
	    {5, now, 5, now, PROTO_SEQ_STALE},
	    /* an older seq with a newer ts: the shown seq is not ahead of the
	     * bridge's clock, so the older seq is just late */
	    {5, now, 4, now + 1000, PROTO_SEQ_STALE},
	    {now, now, now - 1, now + 1000, PROTO_SEQ_STALE},
	    /* the shown seq is ahead of the clock of a newer board: reset */
	    {now + day, now, now + 10, now + 1000, PROTO_SEQ_RESET},
	    {now + 5000, now, now + 10, now + 1000, PROTO_SEQ_RESET},
	    /* but not for an older board, nor one whose own seq is implausible */
	    {now + day, now, now + 10, now - 1000, PROTO_SEQ_STALE},
	    {now + day, now, now + day + 1001, now + 1000, PROTO_SEQ_AHEAD},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum proto_seq_verdict v =
		    proto_seq_judge(rows[i].shown_seq, rows[i].shown_ts, rows[i].seq, rows[i].ts);
		if (v != rows[i].want)
			fail_msg("row %zu: got %d, want %d", i, v, rows[i].want);
	}
}

/* A board with seq 2^53-1 must not lock the area: it is refused, and the
 * next real board is shown. */
static void test_far_ahead_seq_refused(void **state)
{
	struct board_model m;
	board_init(&m, areas, 1, 10000);
	const int64_t now = NOW;
	struct proto_board evil = one(PROTO_SEQ_MAX, "x", now), real = one(now, "x", now + 10);
	assert_int_equal(board_apply(&m, "main", &evil, now), BOARD_AHEAD);
	assert_int_equal(board_seq(&m, "main"), 0);
	assert_int_equal(board_apply(&m, "main", &real, now + 20), BOARD_APPLIED);
	assert_int_equal(board_seq(&m, "main"), now);
}

/* A seq just inside the bound, once shown, gives way to the next board
 * from the bridge: its clock shows that seq was never a clock-based one. */
static void test_ahead_shown_seq_recovers(void **state)
{
	struct board_model m;
	board_init(&m, areas, 1, 10000);
	const int64_t now = NOW;
	struct proto_board sly = one(now + PROTO_SEQ_AHEAD_MAX_MS, "x", now),
	                   real = one(now - 100000, "x", now + 5000);
	assert_int_equal(board_apply(&m, "main", &sly, now), BOARD_APPLIED);
	assert_int_equal(board_apply(&m, "main", &real, now + 5000), BOARD_APPLIED);
	assert_int_equal(board_seq(&m, "main"), now - 100000);
	/* after the reset the usual order holds again */
	real.seq--;
	real.ts_ms += 1000;
	assert_int_equal(board_apply(&m, "main", &real, now + 6000), BOARD_STALE);
}

/* A board kept on disk is shown at start, unconfirmed and without a
 * highlight, and gives way to whatever the broker delivers, even an older
 * seq; one older than the maximum age is not shown. */
static void test_stored_board(void **state)
{
	struct board_model m;
	board_init(&m, areas, 2, 10000);
	const int64_t now = NOW, day = 86400000LL;
	struct proto_board st = one(50, "s1", now - 1000), live = one(40, "b1", now - 500);
	assert_false(board_unconfirmed(&m));
	assert_int_equal(board_apply_stored(&m, "main", &st, now, day), BOARD_APPLIED);
	assert_true(board_unconfirmed(&m));
	assert_string_equal(board_top(&m)->call->id, "s1");
	assert_false(board_highlighted(&m, now)); /* fresh, but not news */
	/* a stored board never replaces one shown */
	assert_int_equal(board_apply_stored(&m, "main", &st, now, day), BOARD_STALE);
	assert_int_equal(board_apply(&m, "main", &live, now + 10), BOARD_APPLIED);
	assert_false(board_unconfirmed(&m));
	assert_int_equal(board_seq(&m, "main"), 40);
	assert_string_equal(board_top(&m)->call->id, "b1");
	assert_int_equal(board_apply_stored(&m, "main", &st, now, day), BOARD_STALE);
	/* too old, implausible, or of an area not shown: not shown */
	st.ts_ms = now - day - 1;
	assert_int_equal(board_apply_stored(&m, "pas", &st, now, day), BOARD_TOO_OLD);
	st.ts_ms = now;
	st.seq = PROTO_SEQ_MAX;
	assert_int_equal(board_apply_stored(&m, "pas", &st, now, day), BOARD_AHEAD);
	assert_int_equal(board_apply_stored(&m, "sund", &st, now, day), BOARD_UNKNOWN_AREA);
	assert_int_equal(board_seq(&m, "pas"), 0);
}

/* A stored board still unconfirmed when it reaches the maximum age goes. */
static void test_stored_board_expires(void **state)
{
	struct board_model m;
	board_init(&m, areas, 2, 10000);
	const int64_t now = NOW, day = 86400000LL;
	struct proto_board st = one(50, "s1", now - 1000);
	assert_int_equal(board_apply_stored(&m, "main", &st, now, day), BOARD_APPLIED);
	assert_false(board_expire_stored(&m, now + day - 1001, day));
	assert_non_null(board_top(&m));
	assert_true(board_expire_stored(&m, now + day - 1000, day));
	assert_null(board_top(&m));
	assert_false(board_unconfirmed(&m));
	assert_int_equal(board_seq(&m, "main"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seq_ordering),
	    cmocka_unit_test(test_merge_newest_first),
	    cmocka_unit_test(test_highlight_expiry),
	    cmocka_unit_test(test_recall_highlights_again),
	    cmocka_unit_test(test_restart_no_stale_highlight),
	    cmocka_unit_test(test_cancel_uncovers_older),
	    cmocka_unit_test(test_seq_judge_table),
	    cmocka_unit_test(test_far_ahead_seq_refused),
	    cmocka_unit_test(test_ahead_shown_seq_recovers),
	    cmocka_unit_test(test_stored_board),
	    cmocka_unit_test(test_stored_board_expires),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

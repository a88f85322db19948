/* Board rules: table-driven sequences of operations and the expected board
 * (tickets and kinds, newest first). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "board.h"

#define T0 1800000000000LL

struct op {
	char kind;      /* 'c' call, 'r' recall, 'x' cancel, 'e' expire */
	const char *id; /* call id */
	const char *ticket;
	int64_t at; /* ms after T0 */
};

struct row {
	const char *name;
	int length;
	int64_t max_age;
	struct op ops[12];
	const char *expect; /* "A1 R:A2 ..." newest first, R: marks a recall */
};

static const struct row rows[] = {
    {"new call goes first",
     10,
     0,
     {{'c', "1", "A1", 0}, {'c', "2", "A2", 1}, {'c', "3", "B1", 2}},
     "B1 A2 A1"},
    {"same ticket replaces older entry",
     10,
     0,
     {{'c', "1", "A1", 0}, {'c', "2", "A2", 1}, {'c', "3", "A1", 2}},
     "A1 A2"},
    {"recall adds a recall entry on top",
     10,
     0,
     {{'c', "1", "A1", 0}, {'c', "2", "A2", 1}, {'r', "1", NULL, 2}},
     "R:A1 A2"},
    {"recall of unknown call changes nothing",
     10,
     0,
     {{'c', "1", "A1", 0}, {'r', "9", NULL, 2}},
     "A1"},
    {"cancel removes call and its recalls",
     10,
     0,
     {{'c', "1", "A1", 0}, {'c', "2", "A2", 1}, {'r', "1", NULL, 2}, {'x', "1", NULL, 3}},
     "A2"},
    {"length cuts the oldest",
     3,
     0,
     {{'c', "1", "A1", 0}, {'c', "2", "A2", 1}, {'c', "3", "A3", 2}, {'c', "4", "A4", 3}},
     "A4 A3 A2"},
    {"length 1", 1, 0, {{'c', "1", "A1", 0}, {'c', "2", "A2", 1}}, "A2"},
    {"entries past max age drop off",
     10,
     1000,
     {{'c', "1", "A1", 0}, {'c', "2", "A2", 500}, {'e', NULL, NULL, 1200}},
     "A2"},
    {"a recall renews the age",
     10,
     1000,
     {{'c', "1", "A1", 0}, {'r', "1", NULL, 900}, {'e', NULL, NULL, 1500}},
     "R:A1"},
    {"max age 0 keeps everything",
     10,
     0,
     {{'c', "1", "A1", 0}, {'e', NULL, NULL, 999999999}},
     "A1"},
    {"everything expires",
     10,
     100,
     {{'c', "1", "A1", 0}, {'c', "2", "A2", 1}, {'e', NULL, NULL, 101}},
     ""},
};

static void render(const struct board *b, char *out, size_t cap)
{
	out[0] = '\0';
	for (int i = 0; i < b->n; i++) {
		char part[32];
		snprintf(part, sizeof part, "%s%s%s", i ? " " : "",
		         b->e[i].c.kind == PROTO_KIND_RECALL ? "R:" : "", b->e[i].c.ticket);
		strncat(out, part, cap - strlen(out) - 1);
	}
}

static void test_table(void **state)
{
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		struct board *b = calloc(1, sizeof *b);
		int nrecall = 0;
		for (int i = 0; i < 12 && rows[r].ops[i].kind; i++) {
			const struct op *o = &rows[r].ops[i];
			if (o->kind == 'c') {
				struct proto_call c = {.kind = PROTO_KIND_CALL,
				                       .ts_ms = T0 + o->at};
				snprintf(c.id, sizeof c.id, "%s", o->id);
				snprintf(c.ticket, sizeof c.ticket, "%s", o->ticket);
				snprintf(c.desk, sizeof c.desk, "1");
				board_call(b, &c, rows[r].length);
			} else if (o->kind == 'r') {
				char eid[32];
				snprintf(eid, sizeof eid, "%s:r%d", o->id, ++nrecall);
				board_recall(b, o->id, eid, T0 + o->at, rows[r].length);
			} else if (o->kind == 'x') {
				board_cancel(b, o->id);
			} else {
				board_expire(b, T0 + o->at, rows[r].max_age);
			}
		}
		char got[256];
		render(b, got, sizeof got);
		if (strcmp(got, rows[r].expect) != 0)
			fail_msg("%s: got '%s', want '%s'", rows[r].name, got, rows[r].expect);
		free(b);
	}
}

static void test_recall_id_and_find(void **state)
{
	struct board b = {0};
	struct proto_call c = {.ts_ms = T0};
	snprintf(c.id, sizeof c.id, "abc");
	snprintf(c.ticket, sizeof c.ticket, "A42");
	snprintf(c.desk, sizeof c.desk, "3");
	board_call(&b, &c, 10);
	assert_int_equal(board_recall(&b, "abc", "abc:r2", T0 + 5, 10), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.e[0].c.id, "abc:r2");
	assert_string_equal(b.e[0].call_id, "abc");
	assert_int_equal(board_find(&b, "abc"), 0);
	assert_int_equal(board_recall(&b, "nope", "x", T0, 10), -1);
	assert_int_equal(board_next_expiry(&b, 1000), T0 + 5 + 1000);
	assert_true(board_next_expiry(&b, 0) == INT64_MAX);
}

static void test_store_form_roundtrip(void **state)
{
	struct board b = {0}, back = {0};
	for (int i = 0; i < 12; i++) {
		struct proto_call c = {.ts_ms = T0 + i};
		snprintf(c.id, sizeof c.id, "id-%d", i);
		snprintf(c.ticket, sizeof c.ticket, "B%d", i);
		snprintf(c.desk, sizeof c.desk, "%d", i % 4);
		snprintf(c.desk_label, sizeof c.desk_label, "Skranke %d æøå", i % 4);
		board_call(&b, &c, 50);
	}
	board_recall(&b, "id-3", "id-3:r1", T0 + 100, 50);
	char *json = board_entries_encode(&b);
	assert_int_equal(board_entries_decode(&back, json), 0);
	free(json);
	assert_int_equal(back.n, b.n);
	assert_memory_equal(back.e, b.e, sizeof b.e[0] * (size_t)b.n);
	assert_int_equal(board_entries_decode(&back, "{\"x\":1}"), -1);
	assert_int_equal(board_entries_decode(&back, "[{\"id\":1}]"), -1);
	assert_int_equal(board_entries_decode(&back, "not json"), -1);

	struct proto_board pb;
	b.seq = 7;
	board_to_proto(&b, T0, &pb);
	assert_int_equal(pb.seq, 7);
	assert_int_equal(pb.ncalls, b.n);
	assert_int_equal(pb.calls[0].kind, PROTO_KIND_RECALL);
}

static void test_length_clamped(void **state)
{
	struct board b = {0};
	for (int i = 0; i < 80; i++) {
		struct proto_call c = {.ts_ms = T0 + i};
		snprintf(c.id, sizeof c.id, "%d", i);
		snprintf(c.ticket, sizeof c.ticket, "C%d", i);
		snprintf(c.desk, sizeof c.desk, "1");
		board_call(&b, &c, 500); /* more than the protocol allows */
	}
	assert_int_equal(b.n, PROTO_BOARD_CALLS_MAX);
	assert_string_equal(b.e[0].c.ticket, "C79");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_recall_id_and_find),
	    cmocka_unit_test(test_store_form_roundtrip),
	    cmocka_unit_test(test_length_clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

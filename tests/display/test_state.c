/* The state directory: boards and the notice written atomically, read back
 * through the protocol's decoders, and nothing kept beyond the areas shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon.h"
#include "state.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/cbstate-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static bool exists(const char *name)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void touch(const char *name)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_int_equal(state_write_file(p, "x", 1), 0);
}

static void test_board_round_trip(void **state)
{
	struct proto_board b = {.seq = 42, .ts_ms = 1796000000000LL, .ncalls = 1};
	snprintf(b.calls[0].id, sizeof b.calls[0].id, "c1");
	snprintf(b.calls[0].ticket, sizeof b.calls[0].ticket, "A042");
	snprintf(b.calls[0].desk, sizeof b.calls[0].desk, "3");
	b.calls[0].ts_ms = b.ts_ms;
	assert_int_equal(state_save_board(dir, "main", &b), 0);
	assert_false(exists("board-main.json.tmp"));
	char path[128], err[256];
	state_board_path(dir, "main", path, sizeof path);
	struct proto_board *back = malloc(sizeof *back);
	assert_int_equal(daemon_read_board(path, back, err, sizeof err), 0);
	assert_int_equal(back->seq, 42);
	assert_string_equal(back->calls[0].ticket, "A042");
	free(back);
}

static void test_notice_saved_and_cleared(void **state)
{
	struct proto_notice n = {.ts_ms = 1796000000000LL};
	snprintf(n.text, sizeof n.text, "Husk billede");
	assert_int_equal(state_save_notice(dir, &n), 0);
	assert_true(exists("notice.json"));
	n.cleared = true;
	assert_int_equal(state_save_notice(dir, &n), 0);
	assert_false(exists("notice.json"));
	assert_int_equal(state_save_notice(dir, NULL), 0); /* nothing to remove */
}

/* Boards of areas no longer shown and leftovers of a cut write go. */
static void test_prune(void **state)
{
	const char areas[2][PROTO_NAME_MAX + 1] = {"main", "pas"};
	touch("board-main.json");
	touch("board-pas.json");
	touch("board-old.json");
	touch("board-main.json.tmp");
	touch("notice.json");
	touch("other.txt");
	state_prune(dir, areas, 2);
	assert_true(exists("board-main.json"));
	assert_true(exists("board-pas.json"));
	assert_true(exists("notice.json"));
	assert_true(exists("other.txt"));
	assert_false(exists("board-old.json"));
	assert_false(exists("board-main.json.tmp"));
}

static void test_write_fails_cleanly(void **state)
{
	assert_int_equal(state_write_file("/nonexistent-dir/x", "x", 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_board_round_trip),
	    cmocka_unit_test(test_notice_saved_and_cleared),
	    cmocka_unit_test(test_prune),
	    cmocka_unit_test(test_write_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

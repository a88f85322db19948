/* The SQLite store on a real file in a temp folder: boards and seq per area
 * survive a reopen, a savepoint undo drops one change, idempotency keys and
 * statistics are kept and purged by age, devices saved without waiting for
 * the disk are there after a reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

#define HOUR 3600000LL

static char dir[64];
static char path[128];

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/cbstore-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char p[160];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

struct seen {
	int n;
	int64_t seq, published;
	char board[256];
	int64_t calls, recalls;
};

static void on_area(void *data, const struct store_area_row *r)
{
	struct seen *s = data;
	s->n++;
	s->seq = r->seq;
	s->published = r->published_seq;
	snprintf(s->board, sizeof s->board, "%s", r->board);
}

static void on_stat(void *data, const struct store_stat_row *r)
{
	struct seen *s = data;
	s->n++;
	s->calls += r->calls;
	s->recalls += r->recalls;
}

static void test_areas_and_savepoints(void **state)
{
	struct store *st = store_open(path);
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_savepoint(st), 0);
	assert_int_equal(store_area_save(st, "t", "s", "main", 1, "[\"one\"]"), 0);
	assert_int_equal(store_release(st), 0);
	assert_int_equal(store_savepoint(st), 0);
	assert_int_equal(store_area_save(st, "t", "s", "main", 2, "[\"two\"]"), 0);
	store_undo(st); /* only the second change goes */
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_area_published(st, "t", "s", "main", 1), 0);
	assert_int_equal(store_area_published(st, "t", "s", "main", 0), 0); /* never back */
	store_close(st);

	st = store_open(path);
	struct seen s = {0};
	assert_int_equal(store_areas_load(st, on_area, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.seq, 1);
	assert_int_equal(s.published, 1);
	assert_string_equal(s.board, "[\"one\"]");
	store_close(st);
}

static void test_calls_and_stats(void **state)
{
	struct store *st = store_open(path);
	assert_non_null(st);
	char fp[17], area[64];
	int64_t seq;
	assert_int_equal(store_call_get(st, "t", "s", "c1", fp, area, &seq), 0);
	assert_int_equal(
	    store_call_put(st, "t", "s", "c1", "00112233aabbccdd", "main", 7, 10 * HOUR), 0);
	assert_int_equal(store_call_get(st, "t", "s", "c1", fp, area, &seq), 1);
	assert_string_equal(fp, "00112233aabbccdd");
	assert_string_equal(area, "main");
	assert_int_equal(seq, 7);
	assert_int_equal(store_call_get(st, "t", "other", "c1", fp, area, &seq), 0);

	assert_int_equal(store_stats_add(st, "t", "s", "main", "3", 10 * HOUR, 1, 0), 0);
	assert_int_equal(store_stats_add(st, "t", "s", "main", "3", 10 * HOUR, 1, 1), 0);
	assert_int_equal(store_stats_add(st, "t", "s", "main", "4", 30 * HOUR, 5, 0), 0);
	struct seen s = {0};
	assert_int_equal(store_stats_query(st, "t", "s", 0, 100 * HOUR, on_stat, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.calls, 7);
	assert_int_equal(s.recalls, 1);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_stats_query(st, "t", "s", 20 * HOUR, 100 * HOUR, on_stat, &s), 0);
	assert_int_equal(s.calls, 5);

	/* purge: statistics before 20 h, idempotency keys before 11 h */
	assert_int_equal(store_purge(st, 20 * HOUR, 11 * HOUR), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_stats_query(st, "t", "s", 0, 100 * HOUR, on_stat, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.calls, 5);
	assert_int_equal(store_call_get(st, "t", "s", "c1", fp, area, &seq), 0);
	store_close(st);
}

static void on_device(void *data, const struct store_device_row *r)
{
	struct seen *s = data;
	s->n++;
	snprintf(s->board, sizeof s->board, "%s/%s/%s %s", r->tenant, r->site, r->device, r->json);
}

static void test_devices_not_durable(void **state)
{
	struct store *st = store_open(path);
	assert_non_null(st);
	assert_int_equal(store_durable(st, false), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_save(st, "t", "s", "d", "{}"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_durable(st, true), 0);
	store_close(st);

	st = store_open(path);
	struct seen s = {0};
	assert_int_equal(store_devices_load(st, on_device, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.board, "t/s/d {}");
	store_close(st);
}

static void test_unopenable(void **state)
{
	assert_null(store_open("/nonexistent-dir/x/y.db"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_areas_and_savepoints, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_calls_and_stats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_devices_not_durable, setup, teardown),
	    cmocka_unit_test(test_unopenable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

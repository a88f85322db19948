/* The store on both backends, the same tests: SQLite on a real file in a
 * temp folder, and PostgreSQL on the server named by $CB_PG_URL (started by
 * tests/lib/cbpg.py for the bridge-store-pg test; without it the
 * PostgreSQL group is skipped with a line saying so). Boards and seq per
 * area survive a reopen, a savepoint undo drops one change, idempotency
 * keys and statistics are kept and purged by age, devices saved without
 * waiting for the disk are there after a reopen, the schema is at its
 * version, and the lease goes to one holder at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "store.h"

#define HOUR 3600000LL

static char dir[64];
static char path[512]; /* the SQLite file or the PostgreSQL URL under test */

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
	char p[600];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

#ifdef HAVE_LIBPQ
/* Each test starts from an empty database. */
static int setup_pg(void **state)
{
	snprintf(path, sizeof path, "%s", getenv("CB_PG_URL"));
	PGconn *c = PQconnectdb(path);
	PGresult *r = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc < 0)
		fprintf(stderr, "%s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return rc;
}

static int teardown_pg(void **state)
{
	return 0;
}
#endif

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

static void on_notice(void *data, const struct store_notice_row *r)
{
	struct seen *s = data;
	s->n++;
	s->seq = r->seq;
	snprintf(s->board, sizeof s->board, "%s", r->payload);
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

/* SQLite: the commit that fills the WAL leaves the checkpoint to the
 * store's thread, which runs it to the end while the writes go on; nothing
 * written is lost by it. An in-memory database has no WAL and no thread. */
static void test_checkpoints_off_the_commit(void **state)
{
	const char *wrapper = getenv("MESON_EXE_WRAPPER");
	if (wrapper && strstr(wrapper, "qemu")) {
		/* qemu-user 7.2 spins in pthread_create on this machine (a program
		 * that only starts a thread does too): the thread is for real hardware. */
		printf("skipped under qemu-user: threads do not start there\n");
		skip();
	}
	struct store *mem = store_open(":memory:");
	assert_non_null(mem);
	assert_int_equal(store_checkpoints(mem), -1);
	store_close(mem);

	struct store *st = store_open(path);
	assert_non_null(st);
	assert_int_equal(store_checkpoints(st), 0);
	assert_int_equal(store_durable(st, false), 0); /* the test's own pace */
	static char board[4000];
	int i;
	/* Each board takes a page or two of WAL: several checkpoints' worth. */
	for (i = 0; i < 6000 && store_checkpoints(st) < 1; i++) {
		snprintf(board, sizeof board, "[\"%d\",\"%0*d\"]", i, 3000, i);
		assert_int_equal(store_begin(st), 0);
		assert_int_equal(store_area_save(st, "t", "s", "main", i + 1, board), 0);
		assert_int_equal(store_commit(st), 0);
	}
	/* Wait for the event, with a bound: the thread may still be copying. */
	for (int tries = 0; tries < 3000 && store_checkpoints(st) < 1; tries++)
		usleep(10000);
	assert_true(store_checkpoints(st) >= 1);
	assert_int_equal(store_durable(st, true), 0);
	store_close(st);

	st = store_open(path);
	struct seen s = {0};
	assert_int_equal(store_areas_load(st, on_area, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.seq, i);
	store_close(st);
}

static void test_unopenable(void **state)
{
	assert_null(store_open("/nonexistent-dir/x/y.db"));
	assert_null(store_open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"));
}

static void test_schema_version(void **state)
{
	struct store *st = store_open(path);
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), 1);
	store_close(st);
	st = store_open(path); /* opening again migrates nothing */
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), 1);
	store_close(st);
}

/* A locked read inside a transaction gives the row (a new area's made
 * empty on a shared store); a plain read outside gives the committed one. */
static void test_area_get_and_lock(void **state)
{
	struct store *st = store_open(path);
	assert_non_null(st);
	struct seen s = {0};
	assert_int_equal(store_area_get(st, "t", "s", "new", false, on_area, &s), 0);
	assert_int_equal(store_begin(st), 0);
	int found = store_area_get(st, "t", "s", "new", true, on_area, &s);
	assert_int_equal(found, store_shared(st) ? 1 : 0);
	assert_int_equal(store_area_save(st, "t", "s", "new", 5, "[\"x\"]"), 0);
	assert_int_equal(store_notice_save(st, "t", "s", "closed", 1), 0);
	assert_int_equal(store_commit(st), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_area_get(st, "t", "s", "new", false, on_area, &s), 1);
	assert_int_equal(s.seq, 5);
	assert_string_equal(s.board, "[\"x\"]");
	assert_int_equal(store_notice_get(st, "t", "s", false, on_notice, &s), 1);
	assert_string_equal(s.board, "closed");
	store_close(st);
}

/* One holder at a time; the holder renews under its epoch; a shared store
 * tells the others the holder's epoch. */
static void test_lease(void **state)
{
	struct store *a = store_open(path), *b = store_open(path);
	assert_non_null(a);
	assert_non_null(b);
	int64_t ea = 0, eb = 0;
	assert_int_equal(store_lease(a, "a", 0, 3000, &ea), 1);
	assert_int_equal(ea, 1);
	assert_int_equal(store_lease(a, "a", ea, 3000, &ea), 1);
	assert_int_equal(ea, 1);
	if (store_shared(a)) {
		assert_int_equal(store_lease(b, "b", 0, 3000, &eb), 0);
		assert_int_equal(eb, 1);
		store_lease_drop(a, "a"); /* a clean stop: b takes over at once */
		assert_int_equal(store_lease(b, "b", 0, 3000, &eb), 1);
		assert_int_equal(eb, 2);
		assert_int_equal(store_lease(a, "a", ea, 3000, &ea), 0);
	}
	store_close(a);
	store_close(b);
}

static void on_change(void *data, const char *what)
{
	struct seen *s = data;
	s->n++;
	if (what)
		snprintf(s->board, sizeof s->board, "%s", what);
}

/* A shared store tells listeners which board changed. */
static void test_change_notices(void **state)
{
	struct store *st = store_open(path), *other = store_open(path);
	assert_non_null(st);
	struct seen s = {0};
	if (!store_shared(st)) {
		assert_int_equal(store_listen_fd(st), -1);
		assert_int_equal(store_listen(st, on_change, &s), 0);
		goto out;
	}
	assert_int_equal(store_listen(st, on_change, &s), 1); /* connected: "all changed" */
	assert_int_equal(s.n, 1);
	assert_true(store_listen_fd(st) >= 0);
	assert_int_equal(store_area_save(other, "t", "s", "main", 9, "[]"), 0);
	for (int i = 0; i < 200 && s.n < 2; i++) {
		usleep(10000); /* bounded wait for the notice to arrive */
		assert_true(store_listen(st, on_change, &s) >= 0);
	}
	assert_int_equal(s.n, 2);
	assert_string_equal(s.board, "a/t/s/main");
out:
	store_close(other);
	store_close(st);
}

#define BOTH(setup_fn, teardown_fn)                                                                \
	cmocka_unit_test_setup_teardown(test_areas_and_savepoints, setup_fn, teardown_fn),         \
	    cmocka_unit_test_setup_teardown(test_calls_and_stats, setup_fn, teardown_fn),          \
	    cmocka_unit_test_setup_teardown(test_devices_not_durable, setup_fn, teardown_fn),      \
	    cmocka_unit_test_setup_teardown(test_schema_version, setup_fn, teardown_fn),           \
	    cmocka_unit_test_setup_teardown(test_area_get_and_lock, setup_fn, teardown_fn),        \
	    cmocka_unit_test_setup_teardown(test_lease, setup_fn, teardown_fn),                    \
	    cmocka_unit_test_setup_teardown(test_change_notices, setup_fn, teardown_fn)

int main(void)
{
	const struct CMUnitTest sqlite[] = {
	    BOTH(setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoints_off_the_commit, setup, teardown),
	    cmocka_unit_test(test_unopenable),
	};
	int rc = cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
#ifdef HAVE_LIBPQ
	if (getenv("CB_PG_URL")) {
		const struct CMUnitTest pg[] = {BOTH(setup_pg, teardown_pg)};
		return rc + cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
	}
	printf("postgresql: skipped here (no CB_PG_URL); the bridge-store-pg test runs it\n");
#else
	printf("postgresql: skipped: built without libpq\n");
#endif
	return rc;
}

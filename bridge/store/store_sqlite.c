/* The SQLite backend: one file in WAL mode, one bridge. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#define LOG_MODULE "store"
#include "log.h"
#include "schema_sqlite.h"
#include "store_impl.h"

#define AREA_KEY   " WHERE tenant=?1 AND site=?2 AND area=?3"
#define NOTICE_KEY " WHERE tenant=?1 AND site=?2"

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT change",
    [S_RELEASE] = "RELEASE change",
    [S_UNDO] = "ROLLBACK TO change",
    [S_SYNC_FULL] = "PRAGMA synchronous=FULL",
    [S_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
    [S_CALL_GET] = "SELECT fp, area, seq FROM calls WHERE tenant=?1 AND site=?2 AND id=?3",
    [S_CALL_PUT] = "INSERT OR REPLACE INTO calls(tenant,site,id,fp,area,seq,created_ms) "
                   "VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [S_AREA_SAVE] = "INSERT INTO areas(tenant,site,area,seq,published_seq,board) "
                    "VALUES(?1,?2,?3,?4,0,?5) ON CONFLICT(tenant,site,area) DO UPDATE SET "
                    "seq=excluded.seq, board=excluded.board",
    [S_AREA_PUB] = "UPDATE areas SET published_seq=max(published_seq,?4) "
                   "WHERE tenant=?1 AND site=?2 AND area=?3",
    [S_AREAS] = AREA_ROWS,
    [S_AREA_GET] = AREA_ROWS AREA_KEY,
    /* BEGIN IMMEDIATE already keeps every other writer out. */
    [S_AREA_LOCK] = AREA_ROWS AREA_KEY,
    [S_NOTICE_SAVE] = "INSERT INTO notices(tenant,site,payload,seq,published_seq) "
                      "VALUES(?1,?2,?3,?4,0) ON CONFLICT(tenant,site) DO UPDATE SET "
                      "payload=excluded.payload, seq=excluded.seq",
    [S_NOTICE_PUB] = "UPDATE notices SET published_seq=max(published_seq,?3) "
                     "WHERE tenant=?1 AND site=?2",
    [S_NOTICES] = NOTICE_ROWS,
    [S_NOTICE_GET] = NOTICE_ROWS NOTICE_KEY,
    [S_NOTICE_LOCK] = NOTICE_ROWS NOTICE_KEY,
    [S_STATS_ADD] = "INSERT INTO stats(tenant,site,area,desk,hour_ms,calls,recalls) "
                    "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(tenant,site,area,desk,hour_ms) "
                    "DO UPDATE SET calls=calls+excluded.calls, "
                    "recalls=recalls+excluded.recalls",
    [S_STATS_QUERY] = "SELECT area, desk, hour_ms, calls, recalls FROM stats "
                      "WHERE tenant=?1 AND site=?2 AND hour_ms>=?3 AND hour_ms<?4 "
                      "ORDER BY hour_ms, area, desk",
    [S_PURGE_STATS] = "DELETE FROM stats WHERE hour_ms < ?1",
    [S_PURGE_CALLS] = "DELETE FROM calls WHERE created_ms < ?1",
    [S_DEVICE_SAVE] = "INSERT OR REPLACE INTO devices(tenant,site,device,record) "
                      "VALUES(?1,?2,?3,?4)",
    [S_DEVICES] = "SELECT tenant, site, device, record FROM devices",
    [S_PAIRED_SAVE] = "INSERT OR REPLACE INTO paired(tenant,site,device,settings) "
                      "VALUES(?1,?2,?3,?4)",
    [S_PAIRED_GET] = "SELECT settings FROM paired WHERE tenant=?1 AND site=?2 AND device=?3",
    [S_VERSION_TABLE] = "CREATE TABLE IF NOT EXISTS schema_version("
                        "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
    [S_VERSION_GET] = "SELECT version FROM schema_version",
    [S_VERSION_SET] = "INSERT INTO schema_version(id,version) VALUES(1,?1) "
                      "ON CONFLICT(id) DO UPDATE SET version=excluded.version",
};

static const char *const migrations[] = {schema_sqlite};

/* WAL frames (pages) after which a checkpoint is due: SQLite's own default. */
#define CHECKPOINT_FRAMES 1000

/* Checkpoints off the loop. SQLite's automatic checkpoint runs inside the
 * COMMIT that fills the WAL: it copies the WAL's pages into the database
 * file and fsyncs both, and every request of that turn waits for it. Here
 * that COMMIT only wakes a thread of the store's own, which runs a PASSIVE
 * checkpoint on a connection of its own; a passive checkpoint takes no lock
 * the loop's writer waits for, so the next turn goes on while it copies.
 * The thread starts when the first checkpoint is due; should it not start,
 * the commit checkpoints as SQLite's automatic checkpoint would. */
struct checkpointer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, quit;
	long done; /* checkpoints run to the end */
	sqlite3 *db;
};

struct store_sqlite {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT]; /* prepared on first use */
	bool wal;                    /* a file in WAL mode: checkpoints are ours */
	bool ckpt_inline;            /* no thread: checkpoints in the commit */
	struct checkpointer *ckpt;   /* the thread, once a checkpoint was due */
};

static void *checkpoint_main(void *data)
{
	struct checkpointer *c = data;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->quit)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->quit)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->lock);
		int log_frames = 0, copied = 0;
		int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
		                                   &log_frames, &copied);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn_rl("checkpoint: %s", sqlite3_errmsg(c->db));
		pthread_mutex_lock(&c->lock);
		if (rc == SQLITE_OK && copied == log_frames)
			c->done++;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void checkpointer_free(struct checkpointer *c)
{
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	sqlite3_close(c->db);
	free(c);
}

/* The thread and its connection; NULL (logged) when either cannot be had. */
static struct checkpointer *checkpointer_start(struct store_sqlite *st)
{
	const char *file = sqlite3_db_filename(st->db, "main");
	struct checkpointer *c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (sqlite3_open_v2(file, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
		log_warn("%s: checkpoints stay in the commit: %s", file,
		         c->db ? sqlite3_errmsg(c->db) : "cannot open");
		checkpointer_free(c);
		return NULL;
	}
	if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
		log_warn("%s: checkpoints stay in the commit: no thread", file);
		checkpointer_free(c);
		return NULL;
	}
	return c;
}

static void checkpointer_stop(struct store_sqlite *st)
{
	struct checkpointer *c = st->ckpt;
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	checkpointer_free(c);
	st->ckpt = NULL;
}

/* After each commit, on the loop: once the WAL is long, wake the thread
 * (started the first time). It replaces SQLite's automatic checkpoint. */
static int on_wal(void *data, sqlite3 *db, const char *name, int frames)
{
	struct store_sqlite *st = data;
	if (frames < CHECKPOINT_FRAMES)
		return SQLITE_OK;
	if (!st->ckpt && !st->ckpt_inline)
		st->ckpt_inline = !(st->ckpt = checkpointer_start(st));
	if (st->ckpt_inline) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	struct checkpointer *c = st->ckpt;
	pthread_mutex_lock(&c->lock);
	c->due = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	return SQLITE_OK;
}

static long checkpoints(struct store *base)
{
	struct store_sqlite *st = (struct store_sqlite *)base;
	struct checkpointer *c = st->ckpt;
	if (!st->wal)
		return -1;
	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	long n = c->done;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static int run(struct store *base, enum store_stmt id, const struct store_arg *args, int nargs,
               store_row_fn row, void *data)
{
	struct store_sqlite *st = (struct store_sqlite *)base;
	if (!st->stmt[id] && sqlite3_prepare_v3(st->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
	                                        &st->stmt[id], NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *s = st->stmt[id];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	for (int i = 0; i < nargs; i++) {
		if (args[i].s)
			sqlite3_bind_text(s, i + 1, args[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, i + 1, args[i].i);
	}
	int rc, n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *col[8];
		int ncol = sqlite3_column_count(s);
		for (int i = 0; i < ncol && i < 8; i++) {
			const char *v = (const char *)sqlite3_column_text(s, i);
			col[i] = v ? v : "";
		}
		n++;
		if (row)
			row(data, col);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : -1;
}

static int script(struct store *base, const char *text)
{
	struct store_sqlite *st = (struct store_sqlite *)base;
	return sqlite3_exec(st->db, text, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static bool in_tx(const struct store *base)
{
	return !sqlite3_get_autocommit(((const struct store_sqlite *)base)->db);
}

static const char *errmsg(struct store *base)
{
	return sqlite3_errmsg(((struct store_sqlite *)base)->db);
}

static void close_db(struct store *base)
{
	struct store_sqlite *st = (struct store_sqlite *)base;
	checkpointer_stop(st);
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

static const struct store_ops ops = {
    .sql = sql,
    .migrations = migrations,
    .nmigrations = 1,
    .shared = false,
    .run = run,
    .script = script,
    .in_tx = in_tx,
    .errmsg = errmsg,
    .close = close_db,
    .checkpoints = checkpoints,
};

struct store *store_sqlite_open(const char *path)
{
	struct store_sqlite *st = xcalloc(1, sizeof *st);
	st->base.ops = &ops;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		log_error("%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 2000);
	/* WAL + synchronous=FULL: each COMMIT is fsynced before the 202, so an
	 * accepted call survives a power cut of the bridge's host, not only a
	 * crash of the process (NORMAL would only give the latter). */
	if (sqlite3_exec(st->db,
	                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	                 "PRAGMA secure_delete=ON; PRAGMA foreign_keys=OFF;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		log_error("%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	const char *file = sqlite3_db_filename(st->db, "main");
	if (file && file[0]) { /* not in memory: a WAL, checkpointed off the loop */
		st->wal = true;
		sqlite3_wal_hook(st->db, on_wal, st);
	}
	return &st->base;
fail:
	close_db(&st->base);
	return NULL;
}

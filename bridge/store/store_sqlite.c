/* The SQLite backend: one file in WAL mode, one bridge. */
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

struct store_sqlite {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT]; /* prepared on first use */
};

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
	return &st->base;
fail:
	close_db(&st->base);
	return NULL;
}

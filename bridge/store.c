#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "store"
#include "log.h"
#include "store.h"

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_UNDO,
	S_SYNC_FULL,
	S_SYNC_NORMAL,
	S_CALL_GET,
	S_CALL_PUT,
	S_AREA_SAVE,
	S_AREA_PUB,
	S_AREAS,
	S_NOTICE_SAVE,
	S_NOTICE_PUB,
	S_NOTICES,
	S_STATS_ADD,
	S_STATS_QUERY,
	S_PURGE_STATS,
	S_PURGE_CALLS,
	S_DEVICE_SAVE,
	S_DEVICES,
	S_PAIRED_SAVE,
	S_PAIRED_GET,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
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
    [S_AREAS] = "SELECT tenant, site, area, seq, published_seq, board FROM areas",
    [S_NOTICE_SAVE] = "INSERT INTO notices(tenant,site,payload,seq,published_seq) "
                      "VALUES(?1,?2,?3,?4,0) ON CONFLICT(tenant,site) DO UPDATE SET "
                      "payload=excluded.payload, seq=excluded.seq",
    [S_NOTICE_PUB] = "UPDATE notices SET published_seq=max(published_seq,?3) "
                     "WHERE tenant=?1 AND site=?2",
    [S_NOTICES] = "SELECT tenant, site, payload, seq, published_seq FROM notices",
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
};

/* Schema: board entries live as one JSON text per area, so a ticket leaves
 * the store with the board write that drops it (secure_delete overwrites the
 * old page contents). calls keeps only a fingerprint of the request. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS areas(tenant TEXT NOT NULL, site TEXT NOT NULL, "
    " area TEXT NOT NULL, seq INTEGER NOT NULL, published_seq INTEGER NOT NULL, "
    " board TEXT NOT NULL, PRIMARY KEY(tenant,site,area));"
    "CREATE TABLE IF NOT EXISTS calls(tenant TEXT NOT NULL, site TEXT NOT NULL, "
    " id TEXT NOT NULL, fp TEXT NOT NULL, area TEXT NOT NULL, seq INTEGER NOT NULL, "
    " created_ms INTEGER NOT NULL, PRIMARY KEY(tenant,site,id));"
    "CREATE INDEX IF NOT EXISTS calls_created ON calls(created_ms);"
    "CREATE TABLE IF NOT EXISTS notices(tenant TEXT NOT NULL, site TEXT NOT NULL, "
    " payload TEXT NOT NULL, seq INTEGER NOT NULL, published_seq INTEGER NOT NULL, "
    " PRIMARY KEY(tenant,site));"
    "CREATE TABLE IF NOT EXISTS stats(tenant TEXT NOT NULL, site TEXT NOT NULL, "
    " area TEXT NOT NULL, desk TEXT NOT NULL, hour_ms INTEGER NOT NULL, "
    " calls INTEGER NOT NULL, recalls INTEGER NOT NULL, "
    " PRIMARY KEY(tenant,site,area,desk,hour_ms));"
    "CREATE TABLE IF NOT EXISTS devices(tenant TEXT NOT NULL, site TEXT NOT NULL, "
    " device TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY(tenant,site,device));"
    "CREATE TABLE IF NOT EXISTS paired(tenant TEXT NOT NULL, site TEXT NOT NULL, "
    " device TEXT NOT NULL, settings TEXT NOT NULL, PRIMARY KEY(tenant,site,device));";

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	char write_error[160]; /* why the last write failed; "" after one succeeded */
};

static sqlite3_stmt *prep(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Every statement run here writes (or opens or ends a transaction). A write
 * has succeeded once it is committed: a COMMIT, or a statement outside a
 * transaction; a ROLLBACK ends one without writing. */
static int step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		snprintf(st->write_error, sizeof st->write_error, "%s", sqlite3_errmsg(st->db));
		log_warn_rl("sqlite: %s", st->write_error);
		return -1;
	}
	if (sqlite3_get_autocommit(st->db) && s != st->stmt[S_ROLLBACK])
		st->write_error[0] = '\0';
	return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

struct store *store_open(const char *path)
{
	struct store *st = xcalloc(1, sizeof *st);
	char *msg = NULL;
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
	                 NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(st->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("%s: %s", path, msg ? msg : sqlite3_errmsg(st->db));
		goto fail;
	}
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &st->stmt[i], NULL) != SQLITE_OK) {
			log_error("%s: prepare: %s", path, sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	return st;
fail:
	sqlite3_free(msg);
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

const char *store_write_error(const struct store *st)
{
	return st->write_error[0] ? st->write_error : NULL;
}

int store_begin(struct store *st)
{
	return step_done(st, prep(st, S_BEGIN));
}

int store_commit(struct store *st)
{
	return step_done(st, prep(st, S_COMMIT));
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		step_done(st, prep(st, S_ROLLBACK));
}

int store_durable(struct store *st, bool durable)
{
	return step_done(st, prep(st, durable ? S_SYNC_FULL : S_SYNC_NORMAL));
}

int store_savepoint(struct store *st)
{
	return step_done(st, prep(st, S_SAVEPOINT));
}

int store_release(struct store *st)
{
	return step_done(st, prep(st, S_RELEASE));
}

void store_undo(struct store *st)
{
	step_done(st, prep(st, S_UNDO));
	step_done(st, prep(st, S_RELEASE));
}

int store_call_get(struct store *st, const char *tenant, const char *site, const char *id,
                   char fp[17], char area[64], int64_t *seq)
{
	sqlite3_stmt *s = prep(st, S_CALL_GET);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(fp, 17, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(area, 64, "%s", (const char *)sqlite3_column_text(s, 1));
		*seq = sqlite3_column_int64(s, 2);
		sqlite3_reset(s);
		return 1;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	log_warn_rl("sqlite: %s", sqlite3_errmsg(st->db));
	return -1;
}

int store_call_put(struct store *st, const char *tenant, const char *site, const char *id,
                   const char *fp, const char *area, int64_t seq, int64_t now_ms)
{
	sqlite3_stmt *s = prep(st, S_CALL_PUT);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, id);
	bind_text(s, 4, fp);
	bind_text(s, 5, area);
	sqlite3_bind_int64(s, 6, seq);
	sqlite3_bind_int64(s, 7, now_ms);
	return step_done(st, s);
}

int store_area_save(struct store *st, const char *tenant, const char *site, const char *area,
                    int64_t seq, const char *board)
{
	sqlite3_stmt *s = prep(st, S_AREA_SAVE);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, area);
	sqlite3_bind_int64(s, 4, seq);
	bind_text(s, 5, board);
	return step_done(st, s);
}

int store_area_published(struct store *st, const char *tenant, const char *site, const char *area,
                         int64_t seq)
{
	sqlite3_stmt *s = prep(st, S_AREA_PUB);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, area);
	sqlite3_bind_int64(s, 4, seq);
	return step_done(st, s);
}

static const char *col(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	return v ? v : "";
}

int store_areas_load(struct store *st, void (*cb)(void *data, const struct store_area_row *r),
                     void *data)
{
	sqlite3_stmt *s = prep(st, S_AREAS);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_area_row r = {col(s, 0),
		                           col(s, 1),
		                           col(s, 2),
		                           sqlite3_column_int64(s, 3),
		                           sqlite3_column_int64(s, 4),
		                           col(s, 5)};
		cb(data, &r);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_notice_save(struct store *st, const char *tenant, const char *site, const char *payload,
                      int64_t seq)
{
	sqlite3_stmt *s = prep(st, S_NOTICE_SAVE);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, payload);
	sqlite3_bind_int64(s, 4, seq);
	return step_done(st, s);
}

int store_notice_published(struct store *st, const char *tenant, const char *site, int64_t seq)
{
	sqlite3_stmt *s = prep(st, S_NOTICE_PUB);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	sqlite3_bind_int64(s, 3, seq);
	return step_done(st, s);
}

int store_notices_load(struct store *st, void (*cb)(void *data, const struct store_notice_row *r),
                       void *data)
{
	sqlite3_stmt *s = prep(st, S_NOTICES);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_notice_row r = {col(s, 0), col(s, 1), col(s, 2),
		                             sqlite3_column_int64(s, 3),
		                             sqlite3_column_int64(s, 4)};
		cb(data, &r);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_stats_add(struct store *st, const char *tenant, const char *site, const char *area,
                    const char *desk, int64_t hour_ms, int calls, int recalls)
{
	sqlite3_stmt *s = prep(st, S_STATS_ADD);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, area);
	bind_text(s, 4, desk);
	sqlite3_bind_int64(s, 5, hour_ms);
	sqlite3_bind_int(s, 6, calls);
	sqlite3_bind_int(s, 7, recalls);
	return step_done(st, s);
}

int store_stats_query(struct store *st, const char *tenant, const char *site, int64_t from_ms,
                      int64_t to_ms, void (*cb)(void *data, const struct store_stat_row *r),
                      void *data)
{
	sqlite3_stmt *s = prep(st, S_STATS_QUERY);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	sqlite3_bind_int64(s, 3, from_ms);
	sqlite3_bind_int64(s, 4, to_ms);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_stat_row r = {col(s, 0), col(s, 1), sqlite3_column_int64(s, 2),
		                           sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4)};
		cb(data, &r);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_purge(struct store *st, int64_t stats_before_ms, int64_t calls_before_ms)
{
	sqlite3_stmt *s = prep(st, S_PURGE_STATS);
	sqlite3_bind_int64(s, 1, stats_before_ms);
	if (step_done(st, s) < 0)
		return -1;
	s = prep(st, S_PURGE_CALLS);
	sqlite3_bind_int64(s, 1, calls_before_ms);
	return step_done(st, s);
}

/* A row keyed by (tenant, site, device) with one text value. */
static int device_row_save(struct store *st, enum stmt_id id, const char *tenant, const char *site,
                           const char *device, const char *text)
{
	sqlite3_stmt *s = prep(st, id);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, device);
	bind_text(s, 4, text);
	return step_done(st, s);
}

int store_device_save(struct store *st, const char *tenant, const char *site, const char *device,
                      const char *json)
{
	return device_row_save(st, S_DEVICE_SAVE, tenant, site, device, json);
}

int store_devices_load(struct store *st, void (*cb)(void *data, const struct store_device_row *r),
                       void *data)
{
	sqlite3_stmt *s = prep(st, S_DEVICES);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_device_row r = {col(s, 0), col(s, 1), col(s, 2), col(s, 3)};
		cb(data, &r);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_paired_save(struct store *st, const char *tenant, const char *site, const char *device,
                      const char *json)
{
	return device_row_save(st, S_PAIRED_SAVE, tenant, site, device, json);
}

int store_paired_get(struct store *st, const char *tenant, const char *site, const char *device,
                     char **json)
{
	sqlite3_stmt *s = prep(st, S_PAIRED_GET);
	bind_text(s, 1, tenant);
	bind_text(s, 2, site);
	bind_text(s, 3, device);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*json = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	log_warn_rl("sqlite: %s", sqlite3_errmsg(st->db));
	return -1;
}

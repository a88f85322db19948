/* The bridge's durable state: boards and seq per area, call ids for
 * idempotency, notices, anonymous statistics, the device registry, and
 * (when several bridges share it) the publisher lease. Two backends behind
 * the same API: SQLite (WAL, one bridge; the default) and PostgreSQL
 * (any number of bridges; chosen by a postgresql:// URL). One connection
 * (plus, for PostgreSQL, one listening for change notices), used from the
 * loop thread only. Schemas are versioned (table schema_version) and
 * migrated at open. */
#ifndef CB_BRIDGE_STORE_H
#define CB_BRIDGE_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct store;

struct store_area_row {
	const char *tenant, *site, *area;
	int64_t seq, published_seq;
	const char *board; /* store form of the entries */
};

struct store_notice_row {
	const char *tenant, *site;
	const char *payload; /* "" when cleared */
	int64_t seq, published_seq;
};

struct store_stat_row {
	const char *area, *desk;
	int64_t hour_ms;
	int64_t calls, recalls;
};

struct store_device_row {
	const char *tenant, *site, *device;
	const char *json; /* the registry's own record */
};

/* Open (create, migrate) the database: a SQLite file path, or a
 * postgresql:// (postgres://) URL; NULL with a logged reason. */
struct store *store_open(const char *where);
void store_close(struct store *st);
/* Whether other bridges may share the database (PostgreSQL): then boards
 * are read under a row lock before each change, and only the lease holder
 * publishes. */
bool store_shared(const struct store *st);
/* The schema version the database is at. */
int store_schema_version(struct store *st);
/* Why the last write failed (the database's message, owned by the store),
 * or NULL when the last write succeeded. */
const char *store_write_error(const struct store *st);

/* Transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK). */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* Whether the next commits wait for the disk (the default) or not: then a
 * power cut may lose the last of them (never corrupt the file), until a
 * durable commit, which makes them durable too. Only for what can be lost,
 * such as the device registry. Not inside a transaction. */
int store_durable(struct store *st, bool durable);
/* A savepoint inside the open transaction: one change that can be undone
 * alone (release keeps it, undo drops it). */
int store_savepoint(struct store *st);
int store_release(struct store *st);
void store_undo(struct store *st);

/* Idempotency: 1 found (fp, area, seq filled), 0 not found, -1 error. */
int store_call_get(struct store *st, const char *tenant, const char *site, const char *id,
                   char fp[17], char area[64], int64_t *seq);
int store_call_put(struct store *st, const char *tenant, const char *site, const char *id,
                   const char *fp, const char *area, int64_t seq, int64_t now_ms);

/* Save an area's board and seq (inside a transaction). */
int store_area_save(struct store *st, const char *tenant, const char *site, const char *area,
                    int64_t seq, const char *board);
/* Record that seq of this area reached the broker. */
int store_area_published(struct store *st, const char *tenant, const char *site, const char *area,
                         int64_t seq);
/* One area's row to cb (valid during the call): 1 found, 0 none, -1 error.
 * lock (inside a transaction): create the row when missing (seq 0, no
 * entries) and lock it until the transaction ends, so the change made
 * from it cannot race another bridge's. */
int store_area_get(struct store *st, const char *tenant, const char *site, const char *area,
                   bool lock, void (*cb)(void *data, const struct store_area_row *r), void *data);
/* Call cb for every area row; rows valid only during the call. */
int store_areas_load(struct store *st, void (*cb)(void *data, const struct store_area_row *r),
                     void *data);

int store_notice_save(struct store *st, const char *tenant, const char *site, const char *payload,
                      int64_t seq);
/* A site's notice row, as store_area_get. */
int store_notice_get(struct store *st, const char *tenant, const char *site, bool lock,
                     void (*cb)(void *data, const struct store_notice_row *r), void *data);
int store_notice_published(struct store *st, const char *tenant, const char *site, int64_t seq);
int store_notices_load(struct store *st, void (*cb)(void *data, const struct store_notice_row *r),
                       void *data);

/* Add to the hour's counters of (tenant, site, area, desk). */
int store_stats_add(struct store *st, const char *tenant, const char *site, const char *area,
                    const char *desk, int64_t hour_ms, int calls, int recalls);
/* Rows with from_ms <= hour < to_ms, by hour. */
int store_stats_query(struct store *st, const char *tenant, const char *site, int64_t from_ms,
                      int64_t to_ms, void (*cb)(void *data, const struct store_stat_row *r),
                      void *data);
/* Delete statistics and idempotency keys older than the given times. */
int store_purge(struct store *st, int64_t stats_before_ms, int64_t calls_before_ms);

int store_device_save(struct store *st, const char *tenant, const char *site, const char *device,
                      const char *json);
int store_devices_load(struct store *st, void (*cb)(void *data, const struct store_device_row *r),
                       void *data);

/* The settings a paired display was given (the bridge's JSON), kept so that
 * new hardware paired under the same name gets them again. get: 1 found
 * (*json malloc'ed, the caller frees), 0 none, -1 error. */
int store_paired_save(struct store *st, const char *tenant, const char *site, const char *device,
                      const char *json);
int store_paired_get(struct store *st, const char *tenant, const char *site, const char *device,
                     char **json);

/* The publisher lease: take or renew it for lease_ms as holder, which
 * holds epoch (0: none). 1: held, *epoch_out the epoch (a new one when
 * the lease was taken over); 0: another holder has it, *epoch_out theirs;
 * -1: error. A store that is not shared always gives 1 with epoch 1. */
int store_lease(struct store *st, const char *holder, int64_t epoch, int lease_ms,
                int64_t *epoch_out);
/* Give up the lease if holder has it (on a clean stop: no waiting for it
 * to run out). */
void store_lease_drop(struct store *st, const char *holder);

/* The socket to watch for change notices, or -1 (none, or not connected). */
int store_listen_fd(struct store *st);
/* Take in change notices: cb(data, "a/TENANT/SITE/AREA" or "n/TENANT/SITE")
 * per changed row, cb(data, NULL) when anything may have changed (the
 * listening connection was made again: notices were missed). Reconnects
 * when needed. 1 when the socket changed, 0, or -1 while unreachable. */
int store_listen(struct store *st, void (*cb)(void *data, const char *what), void *data);

/* WAL checkpoints the store's own thread has run to the end, off the loop;
 * -1 when the backend has no such thread (PostgreSQL, in-memory SQLite). */
long store_checkpoints(struct store *st);

#endif

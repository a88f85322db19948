/* The bridge's durable state in SQLite (WAL): boards and seq per area,
 * call ids for idempotency, notices, anonymous statistics, the device
 * registry, paired displays' settings. One connection, used from the loop
 * thread only. */
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

/* Open (create) the database at path; NULL with a logged reason. */
struct store *store_open(const char *path);
void store_close(struct store *st);
/* Why the last write failed (SQLite's message, owned by the store), or NULL
 * when the last write succeeded. */
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
/* Call cb for every area row; rows valid only during the call. */
int store_areas_load(struct store *st, void (*cb)(void *data, const struct store_area_row *r),
                     void *data);

int store_notice_save(struct store *st, const char *tenant, const char *site, const char *payload,
                      int64_t seq);
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

#endif

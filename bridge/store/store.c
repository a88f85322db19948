/* The store API once, over a backend's statements (store_impl.h): argument
 * lists, row conversion, write-error bookkeeping and schema migration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "store"
#include "log.h"
#include "store_impl.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof(a)[0]))

static int query(struct store *st, enum store_stmt id, const struct store_arg *args, int n,
                 store_row_fn row, void *data)
{
	int rc = st->ops->run(st, id, args, n, row, data);
	if (rc < 0)
		log_warn_rl("%s", st->ops->errmsg(st));
	return rc;
}

/* Record how a write went: a write has succeeded once it is committed (a
 * COMMIT, or a statement outside a transaction); a ROLLBACK ends one
 * without writing. rc as from ops->run, passed on. */
static int written(struct store *st, enum store_stmt id, int rc)
{
	if (rc < 0) {
		snprintf(st->write_error, sizeof st->write_error, "%s", st->ops->errmsg(st));
		log_warn_rl("%s", st->write_error);
		return -1;
	}
	if (!st->ops->in_tx(st) && id != S_ROLLBACK)
		st->write_error[0] = '\0';
	return rc;
}

/* Run a statement that writes (or opens or ends a transaction); 0 or -1. */
static int put(struct store *st, enum store_stmt id, const struct store_arg *args, int n)
{
	if (!st->ops->sql[id])
		return 0; /* not needed by this backend */
	return written(st, id, st->ops->run(st, id, args, n, NULL, NULL)) < 0 ? -1 : 0;
}

static int64_t num(const char *s)
{
	return strtoll(s, NULL, 10);
}

static void version_row(void *data, const char *const *col)
{
	*(int64_t *)data = num(col[0]);
}

int store_schema_version(struct store *st)
{
	int64_t v = 0;
	if (query(st, S_VERSION_GET, NULL, 0, version_row, &v) < 0)
		return -1;
	return (int)v;
}

/* Bring the schema to the newest version, in one transaction (PostgreSQL:
 * under an advisory lock, so bridges starting together migrate once). */
static int migrate(struct store *st)
{
	const struct store_ops *o = st->ops;
	if (put(st, S_VERSION_TABLE, NULL, 0) < 0 || put(st, S_BEGIN, NULL, 0) < 0)
		return -1;
	if (put(st, S_MIGRATE_LOCK, NULL, 0) < 0)
		goto fail;
	int v = store_schema_version(st);
	if (v < 0)
		goto fail;
	if (v > o->nmigrations) {
		log_error("the database has schema version %d; this bridge knows up to %d", v,
		          o->nmigrations);
		goto fail;
	}
	for (int i = v; i < o->nmigrations; i++) {
		if (o->script(st, o->migrations[i]) < 0) {
			log_error("schema version %d: %s", i + 1, o->errmsg(st));
			goto fail;
		}
		log_info("schema migrated to version %d", i + 1);
	}
	struct store_arg a[] = {ARG_I(o->nmigrations)};
	if (put(st, S_VERSION_SET, a, NARGS(a)) < 0 || put(st, S_COMMIT, NULL, 0) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static bool is_url(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

struct store *store_open(const char *where)
{
	struct store *st = is_url(where) ? store_pg_open(where) : store_sqlite_open(where);
	if (st && migrate(st) < 0) {
		store_close(st);
		return NULL;
	}
	return st;
}

void store_close(struct store *st)
{
	if (st)
		st->ops->close(st);
}

long store_checkpoints(struct store *st)
{
	return st->ops->checkpoints ? st->ops->checkpoints(st) : -1;
}

bool store_shared(const struct store *st)
{
	return st->ops->shared;
}

const char *store_write_error(const struct store *st)
{
	return st->write_error[0] ? st->write_error : NULL;
}

int store_begin(struct store *st)
{
	return put(st, S_BEGIN, NULL, 0);
}

int store_commit(struct store *st)
{
	return put(st, S_COMMIT, NULL, 0);
}

void store_rollback(struct store *st)
{
	if (st->ops->in_tx(st))
		put(st, S_ROLLBACK, NULL, 0);
}

int store_durable(struct store *st, bool durable)
{
	return put(st, durable ? S_SYNC_FULL : S_SYNC_NORMAL, NULL, 0);
}

int store_savepoint(struct store *st)
{
	return put(st, S_SAVEPOINT, NULL, 0);
}

int store_release(struct store *st)
{
	return put(st, S_RELEASE, NULL, 0);
}

void store_undo(struct store *st)
{
	put(st, S_UNDO, NULL, 0);
	put(st, S_RELEASE, NULL, 0);
}

struct call_out {
	char *fp, *area;
	int64_t *seq;
};

static void call_row(void *data, const char *const *col)
{
	struct call_out *o = data;
	snprintf(o->fp, 17, "%s", col[0]);
	snprintf(o->area, 64, "%s", col[1]);
	*o->seq = num(col[2]);
}

int store_call_get(struct store *st, const char *tenant, const char *site, const char *id,
                   char fp[17], char area[64], int64_t *seq)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(id)};
	struct call_out o = {fp, area, seq};
	int rc = query(st, S_CALL_GET, a, NARGS(a), call_row, &o);
	return rc < 0 ? -1 : rc > 0;
}

int store_call_put(struct store *st, const char *tenant, const char *site, const char *id,
                   const char *fp, const char *area, int64_t seq, int64_t now_ms)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(id),    ARG_T(fp),
	                        ARG_T(area),   ARG_I(seq),  ARG_I(now_ms)};
	return put(st, S_CALL_PUT, a, NARGS(a));
}

int store_area_save(struct store *st, const char *tenant, const char *site, const char *area,
                    int64_t seq, const char *board)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(area), ARG_I(seq), ARG_T(board)};
	return put(st, S_AREA_SAVE, a, NARGS(a));
}

int store_area_published(struct store *st, const char *tenant, const char *site, const char *area,
                         int64_t seq)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(area), ARG_I(seq)};
	return put(st, S_AREA_PUB, a, NARGS(a));
}

/* A typed row callback, kept as a plain function pointer. */
typedef void (*any_fn)(void);

struct rows {
	any_fn cb;
	void *data;
};

static void area_row(void *data, const char *const *col)
{
	struct rows *w = data;
	struct store_area_row r = {col[0], col[1], col[2], num(col[3]), num(col[4]), col[5]};
	((void (*)(void *, const struct store_area_row *))w->cb)(w->data, &r);
}

int store_areas_load(struct store *st, void (*cb)(void *data, const struct store_area_row *r),
                     void *data)
{
	struct rows w = {(any_fn)cb, data};
	return query(st, S_AREAS, NULL, 0, area_row, &w) < 0 ? -1 : 0;
}

int store_area_get(struct store *st, const char *tenant, const char *site, const char *area,
                   bool lock, void (*cb)(void *data, const struct store_area_row *r), void *data)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(area)};
	struct rows w = {(any_fn)cb, data};
	if (lock && put(st, S_AREA_ENSURE, a, NARGS(a)) < 0)
		return -1;
	int rc = query(st, lock ? S_AREA_LOCK : S_AREA_GET, a, NARGS(a), area_row, &w);
	return rc < 0 ? -1 : rc > 0;
}

int store_notice_save(struct store *st, const char *tenant, const char *site, const char *payload,
                      int64_t seq)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(payload), ARG_I(seq)};
	return put(st, S_NOTICE_SAVE, a, NARGS(a));
}

int store_notice_published(struct store *st, const char *tenant, const char *site, int64_t seq)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_I(seq)};
	return put(st, S_NOTICE_PUB, a, NARGS(a));
}

static void notice_row(void *data, const char *const *col)
{
	struct rows *w = data;
	struct store_notice_row r = {col[0], col[1], col[2], num(col[3]), num(col[4])};
	((void (*)(void *, const struct store_notice_row *))w->cb)(w->data, &r);
}

int store_notices_load(struct store *st, void (*cb)(void *data, const struct store_notice_row *r),
                       void *data)
{
	struct rows w = {(any_fn)cb, data};
	return query(st, S_NOTICES, NULL, 0, notice_row, &w) < 0 ? -1 : 0;
}

int store_notice_get(struct store *st, const char *tenant, const char *site, bool lock,
                     void (*cb)(void *data, const struct store_notice_row *r), void *data)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site)};
	struct rows w = {(any_fn)cb, data};
	if (lock && put(st, S_NOTICE_ENSURE, a, NARGS(a)) < 0)
		return -1;
	int rc = query(st, lock ? S_NOTICE_LOCK : S_NOTICE_GET, a, NARGS(a), notice_row, &w);
	return rc < 0 ? -1 : rc > 0;
}

int store_stats_add(struct store *st, const char *tenant, const char *site, const char *area,
                    const char *desk, int64_t hour_ms, int calls, int recalls)
{
	struct store_arg a[] = {ARG_T(tenant),  ARG_T(site),  ARG_T(area),   ARG_T(desk),
	                        ARG_I(hour_ms), ARG_I(calls), ARG_I(recalls)};
	return put(st, S_STATS_ADD, a, NARGS(a));
}

static void stat_row(void *data, const char *const *col)
{
	struct rows *w = data;
	struct store_stat_row r = {col[0], col[1], num(col[2]), num(col[3]), num(col[4])};
	((void (*)(void *, const struct store_stat_row *))w->cb)(w->data, &r);
}

int store_stats_query(struct store *st, const char *tenant, const char *site, int64_t from_ms,
                      int64_t to_ms, void (*cb)(void *data, const struct store_stat_row *r),
                      void *data)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_I(from_ms), ARG_I(to_ms)};
	struct rows w = {(any_fn)cb, data};
	return query(st, S_STATS_QUERY, a, NARGS(a), stat_row, &w) < 0 ? -1 : 0;
}

int store_purge(struct store *st, int64_t stats_before_ms, int64_t calls_before_ms)
{
	struct store_arg s[] = {ARG_I(stats_before_ms)}, c[] = {ARG_I(calls_before_ms)};
	if (put(st, S_PURGE_STATS, s, 1) < 0)
		return -1;
	return put(st, S_PURGE_CALLS, c, 1);
}

int store_device_save(struct store *st, const char *tenant, const char *site, const char *device,
                      const char *json)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(device), ARG_T(json)};
	return put(st, S_DEVICE_SAVE, a, NARGS(a));
}

static void device_row(void *data, const char *const *col)
{
	struct rows *w = data;
	struct store_device_row r = {col[0], col[1], col[2], col[3]};
	((void (*)(void *, const struct store_device_row *))w->cb)(w->data, &r);
}

int store_devices_load(struct store *st, void (*cb)(void *data, const struct store_device_row *r),
                       void *data)
{
	struct rows w = {(any_fn)cb, data};
	return query(st, S_DEVICES, NULL, 0, device_row, &w) < 0 ? -1 : 0;
}

int store_paired_save(struct store *st, const char *tenant, const char *site, const char *device,
                      const char *json)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(device), ARG_T(json)};
	return put(st, S_PAIRED_SAVE, a, NARGS(a));
}

static void text_row(void *data, const char *const *col)
{
	char **out = data;
	if (!*out)
		*out = xstrdup(col[0]);
}

int store_paired_get(struct store *st, const char *tenant, const char *site, const char *device,
                     char **json)
{
	struct store_arg a[] = {ARG_T(tenant), ARG_T(site), ARG_T(device)};
	*json = NULL;
	if (query(st, S_PAIRED_GET, a, NARGS(a), text_row, json) < 0)
		return -1;
	return *json != NULL;
}

int store_lease(struct store *st, const char *holder, int64_t epoch, int lease_ms,
                int64_t *epoch_out)
{
	if (!st->ops->sql[S_LEASE]) {
		*epoch_out = 1;
		return 1;
	}
	struct store_arg a[] = {ARG_T(holder), ARG_I(lease_ms), ARG_I(epoch)};
	/* A write every second: whether the database takes writes shows on
	 * /healthz even when no call comes. */
	int rc =
	    written(st, S_LEASE, st->ops->run(st, S_LEASE, a, NARGS(a), version_row, epoch_out));
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	*epoch_out = 0;
	return query(st, S_LEASE_PEEK, NULL, 0, version_row, epoch_out) < 0 ? -1 : 0;
}

void store_lease_drop(struct store *st, const char *holder)
{
	struct store_arg a[] = {ARG_T(holder)};
	put(st, S_LEASE_DROP, a, NARGS(a));
}

int store_listen_fd(struct store *st)
{
	return st->ops->listen_fd ? st->ops->listen_fd(st) : -1;
}

int store_listen(struct store *st, void (*cb)(void *data, const char *what), void *data)
{
	return st->ops->listen ? st->ops->listen(st, cb, data) : 0;
}

#ifndef HAVE_LIBPQ
struct store *store_pg_open(const char *url)
{
	(void)url;
	log_error("[storage] url: this bridge was built without PostgreSQL (libpq)");
	return NULL;
}
#endif

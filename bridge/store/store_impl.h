/* What a storage backend gives store.c: the text of each statement in its
 * SQL dialect, its schema migrations, and a small ops table to run them.
 * store.c implements the whole store API once on top of it; the backends
 * (store_sqlite.c, store_pg.c) only speak to their database. Private to
 * the store. */
#ifndef CB_BRIDGE_STORE_IMPL_H
#define CB_BRIDGE_STORE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

enum store_stmt {
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
	S_AREA_GET,
	S_AREA_LOCK,
	S_AREA_ENSURE, /* NULL when one writer makes row locks needless */
	S_NOTICE_SAVE,
	S_NOTICE_PUB,
	S_NOTICES,
	S_NOTICE_GET,
	S_NOTICE_LOCK,
	S_NOTICE_ENSURE,
	S_STATS_ADD,
	S_STATS_QUERY,
	S_PURGE_STATS,
	S_PURGE_CALLS,
	S_DEVICE_SAVE,
	S_DEVICES,
	S_PAIRED_SAVE,
	S_PAIRED_GET,
	S_VERSION_TABLE,
	S_VERSION_GET,
	S_VERSION_SET,
	S_MIGRATE_LOCK, /* NULL when the backend has one writer */
	S_LEASE,        /* NULL: no lease, the only bridge publishes */
	S_LEASE_PEEK,
	S_LEASE_DROP,
	S_COUNT
};

/* The columns store.c reads area and notice rows by, in this order. */
#define AREA_ROWS   "SELECT tenant, site, area, seq, published_seq, board FROM areas"
#define NOTICE_ROWS "SELECT tenant, site, payload, seq, published_seq FROM notices"

/* One statement parameter: text when s is set, else the integer i. */
struct store_arg {
	const char *s;
	int64_t i;
};
#define ARG_T(v) ((struct store_arg){(v), 0})
#define ARG_I(v) ((struct store_arg){NULL, (v)})

/* One result row: every column as text ("" for NULL), valid during the call. */
typedef void (*store_row_fn)(void *data, const char *const *col);

struct store_ops {
	const char *const *sql;        /* by enum store_stmt */
	const char *const *migrations; /* [v] brings the schema from version v to v+1 */
	int nmigrations;
	bool shared; /* other bridges may use the same database */
	/* Run one statement; the number of rows (each passed to row), or -1. */
	int (*run)(struct store *st, enum store_stmt id, const struct store_arg *args, int nargs,
	           store_row_fn row, void *data);
	/* Run a script of several statements without parameters; 0 or -1. */
	int (*script)(struct store *st, const char *sql);
	bool (*in_tx)(const struct store *st);
	/* The database's message for the last failure; owned by the backend. */
	const char *(*errmsg)(struct store *st);
	void (*close)(struct store *st);
	/* Change notices (NULL when not shared): see store_listen. */
	int (*listen)(struct store *st, void (*cb)(void *data, const char *what), void *data);
	int (*listen_fd)(struct store *st);
	/* Checkpoints run off the loop so far (NULL: the backend has none). */
	long (*checkpoints)(struct store *st);
};

/* The part of every backend's store that store.c uses; backends embed it
 * as their first member. */
struct store {
	const struct store_ops *ops;
	char write_error[160]; /* why the last write failed; "" after one succeeded */
};

/* Open a backend's database; NULL with a logged reason. Owned by the
 * caller, freed through ops->close. */
struct store *store_sqlite_open(const char *path);
struct store *store_pg_open(const char *url);

#endif

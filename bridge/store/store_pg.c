/* The PostgreSQL backend: several bridges share one database. Statements
 * are synchronous (PQexecParams) and bounded: statement_timeout and
 * lock_timeout on the server, connect_timeout and tcp_user_timeout on the
 * client, so no statement holds the loop for more than about two seconds
 * even when the server is gone; each is one short round trip on the normal
 * path. A bridge frozen inside a transaction (SIGSTOP, a paused VM) loses
 * it after three idle seconds (idle_in_transaction_session_timeout), so the
 * rows it locked keep the other bridges from taking calls no longer than
 * that. A lost connection is made again at most once a second, never in
 * the middle of a transaction (that fails until its ROLLBACK). Change
 * notices come on a second connection that only LISTENs; its socket is
 * watched by the loop. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "store"
#include "log.h"
#include "schema_postgresql.h"
#include "store_impl.h"
#include "timeutil.h"

#define RECONNECT_MS 1000

#define AREA_KEY   " WHERE tenant=$1 AND site=$2 AND area=$3"
#define NOTICE_KEY " WHERE tenant=$1 AND site=$2"

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT change",
    [S_RELEASE] = "RELEASE change",
    [S_UNDO] = "ROLLBACK TO change",
    [S_SYNC_FULL] = "SET synchronous_commit TO on",
    [S_SYNC_NORMAL] = "SET synchronous_commit TO off",
    [S_CALL_GET] = "SELECT fp, area, seq FROM calls WHERE tenant=$1 AND site=$2 AND id=$3",
    [S_CALL_PUT] = "INSERT INTO calls(tenant,site,id,fp,area,seq,created_ms) "
                   "VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT(tenant,site,id) DO UPDATE SET "
                   "fp=excluded.fp, area=excluded.area, seq=excluded.seq, "
                   "created_ms=excluded.created_ms",
    [S_AREA_SAVE] = "INSERT INTO areas(tenant,site,area,seq,published_seq,board) "
                    "VALUES($1,$2,$3,$4,0,$5) ON CONFLICT(tenant,site,area) DO UPDATE SET "
                    "seq=excluded.seq, board=excluded.board",
    [S_AREA_PUB] = "UPDATE areas SET published_seq=greatest(published_seq,$4) "
                   "WHERE tenant=$1 AND site=$2 AND area=$3",
    [S_AREAS] = AREA_ROWS,
    [S_AREA_GET] = AREA_ROWS AREA_KEY,
    [S_AREA_LOCK] = AREA_ROWS AREA_KEY " FOR UPDATE",
    /* A new area's row exists before it is locked: two bridges creating it
     * at once then queue on the same row instead of both inserting. */
    [S_AREA_ENSURE] = "INSERT INTO areas(tenant,site,area,seq,published_seq,board) "
                      "VALUES($1,$2,$3,0,0,'[]') ON CONFLICT DO NOTHING",
    [S_NOTICE_SAVE] = "INSERT INTO notices(tenant,site,payload,seq,published_seq) "
                      "VALUES($1,$2,$3,$4,0) ON CONFLICT(tenant,site) DO UPDATE SET "
                      "payload=excluded.payload, seq=excluded.seq",
    [S_NOTICE_PUB] = "UPDATE notices SET published_seq=greatest(published_seq,$3) "
                     "WHERE tenant=$1 AND site=$2",
    [S_NOTICES] = NOTICE_ROWS,
    [S_NOTICE_GET] = NOTICE_ROWS NOTICE_KEY,
    [S_NOTICE_LOCK] = NOTICE_ROWS NOTICE_KEY " FOR UPDATE",
    [S_NOTICE_ENSURE] = "INSERT INTO notices(tenant,site,payload,seq,published_seq) "
                        "VALUES($1,$2,'',0,0) ON CONFLICT DO NOTHING",
    [S_STATS_ADD] = "INSERT INTO stats(tenant,site,area,desk,hour_ms,calls,recalls) "
                    "VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT(tenant,site,area,desk,hour_ms) "
                    "DO UPDATE SET calls=stats.calls+excluded.calls, "
                    "recalls=stats.recalls+excluded.recalls",
    [S_STATS_QUERY] = "SELECT area, desk, hour_ms, calls, recalls FROM stats "
                      "WHERE tenant=$1 AND site=$2 AND hour_ms>=$3 AND hour_ms<$4 "
                      "ORDER BY hour_ms, area, desk",
    [S_PURGE_STATS] = "DELETE FROM stats WHERE hour_ms < $1",
    [S_PURGE_CALLS] = "DELETE FROM calls WHERE created_ms < $1",
    [S_DEVICE_SAVE] = "INSERT INTO devices(tenant,site,device,record) VALUES($1,$2,$3,$4) "
                      "ON CONFLICT(tenant,site,device) DO UPDATE SET record=excluded.record",
    [S_DEVICES] = "SELECT tenant, site, device, record FROM devices",
    [S_PAIRED_SAVE] = "INSERT INTO paired(tenant,site,device,settings) VALUES($1,$2,$3,$4) "
                      "ON CONFLICT(tenant,site,device) DO UPDATE SET settings=excluded.settings",
    [S_PAIRED_GET] = "SELECT settings FROM paired WHERE tenant=$1 AND site=$2 AND device=$3",
    [S_VERSION_TABLE] = "CREATE TABLE IF NOT EXISTS schema_version("
                        "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
    [S_VERSION_GET] = "SELECT version FROM schema_version",
    [S_VERSION_SET] = "INSERT INTO schema_version(id,version) VALUES(1,$1) "
                      "ON CONFLICT(id) DO UPDATE SET version=excluded.version",
    [S_MIGRATE_LOCK] = "SELECT pg_advisory_xact_lock(7310226)",
    /* Renewed by its holder under the same epoch while it has not run out;
     * taken (epoch + 1) by anyone once it has, by the server's clock. */
    [S_LEASE] = "INSERT INTO lease(name,holder,epoch,expires) VALUES('publisher',$1,1,"
                "clock_timestamp() + $2::bigint * interval '1 millisecond') "
                "ON CONFLICT(name) DO UPDATE SET epoch=CASE WHEN lease.holder=$1 AND "
                "lease.epoch=$3::bigint AND lease.expires>clock_timestamp() THEN lease.epoch "
                "ELSE lease.epoch+1 END, holder=$1, expires=excluded.expires "
                "WHERE lease.holder=$1 OR lease.expires<=clock_timestamp() RETURNING epoch",
    [S_LEASE_PEEK] = "SELECT epoch FROM lease WHERE name='publisher'",
    [S_LEASE_DROP] = "UPDATE lease SET expires=clock_timestamp() "
                     "WHERE name='publisher' AND holder=$1",
};

static const char *const migrations[] = {schema_postgresql};

struct store_pg {
	struct store base;
	char *url;
	PGconn *conn, *listen;
	int64_t conn_tried, listen_tried; /* monotonic ms of the last connect */
	bool in_tx;                       /* a BEGIN not yet ended */
	bool tx_lost;                     /* the connection went during it */
	char err[200];
};

static PGconn *connect_db(const char *url)
{
	/* Later keywords win: the URL's own parameters override these. */
	const char *keys[] = {"connect_timeout",
	                      "tcp_user_timeout",
	                      "keepalives_idle",
	                      "application_name",
	                      "options",
	                      "dbname",
	                      NULL};
	const char *vals[] = {
	    "2",
	    "3000",
	    "5",
	    "callboard-bridge",
	    "-c statement_timeout=2000 -c lock_timeout=2000 "
	    "-c idle_in_transaction_session_timeout=3000 -c client_min_messages=warning",
	    url,
	    NULL};
	return PQconnectdbParams(keys, vals, 1);
}

/* libpq's messages run over lines: one line for logs and /healthz. */
static void one_line(char *dst, size_t len, const char *msg)
{
	snprintf(dst, len, "postgresql: %s", msg);
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	size_t n = strlen(dst);
	while (n && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

static void set_err(struct store_pg *st, const char *msg)
{
	one_line(st->err, sizeof st->err, msg);
}

/* Make the connection again after it was lost, at most once a second. */
static bool usable(struct store_pg *st)
{
	if (PQstatus(st->conn) == CONNECTION_OK)
		return true;
	if (st->in_tx) {
		st->tx_lost = true;
		set_err(st, "connection lost in a transaction");
		return false;
	}
	int64_t now = time_mono_ms();
	if (now - st->conn_tried < RECONNECT_MS) {
		set_err(st, "not connected");
		return false;
	}
	st->conn_tried = now;
	PQreset(st->conn);
	if (PQstatus(st->conn) != CONNECTION_OK) {
		set_err(st, PQerrorMessage(st->conn));
		return false;
	}
	log_info("connected to the database again");
	return true;
}

static int run(struct store *base, enum store_stmt id, const struct store_arg *args, int nargs,
               store_row_fn row, void *data)
{
	struct store_pg *st = (struct store_pg *)base;
	if (id == S_ROLLBACK && st->tx_lost) {
		st->in_tx = st->tx_lost = false; /* the server already dropped it */
		return 0;
	}
	if (!usable(st))
		return -1;
	char nums[8][24];
	const char *vals[8];
	for (int i = 0; i < nargs && i < 8; i++) {
		if (args[i].s) {
			vals[i] = args[i].s;
		} else {
			snprintf(nums[i], sizeof nums[i], "%lld", (long long)args[i].i);
			vals[i] = nums[i];
		}
	}
	PGresult *res = PQexecParams(st->conn, sql[id], nargs, NULL, vals, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(res);
	int n = -1;
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
		n = PQntuples(res);
		int ncol = PQnfields(res);
		for (int r = 0; r < n && row; r++) {
			const char *col[8];
			for (int c = 0; c < ncol && c < 8; c++)
				col[c] = PQgetvalue(res, r, c);
			row(data, col);
		}
		if (id == S_BEGIN)
			st->in_tx = true;
	} else {
		set_err(st, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
		                                         : PQerrorMessage(st->conn));
	}
	if (id == S_COMMIT || id == S_ROLLBACK)
		st->in_tx = false;
	PQclear(res);
	return n;
}

static int script(struct store *base, const char *text)
{
	struct store_pg *st = (struct store_pg *)base;
	PGresult *res = PQexec(st->conn, text);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc < 0)
		set_err(st, PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

static bool in_tx(const struct store *base)
{
	return ((const struct store_pg *)base)->in_tx;
}

static const char *errmsg(struct store *base)
{
	return ((struct store_pg *)base)->err;
}

static void close_db(struct store *base)
{
	struct store_pg *st = (struct store_pg *)base;
	PQfinish(st->conn);
	PQfinish(st->listen);
	free(st->url);
	free(st);
}

static int listen_fd(struct store *base)
{
	struct store_pg *st = (struct store_pg *)base;
	return st->listen && PQstatus(st->listen) == CONNECTION_OK ? PQsocket(st->listen) : -1;
}

/* (Re)make the listening connection; 1 when made, 0 too soon, -1 failed. */
static int listen_connect(struct store_pg *st)
{
	int64_t now = time_mono_ms();
	if (st->listen_tried && now - st->listen_tried < RECONNECT_MS)
		return 0;
	st->listen_tried = now;
	PQfinish(st->listen);
	st->listen = connect_db(st->url);
	PGresult *res = NULL;
	if (PQstatus(st->listen) == CONNECTION_OK)
		res = PQexec(st->listen, "LISTEN callboard");
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || PQsetnonblocking(st->listen, 1) < 0) {
		char why[200];
		one_line(why, sizeof why, PQerrorMessage(st->listen));
		log_warn_rl("listening for changes: %s", why);
		return -1;
	}
	return 1;
}

static int listen_changes(struct store *base, void (*cb)(void *data, const char *what), void *data)
{
	struct store_pg *st = (struct store_pg *)base;
	if (!st->listen || PQstatus(st->listen) != CONNECTION_OK || !PQconsumeInput(st->listen)) {
		int rc = listen_connect(st);
		if (rc <= 0)
			return -1;
		cb(data, NULL);
		return 1;
	}
	PGnotify *n;
	while ((n = PQnotifies(st->listen))) {
		cb(data, n->extra);
		PQfreemem(n);
	}
	return 0;
}

static const struct store_ops ops = {
    .sql = sql,
    .migrations = migrations,
    .nmigrations = 1,
    .shared = true,
    .run = run,
    .script = script,
    .in_tx = in_tx,
    .errmsg = errmsg,
    .close = close_db,
    .listen = listen_changes,
    .listen_fd = listen_fd,
};

struct store *store_pg_open(const char *url)
{
	struct store_pg *st = xcalloc(1, sizeof *st);
	st->base.ops = &ops;
	st->url = xstrdup(url);
	st->conn = connect_db(url);
	st->conn_tried = time_mono_ms();
	if (PQstatus(st->conn) != CONNECTION_OK) {
		/* The password may be in the URL: name only the server. */
		log_error("postgresql %s:%s: %s", PQhost(st->conn), PQport(st->conn),
		          PQerrorMessage(st->conn));
		close_db(&st->base);
		return NULL;
	}
	return &st->base;
}

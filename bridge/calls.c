#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "calls"
#include "calls.h"
#include "lease.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "timeutil.h"

void calls_make_id(char buf[33])
{
	proto_random_hex(buf, 16);
}

static void fingerprint(const struct call_req *r, char out[17])
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[] = {r->area, r->ticket, r->desk, r->desk_label, r->service, r->lang};
	for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
		for (const char *s = parts[p];; s++) {
			h ^= (unsigned char)*s;
			h *= 1099511628211ULL;
			if (!*s)
				break;
		}
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void mark_pending(struct bridge *b, struct area *a)
{
	if (!a->pending_since_mono)
		a->pending_since_mono = time_mono_ms();
	b->outbox_dirty = true;
}

static int64_t hour_of(int64_t ms)
{
	return ms / 3600000 * 3600000;
}

static int write_area(struct bridge *b, struct area *a)
{
	char *json = board_entries_encode(&a->board);
	int rc = store_area_save(b->store, a->tenant, a->site, a->name, a->board.seq, json);
	free(json);
	return rc;
}

/* Save a changed board with seq+1; on failure the board in memory is put
 * back by the caller from its copy. A store of this bridge's own is
 * written once per area per batch, at its end (save_batch): nothing reads
 * the row before the commit, and encoding the whole board for every call
 * was a quarter of the bridge's CPU under load. A shared store is written
 * at once, under the row lock the change took. */
static int save_area(struct bridge *b, struct area *a)
{
	return store_shared(b->store) ? write_area(b, a) : 0;
}

/* The boards the batch changed, each once, before its COMMIT. */
static int save_batch(struct bridge *b)
{
	if (store_shared(b->store))
		return 0;
	for (int i = 0; i < b->nareas; i++) {
		struct area *a = b->areas[i];
		if (a->snap && a->board.seq != a->snap->seq && write_area(b, a) < 0)
			return -1;
	}
	return 0;
}

/* Open the batch (if needed) and a savepoint for one change. */
static int change_begin(struct bridge *b)
{
	if (!b->batch_open) {
		if (store_begin(b->store) < 0)
			return -1;
		b->batch_open = true;
	}
	return store_savepoint(b->store);
}

static int change_end(struct bridge *b, bool ok)
{
	if (ok && store_release(b->store) == 0)
		return 0;
	store_undo(b->store);
	return -1;
}

/* With a shared store, the area as the store has it now, locked until the
 * batch ends: another bridge may have changed it since. */
static int lock_area(struct bridge *b, struct area *a)
{
	if (!store_shared(b->store))
		return 0;
	return store_area_get(b->store, a->tenant, a->site, a->name, true, bridge_apply_area, b) < 0
	           ? -1
	           : 0;
}

/* Keep the board as it was before the batch, for a failed commit. */
static void touch(struct area *a)
{
	if (a->snap)
		return;
	a->snap = xmalloc(sizeof *a->snap);
	*a->snap = a->board;
	a->snap_ts_ms = a->board_ts_ms;
}

/* Open a change of area a: a savepoint in the turn's batch, the board kept
 * for a failed commit, and with a shared store the area locked as the store
 * has it now. */
static int area_begin(struct bridge *b, struct area *a)
{
	if (change_begin(b) < 0)
		return -1;
	touch(a);
	if (lock_area(b, a) < 0) {
		change_end(b, false);
		return -1;
	}
	return 0;
}

/* Close the change of area a and give its seq (when seq is not NULL); when
 * the change cannot be kept, the board goes back to what it was before it
 * (saved, saved_ts). */
static enum calls_rc area_end(struct bridge *b, struct area *a, bool ok, const struct board *saved,
                              int64_t saved_ts, int64_t *seq)
{
	if (change_end(b, ok) < 0) {
		a->board = *saved;
		a->board_ts_ms = saved_ts;
		return CALLS_ERROR;
	}
	if (seq)
		*seq = a->board.seq;
	return CALLS_OK;
}

void calls_on_commit(struct bridge *b, void (*cb)(void *ctx, bool committed), void *ctx)
{
	if (!b->batch_open) {
		cb(ctx, true);
		return;
	}
	struct batch_wait *w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->ctx = ctx;
	if (!b->waits_tail)
		b->waits_tail = &b->waits;
	*b->waits_tail = w;
	b->waits_tail = &w->next;
}

void calls_commit(struct bridge *b)
{
	if (!b->batch_open)
		return;
	bool ok = save_batch(b) == 0 && store_commit(b->store) == 0;
	if (!ok) {
		store_rollback(b->store);
		log_warn_rl("commit failed: the changes of this turn are refused");
	}
	b->batch_open = false;
	for (int i = 0; i < b->nareas; i++) {
		struct area *a = b->areas[i];
		if (!a->snap)
			continue;
		if (!ok) {
			a->board = *a->snap;
			a->board_ts_ms = a->snap_ts_ms;
		} else if (a->board.seq != a->snap->seq) {
			mark_pending(b, a);
		}
		free(a->snap);
		a->snap = NULL;
	}
	for (int i = 0; i < b->nnotices; i++) {
		struct notice *n = b->notices[i];
		if (!n->touched)
			continue;
		if (!ok) {
			free(n->payload);
			n->payload = n->snap_payload;
			n->seq = n->snap_seq;
		} else {
			free(n->snap_payload);
			b->outbox_dirty = true;
		}
		n->snap_payload = NULL;
		n->touched = false;
	}
	struct batch_wait *w = b->waits;
	b->waits = NULL;
	b->waits_tail = &b->waits;
	while (w) {
		struct batch_wait *next = w->next;
		w->cb(w->ctx, ok);
		free(w);
		w = next;
	}
	calls_arm_expiry(b);
}

enum calls_rc calls_add(struct bridge *b, const char *tenant, const char *site,
                        const struct call_req *r, char id_out[PROTO_ID_MAX + 1], int64_t *seq)
{
	char fp[17], old_fp[17], old_area[64];
	int64_t old_seq;
	fingerprint(r, fp);
	if (r->id[0]) {
		int f = store_call_get(b->store, tenant, site, r->id, old_fp, old_area, &old_seq);
		if (f < 0)
			return CALLS_ERROR;
		if (f == 1) {
			snprintf(id_out, PROTO_ID_MAX + 1, "%s", r->id);
			*seq = old_seq;
			return strcmp(fp, old_fp) == 0 ? CALLS_REPEAT : CALLS_CONFLICT;
		}
		snprintf(id_out, PROTO_ID_MAX + 1, "%s", r->id);
	} else {
		char id[33];
		calls_make_id(id);
		snprintf(id_out, PROTO_ID_MAX + 1, "%s", id);
	}
	struct area *a = bridge_area(b, tenant, site, r->area, true);
	if (area_begin(b, a) < 0)
		return CALLS_ERROR;
	/* Under the lock, the same id may have come through another bridge. */
	if (r->id[0] && store_shared(b->store)) {
		int f = store_call_get(b->store, tenant, site, r->id, old_fp, old_area, &old_seq);
		if (f != 0) {
			change_end(b, false);
			*seq = old_seq;
			return f < 0                     ? CALLS_ERROR
			       : strcmp(fp, old_fp) == 0 ? CALLS_REPEAT
			                                 : CALLS_CONFLICT;
		}
	}
	struct board saved = a->board;
	int64_t saved_ts = a->board_ts_ms;
	int64_t now = time_now_ms();
	struct proto_call c;
	memset(&c, 0, sizeof c);
	snprintf(c.id, sizeof c.id, "%s", id_out);
	snprintf(c.ticket, sizeof c.ticket, "%s", r->ticket);
	snprintf(c.desk, sizeof c.desk, "%s", r->desk);
	snprintf(c.desk_label, sizeof c.desk_label, "%s", r->desk_label);
	snprintf(c.service, sizeof c.service, "%s", r->service);
	snprintf(c.lang, sizeof c.lang, "%s", r->lang);
	c.kind = PROTO_KIND_CALL;
	c.ts_ms = now;
	board_call(&a->board, &c, b->cfg.board_length);
	/* A new area starts its seq at the clock (ms), not at 1: should the
	 * store ever be lost, the new boards still have greater seqs than the
	 * ones displays show, and are not ignored. */
	if (a->board.seq == 0)
		a->board.seq = now - 1;
	a->board.seq++;
	a->board_ts_ms = now;
	bool ok =
	    save_area(b, a) == 0 &&
	    store_call_put(b->store, tenant, site, id_out, fp, r->area, a->board.seq, now) == 0 &&
	    store_stats_add(b->store, tenant, site, r->area, r->desk, hour_of(now), 1, 0) == 0;
	return area_end(b, a, ok, &saved, saved_ts, seq);
}

/* The area of a call: from the idempotency record, else by scanning. */
static struct area *find_call_area(struct bridge *b, const char *tenant, const char *site,
                                   const char *id)
{
	char fp[17], area[64];
	int64_t seq;
	if (store_call_get(b->store, tenant, site, id, fp, area, &seq) == 1) {
		struct area *a = bridge_area(b, tenant, site, area, false);
		if (store_shared(b->store) && proto_name_valid(area) &&
		    store_area_get(b->store, tenant, site, area, false, bridge_apply_area, b) == 1)
			a = bridge_area(b, tenant, site, area, false);
		if (a && board_find(&a->board, id) >= 0)
			return a;
	}
	for (int i = 0; i < b->nareas; i++) {
		struct area *a = b->areas[i];
		if (strcmp(a->tenant, tenant) == 0 && strcmp(a->site, site) == 0 &&
		    board_find(&a->board, id) >= 0)
			return a;
	}
	return NULL;
}

enum calls_rc calls_recall(struct bridge *b, const char *tenant, const char *site, const char *id,
                           int64_t *seq)
{
	struct area *a = find_call_area(b, tenant, site, id);
	if (!a)
		return CALLS_NOT_FOUND;
	if (area_begin(b, a) < 0)
		return CALLS_ERROR;
	if (board_find(&a->board, id) < 0) { /* gone through another bridge */
		change_end(b, false);
		return CALLS_NOT_FOUND;
	}
	struct board saved = a->board;
	int64_t saved_ts = a->board_ts_ms;
	int64_t now = time_now_ms();
	char entry_id[PROTO_ID_MAX + 1];
	/* The recall needs an id of its own so displays announce it again. */
	if (strlen(id) + 22 <= PROTO_ID_MAX)
		snprintf(entry_id, sizeof entry_id, "%s:r%lld", id, (long long)(a->board.seq + 1));
	else {
		char rnd[33];
		calls_make_id(rnd);
		snprintf(entry_id, sizeof entry_id, "r%s", rnd);
	}
	int i = board_find(&a->board, id);
	char desk[PROTO_DESK_MAX + 1];
	snprintf(desk, sizeof desk, "%s", a->board.e[i].c.desk);
	board_recall(&a->board, id, entry_id, now, b->cfg.board_length);
	a->board.seq++;
	a->board_ts_ms = now;
	bool ok = save_area(b, a) == 0 &&
	          store_stats_add(b->store, tenant, site, a->name, desk, hour_of(now), 0, 1) == 0;
	return area_end(b, a, ok, &saved, saved_ts, seq);
}

enum calls_rc calls_cancel(struct bridge *b, const char *tenant, const char *site, const char *id,
                           int64_t *seq)
{
	struct area *a = find_call_area(b, tenant, site, id);
	if (!a) {
		char fp[17], area[64];
		int64_t s;
		if (store_call_get(b->store, tenant, site, id, fp, area, &s) != 1)
			return CALLS_NOT_FOUND;
		struct area *gone = bridge_area(b, tenant, site, area, false);
		*seq = gone ? gone->board.seq : s;
		return CALLS_OK; /* already off the board: cancelling again is fine */
	}
	if (area_begin(b, a) < 0)
		return CALLS_ERROR;
	if (board_find(&a->board, id) < 0) { /* cancelled through another bridge */
		change_end(b, false);
		*seq = a->board.seq;
		return CALLS_OK;
	}
	struct board saved = a->board;
	int64_t saved_ts = a->board_ts_ms;
	board_cancel(&a->board, id);
	a->board.seq++;
	a->board_ts_ms = time_now_ms();
	return area_end(b, a, save_area(b, a) == 0, &saved, saved_ts, seq);
}

enum calls_rc calls_notice(struct bridge *b, const char *tenant, const char *site,
                           const char *payload)
{
	struct notice *n = bridge_notice(b, tenant, site, true);
	if (change_begin(b) < 0)
		return CALLS_ERROR;
	if (store_shared(b->store) && !n->touched &&
	    store_notice_get(b->store, tenant, site, true, bridge_apply_notice, b) < 0) {
		change_end(b, false);
		return CALLS_ERROR;
	}
	if (change_end(b, store_notice_save(b->store, tenant, site, payload, n->seq + 1) == 0) < 0)
		return CALLS_ERROR;
	if (!n->touched) {
		n->touched = true;
		n->snap_payload = n->payload;
		n->snap_seq = n->seq;
	} else {
		free(n->payload);
	}
	n->payload = xstrdup(payload);
	n->seq++;
	return CALLS_OK;
}

void calls_arm_expiry(struct bridge *b)
{
	if (!b->expiry_timer)
		return;
	int64_t max_age = (int64_t)b->cfg.board_max_age_s * 1000;
	int64_t next = INT64_MAX;
	for (int i = 0; i < b->nareas; i++) {
		int64_t t = board_next_expiry(&b->areas[i]->board, max_age);
		if (t < next)
			next = t;
	}
	if (next == INT64_MAX) {
		loop_timer_arm(b->expiry_timer, 0, 0);
		return;
	}
	int64_t delay = next - time_now_ms();
	if (delay < 250) /* also keeps a failing store from spinning the loop */
		delay = 250;
	if (delay > 3600000)
		delay = 3600000;
	loop_timer_arm(b->expiry_timer, (int)delay, 0);
}

void calls_expire(struct bridge *b)
{
	int64_t now = time_now_ms();
	int64_t max_age = (int64_t)b->cfg.board_max_age_s * 1000;
	/* Sharing a store, the publisher ages the boards for all. */
	if (store_shared(b->store) && !lease_may_publish(b)) {
		calls_arm_expiry(b);
		return;
	}
	for (int i = 0; i < b->nareas; i++) {
		struct area *a = b->areas[i];
		if (board_next_expiry(&a->board, max_age) > now)
			continue;
		if (area_begin(b, a) < 0)
			break;
		struct board saved = a->board;
		int64_t saved_ts = a->board_ts_ms;
		board_expire(&a->board, now, max_age);
		a->board.seq++;
		a->board_ts_ms = now;
		if (area_end(b, a, save_area(b, a) == 0, &saved, saved_ts, NULL) != CALLS_OK)
			log_warn_rl("could not save the aged board of %s/%s/%s", a->tenant, a->site,
			            a->name);
	}
	calls_arm_expiry(b);
}

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define LOG_MODULE "bridge"
#include "bridge.h"
#include "lease.h"
#include "log.h"
#include "store.h"
#include "timeutil.h"

static int area_cmp(const struct area *a, const char *tenant, const char *site, const char *name)
{
	int c = strcmp(a->tenant, tenant);
	if (!c)
		c = strcmp(a->site, site);
	if (!c)
		c = strcmp(a->name, name);
	return c;
}

/* b->areas is kept sorted by (tenant, site, name): every accepted call and
 * every display ack looks its area up, so the look-up is a binary search;
 * a new area (rare) is inserted in place. */
struct area *bridge_area(struct bridge *b, const char *tenant, const char *site, const char *name,
                         bool create)
{
	int lo = 0, hi = b->nareas;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int c = area_cmp(b->areas[mid], tenant, site, name);
		if (c == 0)
			return b->areas[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!create)
		return NULL;
	if (b->nareas == b->areas_cap) {
		b->areas_cap = b->areas_cap ? b->areas_cap * 2 : 16;
		b->areas = xrealloc(b->areas, (size_t)b->areas_cap * sizeof *b->areas);
	}
	struct area *a = xcalloc(1, sizeof *a);
	snprintf(a->tenant, sizeof a->tenant, "%s", tenant);
	snprintf(a->site, sizeof a->site, "%s", site);
	snprintf(a->name, sizeof a->name, "%s", name);
	memmove(&b->areas[lo + 1], &b->areas[lo], (size_t)(b->nareas - lo) * sizeof *b->areas);
	b->areas[lo] = a;
	b->nareas++;
	return a;
}

struct notice *bridge_notice(struct bridge *b, const char *tenant, const char *site, bool create)
{
	for (int i = 0; i < b->nnotices; i++) {
		struct notice *n = b->notices[i];
		if (strcmp(n->site, site) == 0 && strcmp(n->tenant, tenant) == 0)
			return n;
	}
	if (!create)
		return NULL;
	if (b->nnotices == b->notices_cap) {
		b->notices_cap = b->notices_cap ? b->notices_cap * 2 : 8;
		b->notices = xrealloc(b->notices, (size_t)b->notices_cap * sizeof *b->notices);
	}
	struct notice *n = xcalloc(1, sizeof *n);
	snprintf(n->tenant, sizeof n->tenant, "%s", tenant);
	snprintf(n->site, sizeof n->site, "%s", site);
	n->payload = xstrdup("");
	b->notices[b->nnotices++] = n;
	return n;
}

void bridge_apply_area(void *bridge, const struct store_area_row *r)
{
	struct bridge *b = bridge;
	if (!proto_name_valid(r->tenant) || !proto_name_valid(r->site) ||
	    !proto_name_valid(r->area)) {
		log_warn("store: skipping area with a bad name");
		return;
	}
	struct area *a = bridge_area(b, r->tenant, r->site, r->area, true);
	a->stale = false;
	if (r->published_seq > a->published_seq)
		a->published_seq = r->published_seq;
	if (r->seq <= a->board.seq)
		return;
	a->board.seq = r->seq;
	if (board_entries_decode(&a->board, r->board) < 0) {
		log_warn("store: board of %s/%s/%s unreadable; starting it empty", r->tenant,
		         r->site, r->area);
		a->board.n = 0;
	}
	a->board_ts_ms = a->board.n ? a->board.e[0].c.ts_ms : 0;
	if (a->board.seq > a->published_seq) {
		if (!a->pending_since_mono)
			a->pending_since_mono = time_mono_ms();
		b->outbox_dirty = true;
	}
}

void bridge_apply_notice(void *bridge, const struct store_notice_row *r)
{
	struct bridge *b = bridge;
	if (!proto_name_valid(r->tenant) || !proto_name_valid(r->site))
		return;
	struct notice *n = bridge_notice(b, r->tenant, r->site, true);
	n->stale = false;
	if (r->published_seq > n->published_seq)
		n->published_seq = r->published_seq;
	if (r->seq <= n->seq)
		return;
	free(n->payload);
	n->payload = xstrdup(r->payload);
	n->seq = r->seq;
	b->outbox_dirty = true;
}

int bridge_load(struct bridge *b)
{
	if (store_areas_load(b->store, bridge_apply_area, b) < 0 ||
	    store_notices_load(b->store, bridge_apply_notice, b) < 0)
		return -1;
	int pending = 0;
	for (int i = 0; i < b->nareas; i++)
		if (b->areas[i]->published_seq < b->areas[i]->board.seq)
			pending++;
	log_info("loaded %d areas and %d notices from the store (%d boards not yet published)",
	         b->nareas, b->nnotices, pending);
	return 0;
}

int bridge_outbox_depth(const struct bridge *b)
{
	int n = 0;
	if (b->store && !lease_may_publish(b))
		return 0; /* another bridge publishes */
	for (int i = 0; i < b->nareas; i++)
		if (b->areas[i]->published_seq < b->areas[i]->board.seq)
			n++;
	for (int i = 0; i < b->nnotices; i++)
		if (b->notices[i]->published_seq < b->notices[i]->seq)
			n++;
	return n;
}

void bridge_free_state(struct bridge *b)
{
	for (int i = 0; i < b->nareas; i++) {
		free(b->areas[i]->snap);
		free(b->areas[i]->queue);
		free(b->areas[i]);
	}
	free(b->areas);
	for (int i = 0; i < b->nnotices; i++) {
		free(b->notices[i]->snap_payload);
		free(b->notices[i]->payload);
		free(b->notices[i]);
	}
	free(b->notices);
	b->areas = NULL;
	b->notices = NULL;
	b->nareas = b->nnotices = 0;
}

const char *bridge_client_id(const struct bridge_config *cfg)
{
	if (!cfg->mqtt.username[0])
		return cfg->client_id;
	if (strcmp(cfg->client_id, "callboard-bridge") &&
	    strcmp(cfg->client_id, cfg->mqtt.username))
		log_warn("[mqtt] client_id '%s' is not used: the client id is the username '%s' "
		         "(remove client_id)",
		         cfg->client_id, cfg->mqtt.username);
	return cfg->mqtt.username;
}

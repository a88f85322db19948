/* Leadership among bridges sharing one PostgreSQL store: exactly one
 * publishes boards and notices, the holder of the store's lease (a row
 * with holder, epoch and expiry, renewed every second for three). The
 * holder publishes only while its lease is valid by its own monotonic
 * clock, less a safety margin, measured from before the renewal was sent:
 * a paused or cut-off holder stops before anyone else can take over. A new
 * holder reloads every board and notice from the store and republishes
 * them all before anything newer. Every bridge listens for change notices
 * so its boards follow the changes made through the others. With a store
 * that is not shared (SQLite) the bridge is always the publisher. */
#ifndef CB_BRIDGE_LEASE_H
#define CB_BRIDGE_LEASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bridge.h"

#define LEASE_MS        3000
#define LEASE_RENEW_MS  1000
#define LEASE_MARGIN_MS 500

struct lease_status {
	bool shared;        /* false: the only bridge, always the publisher */
	bool leader;        /* holds a valid lease now */
	int64_t epoch;      /* held, or the holder's as last seen (0: unknown) */
	int64_t age_ms;     /* since the last renewal that succeeded, -1: none */
	const char *holder; /* this bridge's holder id; owned by the lease */
};

/* Take part in leadership (takes the lease at once when free) and listen
 * for changes; b->lease is owned by b, freed by lease_stop. */
void lease_start(struct bridge *b);
/* Give the lease up (so another takes over at once) and free it. */
void lease_stop(struct bridge *b);
/* Whether this bridge may publish now: its lease is valid with margin. */
bool lease_may_publish(const struct bridge *b);
/* Fill st with this bridge's role. */
void lease_status(const struct bridge *b, struct lease_status *st);
/* "leader", "follower", or "single" (a store not shared); static. */
const char *lease_role(const struct bridge *b);
/* The role for /healthz: {role, epoch, lease_age_ms, holder}; a new
 * reference the caller owns. */
json_t *lease_health(const struct bridge *b);
/* The role's Prometheus lines (with HELP and TYPE) into f. */
void lease_metrics(const struct bridge *b, FILE *f);
/* Reload from the store the boards and notices others changed (once per
 * loop turn, outside the batch). */
void lease_refresh(struct bridge *b);

#endif

/* One display as the registry shows it to readers (the status page and its
 * problem rules): plain data, no registry internals, so that the rules can
 * be tested without a registry, a bridge or a config. */
#ifndef CB_BRIDGE_REGISTRY_VIEW_H
#define CB_BRIDGE_REGISTRY_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

enum dev_state { DEV_UNKNOWN, DEV_ONLINE, DEV_OFFLINE, DEV_STALE };

/* One area of a device: the board seq it shows and the one published. */
struct registry_view_ack {
	const char *area;
	int64_t seq, board_seq;
};

/* One device as seen by the status page; valid during the callback only. */
struct registry_view {
	const char *tenant, *site, *device;
	enum dev_state state;
	bool behind;
	int64_t last_seen_ms;
	int64_t state_since_ms; /* wall clock of entering state; 0 unknown */
	const char *version;
	double temp_c; /* NAN unknown */
	const char *audio;
	const struct proto_health *health; /* NULL before the first */
	int nacks;
	struct registry_view_ack acks[PROTO_AREAS_MAX];
	bool has_png;
	int64_t png_ms; /* wall clock of the kept screenshot; 0 none */
};

#endif

/* The bridge's shared state: configuration, store, MQTT client, the boards
 * of every area and the notices of every site. Owned by main.c; modules get
 * a pointer. */
#ifndef CB_BRIDGE_BRIDGE_H
#define CB_BRIDGE_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "config.h"
#include "metrics.h"
#include "proto.h"

struct loop;
struct loop_source;
struct store;
struct mqttc;
struct registry;
struct http;
struct webhook;
struct enrol;
struct discovery;
struct lease;
struct store_area_row;
struct store_notice_row;

/* One area's board and its outbox state: published_seq < board.seq means
 * the latest board still has to reach the broker. */
struct area {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char name[PROTO_NAME_MAX + 1];
	struct board board;
	int64_t board_ts_ms;        /* bridge clock of the last change */
	int64_t published_seq;      /* durable: confirmed by the broker */
	int64_t sent_seq;           /* handed to the client, not yet confirmed */
	int64_t pending_since_mono; /* first unpublished change, 0 when none */
	bool force;                 /* republish even if published (broker restart) */
	struct board *snap;         /* owned: the board before the open batch */
	int64_t snap_ts_ms;
	/* The area's queue payload (owned; NULL: none yet). Kept in memory
	 * only: figures a minute old are worth little after a restart, and the
	 * broker still holds the retained one. */
	char *queue;
	bool queue_due; /* to be published (changed, or after a reconnect) */
	bool stale;     /* changed through another bridge: reload from the store */
};

struct notice {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char *payload; /* owned; "" when cleared */
	int64_t seq, published_seq, sent_seq;
	bool force;
	bool touched;
	char *snap_payload; /* owned: the payload before the open batch */
	int64_t snap_seq;
	bool stale;
};

/* Someone waiting for the open batch to be committed. */
struct batch_wait {
	void (*cb)(void *ctx, bool committed);
	void *ctx;
	struct batch_wait *next; /* owned list, in arrival order */
};

struct bridge {
	struct bridge_config cfg; /* a copy sharing its arrays with service_run's caller */
	struct loop *loop;
	struct store *store;
	struct mqttc *mqtt;
	struct registry *registry;
	struct http *http;
	struct webhook *webhook;
	struct enrol *enrol;         /* NULL: pairing off */
	struct discovery *discovery; /* NULL when off */
	struct metrics metrics;
	struct lease *lease; /* owned; NULL before lease_start */
	bool stale;          /* some area or notice is stale */
	struct area **areas; /* owned */
	int nareas, areas_cap;
	struct notice **notices; /* owned */
	int nnotices, notices_cap;
	struct loop_source *expiry_timer;
	struct loop_source *housekeeping_timer;
	int64_t started_ms;
	bool outbox_dirty;
	/* Group commit: changes of one loop turn share one transaction (one
	 * fsync); their answers wait for the commit. */
	bool batch_open;
	struct batch_wait *waits, **waits_tail;
};

/* The area, or NULL; create=true makes an empty one in memory. */
struct area *bridge_area(struct bridge *b, const char *tenant, const char *site, const char *name,
                         bool create);
/* Same for a site's notice. */
struct notice *bridge_notice(struct bridge *b, const char *tenant, const char *site, bool create);
/* Take a store row into the area (created when new) of the bridge when it
 * is newer than the board in memory; marks it for publishing if
 * unpublished. The store's row callback. */
void bridge_apply_area(void *bridge, const struct store_area_row *r);
/* Same for a site's notice. */
void bridge_apply_notice(void *bridge, const struct store_notice_row *r);
/* Load boards and notices from the store; 0 or -1. */
int bridge_load(struct bridge *b);
/* Number of areas and notices not yet confirmed by the broker; 0 on a
 * bridge that does not publish (another does). */
int bridge_outbox_depth(const struct bridge *b);
/* Free areas and notices. */
void bridge_free_state(struct bridge *b);
/* The bridge's MQTT client id: its broker username when it has one (the
 * generated broker config binds client id to username), else [mqtt]
 * client_id. Points into cfg. */
const char *bridge_client_id(const struct bridge_config *cfg);

#endif

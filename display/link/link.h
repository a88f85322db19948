/* The display's MQTT link: topics, subscriptions (each area's board and
 * queue, the site notice, our own cmd), presence (status online retained on connect,
 * offline as Last Will and on clean stop), per-area seq filtering, acks after
 * a present, health, command results and screenshots. Payloads are decoded
 * with protocol/; an invalid one is dropped with one rate-limited log line
 * naming topic, field and reason. */
#ifndef CB_DISPLAY_LINK_H
#define CB_DISPLAY_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqttc.h"
#include "proto.h"

struct loop;
struct link;

/* What the link needs to know about the device (copied by link_create). */
struct link_params {
	char device[PROTO_NAME_MAX + 1];
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	int nareas;
	char areas[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
	char config_hash[PROTO_HASH_MAX + 1];
	int health_interval_s; /* health expires after two (MQTT 5) */
	struct mqttc_config mqtt;
};

struct link_callbacks {
	/* A board newer than the one shown for areas[area]; b is valid only
	 * during the call. Render it; then call link_presented. */
	void (*on_board)(void *data, int area, const struct proto_board *b);
	/* Valid queue figures for areas[area] (an empty payload: none). */
	void (*on_queue)(void *data, int area, const struct proto_queue *q);
	/* A valid notice (n->cleared for an empty payload). */
	void (*on_notice)(void *data, const struct proto_notice *n);
	/* A payload on our cmd topic, undecoded: commands.c decodes it so it
	 * can answer malformed ones. */
	void (*on_cmd)(void *data, const char *payload, size_t len);
	/* The broker connection came up or went down. */
	void (*on_state)(void *data, bool connected);
	/* Optional: the broker refused our credentials (a paired display that
	 * was unpaired). Do not destroy the link inside this call. */
	void (*on_refused)(void *data);
};

/* Create the link (not connected yet); NULL with a log line on failure.
 * The caller owns the result and frees it with link_destroy. */
struct link *link_create(struct loop *loop, const struct link_params *p,
                         const struct link_callbacks *cb, void *data);
/* Set the will, subscribe and start connecting. */
int link_start(struct link *l);
/* Publish status offline and disconnect cleanly (waits up to timeout_ms). */
void link_stop(struct link *l, int timeout_ms);
/* Apply new params after a config reload: the same broker, device and
 * areas only republish the status (new config hash); anything else stops
 * the connection (offline) and connects again with fresh per-area state,
 * so retained boards are taken again. Returns 1 when it reconnected, 0
 * when not, -1 on failure (the link keeps its old params). */
int link_reconfigure(struct link *l, const struct link_params *p);
/* True when p keeps the broker, device and areas of l (no reconnect).
 * Reconnecting must not happen inside an MQTT callback: defer it. */
bool link_same_connection(const struct link *l, const struct link_params *p);
/* Free the link (call link_stop first for a clean offline). */
void link_destroy(struct link *l);

/* A frame is on the screen: ack every board accepted since the last
 * present. ids are the call ids visible now (any area); each area's ack
 * lists those of its own board. */
void link_presented(struct link *l, int64_t now_ms, const char ids[][PROTO_ID_MAX + 1], int nids);
/* Fill boards[] (per-area seq and age), reconnects and the clock offset
 * of h. */
void link_fill_health(const struct link *l, struct proto_health *h, int64_t now_ms);
/* The bridge's clock at local wall time now_ms, learned from live boards
 * (PROTOCOL.md section 6); -1 until a live board has come. */
int64_t link_bridge_now(const struct link *l, int64_t now_ms);

/* Publishers: 0, or -1 when disconnected (the message is dropped). */
int link_publish_health(struct link *l, const struct proto_health *h);
int link_publish_result(struct link *l, const struct proto_cmd_result *r);
int link_publish_screenshot(struct link *l, const void *png, size_t len);

/* True while connected to the broker. */
bool link_connected(const struct link *l);

/* Pure: does this concrete topic concern us? Returns the topic kind with
 * *area set for a board of one of our areas, or -1 (not ours). */
int link_route(const struct link_params *p, const char *topic, int *area);

/* True while a callback runs for a message that may be old: sent from the
 * broker's retained store, or queued in our persistent session while we were
 * away (those arrive before the SUBACKs); false for a live one. */
bool link_message_retained(const struct link *l);

#endif

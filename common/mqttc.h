/* An MQTT client on our event loop (libmosquitto with its socket driven by
 * loop.c, no library thread). Reconnects with exponential backoff and
 * jitter (capped at 30 s), re-subscribes after each connect, tries MQTT 5
 * first and falls back to 3.1.1, resolves the broker's name without
 * blocking the loop. Publishing while disconnected drops the
 * message (returns -1): callers keep their own durable state and publish
 * again on connect, so a long outage cannot grow memory. */
#ifndef CB_MQTTC_H
#define CB_MQTTC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct loop;

/* Which MQTT version to speak: auto tries 5, falls back to 3.1.1 when the
 * broker refuses, closes, resets or ignores an MQTT 5 CONNECT, and keeps the
 * version that worked for reconnects. */
enum mqttc_protocol {
	MQTTC_PROTOCOL_AUTO,
	MQTTC_PROTOCOL_5,
	MQTTC_PROTOCOL_311,
};

struct mqttc_config {
	char host[256];
	int port;      /* default 1883, or 8883 with TLS */
	int keepalive; /* seconds, default 30 */
	char username[128];
	char password[256];
	char cafile[PATH_MAX];   /* TLS on when set */
	char certfile[PATH_MAX]; /* client certificate (optional) */
	char keyfile[PATH_MAX];
	int queue_max; /* publishes in flight at most; default 1000 */
	enum mqttc_protocol protocol;
};

struct cfg_ctx;
/* Defaults: 127.0.0.1, port by TLS (1883 or 8883), keepalive 30, queue 1000. */
void mqttc_config_defaults(struct mqttc_config *cfg);
/* One key of an [mqtt] config section (host, port, keepalive, username,
 * password, cafile, certfile, keyfile, protocol); false when the key is not
 * one of them (the caller reports it or handles its own keys). */
bool mqttc_config_key(struct cfg_ctx *ctx, struct mqttc_config *m, const char *key,
                      const char *value);
/* After the whole file: pick the default port, check the TLS keys agree. */
void mqttc_config_finish(struct cfg_ctx *ctx, struct mqttc_config *m);

struct mqttc_callbacks {
	void (*on_connect)(void *data);
	void (*on_disconnect)(void *data);
	/* payload is not NUL-terminated and is valid only during the call. */
	void (*on_message)(void *data, const char *topic, const void *payload, size_t len,
	                   bool retained);
	/* Optional: the broker refused our credentials (bad username or
	 * password, not authorised). Retries go on; do not destroy the client
	 * inside this call. */
	void (*on_refused)(void *data);
};

struct mqttc;

/* Create a client (does not connect yet). clean=false asks the broker for a
 * persistent session. Copies cfg and client_id. */
struct mqttc *mqttc_create(struct loop *loop, const struct mqttc_config *cfg, const char *client_id,
                           bool clean, const struct mqttc_callbacks *cb, void *data);

/* Announce the largest packet this client accepts (MQTT 5 Maximum Packet
 * Size, before mqttc_start): the broker drops a larger message for us
 * instead of sending it. 0: no limit. */
void mqttc_set_packet_max(struct mqttc *c, unsigned bytes);
/* Start connecting; failures are retried with backoff. */
int mqttc_start(struct mqttc *c);
/* Subscribe now (when connected) and after every reconnect. */
int mqttc_subscribe(struct mqttc *c, const char *filter, int qos);
/* MQTT 5 properties of one message; sent only over MQTT 5. */
struct mqttc_props {
	unsigned expiry_s;        /* message expiry; 0: none */
	const char *content_type; /* NULL: none */
};

/* Set the Last Will (before mqttc_start); props (may be NULL) go with it
 * over MQTT 5, as with a publish. */
int mqttc_set_will(struct mqttc *c, const char *topic, const void *payload, size_t len, int qos,
                   bool retain, const struct mqttc_props *props);

/* Publish (props may be NULL); -1 when disconnected or the in-flight cap
 * is reached. */
int mqttc_publish(struct mqttc *c, const char *topic, const void *payload, size_t len, int qos,
                  bool retain, const struct mqttc_props *props);
bool mqttc_connected(const struct mqttc *c);
/* Connected and every subscription of this connection acknowledged. A
 * message that arrives before that may have waited in the broker (a
 * persistent session's queue); after it, a message without the retain flag
 * is live. */
bool mqttc_synced(const struct mqttc *c);
/* Number of successful connects after the first. */
unsigned mqttc_reconnects(const struct mqttc *c);
/* Messages waiting for the broker's acknowledgement. */
int mqttc_inflight(const struct mqttc *c);
/* Flush pending writes (call once per loop turn). */
void mqttc_flush(struct mqttc *c);
/* Disconnect cleanly (waits up to timeout_ms for in-flight publishes). */
void mqttc_disconnect(struct mqttc *c, int timeout_ms);
/* Free the client (disconnects without the will if still connected). */
void mqttc_destroy(struct mqttc *c);

#endif

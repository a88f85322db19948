/* Topic tree: callboard/v1/{tenant}/{site}/... */
#ifndef CB_TOPIC_H
#define CB_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

#define PROTO_TOPIC_ROOT "callboard/v1"
#define PROTO_TOPIC_MAX  256

enum proto_topic_kind {
	PROTO_TOPIC_BOARD,
	PROTO_TOPIC_NOTICE,
	PROTO_TOPIC_STATUS,
	PROTO_TOPIC_HEALTH,
	PROTO_TOPIC_ACK,
	PROTO_TOPIC_CMD,
	PROTO_TOPIC_CMD_RESULT,
	PROTO_TOPIC_SCREENSHOT,
	PROTO_TOPIC_QUEUE, /* callboard/v1/{tenant}/{site}/queue/{area} */
};

struct proto_topic {
	enum proto_topic_kind kind;
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char area[PROTO_NAME_MAX + 1];   /* board and queue only */
	char device[PROTO_NAME_MAX + 1]; /* display topics only */
};

/* Write the topic for t into buf; returns its length, or -1 when a name is
 * invalid or buf is too small. */
int proto_topic_build(const struct proto_topic *t, char *buf, size_t len);
/* Parse a concrete topic (no wildcards). 0, or -1 with err. */
int proto_topic_parse(const char *topic, struct proto_topic *t, struct proto_error *err);
/* Largest payload accepted on a topic kind. */
size_t proto_topic_payload_max(enum proto_topic_kind kind);
/* MQTT 5 message expiry of a topic kind in seconds (0: none); health's is
 * two health intervals (health_interval_s <= 0: the default 30 s). */
unsigned proto_topic_expiry_s(enum proto_topic_kind kind, int health_interval_s);
/* MQTT 5 content type of a topic kind's payloads (a static string). */
const char *proto_topic_content_type(enum proto_topic_kind kind);
const char *proto_topic_kind_name(enum proto_topic_kind kind);

#endif

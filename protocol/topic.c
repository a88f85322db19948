#include <stdio.h>
#include <string.h>

#include "json_in.h"
#include "topic.h"

static const char *const kind_names[] = {"board", "notice",     "status",     "health", "ack",
                                         "cmd",   "cmd/result", "screenshot", "queue"};

const char *proto_topic_kind_name(enum proto_topic_kind kind)
{
	return kind_names[kind];
}

size_t proto_topic_payload_max(enum proto_topic_kind kind)
{
	switch (kind) {
	case PROTO_TOPIC_BOARD:
		return PROTO_BOARD_BYTES_MAX;
	case PROTO_TOPIC_NOTICE:
		return PROTO_NOTICE_BYTES_MAX;
	case PROTO_TOPIC_STATUS:
		return PROTO_STATUS_BYTES_MAX;
	case PROTO_TOPIC_HEALTH:
		return PROTO_HEALTH_BYTES_MAX;
	case PROTO_TOPIC_ACK:
		return PROTO_ACK_BYTES_MAX;
	case PROTO_TOPIC_CMD:
		return PROTO_CMD_BYTES_MAX;
	case PROTO_TOPIC_CMD_RESULT:
		return PROTO_RESULT_BYTES_MAX;
	case PROTO_TOPIC_SCREENSHOT:
		return PROTO_SCREENSHOT_BYTES_MAX;
	case PROTO_TOPIC_QUEUE:
		return PROTO_QUEUE_BYTES_MAX;
	}
	return 0;
}

unsigned proto_topic_expiry_s(enum proto_topic_kind kind, int health_interval_s)
{
	switch (kind) {
	case PROTO_TOPIC_HEALTH:
		return 2u * (unsigned)(health_interval_s > 0 ? health_interval_s : 30);
	case PROTO_TOPIC_CMD:
		return 60;
	case PROTO_TOPIC_ACK:
	case PROTO_TOPIC_CMD_RESULT:
	case PROTO_TOPIC_SCREENSHOT:
		return 300;
	case PROTO_TOPIC_BOARD:
	case PROTO_TOPIC_NOTICE:
	case PROTO_TOPIC_QUEUE:
	case PROTO_TOPIC_STATUS:
		break; /* retained state: a stale board beats a blank screen */
	}
	return 0;
}

const char *proto_topic_content_type(enum proto_topic_kind kind)
{
	return kind == PROTO_TOPIC_SCREENSHOT ? "image/png" : "application/json";
}

int proto_topic_build(const struct proto_topic *t, char *buf, size_t len)
{
	if (!proto_name_valid(t->tenant) || !proto_name_valid(t->site))
		return -1;
	int n;
	switch (t->kind) {
	case PROTO_TOPIC_BOARD:
	case PROTO_TOPIC_QUEUE:
		if (!proto_name_valid(t->area))
			return -1;
		n = snprintf(buf, len, PROTO_TOPIC_ROOT "/%s/%s/%s/%s", t->tenant, t->site,
		             kind_names[t->kind], t->area);
		break;
	case PROTO_TOPIC_NOTICE:
		n = snprintf(buf, len, PROTO_TOPIC_ROOT "/%s/%s/notice", t->tenant, t->site);
		break;
	default:
		if (!proto_name_valid(t->device))
			return -1;
		n = snprintf(buf, len, PROTO_TOPIC_ROOT "/%s/%s/display/%s/%s", t->tenant, t->site,
		             t->device, kind_names[t->kind]);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* Split topic into at most max levels; returns the count or -1. */
static int split(const char *topic, char parts[][PROTO_NAME_MAX + 2], int max)
{
	int n = 0;
	const char *p = topic;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (n >= max || len > PROTO_NAME_MAX)
			return -1;
		memcpy(parts[n], p, len);
		parts[n][len] = '\0';
		n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	return n;
}

int proto_topic_parse(const char *topic, struct proto_topic *t, struct proto_error *err)
{
	char parts[8][PROTO_NAME_MAX + 2];
	memset(t, 0, sizeof *t);
	if (strlen(topic) >= PROTO_TOPIC_MAX) {
		jin_fail(err, "topic", "longer than %d bytes", PROTO_TOPIC_MAX - 1);
		return -1;
	}
	int n = split(topic, parts, 8);
	if (n < 0) {
		jin_fail(err, "topic", "more than 8 levels or a level longer than %d bytes",
		         PROTO_NAME_MAX);
		return -1;
	}
	if (n < 5 || strcmp(parts[0], "callboard") || strcmp(parts[1], "v1")) {
		jin_fail(err, "topic", "not under " PROTO_TOPIC_ROOT "/{tenant}/{site}/");
		return -1;
	}
	if (!proto_name_valid(parts[2])) {
		jin_fail(err, "topic", "tenant '%s' must match [a-z0-9][a-z0-9-]{0,62}", parts[2]);
		return -1;
	}
	if (!proto_name_valid(parts[3])) {
		jin_fail(err, "topic", "site '%s' must match [a-z0-9][a-z0-9-]{0,62}", parts[3]);
		return -1;
	}
	strcpy(t->tenant, parts[2]);
	strcpy(t->site, parts[3]);
	if (n == 5 && !strcmp(parts[4], "notice")) {
		t->kind = PROTO_TOPIC_NOTICE;
		return 0;
	}
	if (n == 6 && (!strcmp(parts[4], "board") || !strcmp(parts[4], "queue"))) {
		if (!proto_name_valid(parts[5])) {
			jin_fail(err, "topic", "area '%s' must match [a-z0-9][a-z0-9-]{0,62}",
			         parts[5]);
			return -1;
		}
		strcpy(t->area, parts[5]);
		t->kind = parts[4][0] == 'b' ? PROTO_TOPIC_BOARD : PROTO_TOPIC_QUEUE;
		return 0;
	}
	if ((n == 7 || n == 8) && !strcmp(parts[4], "display")) {
		if (!proto_name_valid(parts[5])) {
			jin_fail(err, "topic", "device '%s' must match [a-z0-9][a-z0-9-]{0,62}",
			         parts[5]);
			return -1;
		}
		strcpy(t->device, parts[5]);
		const char *leaf = parts[6];
		if (n == 8) {
			if (!strcmp(leaf, "cmd") && !strcmp(parts[7], "result")) {
				t->kind = PROTO_TOPIC_CMD_RESULT;
				return 0;
			}
		} else {
			for (int k = PROTO_TOPIC_STATUS; k <= PROTO_TOPIC_SCREENSHOT; k++) {
				if (k != PROTO_TOPIC_CMD_RESULT && !strcmp(leaf, kind_names[k])) {
					t->kind = (enum proto_topic_kind)k;
					return 0;
				}
			}
		}
	}
	jin_fail(err, "topic", "unknown topic '%s'", topic);
	return -1;
}

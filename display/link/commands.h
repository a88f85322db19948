/* Remote commands on .../display/{device}/cmd: decode, dispatch to the
 * daemon's handlers, and answer on cmd/result with the same id, ok or a
 * clear error. A command too broken to decode still gets an error result,
 * with id "unknown" when no id can be read from it. */
#ifndef CB_DISPLAY_COMMANDS_H
#define CB_DISPLAY_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define COMMANDS_IDENTIFY_S     10
#define COMMANDS_SHOT_MAX_WIDTH 1280

/* A handler returns 0 (info may be filled) or -1 with err filled. A NULL
 * handler answers "not supported by this display". */
typedef int (*commands_fn)(void *data, const struct proto_cmd *cmd, char *info, size_t infolen,
                           char *err, size_t errlen);

struct commands_ops {
	commands_fn identify;      /* show device id and IP for COMMANDS_IDENTIFY_S */
	commands_fn announce_test; /* speak a test call */
	commands_fn volume;        /* cmd->level is 0-100 */
	commands_fn reload;        /* re-read the config; keep the old one on error */
	/* Encode the current frame as PNG at most max_width wide; *png is
	 * malloc'ed and owned by the caller. */
	int (*screenshot)(void *data, int max_width, void **png, size_t *len, char *err,
	                  size_t errlen);
	/* Publish the PNG bytes; 0 or -1. */
	int (*publish_screenshot)(void *data, const void *png, size_t len);
	/* Publish a result (required). */
	void (*result)(void *data, const struct proto_cmd_result *r);
};

/* Commands whose ts is older than this (by the bridge's clock) are refused:
 * a broker may hold a QoS 1 command for a display that was away for hours. */
#define COMMANDS_MAX_AGE_MS 60000

/* Handle one payload from the cmd topic: always answers through ops->result.
 * bridge_now_ms is the bridge's clock as observed from boards, or -1 when not
 * known yet (then a command's age is not judged: a display whose own clock
 * is off must not refuse every command). */
void commands_handle(const struct commands_ops *ops, void *data, const char *payload, size_t len,
                     int64_t now_ms, int64_t bridge_now_ms);

/* Best effort id from a payload that failed to decode: a valid "id"
 * string of a JSON object, else "unknown". */
void commands_salvage_id(const char *payload, size_t len, char out[PROTO_ID_MAX + 1]);

/* The first non-loopback address (IPv4 preferred) as text, or "no address". */
void commands_local_ip(char *buf, size_t len);

#endif

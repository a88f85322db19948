/* Remote commands on .../display/{device}/cmd: decode, refuse one too old by
 * the bridge's clock, run its handler from the caller's command table, and
 * build the result (same id, ok or a clear error) for cmd/result. A command
 * too broken to decode still gets an error result, with id "unknown" when
 * no id can be read from it. The table lives with whoever runs the
 * commands (the display daemon: daemon_commands.c); names come from
 * protocol/ (PROTO_CMDS). */
#ifndef CB_DISPLAY_COMMANDS_H
#define CB_DISPLAY_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define COMMANDS_IDENTIFY_S     10
#define COMMANDS_SHOT_MAX_WIDTH 1280

/* Commands whose ts is older than this (by the bridge's clock) are refused:
 * a broker may hold a QoS 1 command for a display that was away for hours. */
#define COMMANDS_MAX_AGE_MS 60000

/* A handler runs one decoded command: 0 (res->info may be filled) or -1
 * with res->error filled. */
typedef int (*commands_fn)(void *data, const struct proto_cmd *cmd, struct proto_cmd_result *res);

/* One row of a command table. A command with no row answers "not
 * supported by this display". */
struct commands_row {
	enum proto_cmd_kind cmd;
	commands_fn handle;
};

/* Handle one payload from the cmd topic with the handlers of rows[0..n) and
 * fill *res, the result to publish (always one, ok or not). bridge_now_ms
 * is the bridge's clock as observed from boards, or -1 when not known yet
 * (then a command's age is not judged: a display whose own clock is off
 * must not refuse every command). */
void commands_handle(const struct commands_row *rows, size_t n, void *data, const char *payload,
                     size_t len, int64_t now_ms, int64_t bridge_now_ms,
                     struct proto_cmd_result *res);

/* Best effort id from a payload that failed to decode: a valid "id"
 * string of a JSON object, else "unknown". */
void commands_salvage_id(const char *payload, size_t len, char out[PROTO_ID_MAX + 1]);

/* The first non-loopback address (IPv4 preferred) as text, or "no address". */
void commands_local_ip(char *buf, size_t len);

#endif

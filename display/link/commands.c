/* Command dispatch: decode, run, answer. */
#define LOG_MODULE "commands"
#include "commands.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void commands_salvage_id(const char *payload, size_t len, char out[PROTO_ID_MAX + 1])
{
	snprintf(out, PROTO_ID_MAX + 1, "unknown");
	if (!payload || len == 0 || len > PROTO_CMD_BYTES_MAX)
		return;
	json_error_t jerr;
	json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return;
	json_t *id = json_is_object(root) ? json_object_get(root, "id") : NULL;
	if (json_is_string(id) && proto_id_valid(json_string_value(id)))
		snprintf(out, PROTO_ID_MAX + 1, "%s", json_string_value(id));
	json_decref(root);
}

/* The cmd name even when the payload is invalid, for the result's "cmd". */
static void salvage_cmd(const char *payload, size_t len, char out[PROTO_SHORT_MAX + 1])
{
	out[0] = '\0';
	if (!payload || len == 0 || len > PROTO_CMD_BYTES_MAX)
		return;
	json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *c = json_is_object(root) ? json_object_get(root, "cmd") : NULL;
	if (json_is_string(c) && proto_cmd_from_name(json_string_value(c)) >= 0)
		snprintf(out, PROTO_SHORT_MAX + 1, "%s", json_string_value(c));
	json_decref(root);
}

static commands_fn find(const struct commands_row *rows, size_t n, enum proto_cmd_kind cmd)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].cmd == cmd)
			return rows[i].handle;
	return NULL;
}

/* Keep a text within the protocol's rules whatever a handler wrote (file
 * names in config errors, say). */
static void strip_controls(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void commands_handle(const struct commands_row *rows, size_t n, void *data, const char *payload,
                     size_t len, int64_t now_ms, int64_t bridge_now_ms, struct proto_cmd_result *r)
{
	struct proto_cmd cmd;
	struct proto_error perr = {0};
	memset(r, 0, sizeof *r);
	r->ts_ms = now_ms;
	if (proto_cmd_decode(payload, len, &cmd, &perr) < 0) {
		commands_salvage_id(payload, len, r->id);
		salvage_cmd(payload, len, r->cmd);
		snprintf(r->error, sizeof r->error, "%s: %s", perr.field, perr.reason);
		log_warn_rl("command %s refused: %s: %s", r->id, perr.field, perr.reason);
		goto answer;
	}
	snprintf(r->id, sizeof r->id, "%s", cmd.id);
	snprintf(r->cmd, sizeof r->cmd, "%s", proto_cmd_name(cmd.cmd));
	if (cmd.ts_ms > 0 && bridge_now_ms >= 0 &&
	    bridge_now_ms - cmd.ts_ms > COMMANDS_MAX_AGE_MS) {
		snprintf(r->error, sizeof r->error, "ts: sent %lld s ago, more than %d s: not run",
		         (long long)((bridge_now_ms - cmd.ts_ms) / 1000),
		         COMMANDS_MAX_AGE_MS / 1000);
		log_warn_rl("command %s (%s) refused: %s", r->id, r->cmd, r->error);
		goto answer;
	}
	commands_fn fn = find(rows, n, cmd.cmd);
	if (!fn) {
		snprintf(r->error, sizeof r->error, "%s: not supported by this display", r->cmd);
	} else {
		r->ok = fn(data, &cmd, r) == 0;
		if (!r->ok && !r->error[0])
			snprintf(r->error, sizeof r->error, "%s: failed", r->cmd);
	}
	if (r->ok) {
		r->error[0] = '\0';
		log_info("command %s %s: ok%s%s", r->id, r->cmd, r->info[0] ? ": " : "", r->info);
	} else {
		log_warn("command %s %s: %s", r->id, r->cmd, r->error);
	}
answer:
	strip_controls(r->error);
	strip_controls(r->info);
}

void commands_local_ip(char *buf, size_t len)
{
	snprintf(buf, len, "no address");
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs) < 0)
		return;
	bool have6 = false;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
			          (socklen_t)len);
			break;
		}
		if (i->ifa_addr->sa_family == AF_INET6 && !have6) {
			struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			inet_ntop(AF_INET6, a, buf, (socklen_t)len);
			have6 = true;
		}
	}
	freeifaddrs(ifs);
}

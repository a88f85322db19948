#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_in.h"
#include "proto.h"

#define PROTO_CMD_NAME(e, name, level) name,
static const char *const cmd_names[] = {PROTO_CMDS(PROTO_CMD_NAME) NULL};
#undef PROTO_CMD_NAME
#define PROTO_CMD_LEVEL(e, name, level) level,
static const bool cmd_levels[] = {PROTO_CMDS(PROTO_CMD_LEVEL)};
#undef PROTO_CMD_LEVEL
static const char *const audio_names[] = {"ok", "none", "muted", "error", NULL};
static const char *const screen_names[] = {"on", "closed", "no-output", NULL};

/* 1 to max characters, all from cs. */
static bool valid(const char *s, size_t max, enum jin_charset cs)
{
	size_t n = strlen(s);
	return n >= 1 && n <= max && jin_charset_ok(s, cs);
}

bool proto_name_valid(const char *s)
{
	return valid(s, PROTO_NAME_MAX, JIN_NAME);
}

bool proto_id_valid(const char *s)
{
	return valid(s, PROTO_ID_MAX, JIN_ID);
}

bool proto_ticket_valid(const char *s)
{
	return valid(s, PROTO_TICKET_MAX, JIN_TICKET);
}

bool proto_desk_valid(const char *s)
{
	return valid(s, PROTO_DESK_MAX, JIN_DESK);
}

const char *proto_kind_name(enum proto_call_kind k)
{
	return k == PROTO_KIND_RECALL ? "recall" : "call";
}

const char *proto_cmd_name(enum proto_cmd_kind k)
{
	return cmd_names[k];
}

int proto_cmd_from_name(const char *name)
{
	for (int i = 0; cmd_names[i]; i++)
		if (!strcmp(cmd_names[i], name))
			return i;
	return -1;
}

bool proto_cmd_takes_level(enum proto_cmd_kind k)
{
	return cmd_levels[k];
}

void proto_cmd_choices(char *buf, size_t len, bool level_only)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int i = 0; cmd_names[i] && off < len; i++)
		if (!level_only || cmd_levels[i])
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
			                        cmd_names[i]);
}

const char *proto_audio_name(enum proto_audio_state s)
{
	return audio_names[s];
}

const char *proto_screen_name(enum proto_screen_state s)
{
	return screen_names[s];
}

const char *const *proto_cmd_names(void);
const char *const *proto_cmd_names(void)
{
	return cmd_names;
}

const char *const *proto_audio_names(void);
const char *const *proto_audio_names(void)
{
	return audio_names;
}

const char *const *proto_screen_names(void);
const char *const *proto_screen_names(void)
{
	return screen_names;
}

void proto_health_init(struct proto_health *h)
{
	memset(h, 0, sizeof *h);
	h->last_frame_ms = -1;
	h->volume = -1;
	h->cpu_temp_c = NAN;
	h->load1 = -1;
	h->rss_kb = -1;
	h->disk_free_mb = -1;
	h->undervoltage = -1;
}

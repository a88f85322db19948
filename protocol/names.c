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

/* ISO 639-1, two letters each. */
static const char iso639_1[] =
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy "
    "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht "
    "hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky "
    "la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny "
    "oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss "
    "st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo "
    "za zh zu";

bool proto_lang_valid(const char *s)
{
	if (strlen(s) != 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
		return false;
	for (const char *p = iso639_1; *p; p += p[2] ? 3 : 2)
		if (p[0] == s[0] && p[1] == s[1])
			return true;
	return false;
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

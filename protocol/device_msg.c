/* Payloads a display publishes about itself: status, health, ack. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "json_in.h"
#include "proto.h"

const char *const *proto_audio_names(void);
const char *const *proto_screen_names(void);

static const char *const state_names[] = {"online", "offline", NULL};

static bool status_fields(json_t *root, void *data, struct proto_error *err)
{
	struct proto_status *out = data;
	memset(out, 0, sizeof *out);
	int state = 0;
	bool ok =
	    jin_enum(root, NULL, "state", true, state_names, &state, err) &&
	    jin_str(root, NULL, "device", false, JIN_NAME, PROTO_NAME_MAX, out->device, err) &&
	    jin_str(root, NULL, "version", false, JIN_TEXT, PROTO_VERSION_STR_MAX, out->version,
	            err) &&
	    jin_ts(root, NULL, "started", false, &out->started_ms, err) &&
	    jin_ts(root, NULL, "ts", false, &out->ts_ms, err) &&
	    jin_str(root, NULL, "config_hash", false, JIN_HEX, PROTO_HASH_MAX, out->config_hash,
	            err) &&
	    jin_name_list(root, "areas", PROTO_AREAS_MAX, out->areas, &out->nareas, err) &&
	    jin_str(root, NULL, "session", false, JIN_HEX, PROTO_SESSION_MAX, out->session, err) &&
	    jin_int(root, NULL, "conn", false, 1, PROTO_COUNT_MAX, &out->conn, err);
	out->state = (enum proto_state)state;
	return ok;
}

int proto_status_decode(const char *buf, size_t len, struct proto_status *out,
                        struct proto_error *err)
{
	return jin_decode(buf, len, PROTO_STATUS_BYTES_MAX, true, status_fields, out, err);
}

char *proto_status_encode(const struct proto_status *s)
{
	json_t *o = jin_object();
	json_object_set_new(o, "state", json_string(state_names[s->state]));
	jin_set_str_opt(o, "device", s->device);
	jin_set_str_opt(o, "version", s->version);
	jin_set_ts_opt(o, "started", s->started_ms);
	jin_set_ts_opt(o, "ts", s->ts_ms);
	jin_set_str_opt(o, "config_hash", s->config_hash);
	if (s->nareas) {
		json_t *a = json_array();
		for (int i = 0; i < s->nareas; i++)
			json_array_append_new(a, json_string(s->areas[i]));
		json_object_set_new(o, "areas", a);
	}
	jin_set_str_opt(o, "session", s->session);
	if (s->conn > 0)
		json_object_set_new(o, "conn", json_integer(s->conn));
	return jin_dump(o);
}

void proto_random_hex(char *out, size_t nbytes)
{
	unsigned char r[32];
	size_t got = 0;
	if (nbytes > sizeof r)
		nbytes = sizeof r;
	while (got < nbytes) {
		ssize_t n = getrandom(r + got, nbytes - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

void proto_status_session(char out[PROTO_SESSION_MAX + 1])
{
	proto_random_hex(out, 8);
}

bool proto_status_order_apply(struct proto_status_order *o, const struct proto_status *s)
{
	if (!s->session[0] || s->conn <= 0)
		return true;
	if (strcmp(s->session, o->session) == 0) {
		if (s->conn < o->conn)
			return false;
		o->conn = s->conn;
		return true;
	}
	for (int i = 0; i < PROTO_SESSIONS_REPLACED; i++)
		if (strcmp(s->session, o->replaced[i]) == 0)
			return false;
	if (o->session[0]) {
		memmove(o->replaced[1], o->replaced[0], sizeof o->replaced - sizeof o->replaced[0]);
		memcpy(o->replaced[0], o->session, sizeof o->replaced[0]);
	}
	memcpy(o->session, s->session, sizeof o->session);
	o->conn = s->conn;
	return true;
}

static bool health_fields(json_t *root, void *data, struct proto_error *err)
{
	struct proto_health *out = data;
	proto_health_init(out);
	int64_t w = 0, h = 0, rot = 0, vol = -1, uv = -1;
	int audio = PROTO_AUDIO_OK, screen = PROTO_SCREEN_ON;
	double temp = NAN;
	if (!jin_str(root, NULL, "device", true, JIN_NAME, PROTO_NAME_MAX, out->device, err) ||
	    !jin_str(root, NULL, "version", false, JIN_TEXT, PROTO_VERSION_STR_MAX, out->version,
	             err) ||
	    !jin_ts(root, NULL, "ts", true, &out->ts_ms, err) ||
	    !jin_int(root, NULL, "uptime_s", false, 0, PROTO_COUNT_MAX, &out->uptime_s, err) ||
	    !jin_int(root, NULL, "width", false, 0, 16384, &w, err) ||
	    !jin_int(root, NULL, "height", false, 0, 16384, &h, err) ||
	    !jin_int(root, NULL, "rotate", false, 0, 270, &rot, err) ||
	    !jin_int(root, NULL, "frames", false, 0, PROTO_COUNT_MAX, &out->frames, err) ||
	    !jin_num(root, NULL, "last_frame_ms", false, 0, 1e9, &out->last_frame_ms, err) ||
	    !jin_int(root, NULL, "reconnects", false, 0, PROTO_COUNT_MAX, &out->reconnects, err) ||
	    !jin_enum(root, NULL, "audio", false, proto_audio_names(), &audio, err) ||
	    !jin_int(root, NULL, "volume", false, 0, 100, &vol, err) ||
	    !jin_int(root, NULL, "announced", false, 0, PROTO_COUNT_MAX, &out->announced, err) ||
	    !jin_int(root, NULL, "announce_failed", false, 0, PROTO_COUNT_MAX,
	             &out->announce_failed, err) ||
	    !jin_num(root, NULL, "cpu_temp_c", false, -100, 200, &temp, err) ||
	    !jin_num(root, NULL, "load1", false, 0, 1e6, &out->load1, err) ||
	    !jin_int(root, NULL, "rss_kb", false, 0, PROTO_COUNT_MAX, &out->rss_kb, err) ||
	    !jin_int(root, NULL, "disk_free_mb", false, 0, PROTO_COUNT_MAX, &out->disk_free_mb,
	             err) ||
	    !jin_int(root, NULL, "undervoltage", false, 0, 1, &uv, err) ||
	    !jin_enum(root, NULL, "screen", false, proto_screen_names(), &screen, err))
		return false;
	if (rot % 90) {
		jin_fail(err, "rotate", "must be 0, 90, 180 or 270");
		return false;
	}
	json_t *off = json_object_get(root, "clock_offset_ms");
	if (off && !json_is_null(off)) {
		if (!jin_int(root, NULL, "clock_offset_ms", false, -PROTO_SEQ_MAX, PROTO_SEQ_MAX,
		             &out->clock_offset_ms, err))
			return false;
		out->has_clock_offset = true;
	}
	json_t *boards;
	if (!jin_array(root, "boards", false, PROTO_AREAS_MAX, "items", &boards, err))
		return false;
	for (size_t i = 0; i < json_array_size(boards); i++) {
		json_t *b = json_array_get(boards, i);
		char path[32];
		jin_path(path, sizeof path, "boards", NULL, (int)i);
		struct proto_health_board *hb = &out->boards[i];
		hb->age_s = -1;
		if (!json_is_object(b)) {
			jin_fail(err, path, "must be an object");
			return false;
		}
		if (!jin_str(b, path, "area", true, JIN_NAME, PROTO_NAME_MAX, hb->area, err) ||
		    !jin_int(b, path, "seq", true, 0, PROTO_SEQ_MAX, &hb->seq, err) ||
		    !jin_int(b, path, "age_s", false, -1, PROTO_COUNT_MAX, &hb->age_s, err))
			return false;
		out->nboards++;
	}
	out->width = (int)w;
	out->height = (int)h;
	out->rotate = (int)rot;
	out->volume = (int)vol;
	out->undervoltage = (int)uv;
	out->audio = (enum proto_audio_state)audio;
	out->screen = (enum proto_screen_state)screen;
	out->cpu_temp_c = temp;
	return true;
}

int proto_health_decode(const char *buf, size_t len, struct proto_health *out,
                        struct proto_error *err)
{
	return jin_decode(buf, len, PROTO_HEALTH_BYTES_MAX, true, health_fields, out, err);
}

char *proto_health_encode(const struct proto_health *h)
{
	json_t *o = jin_object();
	json_object_set_new(o, "device", json_string(h->device));
	jin_set_str_opt(o, "version", h->version);
	jin_set_ts(o, "ts", h->ts_ms);
	json_object_set_new(o, "uptime_s", json_integer(h->uptime_s));
	json_object_set_new(o, "width", json_integer(h->width));
	json_object_set_new(o, "height", json_integer(h->height));
	json_object_set_new(o, "rotate", json_integer(h->rotate));
	json_object_set_new(o, "frames", json_integer(h->frames));
	if (h->last_frame_ms >= 0)
		json_object_set_new(o, "last_frame_ms",
		                    json_real(round(h->last_frame_ms * 1000) / 1000));
	json_t *boards = json_array();
	for (int i = 0; i < h->nboards; i++) {
		json_t *b = json_object();
		json_object_set_new(b, "area", json_string(h->boards[i].area));
		json_object_set_new(b, "seq", json_integer(h->boards[i].seq));
		json_object_set_new(b, "age_s", json_integer(h->boards[i].age_s));
		json_array_append_new(boards, b);
	}
	json_object_set_new(o, "boards", boards);
	json_object_set_new(o, "reconnects", json_integer(h->reconnects));
	json_object_set_new(o, "audio", json_string(proto_audio_name(h->audio)));
	if (h->volume >= 0)
		json_object_set_new(o, "volume", json_integer(h->volume));
	json_object_set_new(o, "announced", json_integer(h->announced));
	json_object_set_new(o, "announce_failed", json_integer(h->announce_failed));
	if (h->has_clock_offset)
		json_object_set_new(o, "clock_offset_ms", json_integer(h->clock_offset_ms));
	if (!isnan(h->cpu_temp_c))
		json_object_set_new(o, "cpu_temp_c", json_real(round(h->cpu_temp_c * 10) / 10));
	if (h->load1 >= 0)
		json_object_set_new(o, "load1", json_real(round(h->load1 * 100) / 100));
	if (h->rss_kb >= 0)
		json_object_set_new(o, "rss_kb", json_integer(h->rss_kb));
	if (h->disk_free_mb >= 0)
		json_object_set_new(o, "disk_free_mb", json_integer(h->disk_free_mb));
	if (h->undervoltage >= 0)
		json_object_set_new(o, "undervoltage", json_integer(h->undervoltage));
	json_object_set_new(o, "screen", json_string(proto_screen_name(h->screen)));
	return jin_dump(o);
}

static bool ack_fields(json_t *root, void *data, struct proto_error *err)
{
	struct proto_ack *out = data;
	memset(out, 0, sizeof *out);
	if (!jin_int(root, NULL, "seq", true, 1, PROTO_SEQ_MAX, &out->seq, err) ||
	    !jin_ts(root, NULL, "shown_ts", true, &out->shown_ms, err) ||
	    !jin_str(root, NULL, "area", false, JIN_NAME, PROTO_NAME_MAX, out->area, err))
		return false;
	json_t *ids;
	if (!jin_array(root, "ids", true, PROTO_ACK_IDS_MAX, "ids", &ids, err))
		return false;
	for (size_t i = 0; i < json_array_size(ids); i++) {
		json_t *v = json_array_get(ids, i);
		char path[32];
		jin_path(path, sizeof path, "ids", NULL, (int)i);
		if (!json_is_string(v)) {
			jin_fail(err, path, "must be a string");
			return false;
		}
		if (!proto_id_valid(json_string_value(v))) {
			jin_fail(err, path, "must be 1-%d of letters, digits, '.', '_', ':', '-'",
			         PROTO_ID_MAX);
			return false;
		}
		strcpy(out->ids[i], json_string_value(v));
		out->nids++;
	}
	return true;
}

int proto_ack_decode(const char *buf, size_t len, struct proto_ack *out, struct proto_error *err)
{
	return jin_decode(buf, len, PROTO_ACK_BYTES_MAX, true, ack_fields, out, err);
}

char *proto_ack_encode(const struct proto_ack *a)
{
	json_t *o = jin_object();
	jin_set_str_opt(o, "area", a->area);
	json_object_set_new(o, "seq", json_integer(a->seq));
	jin_set_ts(o, "shown_ts", a->shown_ms);
	json_t *ids = json_array();
	for (int i = 0; i < a->nids; i++)
		json_array_append_new(ids, json_string(a->ids[i]));
	json_object_set_new(o, "ids", ids);
	return jin_dump(o);
}

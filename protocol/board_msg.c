#include <string.h>

#include "json_in.h"
#include "proto.h"

static const char *const kind_names[] = {"call", "recall", NULL};

static bool call_from_json(json_t *o, const char *path, struct proto_call *c,
                           struct proto_error *err)
{
	if (!json_is_object(o)) {
		jin_fail(err, path ? path : "payload", "must be an object");
		return false;
	}
	int kind = 0;
	memset(c, 0, sizeof *c);
	if (!jin_str(o, path, "id", true, JIN_ID, PROTO_ID_MAX, c->id, err) ||
	    !jin_str(o, path, "ticket", true, JIN_TICKET, PROTO_TICKET_MAX, c->ticket, err) ||
	    !jin_str(o, path, "desk", true, JIN_DESK, PROTO_DESK_MAX, c->desk, err) ||
	    !jin_str(o, path, "desk_label", false, JIN_TEXT, PROTO_LABEL_MAX, c->desk_label, err) ||
	    !jin_str(o, path, "service", false, JIN_TEXT, PROTO_SERVICE_MAX, c->service, err) ||
	    !jin_str(o, path, "lang", false, JIN_NAME, PROTO_LANG_MAX, c->lang, err) ||
	    !jin_enum(o, path, "kind", true, kind_names, &kind, err) ||
	    !jin_ts(o, path, "ts", true, &c->ts_ms, err))
		return false;
	if (c->lang[0] && !proto_lang_valid(c->lang)) {
		char f[48];
		jin_path(f, sizeof f, path, "lang", -1);
		jin_fail(err, f, "'%s' is not an ISO 639-1 language code such as da or uk",
		         c->lang);
		return false;
	}
	c->kind = (enum proto_call_kind)kind;
	return true;
}

static bool board_fields(json_t *root, void *data, struct proto_error *err)
{
	struct proto_board *out = data;
	memset(out, 0, sizeof *out);
	if (!jin_int(root, NULL, "seq", true, 1, PROTO_SEQ_MAX, &out->seq, err) ||
	    !jin_ts(root, NULL, "ts", true, &out->ts_ms, err))
		return false;
	json_t *calls;
	if (!jin_array(root, "calls", true, PROTO_BOARD_CALLS_MAX, "calls", &calls, err))
		return false;
	for (size_t i = 0; i < json_array_size(calls); i++) {
		char path[32];
		jin_path(path, sizeof path, "calls", NULL, (int)i);
		if (!call_from_json(json_array_get(calls, i), path, &out->calls[i], err))
			return false;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(out->calls[j].id, out->calls[i].id) &&
			    out->calls[j].kind == out->calls[i].kind) {
				char f[48];
				snprintf(f, sizeof f, "%s.id", path);
				jin_fail(err, f, "duplicate call id '%s' of the same kind",
				         out->calls[i].id);
				return false;
			}
		}
		out->ncalls++;
	}
	return true;
}

int proto_board_decode(const char *buf, size_t len, struct proto_board *out,
                       struct proto_error *err)
{
	return jin_decode(buf, len, PROTO_BOARD_BYTES_MAX, true, board_fields, out, err);
}

enum proto_seq_verdict proto_seq_judge(int64_t shown_seq, int64_t shown_ts_ms, int64_t seq,
                                       int64_t ts_ms)
{
	if (seq > ts_ms + PROTO_SEQ_AHEAD_MAX_MS)
		return PROTO_SEQ_AHEAD;
	if (shown_seq <= 0 || seq > shown_seq)
		return PROTO_SEQ_NEWER;
	/* A lower seq with a newer ts never comes from one bridge; when the
	 * shown seq is also ahead of that newer clock, the shown one is the
	 * odd one out, and keeping it would lock the area. */
	if (ts_ms > shown_ts_ms && shown_seq > ts_ms)
		return PROTO_SEQ_RESET;
	return PROTO_SEQ_STALE;
}

static bool call_fields(json_t *root, void *data, struct proto_error *err)
{
	return call_from_json(root, NULL, data, err);
}

int proto_call_decode(const char *buf, size_t len, struct proto_call *out, struct proto_error *err)
{
	/* A lone call object (as in a board's "calls") has no "v" of its own. */
	return jin_decode(buf, len, 4096, false, call_fields, out, err);
}

static json_t *call_to_json(const struct proto_call *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "ticket", json_string(c->ticket));
	json_object_set_new(o, "desk", json_string(c->desk));
	jin_set_str_opt(o, "desk_label", c->desk_label);
	jin_set_str_opt(o, "service", c->service);
	jin_set_str_opt(o, "lang", c->lang);
	json_object_set_new(o, "kind", json_string(proto_kind_name(c->kind)));
	jin_set_ts(o, "ts", c->ts_ms);
	return o;
}

char *proto_call_encode(const struct proto_call *c)
{
	return jin_dump(call_to_json(c));
}

char *proto_board_encode(const struct proto_board *b)
{
	json_t *o = jin_object();
	json_object_set_new(o, "seq", json_integer(b->seq));
	jin_set_ts(o, "ts", b->ts_ms);
	json_t *calls = json_array();
	for (int i = 0; i < b->ncalls; i++)
		json_array_append_new(calls, call_to_json(&b->calls[i]));
	json_object_set_new(o, "calls", calls);
	return jin_dump(o);
}

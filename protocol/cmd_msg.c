/* Remote commands to a display and their results. */
#include <string.h>

#include "json_in.h"
#include "proto.h"

const char *const *proto_cmd_names(void);

static bool cmd_fields(json_t *root, void *data, struct proto_error *err)
{
	struct proto_cmd *out = data;
	int cmd = 0;
	if (!jin_str(root, NULL, "id", true, JIN_ID, PROTO_ID_MAX, out->id, err) ||
	    !jin_enum(root, NULL, "cmd", true, proto_cmd_names(), &cmd, err) ||
	    !jin_ts(root, NULL, "ts", false, &out->ts_ms, err))
		return false;
	out->cmd = (enum proto_cmd_kind)cmd;
	if (proto_cmd_takes_level(out->cmd)) {
		int64_t level = -1;
		if (!jin_int(root, NULL, "level", true, 0, 100, &level, err))
			return false;
		out->level = (int)level;
	}
	return true;
}

int proto_cmd_decode(const char *buf, size_t len, struct proto_cmd *out, struct proto_error *err)
{
	/* Cleared first: out->id is set even on failure when the id itself was
	 * good, so the display can still answer with an error result. */
	memset(out, 0, sizeof *out);
	out->level = -1;
	return jin_decode(buf, len, PROTO_CMD_BYTES_MAX, true, cmd_fields, out, err);
}

char *proto_cmd_encode(const struct proto_cmd *c)
{
	json_t *o = jin_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "cmd", json_string(proto_cmd_name(c->cmd)));
	if (proto_cmd_takes_level(c->cmd))
		json_object_set_new(o, "level", json_integer(c->level));
	jin_set_ts_opt(o, "ts", c->ts_ms);
	return jin_dump(o);
}

static bool cmd_result_fields(json_t *root, void *data, struct proto_error *err)
{
	struct proto_cmd_result *out = data;
	memset(out, 0, sizeof *out);
	if (!jin_str(root, NULL, "id", true, JIN_ID, PROTO_ID_MAX, out->id, err) ||
	    !jin_str(root, NULL, "cmd", false, JIN_TEXT, PROTO_SHORT_MAX, out->cmd, err) ||
	    !jin_bool(root, NULL, "ok", true, &out->ok, err) ||
	    !jin_str(root, NULL, "error", false, JIN_TEXT, PROTO_INFO_MAX, out->error, err) ||
	    !jin_str(root, NULL, "info", false, JIN_TEXT, PROTO_INFO_MAX, out->info, err) ||
	    !jin_ts(root, NULL, "ts", false, &out->ts_ms, err))
		return false;
	if (!out->ok && !out->error[0]) {
		jin_fail(err, "error", "missing (required when ok is false)");
		return false;
	}
	if (out->ok)
		memset(out->error, 0, sizeof out->error); /* only a failure carries one */
	return true;
}

int proto_cmd_result_decode(const char *buf, size_t len, struct proto_cmd_result *out,
                            struct proto_error *err)
{
	return jin_decode(buf, len, PROTO_RESULT_BYTES_MAX, true, cmd_result_fields, out, err);
}

char *proto_cmd_result_encode(const struct proto_cmd_result *r)
{
	json_t *o = jin_object();
	json_object_set_new(o, "id", json_string(r->id));
	jin_set_str_opt(o, "cmd", r->cmd);
	json_object_set_new(o, "ok", json_boolean(r->ok));
	if (!r->ok)
		json_object_set_new(o, "error", json_string(r->error[0] ? r->error : "failed"));
	jin_set_str_opt(o, "info", r->info);
	jin_set_ts_opt(o, "ts", r->ts_ms);
	return jin_dump(o);
}

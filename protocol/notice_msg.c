#include <string.h>

#include "json_in.h"
#include "proto.h"

static const char *const mode_names[] = {"banner", "ticker", NULL};

static bool notice_fields(json_t *root, void *data, struct proto_error *err)
{
	struct proto_notice *out = data;
	int mode = PROTO_NOTICE_BANNER;
	bool ok = jin_str(root, NULL, "text", true, JIN_TEXT, PROTO_NOTICE_MAX, out->text, err) &&
	          jin_enum(root, NULL, "mode", false, mode_names, &mode, err) &&
	          jin_ts(root, NULL, "ts", true, &out->ts_ms, err);
	out->mode = (enum proto_notice_mode)mode;
	return ok;
}

int proto_notice_decode(const char *buf, size_t len, struct proto_notice *out,
                        struct proto_error *err)
{
	memset(out, 0, sizeof *out);
	if (len == 0) {
		out->cleared = true;
		return 0;
	}
	return jin_decode(buf, len, PROTO_NOTICE_BYTES_MAX, true, notice_fields, out, err);
}

char *proto_notice_encode(const struct proto_notice *n)
{
	if (n->cleared) {
		char *s = strdup("");
		if (!s)
			abort();
		return s;
	}
	json_t *o = jin_object();
	json_object_set_new(o, "text", json_string(n->text));
	json_object_set_new(o, "mode", json_string(mode_names[n->mode]));
	jin_set_ts(o, "ts", n->ts_ms);
	return jin_dump(o);
}

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_in.h"
#include "timeutil.h"

void jin_fail(struct proto_error *err, const char *field, const char *fmt, ...)
{
	if (!err)
		return;
	snprintf(err->field, sizeof err->field, "%s", field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof err->reason, fmt, ap);
	va_end(ap);
}

void jin_path(char *buf, size_t len, const char *path, const char *key, int index)
{
	if (key && path)
		snprintf(buf, len, "%s.%s", path, key);
	else if (key)
		snprintf(buf, len, "%s", key);
	else
		snprintf(buf, len, "%s[%d]", path ? path : "", index);
}

/* Length of the UTF-8 sequence at s (max n bytes) or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

bool proto_text_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_seq(p + i, len - i, &cp);
		if (n == 0)
			return false;
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += n;
	}
	return true;
}

/* One pass over the raw bytes: UTF-8 validity and nesting depth. */
static bool prescan(const char *buf, size_t len, struct proto_error *err)
{
	const unsigned char *p = (const unsigned char *)buf;
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_seq(p + i, len - i, &cp);
		if (n == 0) {
			jin_fail(err, "payload", "invalid UTF-8 at byte %zu", i);
			return false;
		}
		if (cp == 0) {
			jin_fail(err, "payload", "NUL byte at byte %zu", i);
			return false;
		}
		if (in_str) {
			if (cp == '\\')
				n++; /* skip the escaped byte */
			else if (cp == '"')
				in_str = false;
		} else if (cp == '"') {
			in_str = true;
		} else if (cp == '{' || cp == '[') {
			if (++depth > PROTO_DEPTH_MAX) {
				jin_fail(err, "payload", "nested deeper than %d levels",
				         PROTO_DEPTH_MAX);
				return false;
			}
		} else if (cp == '}' || cp == ']') {
			depth--;
		}
		i += n;
	}
	return true;
}

json_t *jin_load(const char *buf, size_t len, size_t max, struct proto_error *err)
{
	return jin_load_ex(buf, len, max, true, err);
}

json_t *jin_load_ex(const char *buf, size_t len, size_t max, bool check_v, struct proto_error *err)
{
	if (len == 0) {
		jin_fail(err, "payload", "empty");
		return NULL;
	}
	if (len > max) {
		jin_fail(err, "payload", "%zu bytes is over the limit of %zu", len, max);
		return NULL;
	}
	if (!prescan(buf, len, err))
		return NULL;
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root) {
		if (strstr(jerr.text, "duplicate"))
			jin_fail(err, "payload", "duplicate key (%s)", jerr.text);
		else
			jin_fail(err, "payload", "not valid JSON: %s at line %d column %d",
			         jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		jin_fail(err, "payload", "must be a JSON object");
		json_decref(root);
		return NULL;
	}
	if (!check_v)
		return root;
	json_t *v = json_object_get(root, "v");
	if (!v) {
		jin_fail(err, "v", "missing");
		json_decref(root);
		return NULL;
	}
	if (!json_is_integer(v)) {
		jin_fail(err, "v", "must be an integer");
		json_decref(root);
		return NULL;
	}
	if (json_integer_value(v) != PROTO_VERSION) {
		jin_fail(err, "v", "unsupported version %lld (this side speaks %d)",
		         (long long)json_integer_value(v), PROTO_VERSION);
		json_decref(root);
		return NULL;
	}
	return root;
}

int jin_decode(const char *buf, size_t len, size_t max, bool check_v, jin_fields_fn fields,
               void *out, struct proto_error *err)
{
	json_t *root = jin_load_ex(buf, len, max, check_v, err);
	if (!root)
		return -1;
	bool ok = fields(root, out, err);
	json_decref(root);
	return ok ? 0 : -1;
}

static bool in_set(unsigned char c, enum jin_charset cs, bool first)
{
	bool alnum_up = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	bool lower = c >= 'a' && c <= 'z';
	switch (cs) {
	case JIN_TEXT:
		return true;
	case JIN_ID:
		return alnum_up || lower || c == '.' || c == '_' || c == ':' || c == '-';
	case JIN_TICKET:
		return alnum_up;
	case JIN_DESK:
		return alnum_up || lower || c == ' ' || c == '.' || c == '_' || c == '-';
	case JIN_NAME:
		return lower || (c >= '0' && c <= '9') || (!first && c == '-');
	case JIN_HEX:
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	}
	return false;
}

static const char *charset_desc(enum jin_charset cs)
{
	switch (cs) {
	case JIN_TEXT:
		return "text";
	case JIN_ID:
		return "letters, digits, '.', '_', ':', '-'";
	case JIN_TICKET:
		return "upper-case letters A-Z and digits";
	case JIN_DESK:
		return "letters, digits, space, '.', '_', '-'";
	case JIN_NAME:
		return "[a-z0-9][a-z0-9-]*";
	case JIN_HEX:
		return "lower-case hex digits";
	}
	return "?";
}

bool jin_charset_ok(const char *s, enum jin_charset cs)
{
	for (size_t i = 0; s[i]; i++)
		if (!in_set((unsigned char)s[i], cs, i == 0))
			return false;
	return true;
}

/* A field being read: its value and its dotted name for errors. */
struct field {
	json_t *v;
	char name[96];
};

#define KIND(t) (1u << (t))

/* Looks key up in obj: 1 when present and of one of kinds (0: any), 0 when
 * absent and optional, -1 after naming the failure (want if of another kind). */
static int field(struct field *f, json_t *obj, const char *path, const char *key, bool required,
                 unsigned kinds, const char *want, struct proto_error *err)
{
	jin_path(f->name, sizeof f->name, path, key, 0);
	f->v = json_object_get(obj, key);
	if (!f->v || json_is_null(f->v)) {
		if (!required)
			return 0;
		jin_fail(err, f->name, "missing");
		return -1;
	}
	if (kinds && !(kinds & KIND(json_typeof(f->v)))) {
		jin_fail(err, f->name, "%s", want);
		return -1;
	}
	return 1;
}

bool jin_str(json_t *obj, const char *path, const char *key, bool required, enum jin_charset cs,
             size_t max, char *out, struct proto_error *err)
{
	struct field f;
	int found = field(&f, obj, path, key, required, KIND(JSON_STRING), "must be a string", err);
	if (found == 0)
		out[0] = '\0';
	if (found <= 0)
		return found == 0;
	const char *s = json_string_value(f.v);
	size_t len = json_string_length(f.v);
	if (len == 0 && required) {
		jin_fail(err, f.name, "must not be empty");
		return false;
	}
	if (len > max) {
		jin_fail(err, f.name, "longer than %zu bytes", max);
		return false;
	}
	if (strlen(s) != len || !proto_text_valid(s, len)) {
		jin_fail(err, f.name, "contains a control character or invalid UTF-8");
		return false;
	}
	if (!jin_charset_ok(s, cs)) {
		jin_fail(err, f.name, "only %s allowed", charset_desc(cs));
		return false;
	}
	memcpy(out, s, len + 1);
	return true;
}

bool jin_int(json_t *obj, const char *path, const char *key, bool required, int64_t min,
             int64_t max, int64_t *out, struct proto_error *err)
{
	struct field f;
	int found =
	    field(&f, obj, path, key, required, KIND(JSON_INTEGER), "must be an integer", err);
	if (found <= 0)
		return found == 0;
	json_int_t i = json_integer_value(f.v);
	if (i < min || i > max) {
		jin_fail(err, f.name, "must be between %lld and %lld", (long long)min,
		         (long long)max);
		return false;
	}
	*out = i;
	return true;
}

bool jin_num(json_t *obj, const char *path, const char *key, bool required, double min, double max,
             double *out, struct proto_error *err)
{
	struct field f;
	int found = field(&f, obj, path, key, required, KIND(JSON_INTEGER) | KIND(JSON_REAL),
	                  "must be a number", err);
	if (found <= 0)
		return found == 0;
	double d = json_number_value(f.v);
	if (!isfinite(d) || d < min || d > max) {
		jin_fail(err, f.name, "must be between %g and %g", min, max);
		return false;
	}
	*out = d;
	return true;
}

bool jin_bool(json_t *obj, const char *path, const char *key, bool required, bool *out,
              struct proto_error *err)
{
	struct field f;
	int found = field(&f, obj, path, key, required, KIND(JSON_TRUE) | KIND(JSON_FALSE),
	                  "must be true or false", err);
	if (found <= 0)
		return found == 0;
	*out = json_is_true(f.v);
	return true;
}

bool jin_ts(json_t *obj, const char *path, const char *key, bool required, int64_t *out,
            struct proto_error *err)
{
	struct field f;
	int found = field(&f, obj, path, key, required, 0, NULL, err);
	if (found <= 0)
		return found == 0;
	if (!json_is_string(f.v) || json_string_length(f.v) > 40 ||
	    strlen(json_string_value(f.v)) != json_string_length(f.v)) {
		jin_fail(err, f.name, "must be an RFC 3339 UTC timestamp string");
		return false;
	}
	if (!time_parse_iso(json_string_value(f.v), out)) {
		jin_fail(err, f.name,
		         "must be an RFC 3339 UTC timestamp like 2026-11-30T09:15:02.123Z");
		return false;
	}
	return true;
}

bool jin_enum(json_t *obj, const char *path, const char *key, bool required,
              const char *const *names, int *out, struct proto_error *err)
{
	struct field f;
	int found = field(&f, obj, path, key, required, 0, NULL, err);
	if (found <= 0)
		return found == 0;
	char list[128] = "";
	for (int i = 0; names[i]; i++) {
		if (json_is_string(f.v) && !strcmp(json_string_value(f.v), names[i])) {
			*out = i;
			return true;
		}
		if (i)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, names[i], sizeof list - strlen(list) - 1);
	}
	jin_fail(err, f.name, "must be one of: %s", list);
	return false;
}

bool jin_array(json_t *obj, const char *key, bool required, size_t max, const char *items,
               json_t **out, struct proto_error *err)
{
	*out = json_object_get(obj, key);
	if (!*out) {
		if (required)
			jin_fail(err, key, "missing");
		return !required;
	}
	if (!json_is_array(*out)) {
		jin_fail(err, key, "must be an array");
		return false;
	}
	if (json_array_size(*out) > max) {
		jin_fail(err, key, "more than %zu %s", max, items);
		return false;
	}
	return true;
}

json_t *jin_object(void)
{
	json_t *o = json_object();
	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	return o;
}

void jin_set_ts(json_t *o, const char *key, int64_t ms)
{
	char ts[32];
	time_fmt_iso(ms, ts, sizeof ts);
	json_object_set_new(o, key, json_string(ts));
}

void jin_set_ts_opt(json_t *o, const char *key, int64_t ms)
{
	if (ms > 0)
		jin_set_ts(o, key, ms);
}

void jin_set_str_opt(json_t *o, const char *key, const char *s)
{
	if (s[0])
		json_object_set_new(o, key, json_string(s));
}

char *jin_dump(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (!s)
		abort();
	return s;
}

bool jin_name_list(json_t *root, const char *key, int max, char (*out)[PROTO_NAME_MAX + 1],
                   int *count, struct proto_error *err)
{
	json_t *a = json_object_get(root, key);
	*count = 0;
	if (!a)
		return true;
	if (!json_is_array(a)) {
		jin_fail(err, key, "must be an array");
		return false;
	}
	if ((int)json_array_size(a) > max) {
		jin_fail(err, key, "more than %d items", max);
		return false;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		char path[48];
		jin_path(path, sizeof path, key, NULL, (int)i);
		if (!json_is_string(v) || !proto_name_valid(json_string_value(v))) {
			jin_fail(err, path, "must be a name matching [a-z0-9][a-z0-9-]{0,62}");
			return false;
		}
		strcpy(out[i], json_string_value(v));
		(*count)++;
	}
	return true;
}

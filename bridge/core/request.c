#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_in.h"
#include "request.h"

static const char *const personal[] = {"name",     "cpr",    "phone", "mail",         "address",
                                       "birth",    "mobile", "ssn",   "personnummer", "citizen",
                                       "postcode", "zip",    NULL};

bool request_personal_key(const char *key)
{
	char low[128];
	size_t n = strlen(key);
	if (n >= sizeof low)
		n = sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[n] = '\0';
	for (int i = 0; personal[i]; i++)
		if (strstr(low, personal[i]))
			return true;
	return false;
}

static int refuse(struct request_error *e, int status, const char *metric, const char *field,
                  const char *reason)
{
	e->status = status;
	e->metric = metric;
	e->pii = PII_NONE;
	snprintf(e->field, sizeof e->field, "%s", field);
	snprintf(e->reason, sizeof e->reason, "%s", reason);
	return -1;
}

/* The body as a JSON object with no personal-data key; NULL with e. */
static json_t *load(const char *body, size_t len, size_t limit, struct request_error *e)
{
	if (len == 0) {
		refuse(e, 400, "bad-json", "body", "a JSON object body is required");
		return NULL;
	}
	struct proto_error err;
	json_t *o = jin_load_ex(body, len, limit, false, &err);
	if (!o) {
		refuse(e, 400, "bad-json", err.field[0] ? err.field : "body", err.reason);
		return NULL;
	}
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		if (request_personal_key(key)) {
			refuse(e, 422, "personal-data", key,
			       "personal data is not accepted: screens show numbers, never people");
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* True when the free text of field holds no personal data. */
static bool no_personal_data(const char *field, const char *text, struct request_error *e)
{
	enum pii_kind k = pii_detect(text, strlen(text));
	if (k == PII_NONE)
		return true;
	refuse(e, 422, "personal-data", field, pii_kind_reason(k));
	e->pii = k;
	return false;
}

static bool field(json_t *o, const char *key, bool required, enum jin_charset cs, size_t max,
                  char *out, struct request_error *e)
{
	struct proto_error err;
	if (jin_str(o, NULL, key, required, cs, max, out, &err))
		return true;
	refuse(e, 422, "invalid-field", err.field, err.reason);
	return false;
}

int request_parse_call(const char *body, size_t len, size_t limit, struct call_req *r,
                       struct request_error *e)
{
	json_t *o = load(body, len, limit, e);
	if (!o)
		return -1;
	int rc = -1;
	memset(r, 0, sizeof *r);
	json_t *t = json_object_get(o, "ticket");
	const char *ts = json_string_value(t);
	if (!t) {
		refuse(e, 422, "invalid-field", "ticket", "missing");
		goto out;
	}
	if (!ts || strlen(ts) > PROTO_TICKET_MAX) {
		refuse(e, 422, "invalid-field", "ticket",
		       !ts ? "must be a string" : "too long (at most 10)");
		goto out;
	}
	snprintf(r->ticket, sizeof r->ticket, "%s", ts);
	for (char *p = r->ticket; *p; p++) /* "a42" is "A42" */
		*p = (char)toupper((unsigned char)*p);
	if (!proto_ticket_valid(r->ticket)) {
		refuse(e, 422, "invalid-field", "ticket", "upper-case letters A-Z and digits only");
		goto out;
	}
	if (!field(o, "desk", true, JIN_DESK, PROTO_DESK_MAX, r->desk, e) ||
	    !field(o, "area", false, JIN_NAME, PROTO_NAME_MAX, r->area, e) ||
	    !field(o, "id", false, JIN_ID, PROTO_ID_MAX, r->id, e) ||
	    !field(o, "desk_label", false, JIN_TEXT, PROTO_LABEL_MAX, r->desk_label, e) ||
	    !field(o, "service", false, JIN_TEXT, PROTO_SERVICE_MAX, r->service, e) ||
	    !field(o, "lang", false, JIN_NAME, PROTO_LANG_MAX, r->lang, e))
		goto out;
	if (r->lang[0] && !proto_lang_valid(r->lang)) {
		refuse(e, 422, "invalid-field", "lang", "an ISO 639-1 code in lower case, e.g. uk");
		goto out;
	}
	if (json_object_get(o, "id") && !r->id[0]) {
		refuse(e, 422, "invalid-field", "id", "must not be empty");
		goto out;
	}
	if (!json_object_get(o, "area"))
		snprintf(r->area, sizeof r->area, "main");
	if (!proto_desk_valid(r->desk)) {
		refuse(e, 422, "invalid-field", "desk",
		       "1-16 letters, digits, space, '.', '_', '-'");
		goto out;
	}
	if (!proto_name_valid(r->area)) {
		refuse(e, 422, "invalid-field", "area", "must match [a-z0-9][a-z0-9-]{0,62}");
		goto out;
	}
	if (!no_personal_data("desk", r->desk, e) ||
	    !no_personal_data("desk_label", r->desk_label, e) ||
	    !no_personal_data("service", r->service, e))
		goto out;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int request_parse_notice(const char *body, size_t len, size_t limit, struct proto_notice *n,
                         struct request_error *e)
{
	static const char *const modes[] = {"banner", "ticker", NULL};
	json_t *o = load(body, len, limit, e);
	if (!o)
		return -1;
	int rc = -1, mode = 0;
	struct proto_error err;
	memset(n, 0, sizeof *n);
	if (!field(o, "text", true, JIN_TEXT, PROTO_NOTICE_MAX, n->text, e))
		goto out;
	if (!n->text[0]) {
		refuse(e, 422, "invalid-field", "text", "empty: use DELETE to clear the notice");
		goto out;
	}
	if (!jin_enum(o, NULL, "mode", false, modes, &mode, &err)) {
		refuse(e, 422, "invalid-field", err.field, err.reason);
		goto out;
	}
	if (!no_personal_data("text", n->text, e))
		goto out;
	n->mode = (enum proto_notice_mode)mode;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int request_parse_command(const char *body, size_t len, size_t limit, int *cmd, int *level,
                          struct request_error *e)
{
	json_t *o = load(body, len, limit, e);
	if (!o)
		return -1;
	int rc = -1;
	const char *name = json_string_value(json_object_get(o, "cmd"));
	*cmd = name ? proto_cmd_from_name(name) : -1;
	*level = -1;
	if (*cmd < 0) {
		char names[160], why[200];
		proto_cmd_choices(names, sizeof names, false);
		snprintf(why, sizeof why, "one of %s", names);
		refuse(e, 422, "invalid-field", "cmd", why);
		goto out;
	}
	if (proto_cmd_takes_level(*cmd)) {
		json_t *lv = json_object_get(o, "level");
		if (!json_is_integer(lv) || json_integer_value(lv) < 0 ||
		    json_integer_value(lv) > 100) {
			char why[120];
			snprintf(why, sizeof why, "a whole number 0-100 is required for %s", name);
			refuse(e, 422, "invalid-field", "level", why);
			goto out;
		}
		*level = (int)json_integer_value(lv);
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* Only the keys a queue entry has: anything else could carry personal data. */
static bool queue_keys_ok(json_t *o, const char *path, const char *const *allowed,
                          struct request_error *e)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		bool ok = false;
		for (int i = 0; allowed[i]; i++)
			ok |= !strcmp(key, allowed[i]);
		if (ok)
			continue;
		char f[96];
		snprintf(f, sizeof f, "%s%s%s", path, path[0] ? "." : "", key);
		if (request_personal_key(key))
			refuse(e, 422, "personal-data", f,
			       "personal data is not accepted: screens show numbers, never people");
		else
			refuse(e, 422, "invalid-field", f,
			       "unknown field (services: name, waiting, "
			       "wait_min)");
		return false;
	}
	return true;
}

int request_parse_queue(const char *body, size_t len, size_t limit, struct proto_queue *out,
                        struct request_error *e)
{
	static const char *const top[] = {"services", NULL};
	static const char *const entry[] = {"name", "waiting", "wait_min", NULL};
	json_t *o = load(body, len, limit, e);
	if (!o)
		return -1;
	int rc = -1;
	if (!queue_keys_ok(o, "", top, e))
		goto out;
	json_t *list = json_object_get(o, "services");
	for (size_t i = 0; json_is_array(list) && i < json_array_size(list); i++) {
		char path[32];
		snprintf(path, sizeof path, "services[%zu]", i);
		json_t *s = json_array_get(list, i);
		if (json_is_object(s) && !queue_keys_ok(s, path, entry, e))
			goto out;
	}
	/* The rest is the protocol's own check, with its field names. */
	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	json_object_set_new(o, "ts", json_string("1970-01-01T00:00:00Z"));
	char *payload = jin_dump(json_incref(o));
	struct proto_error err = {0};
	if (proto_queue_decode(payload, strlen(payload), out, &err) < 0)
		refuse(e, 422, "invalid-field", err.field, err.reason);
	else
		rc = 0;
	free(payload);
	out->ts_ms = 0;
out:
	json_decref(o);
	return rc;
}

int request_parse_pair(const char *body, size_t len, size_t limit, struct pair_req *out,
                       struct request_error *e)
{
	memset(out, 0, sizeof *out);
	json_t *o = load(body, len, limit, e);
	if (!o)
		return -1;
	int rc = -1;
	const char *code = json_string_value(json_object_get(o, "code"));
	json_t *areas = json_object_get(o, "areas");
	if (!code || !*code || strlen(code) >= sizeof out->code) {
		refuse(e, 422, "invalid-field", "code", "the code shown on the screen is required");
		goto out;
	}
	snprintf(out->code, sizeof out->code, "%s", code);
	/* Absent: the settings of the device's last pairing. */
	if (areas && (!json_is_array(areas) || json_array_size(areas) < 1 ||
	              json_array_size(areas) > PROTO_AREAS_MAX)) {
		refuse(e, 422, "invalid-field", "areas", "1 to 8 area names are required");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(areas); i++) {
		const char *a = json_string_value(json_array_get(areas, i));
		for (int k = 0; a && k < out->nareas; k++)
			if (!strcmp(out->areas[k], a))
				a = NULL;
		if (!a || !proto_name_valid(a)) {
			refuse(e, 422, "invalid-field", "areas",
			       "distinct names matching [a-z0-9][a-z0-9-]{0,62}");
			goto out;
		}
		snprintf(out->areas[out->nareas++], sizeof out->areas[0], "%s", a);
	}
	/* "label", not "name": a name key means a person to load(). */
	if (!field(o, "label", false, JIN_TEXT, sizeof out->name - 1, out->name, e) ||
	    (out->name[0] && !no_personal_data("label", out->name, e)))
		goto out;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

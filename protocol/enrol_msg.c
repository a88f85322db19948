/* Enrolment topics and payloads. */
#include <stdio.h>
#include <string.h>

#include "enrol_msg.h"
#include "json_in.h"

static const char *const state_names[] = {"code", "paired", "refused", NULL};

static bool client_ok(const char *s, size_t n)
{
	if (n < 16 || n > PROTO_ENROL_CLIENT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int proto_enrol_topic(const char *client, const char *kind, char *buf, size_t len)
{
	if (!client_ok(client, strlen(client)))
		return -1;
	int n = snprintf(buf, len, PROTO_ENROL_ROOT "/%s/%s", client, kind);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

bool proto_enrol_request_client(const char *topic, char *out)
{
	const char *root = PROTO_ENROL_ROOT "/";
	size_t rl = strlen(root);
	if (strncmp(topic, root, rl))
		return false;
	const char *c = topic + rl, *slash = strchr(c, '/');
	if (!slash || strcmp(slash, "/request") || !client_ok(c, (size_t)(slash - c)))
		return false;
	memcpy(out, c, (size_t)(slash - c));
	out[slash - c] = '\0';
	return true;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v[0])
		json_object_set_new(o, key, json_string(v));
}

char *proto_enrol_request_encode(const struct proto_enrol_request *r)
{
	json_t *o = json_pack("{s:i}", "v", PROTO_VERSION);
	set_str(o, "hostname", r->hostname);
	set_str(o, "address", r->address);
	set_str(o, "version", r->version);
	return jin_dump(o);
}

int proto_enrol_request_decode(const void *buf, size_t len, struct proto_enrol_request *r,
                               struct proto_error *err)
{
	memset(r, 0, sizeof *r);
	json_t *root = jin_load(buf, len, PROTO_ENROL_BYTES_MAX, err);
	if (!root)
		return -1;
	bool ok = jin_str(root, NULL, "hostname", false, JIN_TEXT, PROTO_ENROL_TEXT_MAX,
	                  r->hostname, err) &&
	          jin_str(root, NULL, "address", false, JIN_TEXT, PROTO_ENROL_TEXT_MAX, r->address,
	                  err) &&
	          jin_str(root, NULL, "version", false, JIN_TEXT, 32, r->version, err);
	json_decref(root);
	return ok ? 0 : -1;
}

char *proto_enrol_reply_encode(const struct proto_enrol_reply *r)
{
	json_t *o = json_pack("{s:i,s:s}", "v", PROTO_VERSION, "state", state_names[r->state]);
	switch (r->state) {
	case PROTO_ENROL_CODE:
		json_object_set_new(o, "code", json_string(r->code));
		json_object_set_new(o, "expires_s", json_integer(r->expires_s));
		break;
	case PROTO_ENROL_PAIRED: {
		json_t *a = json_array();
		for (int i = 0; i < r->nareas; i++)
			json_array_append_new(a, json_string(r->areas[i]));
		json_object_set_new(o, "tenant", json_string(r->tenant));
		json_object_set_new(o, "site", json_string(r->site));
		json_object_set_new(o, "device", json_string(r->device));
		json_object_set_new(o, "areas", a);
		set_str(o, "name", r->name);
		json_object_set_new(o, "username", json_string(r->username));
		json_object_set_new(o, "password", json_string(r->password));
		break;
	}
	case PROTO_ENROL_REFUSED:
		set_str(o, "reason", r->reason);
		break;
	}
	return jin_dump(o);
}

int proto_enrol_reply_decode(const void *buf, size_t len, struct proto_enrol_reply *r,
                             struct proto_error *err)
{
	memset(r, 0, sizeof *r);
	json_t *root = jin_load(buf, len, PROTO_ENROL_BYTES_MAX, err);
	if (!root)
		return -1;
	int state = 0;
	int64_t exp = 0;
	bool ok = jin_enum(root, NULL, "state", true, state_names, &state, err);
	r->state = (enum proto_enrol_state)state;
	if (ok && r->state == PROTO_ENROL_CODE) {
		ok = jin_str(root, NULL, "code", true, JIN_ID, sizeof r->code - 1, r->code, err) &&
		     jin_int(root, NULL, "expires_s", true, 1, 86400, &exp, err);
		r->expires_s = (int)exp;
	} else if (ok && r->state == PROTO_ENROL_PAIRED) {
		ok =
		    jin_str(root, NULL, "tenant", true, JIN_NAME, PROTO_NAME_MAX, r->tenant, err) &&
		    jin_str(root, NULL, "site", true, JIN_NAME, PROTO_NAME_MAX, r->site, err) &&
		    jin_str(root, NULL, "device", true, JIN_NAME, PROTO_NAME_MAX, r->device, err) &&
		    jin_name_list(root, "areas", PROTO_AREAS_MAX, r->areas, &r->nareas, err) &&
		    jin_str(root, NULL, "name", false, JIN_TEXT, PROTO_ENROL_TEXT_MAX, r->name,
		            err) &&
		    jin_str(root, NULL, "username", true, JIN_TEXT, sizeof r->username - 1,
		            r->username, err) &&
		    jin_str(root, NULL, "password", true, JIN_TEXT, PROTO_ENROL_PASS_MAX,
		            r->password, err);
		if (ok && r->nareas == 0) {
			jin_fail(err, "areas", "at least one area");
			ok = false;
		}
	} else if (ok) {
		ok = jin_str(root, NULL, "reason", false, JIN_TEXT, PROTO_ENROL_TEXT_MAX, r->reason,
		             err);
	}
	json_decref(root);
	return ok ? 0 : -1;
}

/* queue: per area, the services with how many wait and the expected wait. */
#include <string.h>

#include "json_in.h"
#include "proto.h"
#include "timeutil.h"

static bool service_from_json(json_t *o, const char *path, struct proto_queue_service *s,
                              struct proto_error *err)
{
	if (!json_is_object(o)) {
		jin_fail(err, path, "must be an object");
		return false;
	}
	int64_t waiting = 0, wait_min = -1;
	bool ok = jin_str(o, path, "name", true, JIN_TEXT, PROTO_SERVICE_MAX, s->name, err) &&
	          jin_int(o, path, "waiting", true, 0, PROTO_WAITING_MAX, &waiting, err) &&
	          jin_int(o, path, "wait_min", false, 0, PROTO_WAIT_MIN_MAX, &wait_min, err);
	if (ok && !s->name[0]) {
		char f[48];
		jin_path(f, sizeof f, path, "name", -1);
		jin_fail(err, f, "must not be empty");
		ok = false;
	}
	s->waiting = (int)waiting;
	s->wait_min = (int)wait_min;
	return ok;
}

int proto_queue_decode(const char *buf, size_t len, struct proto_queue *out,
                       struct proto_error *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jin_load(buf, len, PROTO_QUEUE_BYTES_MAX, err);
	if (!root)
		return -1;
	int rc = -1;
	if (!jin_ts(root, NULL, "ts", true, &out->ts_ms, err))
		goto out;
	json_t *list = json_object_get(root, "services");
	if (!json_is_array(list)) {
		jin_fail(err, "services", list ? "must be an array" : "missing");
		goto out;
	}
	if (json_array_size(list) > PROTO_QUEUE_SERVICES_MAX) {
		jin_fail(err, "services", "more than %d services", PROTO_QUEUE_SERVICES_MAX);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(list); i++) {
		char path[32];
		jin_path(path, sizeof path, "services", NULL, (int)i);
		if (!service_from_json(json_array_get(list, i), path, &out->services[i], err))
			goto out;
		out->nservices++;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

char *proto_queue_encode(const struct proto_queue *q)
{
	char ts[32];
	time_fmt_iso(q->ts_ms, ts, sizeof ts);
	json_t *o = json_object();
	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	json_object_set_new(o, "ts", json_string(ts));
	json_t *list = json_array();
	for (int i = 0; i < q->nservices; i++) {
		const struct proto_queue_service *s = &q->services[i];
		json_t *e = json_object();
		json_object_set_new(e, "name", json_string(s->name));
		json_object_set_new(e, "waiting", json_integer(s->waiting));
		if (s->wait_min >= 0)
			json_object_set_new(e, "wait_min", json_integer(s->wait_min));
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "services", list);
	return jin_dump(o);
}

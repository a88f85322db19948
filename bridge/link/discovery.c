#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "discovery"
#include "bridge.h"
#include "discovery.h"
#include "log.h"
#include "mqttc.h"
#include "topic.h"

#define PREFIX "homeassistant"

struct disc_dev {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char device[PROTO_NAME_MAX + 1];
};

struct discovery {
	struct bridge *b;
	struct disc_dev *devs; /* owned, in the order they became known */
	int n, cap;
	int next; /* devs[next..] are due */
};

/* One entity: where its config goes, the callboard topic it reads and the
 * keys that differ between entities. */
struct entity {
	const char *component, *id, *name;
	enum proto_topic_kind source;
	const char *template;
	const char *extra; /* JSON object text merged into the config */
};

static const struct entity entities[] = {
    {"binary_sensor", "online", "Online", PROTO_TOPIC_STATUS, "{{ value_json.state }}",
     "{\"payload_on\":\"online\",\"payload_off\":\"offline\",\"device_class\":\"connectivity\"}"},
    {"sensor", "temperature", "CPU temperature", PROTO_TOPIC_HEALTH,
     "{{ value_json.cpu_temp_c | default(none) }}",
     "{\"device_class\":\"temperature\",\"unit_of_measurement\":\"°C\","
     "\"state_class\":\"measurement\"}"},
    {"sensor", "audio", "Audio", PROTO_TOPIC_HEALTH, "{{ value_json.audio | default(none) }}",
     "{\"device_class\":\"enum\",\"options\":[\"ok\",\"none\",\"muted\",\"error\"]}"},
    {"sensor", "last_call_seq", "Last call seq", PROTO_TOPIC_ACK, "{{ value_json.seq }}",
     "{\"icon\":\"mdi:counter\"}"},
};
#define NENTITIES (sizeof entities / sizeof entities[0])

struct discovery *discovery_create(struct bridge *b)
{
	if (!b->cfg.homeassistant)
		return NULL;
	struct discovery *d = xcalloc(1, sizeof *d);
	d->b = b;
	return d;
}

void discovery_destroy(struct discovery *d)
{
	if (!d)
		return;
	free(d->devs);
	free(d);
}

void discovery_add(struct discovery *d, const char *tenant, const char *site, const char *device)
{
	if (!d)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->devs = xrealloc(d->devs, (size_t)d->cap * sizeof *d->devs);
	}
	struct disc_dev *x = &d->devs[d->n++];
	snprintf(x->tenant, sizeof x->tenant, "%s", tenant);
	snprintf(x->site, sizeof x->site, "%s", site);
	snprintf(x->device, sizeof x->device, "%s", device);
}

void discovery_on_connect(struct discovery *d)
{
	if (d)
		d->next = 0;
}

/* The config of one entity of one display (new reference). */
static json_t *entity_config(const struct discovery *d, const struct disc_dev *x,
                             const struct entity *e)
{
	struct proto_topic t = {.kind = e->source};
	snprintf(t.tenant, sizeof t.tenant, "%s", x->tenant);
	snprintf(t.site, sizeof t.site, "%s", x->site);
	snprintf(t.device, sizeof t.device, "%s", x->device);
	char state[PROTO_TOPIC_MAX], status[PROTO_TOPIC_MAX], uid[320], ident[256], dname[256];
	t.kind = PROTO_TOPIC_STATUS;
	if (proto_topic_build(&t, status, sizeof status) < 0)
		return NULL;
	t.kind = e->source;
	if (proto_topic_build(&t, state, sizeof state) < 0)
		return NULL;
	snprintf(ident, sizeof ident, "callboard-%s-%s-%s", x->tenant, x->site, x->device);
	snprintf(uid, sizeof uid, "%s-%s", ident, e->id);
	snprintf(dname, sizeof dname, "%s (%s/%s)", x->device, x->tenant, x->site);
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:{s:[s],s:s,s:s,s:s}}", "name", e->name, "unique_id", uid,
	              "state_topic", state, "value_template", e->template, "device", "identifiers",
	              ident, "name", dname, "manufacturer", "callboard", "model", "display");
	json_t *extra = json_loads(e->extra, 0, NULL);
	json_object_update(o, extra);
	json_decref(extra);
	if (e->source != PROTO_TOPIC_STATUS) {
		/* The display's own status says whether the other values count. */
		json_object_set_new(o, "availability_topic", json_string(status));
		json_object_set_new(o, "availability_template",
		                    json_string("{{ value_json.state }}"));
		json_object_set_new(o, "payload_available", json_string("online"));
		json_object_set_new(o, "payload_not_available", json_string("offline"));
	}
	if (e->source == PROTO_TOPIC_HEALTH)
		json_object_set_new(o, "expire_after",
		                    json_integer(3 * (json_int_t)d->b->cfg.health_interval_s));
	return o;
}

/* Publish every entity of one display; -1 when the client refused one. */
static int announce(struct discovery *d, const struct disc_dev *x)
{
	for (size_t i = 0; i < NENTITIES; i++) {
		const struct entity *e = &entities[i];
		char topic[512];
		snprintf(topic, sizeof topic, PREFIX "/%s/callboard-%s/%s_%s_%s/config",
		         e->component, x->tenant, x->site, x->device, e->id);
		json_t *o = entity_config(d, x, e);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		int rc = s ? mqttc_publish(d->b->mqtt, topic, s, strlen(s), 1, true,
		                           &(struct mqttc_props){0, "application/json"})
		           : -1;
		free(s);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void discovery_flush(struct discovery *d)
{
	if (!d || !d->b->mqtt || !mqttc_connected(d->b->mqtt))
		return;
	int limit = d->b->cfg.mqtt.queue_max / 2;
	while (d->next < d->n && mqttc_inflight(d->b->mqtt) + (int)NENTITIES <= limit) {
		if (announce(d, &d->devs[d->next]) < 0)
			return; /* refused (queue full): tried again next turn */
		d->next++;
	}
}

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "registry"
#include "calls.h"
#include "discovery.h"
#include "log.h"
#include "loop.h"
#include "mqttc.h"
#include "registry.h"
#include "store.h"
#include "timeutil.h"
#include "topic.h"
#include "webhook.h"

#define BUCKETS    8192
#define ACK_AREAS  PROTO_AREAS_MAX
#define PNGS_MAX   64   /* screenshots kept in memory, the oldest go first */
#define SAVE_EVERY 5000 /* ms between rounds of saving changed devices */
#define SAVE_STEP  5    /* ms between the batches of one round */
#define SAVE_BATCH 32   /* devices per batch (one transaction) */
#define SAVE_SCAN  4096 /* devices looked at per batch, saved or not */

struct dev_ack {
	char area[PROTO_NAME_MAX + 1];
	int64_t seq;
	int64_t ack_ms;
};

struct device {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char name[PROTO_NAME_MAX + 1];
	enum dev_state state;
	char version[PROTO_VERSION_STR_MAX + 1];
	struct proto_status_order order; /* of its statuses, Wills included */
	int64_t last_seen_ms;            /* wall clock of the last message */
	int64_t last_health_mono;        /* or of going online, for stale detection */
	int64_t online_mono;
	struct proto_health *hdec; /* owned: the last health report, decoded; only
	                            * its known fields are kept and passed on */
	int64_t state_since_ms;    /* wall clock of entering state; 0 unknown */
	double temp_c;
	char audio[PROTO_SHORT_MAX + 1];
	int nacks;
	struct dev_ack acks[ACK_AREAS];
	unsigned char *png; /* owned */
	size_t png_len;
	int64_t png_mono;
	int64_t png_ms; /* wall clock of the screenshot */
	bool dirty;
	struct device *next; /* hash chain */
};

struct cmd_wait {
	char id[PROTO_ID_MAX + 1];
	char tenant[PROTO_NAME_MAX + 1], site[PROTO_NAME_MAX + 1], device[PROTO_NAME_MAX + 1];
	int64_t started_mono, deadline_mono;
	enum registry_png png;
	bool got_result;
	char *result; /* owned: result JSON when got_result */
	registry_cmd_cb cb;
	void *ctx;
	struct cmd_wait *next; /* owned list */
};

struct registry {
	struct bridge *b;
	struct device *buckets[BUCKETS];
	/* Not owned separately: the same objects as buckets, sorted by tenant,
	 * site, device (pages and sites are ranges of it). */
	struct device **all;
	int n, cap;
	struct cmd_wait *waits;
	struct loop_source *tick;
	struct loop_source *save_timer;
	int save_pos; /* next index of all[] to look at in the open round; -1 none */
};

const char *registry_state_name(enum dev_state s)
{
	switch (s) {
	case DEV_ONLINE:
		return "online";
	case DEV_OFFLINE:
		return "offline";
	case DEV_STALE:
		return "stale";
	default:
		return "unknown";
	}
}

static unsigned hash3(const char *a, const char *b, const char *c)
{
	uint32_t h = 2166136261u;
	const char *parts[3] = {a, b, c};
	for (int i = 0; i < 3; i++)
		for (const char *s = parts[i];; s++) {
			h ^= (unsigned char)*s;
			h *= 16777619u;
			if (!*s)
				break;
		}
	return h % BUCKETS;
}

static int key_cmp(const struct device *x, const char *t, const char *s, const char *d)
{
	int c = strcmp(x->tenant, t);
	if (!c)
		c = strcmp(x->site, s);
	if (!c)
		c = strcmp(x->name, d);
	return c;
}

/* Index in all[] of the first device not before (t, s, d). */
static int lower_bound(const struct registry *r, const char *t, const char *s, const char *d)
{
	int lo = 0, hi = r->n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (key_cmp(r->all[mid], t, s, d) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index in all[] just past the devices of tenant t (and of site s unless
 * s is NULL), starting from a position within them. */
static int range_end(const struct registry *r, int from, const char *t, const char *s)
{
	int i = from;
	while (i < r->n && strcmp(r->all[i]->tenant, t) == 0 &&
	       (!s || strcmp(r->all[i]->site, s) == 0))
		i++;
	return i;
}

/* A device the registry does not know yet: only up to the site's limit, so
 * that invented names cannot grow the registry, the store and the page. */
static bool admit(struct registry *r, const char *t, const char *s, const char *d)
{
	int first = lower_bound(r, t, s, "");
	if (range_end(r, first, t, s) - first < r->b->cfg.max_devices_per_site)
		return true;
	r->b->metrics.devices_refused_site_full++;
	log_warn_rl("%s/%s: more than %d displays (max_devices_per_site): refusing %s", t, s,
	            r->b->cfg.max_devices_per_site, d);
	return false;
}

/* A display became known (from the store or a message). Its status topic
 * is subscribed by name as well as through the site's wildcard: a broker
 * that does not send retained messages to a wildcard subscription
 * (RabbitMQ) sends them to this one, so a Will that fired while the bridge
 * was away is seen at once. */
static void device_known(struct registry *r, const struct device *d)
{
	discovery_add(r->b->discovery, d->tenant, d->site, d->name);
	struct proto_topic t = {.kind = PROTO_TOPIC_STATUS};
	snprintf(t.tenant, sizeof t.tenant, "%s", d->tenant);
	snprintf(t.site, sizeof t.site, "%s", d->site);
	snprintf(t.device, sizeof t.device, "%s", d->name);
	char topic[PROTO_TOPIC_MAX];
	if (r->b->mqtt && bridge_config_site(&r->b->cfg, d->tenant, d->site) &&
	    proto_topic_build(&t, topic, sizeof topic) >= 0)
		mqttc_subscribe(r->b->mqtt, topic, 1);
}

static struct device *dev_get(struct registry *r, const char *t, const char *s, const char *d,
                              bool create)
{
	unsigned h = hash3(t, s, d);
	for (struct device *x = r->buckets[h]; x; x = x->next)
		if (strcmp(x->name, d) == 0 && strcmp(x->site, s) == 0 && strcmp(x->tenant, t) == 0)
			return x;
	if (!create || !admit(r, t, s, d))
		return NULL;
	struct device *x = xcalloc(1, sizeof *x);
	snprintf(x->tenant, sizeof x->tenant, "%s", t);
	snprintf(x->site, sizeof x->site, "%s", s);
	snprintf(x->name, sizeof x->name, "%s", d);
	x->temp_c = NAN;
	x->next = r->buckets[h];
	r->buckets[h] = x;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->all = xrealloc(r->all, (size_t)r->cap * sizeof *r->all);
	}
	int at = lower_bound(r, t, s, d);
	memmove(&r->all[at + 1], &r->all[at], (size_t)(r->n - at) * sizeof *r->all);
	r->all[at] = x;
	r->n++;
	if (r->save_pos > at)
		r->save_pos++; /* the open save round goes on where it was */
	device_known(r, x);
	return x;
}

static void transition(struct registry *r, struct device *d, enum dev_state to, const char *why)
{
	if (d->state == to)
		return;
	enum dev_state from = d->state;
	d->state = to;
	d->state_since_ms = time_now_ms();
	d->dirty = true;
	r->b->metrics.device_transitions++;
	r->b->metrics.device_transitions_to[to]++;
	log_info("display %s/%s/%s: %s -> %s (%s)", d->tenant, d->site, d->name,
	         registry_state_name(from), registry_state_name(to), why);
	if ((to == DEV_OFFLINE || to == DEV_STALE) && r->b->webhook) {
		const struct cfg_site *site = bridge_config_site(&r->b->cfg, d->tenant, d->site);
		if (bridge_config_site_open(&r->b->cfg, site, time_now_ms())) {
			char ts[32];
			time_fmt_iso(time_now_ms(), ts, sizeof ts);
			json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "event",
			                      "display-state", "tenant", d->tenant, "site", d->site,
			                      "device", d->name, "from", registry_state_name(from),
			                      "to", registry_state_name(to), "ts", ts);
			char *body = json_dumps(o, JSON_COMPACT);
			webhook_post(r->b->webhook, body);
			free(body);
			json_decref(o);
		}
	}
}

/* An online display is behind on an area when the broker confirmed a newer
 * board than it acked, longer ago than the grace period. */
static bool ack_behind(struct registry *r, const struct device *d, const struct dev_ack *ack,
                       const struct area *a, int64_t now_ms)
{
	int64_t grace = (int64_t)r->b->cfg.behind_grace_s * 1000;
	return d->state == DEV_ONLINE && a && ack->seq < a->published_seq &&
	       now_ms - ack->ack_ms > grace;
}

static bool behind(struct registry *r, const struct device *d, int64_t now_ms)
{
	for (int i = 0; i < d->nacks; i++) {
		const struct area *a =
		    bridge_area(r->b, d->tenant, d->site, d->acks[i].area, false);
		if (ack_behind(r, d, &d->acks[i], a, now_ms))
			return true;
	}
	return false;
}

static struct dev_ack *ack_slot(struct device *d, const char *area)
{
	for (int i = 0; i < d->nacks; i++)
		if (strcmp(d->acks[i].area, area) == 0)
			return &d->acks[i];
	if (d->nacks >= ACK_AREAS)
		return NULL;
	struct dev_ack *a = &d->acks[d->nacks++];
	memset(a, 0, sizeof *a);
	snprintf(a->area, sizeof a->area, "%s", area);
	return a;
}

/* Waits are by name: a command to a device never seen creates no entry. */
static bool wait_for(const struct cmd_wait *w, const struct device *d)
{
	return strcmp(w->device, d->name) == 0 && strcmp(w->site, d->site) == 0 &&
	       strcmp(w->tenant, d->tenant) == 0;
}

static void finish_wait(struct registry *r, struct cmd_wait *w, int status, const char *ctype,
                        char *body, size_t len)
{
	struct cmd_wait **pp = &r->waits;
	while (*pp && *pp != w)
		pp = &(*pp)->next;
	if (*pp)
		*pp = w->next;
	w->cb(w->ctx, status, ctype, body, len);
	free(w->result);
	free(w);
}

/* Keep memory bounded: at most PNGS_MAX - 1 others before a new one. */
static void evict_png(struct registry *r)
{
	int n = 0;
	struct device *oldest = NULL;
	for (int i = 0; i < r->n; i++) {
		struct device *d = r->all[i];
		if (!d->png)
			continue;
		n++;
		if (!oldest || d->png_mono < oldest->png_mono)
			oldest = d;
	}
	if (n >= PNGS_MAX && oldest) {
		free(oldest->png);
		oldest->png = NULL;
		oldest->png_len = 0;
	}
}

static void png_ready(struct registry *r, struct device *d)
{
	for (struct cmd_wait *w = r->waits, *next; w; w = next) {
		next = w->next;
		if (!wait_for(w, d) || w->png == REGISTRY_PNG_NO || d->png_mono < w->started_mono)
			continue;
		if (w->png == REGISTRY_PNG_WAIT) {
			if (!w->got_result)
				continue;
			char *body = w->result;
			w->result = NULL;
			finish_wait(r, w, 200, "application/json", body, strlen(body));
			continue;
		}
		char *copy = xmalloc(d->png_len);
		memcpy(copy, d->png, d->png_len);
		finish_wait(r, w, 200, "image/png", copy, d->png_len);
	}
}

static void on_result(struct registry *r, struct device *d, const struct proto_cmd_result *res)
{
	for (struct cmd_wait *w = r->waits; w; w = w->next) {
		if (!wait_for(w, d) || strcmp(w->id, res->id) != 0)
			continue;
		json_t *o = json_pack("{s:s,s:s,s:b,s:s,s:s}", "id", res->id, "cmd", res->cmd, "ok",
		                      res->ok, "error", res->error, "info", res->info);
		char *body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (w->png != REGISTRY_PNG_NO && res->ok) {
			w->got_result = true; /* the PNG comes on its own topic */
			free(w->result);
			w->result = body;
			if (d->png && d->png_mono >= w->started_mono)
				png_ready(r, d);
			return;
		}
		finish_wait(r, w, 200, "application/json", body, strlen(body));
		return;
	}
}

/* One MQTT message from a display, while its handler runs. */
struct msg {
	const struct proto_topic *t;
	const void *payload;
	size_t len;
	int64_t now, mono;       /* wall and monotonic clock at arrival */
	struct proto_error *err; /* filled when the payload is refused */
};

/* A handler per topic kind: validates the payload, updates the device the
 * topic names and returns it (NULL: nothing to note, or refused with
 * m->err filled). */
typedef struct device *(*msg_handler)(struct registry *r, const struct msg *m);

static struct device *msg_device(struct registry *r, const struct msg *m)
{
	return dev_get(r, m->t->tenant, m->t->site, m->t->device, true);
}

static struct device *on_status(struct registry *r, const struct msg *m)
{
	struct proto_status s;
	struct device *d;
	if (proto_status_decode(m->payload, m->len, &s, m->err) < 0 || !(d = msg_device(r, m)))
		return NULL;
	if (!proto_status_order_apply(&d->order, &s)) {
		/* a Will the broker sent after the display's next connection said online */
		r->b->metrics.statuses_stale++;
		log_debug("%s/%s/%s: status of %s/%lld older than %s/%lld: ignored", d->tenant,
		          d->site, d->name, s.session, (long long)s.conn, d->order.session,
		          (long long)d->order.conn);
		return NULL;
	}
	if (s.version[0])
		snprintf(d->version, sizeof d->version, "%s", s.version);
	for (int i = 0; i < s.nareas; i++)
		ack_slot(d, s.areas[i]);
	if (s.state == PROTO_STATE_ONLINE) {
		d->last_health_mono = m->mono;
		d->online_mono = m->mono;
		transition(r, d, DEV_ONLINE, "status online");
	} else {
		transition(r, d, DEV_OFFLINE, "status offline");
	}
	return d;
}

/* Take a decoded report (owned from now on): what the page shows. */
static void set_health(struct device *d, struct proto_health *h)
{
	if (h->version[0])
		snprintf(d->version, sizeof d->version, "%s", h->version);
	d->temp_c = h->cpu_temp_c;
	snprintf(d->audio, sizeof d->audio, "%s", proto_audio_name(h->audio));
	for (int i = 0; i < h->nboards; i++)
		ack_slot(d, h->boards[i].area);
	free(d->hdec);
	d->hdec = h;
}

/* Keep the report decoded only: fields the protocol does not know are not
 * stored, listed or passed on. */
static struct device *on_health(struct registry *r, const struct msg *m)
{
	struct proto_health *h = xmalloc(sizeof *h);
	struct device *d;
	if (proto_health_decode(m->payload, m->len, h, m->err) < 0 || !(d = msg_device(r, m))) {
		free(h);
		return NULL;
	}
	set_health(d, h);
	d->last_health_mono = m->mono;
	transition(r, d, DEV_ONLINE, "health");
	return d;
}

/* An ack without an area is for the device's only area. */
static struct device *on_ack(struct registry *r, const struct msg *m)
{
	struct proto_ack a;
	struct device *d;
	if (proto_ack_decode(m->payload, m->len, &a, m->err) < 0 || !(d = msg_device(r, m)))
		return NULL;
	const char *area = a.area[0] ? a.area : (d->nacks == 1 ? d->acks[0].area : NULL);
	struct dev_ack *slot = area ? ack_slot(d, area) : NULL;
	if (slot && a.seq >= slot->seq) {
		slot->seq = a.seq;
		slot->ack_ms = m->now;
	}
	return d;
}

static struct device *on_cmd_result(struct registry *r, const struct msg *m)
{
	struct proto_cmd_result res;
	struct device *d;
	if (proto_cmd_result_decode(m->payload, m->len, &res, m->err) < 0 ||
	    !(d = msg_device(r, m)))
		return NULL;
	on_result(r, d, &res);
	return d;
}

static struct device *on_screenshot(struct registry *r, const struct msg *m)
{
	if (m->len < 8 || memcmp(m->payload, "\x89PNG\r\n\x1a\n", 8) != 0) {
		snprintf(m->err->field, sizeof m->err->field, "payload");
		snprintf(m->err->reason, sizeof m->err->reason, "not a PNG");
		return NULL;
	}
	struct device *d = msg_device(r, m);
	if (!d)
		return NULL;
	free(d->png);
	d->png = NULL;
	evict_png(r);
	d->png = xmalloc(m->len);
	memcpy(d->png, m->payload, m->len);
	d->png_len = m->len;
	d->png_mono = m->mono;
	d->png_ms = m->now;
	png_ready(r, d);
	return d;
}

/* The display topics the registry reads, by kind; registry_subscribe
 * subscribes to each. */
static const msg_handler handlers[] = {
    [PROTO_TOPIC_STATUS] = on_status,
    [PROTO_TOPIC_HEALTH] = on_health,
    [PROTO_TOPIC_ACK] = on_ack,
    [PROTO_TOPIC_CMD_RESULT] = on_cmd_result,
    [PROTO_TOPIC_SCREENSHOT] = on_screenshot,
};
#define NHANDLERS (sizeof handlers / sizeof handlers[0])

/* Only a display's status may be retained (its Last Will): a retained
 * report, ack, result or screenshot is old news, or someone parking data on
 * the broker. Ignored, counted, and cleared from the broker. */
static bool retained_refused(struct registry *r, const char *topic, const struct proto_topic *t,
                             size_t len)
{
	if (t->kind == PROTO_TOPIC_STATUS)
		return false;
	r->b->metrics.retained_ignored[t->kind]++;
	log_warn_rl("%s: retained %s ignored and cleared", topic, proto_topic_kind_name(t->kind));
	if (len && r->b->mqtt)
		mqttc_publish(r->b->mqtt, topic, "", 0, 1, true, NULL);
	return true;
}

void registry_on_message(struct registry *r, const char *topic, const void *payload, size_t len,
                         bool retained)
{
	struct proto_topic t;
	struct proto_error err = {0};
	if (proto_topic_parse(topic, &t, &err) < 0 || (size_t)t.kind >= NHANDLERS ||
	    !handlers[t.kind])
		return;
	if (!bridge_config_site(&r->b->cfg, t.tenant, t.site)) {
		r->b->metrics.devices_refused_unknown_site++; /* not ours */
		return;
	}
	if (retained && retained_refused(r, topic, &t, len))
		return;
	if (len == 0)
		return; /* a cleared retained message */
	if (len > proto_topic_payload_max(t.kind)) {
		log_warn_rl("%s: payload: %zu bytes is over the limit", topic, len);
		return;
	}
	const struct msg m = {&t, payload, len, time_now_ms(), time_mono_ms(), &err};
	struct device *d = handlers[t.kind](r, &m);
	if (d) {
		d->last_seen_ms = m.now;
		d->dirty = true;
	} else if (err.field[0])
		log_warn_rl("%s: %s: %s", topic, err.field, err.reason);
}

static json_t *dev_record(struct registry *r, const struct device *d, bool full)
{
	int64_t now = time_now_ms();
	char seen[32] = "";
	if (d->last_seen_ms)
		time_fmt_iso(d->last_seen_ms, seen, sizeof seen);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "tenant", d->tenant, "site", d->site,
	                      "device", d->name, "status", registry_state_name(d->state), "version",
	                      d->version, "last_seen", seen);
	json_t *acks = json_array();
	for (int i = 0; i < d->nacks; i++) {
		const struct area *a =
		    bridge_area(r->b, d->tenant, d->site, d->acks[i].area, false);
		json_array_append_new(acks,
		                      json_pack("{s:s,s:I,s:I}", "area", d->acks[i].area, "seq",
		                                (json_int_t)d->acks[i].seq, "board_seq",
		                                (json_int_t)(a ? a->published_seq : 0)));
	}
	json_object_set_new(o, "acks", acks);
	char *health = d->hdec ? proto_health_encode(d->hdec) : NULL;
	if (full) {
		json_object_set_new(o, "behind", json_boolean(behind(r, d, now)));
		json_error_t jerr;
		json_t *h = health ? json_loads(health, 0, &jerr) : NULL;
		json_object_set_new(o, "health", h ? h : json_null());
		json_object_set_new(o, "screenshot", json_boolean(d->png != NULL));
	} else {
		json_object_set_new(o, "last_seen_ms", json_integer(d->last_seen_ms));
		json_object_set_new(o, "since_ms", json_integer(d->state_since_ms));
		if (health)
			json_object_set_new(o, "health", json_string(health));
	}
	free(health);
	return o;
}

/* Save changed devices from all[from], at most max of them and looking at
 * no more than scan, in one transaction. The index after the last one
 * looked at, or -1 when the store failed (they stay changed). */
static int save_devices(struct registry *r, int from, int max, int scan)
{
	if (store_begin(r->b->store) < 0)
		return -1;
	int i = from, saved = 0;
	for (; i < r->n && saved < max && i - from < scan; i++) {
		struct device *d = r->all[i];
		if (!d->dirty)
			continue;
		json_t *o = dev_record(r, d, false);
		char *s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		int rc = store_device_save(r->b->store, d->tenant, d->site, d->name, s);
		free(s);
		if (rc < 0) {
			store_rollback(r->b->store);
			return -1;
		}
		saved++;
	}
	if (store_commit(r->b->store) < 0) {
		store_rollback(r->b->store);
		return -1;
	}
	for (int k = from; k < i; k++)
		r->all[k]->dirty = false;
	return i;
}

/* The same in a transaction that does not wait for the disk: the registry
 * is rebuilt from the displays' next reports, and calls committed later
 * make it durable too. */
static int save_batch(struct registry *r, int from, int max, int scan)
{
	store_durable(r->b->store, false);
	int next = save_devices(r, from, max, scan);
	store_durable(r->b->store, true);
	return next;
}

/* The save timer: every SAVE_EVERY ms a round over all devices starts, which
 * goes on in batches SAVE_STEP ms apart, so that a save never holds the loop
 * for long whatever the number of devices. */
static void on_save(void *data)
{
	struct registry *r = data;
	if (r->b->batch_open)
		return; /* calls are being committed: next time */
	int from = r->save_pos < 0 ? 0 : r->save_pos;
	int next = save_batch(r, from, SAVE_BATCH, SAVE_SCAN);
	bool was_open = r->save_pos >= 0, more = next >= 0 && next < r->n;
	r->save_pos = more ? next : -1;
	if (more != was_open) {
		int ms = more ? SAVE_STEP : SAVE_EVERY;
		loop_timer_arm(r->save_timer, ms, ms);
	}
}

static void on_tick(void *data)
{
	struct registry *r = data;
	int64_t mono = time_mono_ms();
	int64_t limit = 3 * (int64_t)r->b->cfg.health_interval_s * 1000;
	for (int i = 0; i < r->n; i++) {
		struct device *d = r->all[i];
		if (d->state == DEV_ONLINE && mono - d->last_health_mono > limit)
			transition(r, d, DEV_STALE, "no health for 3 intervals");
	}
	for (struct cmd_wait *w = r->waits, *next; w; w = next) {
		next = w->next;
		if (mono < w->deadline_mono)
			continue;
		if (w->got_result) { /* result came, PNG did not: answer with the result */
			char *body = w->result;
			w->result = NULL;
			finish_wait(r, w, 200, "application/json", body, strlen(body));
		} else {
			char *body = xstrdup("{\"error\":\"the display did not answer in time\","
			                     "\"field\":\"device\"}");
			finish_wait(r, w, 504, "application/json", body, strlen(body));
		}
	}
}

static void load_device(void *data, const struct store_device_row *row)
{
	struct registry *r = data;
	if (!proto_name_valid(row->tenant) || !proto_name_valid(row->site) ||
	    !proto_name_valid(row->device) ||
	    !bridge_config_site(&r->b->cfg, row->tenant, row->site))
		return;
	json_error_t jerr;
	json_t *o = json_loads(row->json, 0, &jerr);
	if (!o)
		return;
	struct device *d = dev_get(r, row->tenant, row->site, row->device, true);
	if (!d) {
		json_decref(o);
		return;
	}
	const char *st = json_string_value(json_object_get(o, "status"));
	d->state = !st                          ? DEV_UNKNOWN
	           : strcmp(st, "online") == 0  ? DEV_ONLINE
	           : strcmp(st, "offline") == 0 ? DEV_OFFLINE
	           : strcmp(st, "stale") == 0   ? DEV_STALE
	                                        : DEV_UNKNOWN;
	const char *v = json_string_value(json_object_get(o, "version"));
	snprintf(d->version, sizeof d->version, "%s", v ? v : "");
	d->last_seen_ms = json_integer_value(json_object_get(o, "last_seen_ms"));
	d->state_since_ms = json_integer_value(json_object_get(o, "since_ms"));
	const char *h = json_string_value(json_object_get(o, "health"));
	if (h) {
		struct proto_health *ph = xmalloc(sizeof *ph);
		struct proto_error err;
		if (proto_health_decode(h, strlen(h), ph, &err) == 0)
			set_health(d, ph);
		else
			free(ph);
	}
	json_t *acks = json_object_get(o, "acks");
	for (size_t i = 0; i < json_array_size(acks); i++) {
		json_t *a = json_array_get(acks, i);
		const char *area = json_string_value(json_object_get(a, "area"));
		struct dev_ack *slot = area && proto_name_valid(area) ? ack_slot(d, area) : NULL;
		if (slot)
			slot->seq = json_integer_value(json_object_get(a, "seq"));
	}
	/* Give a device that was online a fresh grace period after our restart. */
	d->last_health_mono = time_mono_ms();
	json_decref(o);
}

struct registry *registry_create(struct bridge *b)
{
	struct registry *r = xcalloc(1, sizeof *r);
	r->b = b;
	r->save_pos = -1;
	if (store_devices_load(b->store, load_device, r) < 0)
		log_warn("could not load the device registry; starting empty");
	int tick_ms = b->cfg.health_interval_s * 1000 / 10;
	if (tick_ms < 100)
		tick_ms = 100;
	if (tick_ms > 1000)
		tick_ms = 1000;
	r->tick = loop_add_timer(b->loop, tick_ms, tick_ms, on_tick, r);
	r->save_timer = loop_add_timer(b->loop, SAVE_EVERY, SAVE_EVERY, on_save, r);
	return r;
}

void registry_destroy(struct registry *r)
{
	if (!r)
		return;
	save_devices(r, 0, r->n, r->n); /* stopping: everything, durably */
	while (r->waits) {
		char *body = xstrdup("{\"error\":\"the bridge is stopping\",\"field\":\"device\"}");
		finish_wait(r, r->waits, 503, "application/json", body, strlen(body));
	}
	for (int i = 0; i < r->n; i++) {
		free(r->all[i]->hdec);
		free(r->all[i]->png);
		free(r->all[i]);
	}
	free(r->all);
	if (r->tick)
		loop_remove(r->b->loop, r->tick);
	if (r->save_timer)
		loop_remove(r->b->loop, r->save_timer);
	free(r);
}

void registry_subscribe(struct registry *r)
{
	for (int i = 0; i < r->b->cfg.ntenants; i++) {
		const struct cfg_tenant *t = &r->b->cfg.tenants[i];
		for (int j = 0; j < t->nsites; j++)
			for (size_t k = 0; k < NHANDLERS; k++) {
				if (!handlers[k])
					continue;
				char f[PROTO_TOPIC_MAX];
				snprintf(f, sizeof f, PROTO_TOPIC_ROOT "/%s/%s/display/+/%s",
				         t->name, t->sites[j].name,
				         proto_topic_kind_name((enum proto_topic_kind)k));
				mqttc_subscribe(r->b->mqtt, f, 1);
			}
	}
}

int registry_command(struct registry *r, const char *tenant, const char *site, const char *device,
                     int cmd, int level, enum registry_png png, registry_cmd_cb cb, void *ctx)
{
	struct proto_cmd c = {
	    .cmd = (enum proto_cmd_kind)cmd, .level = level, .ts_ms = time_now_ms()};
	calls_make_id(c.id);
	char *json = proto_cmd_encode(&c);
	struct proto_topic t = {.kind = PROTO_TOPIC_CMD};
	snprintf(t.tenant, sizeof t.tenant, "%s", tenant);
	snprintf(t.site, sizeof t.site, "%s", site);
	snprintf(t.device, sizeof t.device, "%s", device);
	char topic[PROTO_TOPIC_MAX];
	int rc = -1;
	if (proto_topic_build(&t, topic, sizeof topic) >= 0 &&
	    mqttc_publish(r->b->mqtt, topic, json, strlen(json), 1, false,
	                  &(struct mqttc_props){proto_topic_expiry_s(PROTO_TOPIC_CMD, 0),
	                                        proto_topic_content_type(PROTO_TOPIC_CMD)}) == 0)
		rc = 0;
	free(json);
	if (rc < 0)
		return -1;
	struct cmd_wait *w = xcalloc(1, sizeof *w);
	snprintf(w->id, sizeof w->id, "%s", c.id);
	snprintf(w->tenant, sizeof w->tenant, "%s", tenant);
	snprintf(w->site, sizeof w->site, "%s", site);
	snprintf(w->device, sizeof w->device, "%s", device);
	w->started_mono = time_mono_ms();
	w->deadline_mono = w->started_mono + (int64_t)r->b->cfg.command_timeout_s * 1000;
	w->png = png;
	w->cb = cb;
	w->ctx = ctx;
	w->next = r->waits;
	r->waits = w;
	return 0;
}

bool registry_key_split(const char *s, char (*parts)[PROTO_NAME_MAX + 1], int n)
{
	for (int i = 0; i < n; i++) {
		size_t len = strcspn(s, "/");
		if (len > PROTO_NAME_MAX || (i < n - 1 ? s[len] != '/' : s[len] != '\0'))
			return false;
		memcpy(parts[i], s, len);
		parts[i][len] = '\0';
		if (!proto_name_valid(parts[i]))
			return false;
		s += len + 1;
	}
	return true;
}

/* The range of all[] a reader may see: one site, one tenant, or all. */
static void range(const struct registry *r, const char *tenant, const char *site, int *from,
                  int *to)
{
	*from = tenant ? lower_bound(r, tenant, site ? site : "", "") : 0;
	*to = tenant ? range_end(r, *from, tenant, site) : r->n;
}

int registry_page(struct registry *r, const struct registry_page_req *q, json_t **devices,
                  char *next, size_t next_cap)
{
	int from, to;
	range(r, q->tenant, q->site, &from, &to);
	if (q->after) {
		char k[3][PROTO_NAME_MAX + 1];
		if (!registry_key_split(q->after, k, 3))
			return -1;
		int at = lower_bound(r, k[0], k[1], k[2]);
		if (at < r->n && key_cmp(r->all[at], k[0], k[1], k[2]) == 0)
			at++;
		if (at > from)
			from = at;
	}
	*devices = json_array();
	next[0] = '\0';
	int i = from;
	for (; i < to && (int)json_array_size(*devices) < q->limit; i++)
		json_array_append_new(*devices, dev_record(r, r->all[i], true));
	if (i < to && i > from) {
		const struct device *last = r->all[i - 1];
		snprintf(next, next_cap, "%s/%s/%s", last->tenant, last->site, last->name);
	}
	return 0;
}

const unsigned char *registry_screenshot(struct registry *r, const char *tenant, const char *site,
                                         const char *device, size_t *len)
{
	struct device *d = dev_get(r, tenant, site, device, false);
	if (!d || !d->png)
		return NULL;
	*len = d->png_len;
	return d->png;
}

void registry_count(struct registry *r, const char *tenant, const char *site, int counts[4],
                    int *nbehind)
{
	int64_t now = time_now_ms();
	memset(counts, 0, 4 * sizeof counts[0]);
	*nbehind = 0;
	int from, to;
	range(r, tenant, site, &from, &to);
	for (int i = from; i < to; i++) {
		struct device *d = r->all[i];
		counts[d->state]++;
		if (behind(r, d, now))
			(*nbehind)++;
	}
}

void registry_each(struct registry *r, const char *tenant,
                   void (*cb)(void *data, const struct registry_view *v), void *data)
{
	int64_t now = time_now_ms();
	int from, to;
	range(r, tenant, NULL, &from, &to);
	struct registry_view *v = xcalloc(1, sizeof *v);
	for (int i = from; i < to; i++) {
		struct device *d = r->all[i];
		*v = (struct registry_view){
		    .tenant = d->tenant,
		    .site = d->site,
		    .device = d->name,
		    .state = d->state,
		    .last_seen_ms = d->last_seen_ms,
		    .version = d->version,
		    .temp_c = d->temp_c,
		    .audio = d->audio,
		    .has_png = d->png != NULL,
		    .state_since_ms = d->state_since_ms,
		    .health = d->hdec,
		    .png_ms = d->png ? d->png_ms : 0,
		};
		for (int k = 0; k < d->nacks && k < PROTO_AREAS_MAX; k++) {
			const struct area *a =
			    bridge_area(r->b, d->tenant, d->site, d->acks[k].area, false);
			struct registry_view_ack *va = &v->acks[v->nacks++];
			va->area = d->acks[k].area;
			va->seq = d->acks[k].seq;
			va->board_seq = a ? a->published_seq : 0;
			if (ack_behind(r, d, &d->acks[k], a, now))
				v->behind = true;
		}
		cb(data, v);
	}
	free(v);
}

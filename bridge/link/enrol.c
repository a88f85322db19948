/* Pairing screens: enrolment requests, approvals, the admin API. */
#define LOG_MODULE "enrol"
#include "enrol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dynsec.h"
#include "enrol_msg.h"
#include "log.h"
#include "loop.h"
#include "mqttc.h"
#include "pairing.h"
#include "store.h"
#include "timeutil.h"

/* How long the broker's admin API may take to answer a batch. */
#define ADMIN_TIMEOUT_MS 10000
#define PASSWORD_CHARS   32

/* An approval or unpairing waiting for the admin API. */
struct job {
	char corr[32];
	char *settings; /* owned: kept for the device once paired, or NULL */
	int64_t deadline_mono;
	struct proto_enrol_reply *reply; /* owned; pairing: sent once the account exists */
	char client[PAIRING_CLIENT_MAX + 1];
	json_t *answer; /* owned: the HTTP body on success */
	enrol_done_fn done;
	void *ctx;
	struct job *next; /* owned */
};

struct enrol {
	struct bridge *b;
	struct pairing codes;
	struct job *jobs;
	struct loop_source *timer;
	unsigned next_corr;
};

static int random_bytes(void *data, unsigned char *buf, size_t len)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static int random_password(char out[PASSWORD_CHARS + 1])
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int got = 0;
	while (got < PASSWORD_CHARS) {
		unsigned char buf[64];
		if (random_bytes(NULL, buf, sizeof buf) < 0)
			return -1;
		for (size_t i = 0; i < sizeof buf && got < PASSWORD_CHARS; i++)
			if (buf[i] < 248) /* 4 x 62: uniform */
				out[got++] = set[buf[i] % 62];
	}
	out[got] = '\0';
	return 0;
}

static void fail(enrol_done_fn done, void *ctx, int status, const char *msg, const char *field)
{
	done(ctx, status, json_pack("{s:s,s:s}", "error", msg, "field", field));
}

static void send_reply(struct enrol *e, const char *client, const struct proto_enrol_reply *r)
{
	char topic[256];
	if (proto_enrol_topic(client, "reply", topic, sizeof topic) < 0)
		return;
	char *s = proto_enrol_reply_encode(r);
	if (mqttc_publish(e->b->mqtt, topic, s, strlen(s), 1, false, NULL) < 0)
		log_warn_rl("enrolment reply to a waiting screen not sent (offline)");
	free(s);
}

static void arm(struct enrol *e)
{
	int64_t next = -1;
	for (struct job *j = e->jobs; j; j = j->next)
		if (next < 0 || j->deadline_mono < next)
			next = j->deadline_mono;
	int64_t now = time_mono_ms();
	loop_timer_arm(e->timer, next < 0 ? 0 : next > now ? (int)(next - now) : 1, 0);
}

static void job_free(struct job *j)
{
	free(j->settings);
	free(j->reply);
	json_decref(j->answer);
	free(j);
}

/* Unlink j and answer it. */
static void finish(struct enrol *e, struct job *j, int status, const char *err)
{
	for (struct job **p = &e->jobs; *p; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			break;
		}
	}
	if (status == 200 && j->reply) {
		send_reply(e, j->client, j->reply);
		if (store_paired_save(e->b->store, j->reply->tenant, j->reply->site,
		                      j->reply->device, j->settings) < 0)
			log_warn("the settings of %s/%s/%s were not kept", j->reply->tenant,
			         j->reply->site, j->reply->device);
	}
	if (status == 200) {
		j->done(j->ctx, 200, j->answer);
		j->answer = NULL;
	} else {
		fail(j->done, j->ctx, status, err, "broker");
	}
	job_free(j);
	arm(e);
}

static void on_timer(void *data)
{
	struct enrol *e = data;
	int64_t now = time_mono_ms();
	for (struct job *j = e->jobs, *next; j; j = next) {
		next = j->next;
		if (now >= j->deadline_mono) {
			log_warn("the broker's admin API did not answer within %d s",
			         ADMIN_TIMEOUT_MS / 1000);
			finish(e, j, 504, "the broker's admin API did not answer");
			return; /* finish re-armed for the rest */
		}
	}
	arm(e);
}

struct enrol *enrol_create(struct bridge *b)
{
	if (b->cfg.pairing_admin != BRIDGE_PAIRING_DYNSEC)
		return NULL;
	struct enrol *e = xcalloc(1, sizeof *e);
	e->b = b;
	pairing_init(&e->codes, b->cfg.pairing_code_ttl_s);
	e->timer = loop_add_timer(b->loop, 0, 0, on_timer, e);
	if (!e->timer) {
		free(e);
		return NULL;
	}
	return e;
}

void enrol_destroy(struct enrol *e)
{
	if (!e)
		return;
	while (e->jobs) {
		struct job *j = e->jobs;
		e->jobs = j->next;
		fail(j->done, j->ctx, 503, "the bridge is stopping", "broker");
		job_free(j);
	}
	loop_remove(e->b->loop, e->timer);
	free(e);
}

void enrol_subscribe(struct enrol *e)
{
	if (!e)
		return;
	mqttc_subscribe(e->b->mqtt, PROTO_ENROL_ROOT "/+/request", 1);
	mqttc_subscribe(e->b->mqtt, DYNSEC_RESPONSE_TOPIC, 1);
}

static void on_request(struct enrol *e, const char *client, const void *payload, size_t len)
{
	struct proto_enrol_request req;
	struct proto_error err = {0};
	if (proto_enrol_request_decode(payload, len, &req, &err) < 0) {
		log_warn_rl("dropped an enrolment request: %s: %s", err.field, err.reason);
		return;
	}
	int64_t now = time_now_ms();
	const struct pairing_pending *p = NULL;
	struct proto_enrol_reply r = {0};
	switch (pairing_offer(&e->codes, client, req.hostname, req.address, now, random_bytes, NULL,
	                      &p)) {
	case PAIRING_OFFER_NEW:
		log_info("a screen waits for pairing: host '%s', address %s", req.hostname,
		         req.address[0] ? req.address : "unknown");
		/* fall through */
	case PAIRING_OFFER_SAME:
		r.state = PROTO_ENROL_CODE;
		snprintf(r.code, sizeof r.code, "%s", p->code);
		r.expires_s = (int)((p->expires_ms - now + 999) / 1000);
		break;
	case PAIRING_OFFER_LIMITED:
		log_warn_rl("enrolment requests come too fast: refusing some");
		r.state = PROTO_ENROL_REFUSED;
		snprintf(r.reason, sizeof r.reason, "busy: ask again later");
		break;
	case PAIRING_OFFER_ERROR:
		log_error("no random bytes for a pairing code");
		return;
	}
	send_reply(e, client, &r);
}

static void on_response(struct enrol *e, const void *payload, size_t len)
{
	for (struct job *j = e->jobs; j; j = j->next) {
		char err[256] = "";
		switch (dynsec_parse_response(payload, len, j->corr, err, sizeof err)) {
		case DYNSEC_NOT_OURS:
			continue;
		case DYNSEC_DONE:
			finish(e, j, 200, NULL);
			return;
		case DYNSEC_FAILED:
			log_error("the broker's admin API refused: %s", err);
			finish(e, j, 502, err);
			return;
		}
	}
}

bool enrol_on_message(struct enrol *e, const char *topic, const void *payload, size_t len)
{
	if (!e)
		return false;
	char client[PROTO_ENROL_CLIENT_MAX + 1];
	if (proto_enrol_request_client(topic, client)) {
		on_request(e, client, payload, len);
		return true;
	}
	if (!strcmp(topic, DYNSEC_RESPONSE_TOPIC)) {
		on_response(e, payload, len);
		return true;
	}
	return false;
}

/* What a paired display shows: kept in the store per device. */
struct pair_settings {
	int nareas;
	char areas[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
	char label[PROTO_ENROL_TEXT_MAX + 1];
};

static json_t *areas_json(const struct pair_settings *k)
{
	json_t *a = json_array();
	for (int i = 0; i < k->nareas; i++)
		json_array_append_new(a, json_string(k->areas[i]));
	return a;
}

static char *settings_json(const struct pair_settings *k)
{
	json_t *o = json_pack("{s:o,s:s}", "areas", areas_json(k), "label", k->label);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		abort();
	return s;
}

/* The given settings, completed from the kept ones; false when there are
 * no areas either way. */
static bool settings_for(struct enrol *e, const char *tenant, const char *site, const char *device,
                         const char (*areas)[PROTO_NAME_MAX + 1], int nareas, const char *label,
                         struct pair_settings *out)
{
	memset(out, 0, sizeof *out);
	char *kept = NULL;
	if ((nareas == 0 || !label[0]) &&
	    store_paired_get(e->b->store, tenant, site, device, &kept) == 1) {
		json_t *o = json_loads(kept, 0, NULL);
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(o, "areas"), i, v)
		{
			const char *a = json_string_value(v);
			if (a && proto_name_valid(a) && out->nareas < PROTO_AREAS_MAX)
				snprintf(out->areas[out->nareas++], sizeof out->areas[0], "%s", a);
		}
		const char *l = json_string_value(json_object_get(o, "label"));
		snprintf(out->label, sizeof out->label, "%s", l ? l : "");
		json_decref(o);
		free(kept);
	}
	if (nareas > 0) {
		out->nareas = nareas;
		memcpy(out->areas, areas, (size_t)nareas * sizeof areas[0]);
	}
	if (label[0])
		snprintf(out->label, sizeof out->label, "%s", label);
	return out->nareas > 0;
}

/* Send a batch and queue its job; false after answering. */
static bool start(struct enrol *e, struct job *j, const char *batch)
{
	if (mqttc_publish(e->b->mqtt, DYNSEC_TOPIC, batch, strlen(batch), 1, false, NULL) < 0) {
		fail(j->done, j->ctx, 503, "not connected to the broker", "mqtt");
		job_free(j);
		return false;
	}
	j->deadline_mono = time_mono_ms() + ADMIN_TIMEOUT_MS;
	j->next = e->jobs;
	e->jobs = j;
	arm(e);
	return true;
}

static struct job *new_job(struct enrol *e, enrol_done_fn done, void *ctx)
{
	struct job *j = xcalloc(1, sizeof *j);
	snprintf(j->corr, sizeof j->corr, "cb%u", ++e->next_corr);
	j->done = done;
	j->ctx = ctx;
	return j;
}

static bool usable(struct enrol *e, enrol_done_fn done, void *ctx)
{
	if (!e) {
		fail(done, ctx, 503, "pairing needs [pairing] admin = dynsec", "pairing");
		return false;
	}
	if (!mqttc_connected(e->b->mqtt)) {
		fail(done, ctx, 503, "not connected to the broker", "mqtt");
		return false;
	}
	return true;
}

void enrol_pair(struct enrol *e, const char *who, const char *code, const char *tenant,
                const char *site, const char *device, const char (*areas)[PROTO_NAME_MAX + 1],
                int nareas, const char *name, enrol_done_fn done, void *ctx)
{
	if (!usable(e, done, ctx))
		return;
	/* The display's [mqtt] username holds 127 bytes. */
	if (strlen(tenant) + strlen(site) + strlen(device) + 2 > 127) {
		fail(done, ctx, 422, "tenant, site and device together longer than 125 bytes",
		     "device");
		return;
	}
	/* Without areas (or name): those of the device's last pairing, so
	 * that replaced hardware shows what the old one did. */
	struct pair_settings kept;
	if (!settings_for(e, tenant, site, device, areas, nareas, name, &kept)) {
		fail(done, ctx, 422, "no areas given, and none kept from an earlier pairing",
		     "areas");
		return;
	}
	struct pairing_pending p;
	switch (pairing_take(&e->codes, code, who, time_now_ms(), &p)) {
	case PAIRING_TAKE_LIMITED:
		fail(done, ctx, 429, "too many wrong codes: wait a minute", "code");
		return;
	case PAIRING_TAKE_UNKNOWN:
		fail(done, ctx, 404, "no such pairing code", "code");
		return;
	case PAIRING_TAKE_OK:
		break;
	}
	struct job *j = new_job(e, done, ctx);
	struct proto_enrol_reply *r = j->reply = xcalloc(1, sizeof *r);
	r->state = PROTO_ENROL_PAIRED;
	snprintf(r->tenant, sizeof r->tenant, "%s", tenant);
	snprintf(r->site, sizeof r->site, "%s", site);
	snprintf(r->device, sizeof r->device, "%s", device);
	r->nareas = kept.nareas;
	memcpy(r->areas, kept.areas, sizeof r->areas);
	snprintf(r->name, sizeof r->name, "%s", kept.label);
	j->settings = settings_json(&kept);
	dynsec_username(tenant, site, device, r->username);
	if (random_password(r->password) < 0) {
		fail(done, ctx, 503, "no random bytes for a password", "broker");
		job_free(j);
		return;
	}
	snprintf(j->client, sizeof j->client, "%s", p.client);
	json_t *a = json_array();
	for (int i = 0; i < nareas; i++)
		json_array_append_new(a, json_string(areas[i]));
	j->answer = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:s}", "tenant", tenant, "site", site,
	                      "device", device, "username", r->username, "areas", a, "hostname",
	                      p.hostname, "address", p.address);
	char *batch =
	    dynsec_pair_commands(tenant, site, device, areas, nareas, r->password, j->corr);
	if (start(e, j, batch))
		log_info("pairing %s/%s/%s (host '%s', address %s), approved by %s", tenant, site,
		         device, p.hostname, p.address[0] ? p.address : "unknown", who);
	free(batch);
}

void enrol_unpair(struct enrol *e, const char *tenant, const char *site, const char *device,
                  enrol_done_fn done, void *ctx)
{
	if (!usable(e, done, ctx))
		return;
	struct job *j = new_job(e, done, ctx);
	j->answer = json_pack("{s:s,s:s,s:s,s:b}", "tenant", tenant, "site", site, "device", device,
	                      "unpaired", 1);
	char *batch = dynsec_unpair_commands(tenant, site, device, j->corr);
	if (start(e, j, batch))
		log_info("unpairing %s/%s/%s", tenant, site, device);
	free(batch);
}

/* The display's MQTT link on top of common/mqttc. */
#define LOG_MODULE "link"
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"
#include "topic.h"

#ifndef CALLBOARD_VERSION
#define CALLBOARD_VERSION "0"
#endif

struct link_area {
	int64_t seq;      /* accepted (handed to the screen) */
	int64_t ts_ms;    /* that board's ts */
	bool ack_pending; /* accepted, not yet on a presented frame */
	int nids;
	char ids[PROTO_BOARD_CALLS_MAX][PROTO_ID_MAX + 1]; /* that board's calls */
	char *last_ack; /* encoded, re-sent after a reconnect; owned */
	char topic[PROTO_TOPIC_MAX];
	char queue_topic[PROTO_TOPIC_MAX];
};

struct link {
	struct loop *loop;
	struct link_params p;
	struct link_callbacks cb;
	void *data;
	struct mqttc *mqtt;
	int64_t started_ms;
	char session[PROTO_SESSION_MAX + 1]; /* orders our statuses: random per start */
	int64_t conn;                        /* connections made; the Will is for conn + 1 */
	char t_notice[PROTO_TOPIC_MAX], t_cmd[PROTO_TOPIC_MAX], t_status[PROTO_TOPIC_MAX];
	char t_health[PROTO_TOPIC_MAX], t_ack[PROTO_TOPIC_MAX], t_result[PROTO_TOPIC_MAX];
	char t_shot[PROTO_TOPIC_MAX];
	struct link_area areas[PROTO_AREAS_MAX];
	bool retained;            /* the message being handled came from the retained store */
	struct proto_clock clock; /* the bridge's, from accepted boards */
};

static int build(const struct link_params *p, enum proto_topic_kind kind, const char *area,
                 char *out)
{
	struct proto_topic t = {.kind = kind};
	snprintf(t.tenant, sizeof t.tenant, "%s", p->tenant);
	snprintf(t.site, sizeof t.site, "%s", p->site);
	snprintf(t.device, sizeof t.device, "%s", p->device);
	if (area)
		snprintf(t.area, sizeof t.area, "%s", area);
	return proto_topic_build(&t, out, PROTO_TOPIC_MAX) < 0 ? -1 : 0;
}

int link_route(const struct link_params *p, const char *topic, int *area)
{
	struct proto_topic t;
	struct proto_error err;
	if (proto_topic_parse(topic, &t, &err) < 0)
		return -1;
	if (strcmp(t.tenant, p->tenant) || strcmp(t.site, p->site))
		return -1;
	switch (t.kind) {
	case PROTO_TOPIC_BOARD:
	case PROTO_TOPIC_QUEUE:
		for (int i = 0; i < p->nareas; i++) {
			if (!strcmp(p->areas[i], t.area)) {
				*area = i;
				return (int)t.kind;
			}
		}
		return -1;
	case PROTO_TOPIC_NOTICE:
		return PROTO_TOPIC_NOTICE;
	case PROTO_TOPIC_CMD:
		return strcmp(t.device, p->device) ? -1 : PROTO_TOPIC_CMD;
	default:
		return -1;
	}
}

/* The status of connection conn. */
static char *status_payload(const struct link *l, enum proto_state state, int64_t conn)
{
	struct proto_status s = {.state = state, .conn = conn};
	memcpy(s.session, l->session, sizeof s.session);
	snprintf(s.device, sizeof s.device, "%s", l->p.device);
	snprintf(s.version, sizeof s.version, "%s", CALLBOARD_VERSION);
	s.started_ms = l->started_ms;
	s.ts_ms = time_now_ms();
	if (state == PROTO_STATE_ONLINE) {
		snprintf(s.config_hash, sizeof s.config_hash, "%s", l->p.config_hash);
		s.nareas = l->p.nareas;
		memcpy(s.areas, l->p.areas, sizeof s.areas);
	}
	return proto_status_encode(&s);
}

/* Publish on one of our topics with the QoS, retain flag and MQTT 5
 * properties of the protocol's topic table. */
static int publish(struct link *l, enum proto_topic_kind kind, const char *topic,
                   const void *payload, size_t len)
{
	struct mqttc_props props = {proto_topic_expiry_s(kind, l->p.health_interval_s),
	                            proto_topic_content_type(kind)};
	return mqttc_publish(l->mqtt, topic, payload, len, kind == PROTO_TOPIC_HEALTH ? 0 : 1,
	                     kind == PROTO_TOPIC_STATUS, &props);
}

static int publish_status(struct link *l, enum proto_state state)
{
	char *st = status_payload(l, state, l->conn);
	int rc = publish(l, PROTO_TOPIC_STATUS, l->t_status, st, strlen(st));
	free(st);
	return rc;
}

/* The Will for the next connection, minimal (it is written before the
 * connection exists): libmosquitto sends it with the next CONNECT, so an old
 * connection's Will never claims a newer one's conn. */
static int set_will(struct link *l)
{
	struct proto_status s = {.state = PROTO_STATE_OFFLINE, .conn = l->conn + 1};
	memcpy(s.session, l->session, sizeof s.session);
	snprintf(s.device, sizeof s.device, "%s", l->p.device);
	char *will = proto_status_encode(&s);
	struct mqttc_props props = {0, proto_topic_content_type(PROTO_TOPIC_STATUS)};
	int rc = mqttc_set_will(l->mqtt, l->t_status, will, strlen(will), 1, true, &props);
	free(will);
	return rc;
}

static void on_connect(void *data)
{
	struct link *l = data;
	l->conn++;
	if (publish_status(l, PROTO_STATE_ONLINE) < 0)
		log_warn("cannot publish status online");
	set_will(l);
	/* Acks sent while we were away were dropped: tell the bridge again
	 * what is on the screen now. */
	for (int i = 0; i < l->p.nareas; i++) {
		char *a = l->areas[i].last_ack;
		if (a && !l->areas[i].ack_pending)
			publish(l, PROTO_TOPIC_ACK, l->t_ack, a, strlen(a));
	}
	if (l->cb.on_state)
		l->cb.on_state(l->data, true);
}

static void on_disconnect(void *data)
{
	struct link *l = data;
	log_debug("disconnected from %s:%d", l->p.mqtt.host, l->p.mqtt.port);
	if (l->cb.on_state)
		l->cb.on_state(l->data, false);
}

static void on_refused(void *data)
{
	struct link *l = data;
	if (l->cb.on_refused)
		l->cb.on_refused(l->data);
}

static void drop(const char *topic, const struct proto_error *err)
{
	log_warn_rl("dropped payload on %s: %s: %s", topic, err->field, err->reason);
}

static void handle_board(struct link *l, const char *topic, int idx, const void *payload,
                         size_t len)
{
	struct proto_board *b = xmalloc(sizeof *b);
	struct proto_error err = {0};
	if (proto_board_decode(payload, len, b, &err) < 0) {
		drop(topic, &err);
		goto out;
	}
	struct link_area *a = &l->areas[idx];
	switch (proto_seq_judge(a->seq, a->ts_ms, b->seq, b->ts_ms)) {
	case PROTO_SEQ_AHEAD:
		log_warn_rl("dropped board on %s: seq: %lld is more than %lld ms ahead of its ts",
		            topic, (long long)b->seq, PROTO_SEQ_AHEAD_MAX_MS);
		goto out;
	case PROTO_SEQ_STALE:
		log_debug("board %s seq %lld ignored (showing %lld)", l->p.areas[idx],
		          (long long)b->seq, (long long)a->seq);
		goto out;
	case PROTO_SEQ_RESET:
		log_warn_rl(
		    "board %s: shown seq %lld is ahead of the bridge's clock: taking seq %lld",
		    l->p.areas[idx], (long long)a->seq, (long long)b->seq);
		break;
	case PROTO_SEQ_NEWER:
		break;
	}
	a->seq = b->seq;
	a->ts_ms = b->ts_ms;
	proto_clock_sample(&l->clock, b->ts_ms, time_mono_ms(), time_now_ms(), !l->retained);
	a->ack_pending = true;
	a->nids = b->ncalls;
	for (int i = 0; i < b->ncalls; i++)
		memcpy(a->ids[i], b->calls[i].id, sizeof a->ids[i]);
	if (l->cb.on_board)
		l->cb.on_board(l->data, idx, b);
out:
	free(b);
}

static void on_message(void *data, const char *topic, const void *payload, size_t len,
                       bool retained)
{
	struct link *l = data;
	/* Possibly old: from the retained store, or handed over from the
	 * session's queue before our subscriptions were acknowledged. */
	l->retained = retained || !mqttc_synced(l->mqtt);
	int area = -1;
	int kind = link_route(&l->p, topic, &area);
	if (kind < 0) {
		log_warn_rl("ignored a message on %s: not a topic of this display", topic);
		return;
	}
	if (len > proto_topic_payload_max((enum proto_topic_kind)kind)) {
		struct proto_error err = {"payload", ""};
		snprintf(err.reason, sizeof err.reason, "%zu bytes, more than %zu", len,
		         proto_topic_payload_max((enum proto_topic_kind)kind));
		drop(topic, &err);
		if (kind == PROTO_TOPIC_CMD && l->cb.on_cmd)
			l->cb.on_cmd(l->data, payload, len); /* it answers "too large" */
		return;
	}
	if (kind == PROTO_TOPIC_BOARD) {
		handle_board(l, topic, area, payload, len);
	} else if (kind == PROTO_TOPIC_QUEUE) {
		struct proto_queue q = {0};
		struct proto_error err = {0};
		if (len && proto_queue_decode(payload, len, &q, &err) < 0)
			drop(topic, &err);
		else if (l->cb.on_queue)
			l->cb.on_queue(l->data, area, &q);
	} else if (kind == PROTO_TOPIC_NOTICE) {
		struct proto_notice n;
		struct proto_error err = {0};
		if (proto_notice_decode(payload, len, &n, &err) < 0)
			drop(topic, &err);
		else if (l->cb.on_notice)
			l->cb.on_notice(l->data, &n);
	} else if (kind == PROTO_TOPIC_CMD && l->cb.on_cmd) {
		l->cb.on_cmd(l->data, payload, len);
	}
}

/* Topics and the MQTT client for l->p. */
static int setup(struct link *l)
{
	const struct link_params *p = &l->p;
	if (p->nareas < 0 || p->nareas > PROTO_AREAS_MAX ||
	    build(p, PROTO_TOPIC_NOTICE, NULL, l->t_notice) < 0 ||
	    build(p, PROTO_TOPIC_CMD, NULL, l->t_cmd) < 0 ||
	    build(p, PROTO_TOPIC_STATUS, NULL, l->t_status) < 0 ||
	    build(p, PROTO_TOPIC_HEALTH, NULL, l->t_health) < 0 ||
	    build(p, PROTO_TOPIC_ACK, NULL, l->t_ack) < 0 ||
	    build(p, PROTO_TOPIC_CMD_RESULT, NULL, l->t_result) < 0 ||
	    build(p, PROTO_TOPIC_SCREENSHOT, NULL, l->t_shot) < 0) {
		log_error("cannot build topics for %s/%s device %s", p->tenant, p->site, p->device);
		return -1;
	}
	for (int i = 0; i < p->nareas; i++) {
		if (build(p, PROTO_TOPIC_BOARD, p->areas[i], l->areas[i].topic) < 0 ||
		    build(p, PROTO_TOPIC_QUEUE, p->areas[i], l->areas[i].queue_topic) < 0) {
			log_error("cannot build the topics of area '%s'", p->areas[i]);
			return -1;
		}
	}
	struct mqttc_callbacks mcb = {
	    .on_connect = on_connect,
	    .on_disconnect = on_disconnect,
	    .on_message = on_message,
	    .on_refused = on_refused,
	};
	/* Device names repeat across the fleet (every municipality has a
	 * screen-1): the client id is tenant.site.device, the same string as the
	 * display's broker username from broker-config. */
	char id[3 * (PROTO_NAME_MAX + 1)];
	snprintf(id, sizeof id, "%s.%s.%s", p->tenant, p->site, p->device);
	if (p->mqtt.username[0] && strcmp(p->mqtt.username, id))
		log_warn("[mqtt] username '%s' is not this display's fleet name: broker-config "
		         "names its credential '%s' (set username = %s); client id is '%s'",
		         p->mqtt.username, id, id, id);
	/* Persistent session: commands sent during a short cut still arrive. */
	l->mqtt = mqttc_create(l->loop, &p->mqtt, id, false, &mcb, l);
	if (!l->mqtt)
		return -1;
	/* Boards are the largest messages a display takes (cmd and notice are
	 * smaller): the broker drops anything larger instead of sending it. */
	mqttc_set_packet_max(l->mqtt, PROTO_BOARD_BYTES_MAX + PROTO_PACKET_HEADROOM);
	return 0;
}

struct link *link_create(struct loop *loop, const struct link_params *p,
                         const struct link_callbacks *cb, void *data)
{
	struct link *l = xcalloc(1, sizeof *l);
	l->loop = loop;
	l->p = *p;
	if (cb)
		l->cb = *cb;
	l->data = data;
	l->started_ms = time_now_ms();
	proto_status_session(l->session);
	if (setup(l) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static bool same_mqtt(const struct mqttc_config *a, const struct mqttc_config *b)
{
	return !strcmp(a->host, b->host) && a->port == b->port && a->keepalive == b->keepalive &&
	       !strcmp(a->username, b->username) && !strcmp(a->password, b->password) &&
	       !strcmp(a->cafile, b->cafile) && !strcmp(a->certfile, b->certfile) &&
	       !strcmp(a->keyfile, b->keyfile) && a->queue_max == b->queue_max &&
	       a->protocol == b->protocol;
}

bool link_same_connection(const struct link *l, const struct link_params *p)
{
	return !strcmp(l->p.device, p->device) && !strcmp(l->p.tenant, p->tenant) &&
	       !strcmp(l->p.site, p->site) && l->p.nareas == p->nareas &&
	       !memcmp(l->p.areas, p->areas, sizeof p->areas) && same_mqtt(&l->p.mqtt, &p->mqtt);
}

int link_reconfigure(struct link *l, const struct link_params *p)
{
	bool same = link_same_connection(l, p);
	if (same) {
		snprintf(l->p.config_hash, sizeof l->p.config_hash, "%s", p->config_hash);
		l->p.health_interval_s = p->health_interval_s;
		if (mqttc_connected(l->mqtt))
			publish_status(l, PROTO_STATE_ONLINE);
		return 0;
	}
	log_info("connection settings changed: reconnecting");
	struct link_params old = l->p;
	link_stop(l, 1000);
	mqttc_destroy(l->mqtt);
	l->mqtt = NULL;
	for (int i = 0; i < PROTO_AREAS_MAX; i++)
		free(l->areas[i].last_ack);
	/* Fresh per-area state: the retained boards come again. */
	memset(l->areas, 0, sizeof l->areas);
	l->p = *p;
	if (setup(l) < 0) {
		l->p = old;
		if (l->mqtt)
			mqttc_destroy(l->mqtt);
		l->mqtt = NULL;
		if (setup(l) == 0)
			link_start(l);
		return -1;
	}
	if (link_start(l) < 0)
		return -1;
	return 1;
}

int link_start(struct link *l)
{
	if (set_will(l) < 0)
		return -1;
	for (int i = 0; i < l->p.nareas; i++)
		if (mqttc_subscribe(l->mqtt, l->areas[i].topic, 1) < 0 ||
		    mqttc_subscribe(l->mqtt, l->areas[i].queue_topic, 1) < 0)
			return -1;
	if (mqttc_subscribe(l->mqtt, l->t_notice, 1) < 0 ||
	    mqttc_subscribe(l->mqtt, l->t_cmd, 1) < 0)
		return -1;
	return mqttc_start(l->mqtt);
}

void link_stop(struct link *l, int timeout_ms)
{
	if (!l || !l->mqtt)
		return;
	if (mqttc_connected(l->mqtt))
		publish_status(l, PROTO_STATE_OFFLINE);
	mqttc_disconnect(l->mqtt, timeout_ms);
}

void link_destroy(struct link *l)
{
	if (!l)
		return;
	if (l->mqtt)
		mqttc_destroy(l->mqtt);
	for (int i = 0; i < PROTO_AREAS_MAX; i++)
		free(l->areas[i].last_ack);
	free(l);
}

void link_presented(struct link *l, int64_t now_ms, const char ids[][PROTO_ID_MAX + 1], int nids)
{
	for (int i = 0; i < l->p.nareas; i++) {
		struct link_area *a = &l->areas[i];
		if (!a->ack_pending)
			continue;
		a->ack_pending = false;
		struct proto_ack *ack = xcalloc(1, sizeof *ack);
		snprintf(ack->area, sizeof ack->area, "%s", l->p.areas[i]);
		ack->seq = a->seq;
		ack->shown_ms = now_ms;
		/* Screen order, keeping only this area's calls. */
		for (int k = 0; k < nids && ack->nids < PROTO_ACK_IDS_MAX; k++) {
			for (int j = 0; j < a->nids; j++) {
				if (!strcmp(ids[k], a->ids[j])) {
					snprintf(ack->ids[ack->nids++], PROTO_ID_MAX + 1, "%s",
					         ids[k]);
					break;
				}
			}
		}
		free(a->last_ack);
		a->last_ack = proto_ack_encode(ack);
		free(ack);
		if (publish(l, PROTO_TOPIC_ACK, l->t_ack, a->last_ack, strlen(a->last_ack)) < 0)
			log_warn_rl("ack of %s seq %lld not sent (offline): sent on reconnect",
			            l->p.areas[i], (long long)a->seq);
	}
}

void link_fill_health(const struct link *l, struct proto_health *h, int64_t now_ms)
{
	h->nboards = l->p.nareas;
	for (int i = 0; i < l->p.nareas; i++) {
		struct proto_health_board *b = &h->boards[i];
		snprintf(b->area, sizeof b->area, "%s", l->p.areas[i]);
		b->seq = l->areas[i].seq;
		b->age_s = l->areas[i].ts_ms > 0 && now_ms >= l->areas[i].ts_ms
		               ? (now_ms - l->areas[i].ts_ms) / 1000
		               : -1;
	}
	h->reconnects = mqttc_reconnects(l->mqtt);
	h->has_clock_offset = proto_clock_offset(&l->clock, &h->clock_offset_ms);
}

int64_t link_bridge_now(const struct link *l, int64_t now_ms)
{
	int64_t off;
	return proto_clock_offset(&l->clock, &off) ? now_ms - off : -1;
}

int link_publish_health(struct link *l, const struct proto_health *h)
{
	char *s = proto_health_encode(h);
	int rc = publish(l, PROTO_TOPIC_HEALTH, l->t_health, s, strlen(s));
	free(s);
	return rc;
}

int link_publish_result(struct link *l, const struct proto_cmd_result *r)
{
	char *s = proto_cmd_result_encode(r);
	int rc = publish(l, PROTO_TOPIC_CMD_RESULT, l->t_result, s, strlen(s));
	free(s);
	return rc;
}

int link_publish_screenshot(struct link *l, const void *png, size_t len)
{
	if (len > PROTO_SCREENSHOT_BYTES_MAX)
		return -1;
	return publish(l, PROTO_TOPIC_SCREENSHOT, l->t_shot, png, len);
}

bool link_message_retained(const struct link *l)
{
	return l->retained;
}

bool link_connected(const struct link *l)
{
	return l->mqtt && mqttc_connected(l->mqtt);
}

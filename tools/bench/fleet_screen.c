#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define LOG_MODULE "fleet"
#include "fleet_screen.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"

#define TICK_MS         250
#define MISC_EVERY_US   1000000 /* loop_misc (keepalive) per screen */
#define READS_PER_EVENT 16

int64_t fleet_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void publish_json(struct screen *s, const char *topic, char *json, int qos, bool retain)
{
	int rc = mosquitto_publish(s->mosq, NULL, topic, (int)strlen(json), json, qos, retain);
	if (rc != MOSQ_ERR_SUCCESS)
		log_warn_rl("%s: publish %s: %s", s->device, topic, mosquitto_strerror(rc));
	free(json);
}

/* The status of connection conn; the Will (offline) is minimal. */
static char *status_json(const struct screen *s, enum proto_state state, int64_t conn)
{
	struct proto_status st = {.state = state, .conn = conn};
	snprintf(st.device, sizeof st.device, "%s", s->device);
	memcpy(st.session, s->fs->session, sizeof st.session);
	if (state == PROTO_STATE_ONLINE) {
		snprintf(st.version, sizeof st.version, "fleet");
		st.ts_ms = time_now_ms();
		st.nareas = 1;
		snprintf(st.areas[0], sizeof st.areas[0], "main");
	}
	return proto_status_encode(&st);
}

/* Watch for writing only while libmosquitto has something to write. */
static void update_events(struct screen *s)
{
	if (!s->src)
		return;
	uint32_t ev = EPOLLIN | (mosquitto_want_write(s->mosq) ? EPOLLOUT : 0);
	if (ev != s->events && loop_update_fd(s->fs->loop, s->src, ev) == 0)
		s->events = ev;
}

static void unwatch(struct screen *s)
{
	if (s->src)
		loop_remove(s->fs->loop, s->src);
	s->src = NULL;
	s->events = 0;
}

/* The screen leaves the counts of what it was. */
static void set_down(struct screen *s)
{
	struct fleet_screens *fs = s->fs;
	if (s->state == SCREEN_CONNECTING)
		fs->inflight--;
	if (s->state == SCREEN_UP)
		fs->up--;
	if (s->subscribed)
		fs->subscribed--;
	s->subscribed = false;
	s->state = SCREEN_DOWN;
	unwatch(s);
}

static void enqueue(struct screen *s)
{
	struct fleet_screens *fs = s->fs;
	if (s->queued)
		return;
	s->queued = true;
	fs->pending[(fs->pending_head + fs->pending_len) % fs->n] = (int)(s - fs->s);
	fs->pending_len++;
}

static void start_connect(struct screen *s);

/* Start queued connects while fewer than inflight_max are under way. */
static void pump(struct fleet_screens *fs)
{
	while (fs->inflight < fs->inflight_max && fs->pending_len > 0) {
		struct screen *s = &fs->s[fs->pending[fs->pending_head]];
		fs->pending_head = (fs->pending_head + 1) % fs->n;
		fs->pending_len--;
		s->queued = false;
		if (s->state == SCREEN_DOWN)
			start_connect(s);
	}
}

static void lost(struct screen *s)
{
	s->fs->lost++;
	set_down(s);
	enqueue(s);
}

static void on_socket(int fd, uint32_t ev, void *data)
{
	struct screen *s = data;
	int rc = MOSQ_ERR_SUCCESS;
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rc = mosquitto_loop_read(s->mosq, READS_PER_EVENT);
	if (rc == MOSQ_ERR_SUCCESS && (ev & EPOLLOUT) && s->src)
		rc = mosquitto_loop_write(s->mosq, READS_PER_EVENT);
	if (rc != MOSQ_ERR_SUCCESS && s->src) {
		log_warn_rl("%s: connection lost: %s", s->device, mosquitto_strerror(rc));
		lost(s);
	}
	update_events(s);
	pump(s->fs);
}

static void start_connect(struct screen *s)
{
	struct fleet_screens *fs = s->fs;
	char *will = status_json(s, PROTO_STATE_OFFLINE, s->conn + 1);
	int rc = mosquitto_will_set(s->mosq, s->t_status, (int)strlen(will), will, 1, true);
	free(will);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_connect_async(s->mosq, fs->host, fs->port, fs->keepalive_s);
	int fd = mosquitto_socket(s->mosq);
	if (rc != MOSQ_ERR_SUCCESS || fd < 0) {
		log_warn_rl("%s: connect: %s", s->device, mosquitto_strerror(rc));
		fs->lost++;
		return; /* stays down; the next fleet_screens_connect_all retries */
	}
	s->state = SCREEN_CONNECTING;
	s->start_us = fleet_now_us();
	s->up_us = 0;
	fs->inflight++;
	s->events = EPOLLIN | EPOLLOUT;
	s->src = loop_add_fd(fs->loop, fd, s->events, on_socket, s);
	if (!s->src)
		lost(s);
}

static void on_connect(struct mosquitto *m, void *data, int rc)
{
	struct screen *s = data;
	struct fleet_screens *fs = s->fs;
	if (rc != 0) {
		fs->refused++;
		log_warn_rl("%s: connection refused: %s", s->device, mosquitto_connack_string(rc));
		lost(s);
		return;
	}
	fs->inflight--;
	fs->up++;
	s->state = SCREEN_UP;
	s->up_us = fleet_now_us();
	s->conn++;
	publish_json(s, s->t_status, status_json(s, PROTO_STATE_ONLINE, s->conn), 1, true);
	char *will = status_json(s, PROTO_STATE_OFFLINE, s->conn + 1);
	mosquitto_will_set(m, s->t_status, (int)strlen(will), will, 1, true);
	free(will);
	mosquitto_subscribe(m, NULL, s->t_board, 1);
	/* health spread over the interval, as real screens start at random */
	s->next_health_us = s->up_us + (int64_t)(s - fs->s) * fs->health_s * 1000000LL / fs->n;
}

static void on_subscribe(struct mosquitto *m, void *data, int mid, int qos_count,
                         const int *granted)
{
	struct screen *s = data;
	if (!s->subscribed && s->state == SCREEN_UP) {
		s->subscribed = true;
		s->fs->subscribed++;
	}
}

/* A board: note the first one after the mark, ack what it shows. */
static void on_message(struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
	struct screen *s = data;
	int64_t now = fleet_now_us();
	static struct proto_board b; /* one loop thread */
	struct proto_error err;
	if (strcmp(msg->topic, s->t_board) != 0 ||
	    proto_board_decode(msg->payload, (size_t)msg->payloadlen, &b, &err) < 0)
		return;
	if (s->mark_us && !s->board_seq) {
		s->board_seq = b.seq;
		s->board_us = now;
	}
	static struct proto_ack a;
	memset(&a, 0, sizeof a);
	snprintf(a.area, sizeof a.area, "main");
	a.seq = b.seq;
	a.shown_ms = time_now_ms();
	a.nids = b.ncalls < PROTO_ACK_IDS_MAX ? b.ncalls : PROTO_ACK_IDS_MAX;
	for (int i = 0; i < a.nids; i++)
		memcpy(a.ids[i], b.calls[i].id, sizeof a.ids[i]);
	publish_json(s, s->t_ack, proto_ack_encode(&a), 1, false);
}

static void send_health(struct screen *s, int64_t now)
{
	static struct proto_health h;
	proto_health_init(&h);
	snprintf(h.device, sizeof h.device, "%s", s->device);
	snprintf(h.version, sizeof h.version, "fleet");
	h.ts_ms = time_now_ms();
	h.uptime_s = (now - s->up_us) / 1000000;
	publish_json(s, s->t_health, proto_health_encode(&h), 0, false);
}

/* Health when due and keepalive for every screen that is up. */
static void on_tick(void *data)
{
	struct fleet_screens *fs = data;
	int64_t now = fleet_now_us();
	int64_t slot = now / (TICK_MS * 1000);
	int slots = MISC_EVERY_US / (TICK_MS * 1000);
	for (int i = 0; i < fs->n; i++) {
		struct screen *s = &fs->s[i];
		if (s->state != SCREEN_UP)
			continue;
		if (now >= s->next_health_us) {
			send_health(s, now);
			s->next_health_us += fs->health_s * 1000000LL;
		}
		if ((slot + i) % slots == 0 && mosquitto_loop_misc(s->mosq) != MOSQ_ERR_SUCCESS) {
			lost(s);
			continue;
		}
		update_events(s);
	}
	pump(fs);
}

static int topic(const struct fleet_screens *fs, const struct screen *s, enum proto_topic_kind k,
                 char *out)
{
	struct proto_topic t = {.kind = k};
	snprintf(t.tenant, sizeof t.tenant, "%s", fs->tenant);
	snprintf(t.site, sizeof t.site, "s-%04d", s->site + 1);
	snprintf(t.device, sizeof t.device, "%s", s->device);
	snprintf(t.area, sizeof t.area, "main");
	return proto_topic_build(&t, out, PROTO_TOPIC_MAX);
}

/* libmosquitto gives each client a socket pair to wake its own loop
 * thread, which we do not run: two more fds a screen would triple what 10,000
 * screens need. Made while no fd can be opened, the pair fails (a warning
 * only, and the client does without); the limit is back after. */
static struct mosquitto *new_client(const char *id, void *data)
{
	struct rlimit saved, none;
	int lowest = dup(0); /* every fd below the lowest free one is in use */
	if (lowest < 0 || getrlimit(RLIMIT_NOFILE, &saved) < 0)
		return mosquitto_new(id, false, data);
	close(lowest);
	none = saved;
	none.rlim_cur = (rlim_t)lowest;
	setrlimit(RLIMIT_NOFILE, &none);
	/* a persistent session, as the display keeps */
	struct mosquitto *m = mosquitto_new(id, false, data);
	setrlimit(RLIMIT_NOFILE, &saved);
	return m;
}

int fleet_screens_init(struct fleet_screens *fs, struct loop *loop, const char *host, int port,
                       const char *tenant, int n, int per_site)
{
	memset(fs, 0, sizeof *fs);
	fs->loop = loop;
	fs->host = host;
	fs->port = port;
	fs->keepalive_s = 60;
	fs->health_s = 30;
	fs->inflight_max = 100;
	snprintf(fs->tenant, sizeof fs->tenant, "%s", tenant);
	proto_status_session(fs->session);
	fs->n = n;
	fs->s = xcalloc((size_t)n, sizeof *fs->s);
	fs->pending = xcalloc((size_t)n, sizeof *fs->pending);
	for (int i = 0; i < n; i++) {
		struct screen *s = &fs->s[i];
		s->fs = fs;
		s->site = i / per_site;
		snprintf(s->device, sizeof s->device, "d-%05d", i + 1);
		if (topic(fs, s, PROTO_TOPIC_STATUS, s->t_status) < 0 ||
		    topic(fs, s, PROTO_TOPIC_HEALTH, s->t_health) < 0 ||
		    topic(fs, s, PROTO_TOPIC_ACK, s->t_ack) < 0 ||
		    topic(fs, s, PROTO_TOPIC_BOARD, s->t_board) < 0)
			return -1;
		char id[2 * PROTO_NAME_MAX + 2];
		snprintf(id, sizeof id, "%s-%s", tenant, s->device);
		if (!(s->mosq = new_client(id, s)))
			return -1;
		mosquitto_connect_callback_set(s->mosq, on_connect);
		mosquitto_subscribe_callback_set(s->mosq, on_subscribe);
		mosquitto_message_callback_set(s->mosq, on_message);
	}
	fs->tick = loop_add_timer(loop, TICK_MS, TICK_MS, on_tick, fs);
	return fs->tick ? 0 : -1;
}

void fleet_screens_connect_all(struct fleet_screens *fs)
{
	for (int i = 0; i < fs->n; i++)
		if (fs->s[i].state == SCREEN_DOWN)
			enqueue(&fs->s[i]);
	pump(fs);
}

void fleet_screens_drop_all(struct fleet_screens *fs)
{
	for (int i = 0; i < fs->n; i++) {
		struct screen *s = &fs->s[i];
		if (s->state == SCREEN_DOWN)
			continue;
		/* no DISCONNECT: libmosquitto closes the socket right before it
		 * connects again, so the broker learns of the drop about when
		 * the new connection takes the session over (a network cut
		 * that the screen noticed first) */
		set_down(s);
	}
	fleet_screens_connect_all(fs);
}

void fleet_screens_mark(struct fleet_screens *fs)
{
	int64_t now = fleet_now_us();
	for (int i = 0; i < fs->n; i++) {
		fs->s[i].mark_us = now;
		fs->s[i].board_seq = 0;
	}
}

int fleet_screens_marked_boards(const struct fleet_screens *fs)
{
	int n = 0;
	for (int i = 0; i < fs->n; i++)
		n += fs->s[i].board_seq != 0;
	return n;
}

void fleet_screens_free(struct fleet_screens *fs)
{
	if (fs->tick)
		loop_remove(fs->loop, fs->tick);
	for (int i = 0; fs->s && i < fs->n; i++) {
		unwatch(&fs->s[i]);
		if (fs->s[i].mosq)
			mosquitto_destroy(fs->s[i].mosq);
	}
	free(fs->s);
	free(fs->pending);
	memset(fs, 0, sizeof *fs);
}

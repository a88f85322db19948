/* MQTT client adapter: libmosquitto with its socket on our loop.
 *
 * Connecting: libmosquitto's non-blocking connect cannot carry MQTT 5
 * CONNECT properties (the session expiry that makes a persistent session),
 * and its blocking connect can hang for the whole TCP timeout when the
 * broker's host is unreachable. So we first probe the broker with our own
 * non-blocking TCP connect on the loop, and only once that succeeds make the
 * blocking libmosquitto connect, which then completes in one round trip.
 * Host name resolution (getaddrinfo) is still blocking; use an address or
 * a local resolver on the device. */
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOG_MODULE "mqtt"
#include "log.h"
#include "loop.h"
#include "mqttc.h"
#include "timeutil.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS   30000
/* libmosquitto's housekeeping (keepalive PINGREQ, its timeout) needs a call
 * a few times per keepalive; more would only wake an idle screen. */
#define MISC_PER_KEEPALIVE 4
#define SESSION_EXPIRY_S   (7 * 24 * 3600)

struct sub {
	char *filter;
	int qos;
	struct sub *next; /* owned */
};

struct mqttc {
	struct loop *loop;
	struct mqttc_config cfg;
	char *client_id;
	bool clean;
	struct mosquitto *mosq;
	struct mqttc_callbacks cb;
	void *data;

	bool want_connect;
	bool connected;
	bool v5;
	bool session_started; /* a CONNECT was sent on the current socket */
	bool retry_pending;
	int subacks_pending; /* SUBSCRIBEs of this connection not yet acknowledged */
	int attempt;
	unsigned connects;
	int inflight;

	int sock_fd;
	bool sock_out;
	struct loop_source *sock_src;
	int probe_fd;
	struct loop_source *probe_src;
	struct loop_source *retry_timer;
	struct loop_source *misc_timer;

	struct sub *subs;
};

static bool lib_ready;

static int port_of(const struct mqttc *c)
{
	if (c->cfg.port > 0)
		return c->cfg.port;
	return c->cfg.cafile[0] ? 8883 : 1883;
}

static void sock_cb(int fd, uint32_t events, void *data);
static void schedule_retry(struct mqttc *c);

static void drop_socket(struct mqttc *c)
{
	if (c->sock_src) {
		loop_remove(c->loop, c->sock_src);
		c->sock_src = NULL;
	}
	c->sock_fd = -1;
}

static void sync_socket(struct mqttc *c)
{
	int fd = mosquitto_socket(c->mosq);
	if (fd != c->sock_fd)
		drop_socket(c);
	if (fd < 0)
		return;
	bool out = mosquitto_want_write(c->mosq);
	if (!c->sock_src) {
		c->sock_src = loop_add_fd(c->loop, fd, EPOLLIN | (out ? EPOLLOUT : 0), sock_cb, c);
		c->sock_fd = fd;
		c->sock_out = out;
	} else if (out != c->sock_out) {
		loop_update_fd(c->loop, c->sock_src, EPOLLIN | (out ? EPOLLOUT : 0));
		c->sock_out = out;
	}
}

static void lost(struct mqttc *c, const char *why)
{
	bool was = c->connected;
	c->connected = false;
	c->session_started = false;
	c->inflight = 0;
	c->subacks_pending = 0;
	drop_socket(c);
	if (was) {
		log_warn("connection to %s:%d lost: %s", c->cfg.host, port_of(c), why);
		if (c->cb.on_disconnect)
			c->cb.on_disconnect(c->data);
	}
	if (c->want_connect)
		schedule_retry(c);
}

static void sock_cb(int fd, uint32_t events, void *data)
{
	struct mqttc *c = data;
	int rc = MOSQ_ERR_SUCCESS;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rc = mosquitto_loop_read(c->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (events & EPOLLOUT) && mosquitto_socket(c->mosq) >= 0)
		rc = mosquitto_loop_write(c->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(c->mosq) < 0) {
		lost(c, rc == MOSQ_ERR_SUCCESS ? "closed" : mosquitto_strerror(rc));
		return;
	}
	sync_socket(c);
}

static void misc_cb(void *data)
{
	struct mqttc *c = data;
	if (mosquitto_socket(c->mosq) < 0)
		return;
	int rc = mosquitto_loop_misc(c->mosq);
	if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(c->mosq) < 0) {
		lost(c, rc == MOSQ_ERR_SUCCESS ? "keepalive timeout" : mosquitto_strerror(rc));
		return;
	}
	sync_socket(c);
}

static void real_connect(struct mqttc *c)
{
	mosquitto_property *props = NULL;
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	                     c->v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
	/* Small packets (an ack right after a PUBACK) must not wait for the
	 * broker's delayed TCP ACK: Nagle added ~40 ms to every ack. */
	mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (c->v5 && !c->clean)
		mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
		                             SESSION_EXPIRY_S);
	int rc = mosquitto_connect_bind_v5(c->mosq, c->cfg.host, port_of(c), c->cfg.keepalive, NULL,
	                                   props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warn_rl("connect to %s:%d failed: %s", c->cfg.host, port_of(c),
		            rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		drop_socket(c);
		schedule_retry(c);
		return;
	}
	c->session_started = true;
	sync_socket(c);
}

static void close_probe(struct mqttc *c)
{
	if (c->probe_src) {
		loop_remove(c->loop, c->probe_src);
		c->probe_src = NULL;
	}
	if (c->probe_fd >= 0) {
		close(c->probe_fd);
		c->probe_fd = -1;
	}
}

static void probe_cb(int fd, uint32_t events, void *data)
{
	struct mqttc *c = data;
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	close_probe(c);
	if (err) {
		log_warn_rl("broker %s:%d unreachable: %s", c->cfg.host, port_of(c), strerror(err));
		schedule_retry(c);
		return;
	}
	real_connect(c);
}

static void start_probe(struct mqttc *c)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
	struct addrinfo *res = NULL;
	char port[16];
	snprintf(port, sizeof port, "%d", port_of(c));
	int rc = getaddrinfo(c->cfg.host, port, &hints, &res);
	if (rc != 0) {
		log_warn_rl("cannot resolve broker host %s: %s", c->cfg.host, gai_strerror(rc));
		schedule_retry(c);
		return;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		schedule_retry(c);
		return;
	}
	rc = connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc < 0 && errno != EINPROGRESS) {
		log_warn_rl("broker %s:%d unreachable: %s", c->cfg.host, port_of(c),
		            strerror(errno));
		close(fd);
		schedule_retry(c);
		return;
	}
	c->probe_fd = fd;
	c->probe_src = loop_add_fd(c->loop, fd, EPOLLOUT, probe_cb, c);
	if (!c->probe_src) {
		close_probe(c);
		schedule_retry(c);
	}
}

static void retry_cb(void *data)
{
	struct mqttc *c = data;
	c->retry_pending = false;
	if (!c->want_connect || c->connected || c->probe_src || c->session_started)
		return;
	start_probe(c);
}

static void schedule_retry(struct mqttc *c)
{
	if (c->retry_pending)
		return;
	c->retry_pending = true;
	int base = BACKOFF_FIRST_MS;
	for (int i = 0; i < c->attempt && base < BACKOFF_MAX_MS; i++)
		base *= 2;
	if (base > BACKOFF_MAX_MS)
		base = BACKOFF_MAX_MS;
	/* Jitter: between half and all of the backoff, so a site's displays
	 * do not all reconnect in the same instant after a broker restart. */
	int delay = base / 2 + (int)(random() % (base / 2 + 1));
	c->attempt++;
	loop_timer_arm(c->retry_timer, delay, 0);
}

static void on_connect(struct mosquitto *m, void *data, int rc, int flags,
                       const mosquitto_property *props)
{
	struct mqttc *c = data;
	if (rc == MOSQ_ERR_SUCCESS) {
		c->connected = true;
		c->attempt = 0;
		if (c->connects++ > 0)
			log_info("reconnected to %s:%d (MQTT %s)", c->cfg.host, port_of(c),
			         c->v5 ? "5" : "3.1.1");
		else
			log_info("connected to %s:%d (MQTT %s)", c->cfg.host, port_of(c),
			         c->v5 ? "5" : "3.1.1");
		c->subacks_pending = 0;
		for (struct sub *s = c->subs; s; s = s->next)
			if (mosquitto_subscribe(m, NULL, s->filter, s->qos) == MOSQ_ERR_SUCCESS)
				c->subacks_pending++;
		if (c->cb.on_connect)
			c->cb.on_connect(c->data);
		return;
	}
	if (c->v5 && (rc == 1 || rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION)) {
		log_info("broker does not speak MQTT 5; using 3.1.1");
		c->v5 = false;
		c->attempt = 0;
	} else {
		log_warn_rl("broker refused the connection: %s",
		            c->v5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc));
		bool auth =
		    c->v5 ? rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD || rc == MQTT_RC_NOT_AUTHORIZED
		          : rc == CONNACK_REFUSED_BAD_USERNAME_PASSWORD ||
		                rc == CONNACK_REFUSED_NOT_AUTHORIZED;
		if (auth && c->cb.on_refused)
			c->cb.on_refused(c->data);
	}
	/* libmosquitto closes the socket after a refused CONNACK. */
}

static void on_disconnect(struct mosquitto *m, void *data, int rc, const mosquitto_property *p)
{
	struct mqttc *c = data;
	/* Called before libmosquitto closes the socket: unregister now so the
	 * fd number cannot be reused under our epoll registration. */
	drop_socket(c);
	c->session_started = false;
	if (c->connected || c->want_connect)
		lost(c, rc == 0 ? "disconnected" : mosquitto_strerror(rc));
}

static void on_subscribe(struct mosquitto *m, void *data, int mid, int qos_count,
                         const int *granted)
{
	struct mqttc *c = data;
	if (c->subacks_pending > 0)
		c->subacks_pending--;
}

static void on_publish(struct mosquitto *m, void *data, int mid)
{
	struct mqttc *c = data;
	if (c->inflight > 0)
		c->inflight--;
}

static void on_message(struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
	struct mqttc *c = data;
	if (c->cb.on_message)
		c->cb.on_message(c->data, msg->topic, msg->payload, (size_t)msg->payloadlen,
		                 msg->retain);
}

struct mqttc *mqttc_create(struct loop *loop, const struct mqttc_config *cfg, const char *client_id,
                           bool clean, const struct mqttc_callbacks *cb, void *data)
{
	if (!lib_ready) {
		mosquitto_lib_init();
		srandom((unsigned)time_mono_ms() ^ (unsigned)getpid());
		lib_ready = true;
	}
	struct mqttc *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->cfg = *cfg;
	if (c->cfg.keepalive < 5)
		c->cfg.keepalive = 5;
	if (c->cfg.queue_max <= 0)
		c->cfg.queue_max = 1000;
	c->client_id = xstrdup(client_id);
	c->clean = clean;
	c->cb = *cb;
	c->data = data;
	c->v5 = true;
	c->sock_fd = -1;
	c->probe_fd = -1;
	c->mosq = mosquitto_new(client_id, clean, c);
	if (!c->mosq) {
		log_error("mosquitto_new: %s", strerror(errno));
		goto fail;
	}
	mosquitto_connect_v5_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_v5_callback_set(c->mosq, on_disconnect);
	mosquitto_publish_callback_set(c->mosq, on_publish);
	mosquitto_subscribe_callback_set(c->mosq, on_subscribe);
	mosquitto_message_callback_set(c->mosq, on_message);
	if (cfg->username[0] &&
	    mosquitto_username_pw_set(c->mosq, cfg->username,
	                              cfg->password[0] ? cfg->password : NULL) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (cfg->cafile[0]) {
		int rc = mosquitto_tls_set(c->mosq, cfg->cafile, NULL,
		                           cfg->certfile[0] ? cfg->certfile : NULL,
		                           cfg->keyfile[0] ? cfg->keyfile : NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_error("TLS setup (cafile %s): %s", cfg->cafile,
			          rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
			goto fail;
		}
	}
	c->retry_timer = loop_add_timer(loop, 0, 0, retry_cb, c);
	int misc_ms = c->cfg.keepalive * 1000 / MISC_PER_KEEPALIVE;
	c->misc_timer = loop_add_timer(loop, misc_ms, misc_ms, misc_cb, c);
	if (!c->retry_timer || !c->misc_timer)
		goto fail;
	return c;
fail:
	mqttc_destroy(c);
	return NULL;
}

int mqttc_set_will(struct mqttc *c, const char *topic, const void *payload, size_t len, int qos,
                   bool retain)
{
	int rc = mosquitto_will_set(c->mosq, topic, (int)len, payload, qos, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_error("will on %s: %s", topic, mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

int mqttc_start(struct mqttc *c)
{
	c->want_connect = true;
	c->attempt = 0;
	start_probe(c);
	return 0;
}

int mqttc_subscribe(struct mqttc *c, const char *filter, int qos)
{
	struct sub *s = xcalloc(1, sizeof *s);
	s->filter = xstrdup(filter);
	s->qos = qos;
	s->next = c->subs;
	c->subs = s;
	if (c->connected) {
		int rc = mosquitto_subscribe(c->mosq, NULL, filter, qos);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("subscribe %s: %s", filter, mosquitto_strerror(rc));
		sync_socket(c);
	}
	return 0;
}

int mqttc_publish(struct mqttc *c, const char *topic, const void *payload, size_t len, int qos,
                  bool retain)
{
	if (!c->connected)
		return -1;
	if (qos > 0 && c->inflight >= c->cfg.queue_max) {
		log_warn_rl("publish queue full (%d in flight): dropping %s", c->inflight, topic);
		return -1;
	}
	int rc = mosquitto_publish(c->mosq, NULL, topic, (int)len, payload, qos, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warn_rl("publish %s: %s", topic, mosquitto_strerror(rc));
		return -1;
	}
	if (qos > 0)
		c->inflight++;
	sync_socket(c);
	return 0;
}

bool mqttc_connected(const struct mqttc *c)
{
	return c->connected;
}

bool mqttc_synced(const struct mqttc *c)
{
	return c->connected && c->subacks_pending == 0;
}

unsigned mqttc_reconnects(const struct mqttc *c)
{
	return c->connects > 0 ? c->connects - 1 : 0;
}

int mqttc_inflight(const struct mqttc *c)
{
	return c->inflight;
}

void mqttc_flush(struct mqttc *c)
{
	if (c->sock_src)
		sync_socket(c);
}

void mqttc_disconnect(struct mqttc *c, int timeout_ms)
{
	c->want_connect = false;
	close_probe(c);
	if (!c->connected)
		return;
	int64_t deadline = time_mono_ms() + timeout_ms;
	while (c->connected && c->inflight > 0 && time_mono_ms() < deadline) {
		int fd = mosquitto_socket(c->mosq);
		if (fd < 0)
			break;
		struct pollfd p = {
		    .fd = fd, .events = POLLIN | (mosquitto_want_write(c->mosq) ? POLLOUT : 0)};
		if (poll(&p, 1, 50) > 0) {
			if (p.revents & (POLLIN | POLLERR | POLLHUP))
				mosquitto_loop_read(c->mosq, 1);
			if ((p.revents & POLLOUT) && mosquitto_socket(c->mosq) >= 0)
				mosquitto_loop_write(c->mosq, 1);
		}
	}
	c->connected = false;
	drop_socket(c);
	mosquitto_disconnect(c->mosq);
	if (mosquitto_socket(c->mosq) >= 0)
		mosquitto_loop_write(c->mosq, 1);
}

void mqttc_destroy(struct mqttc *c)
{
	if (!c)
		return;
	c->want_connect = false;
	close_probe(c);
	drop_socket(c);
	if (c->retry_timer)
		loop_remove(c->loop, c->retry_timer);
	if (c->misc_timer)
		loop_remove(c->loop, c->misc_timer);
	if (c->mosq)
		mosquitto_destroy(c->mosq);
	while (c->subs) {
		struct sub *s = c->subs;
		c->subs = s->next;
		free(s->filter);
		free(s);
	}
	free(c->client_id);
	free(c);
}

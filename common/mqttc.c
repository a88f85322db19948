/* MQTT client adapter: libmosquitto with its socket on our loop.
 *
 * Connecting: libmosquitto's non-blocking connect cannot carry MQTT 5
 * CONNECT properties (the session expiry that makes a persistent session),
 * and its blocking connect can hang for the whole TCP timeout when the
 * broker's host is unreachable. So we first probe the broker with our own
 * non-blocking TCP connect on the loop, and only once that succeeds make the
 * blocking libmosquitto connect, which then completes in one round trip.
 * A host name is resolved first with glibc's getaddrinfo_a (its own threads;
 * we poll the request from a loop timer, so no signal is involved), with its
 * own timeout; the probe tries each address it gave in turn, and the
 * connect goes to the one that answered.
 * libmosquitto would check the broker's certificate against the host it
 * connects to, and send it as the TLS server name: with an address that is
 * wrong, so TLS goes through our own SSL_CTX, which checks the certificate
 * against the configured host and puts the name in the ClientHello.
 *
 * Version: MQTT 5 first. Some brokers answer an MQTT 5 CONNECT not with a
 * CONNACK refusing it but by closing or resetting the connection, or not at
 * all; in auto mode each of these switches the next attempt to 3.1.1 (and a
 * 3.1.1 attempt that fails the same way back to 5). A version that connected
 * stays for reconnects, through a few such failures. Every attempt ends in
 * one log line. */
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
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
/* A CONNACK later than this (or half the keepalive, if shorter: before
 * libmosquitto's own keepalive check gives up) counts as none. */
#define CONNACK_TIMEOUT_MS 10000
/* A host name lookup without an answer by then fails the attempt. */
#define RESOLVE_TIMEOUT_MS 5000
#define RESOLVE_POLL_MS    20
/* Failed handshakes with the version that connected before it is given up. */
#define PROVEN_KEEP 3

/* One getaddrinfo_a request: glibc writes into it until gai_error says it
 * is done, so it lives on its own and outlives a client that gives up. */
struct lookup {
	struct gaicb req;
	struct addrinfo hints;
	char host[256];
	char port[16];
};

/* Lookups still running when their client was destroyed: kept reachable
 * until glibc is done with them. */
static struct lookup *orphans[16];

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
	unsigned packet_max; /* announced in CONNECT; 0: none */
	struct mosquitto *mosq;
	struct mqttc_callbacks cb;
	void *data;

	bool want_connect;
	bool connected;
	bool v5;
	int proven;           /* the protocol level that last connected: 5, 4 or 0 */
	int proven_fails;     /* handshakes of that version failed since */
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
	struct loop_source *connack_timer;
	struct lookup *lookup; /* in flight; owned */
	int64_t lookup_deadline;
	bool lookup_late; /* this attempt already failed for it */
	struct loop_source *lookup_timer;
	struct addrinfo *addrs;     /* this attempt's addresses; owned */
	struct addrinfo *addr_next; /* the one to probe next (in addrs) */
	char addr[NI_MAXHOST];      /* the address being probed or connected to */

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
static void probe_next(struct mqttc *c);

static const char *version(const struct mqttc *c)
{
	return c->v5 ? "5" : "3.1.1";
}

static int connack_ms(const struct mqttc *c)
{
	int half = c->cfg.keepalive * 500;
	return half < CONNACK_TIMEOUT_MS ? half : CONNACK_TIMEOUT_MS;
}

/* A CONNECT went out and no CONNACK came; what happened instead. Only a
 * broker closing, resetting or ignoring it hints at the version. */
static void handshake_failed(struct mqttc *c, const char *what, bool version_hint)
{
	bool flip = c->cfg.protocol == MQTTC_PROTOCOL_AUTO && version_hint;
	/* A broker that is restarting may drop a CONNECT of the version that
	 * worked: keep that version for a few attempts before switching. */
	bool kept = flip && c->proven == (c->v5 ? 5 : 4) && ++c->proven_fails < PROVEN_KEEP;
	log_warn_rl("MQTT %s CONNECT to %s:%d: %s%s", version(c), c->cfg.host, port_of(c), what,
	            kept    ? "; next attempt: the same (it worked before)"
	            : !flip ? ""
	            : c->v5 ? "; next attempt: MQTT 3.1.1"
	                    : "; next attempt: MQTT 5");
	if (!flip || kept)
		return;
	c->proven_fails = 0;
	/* Falling back is not a failure to back off from. */
	if (c->v5 && c->attempt > 0)
		c->attempt--;
	c->v5 = !c->v5;
}

/* What happened, from libmosquitto's reason for losing the socket (or
 * MOSQ_ERR_TIMEOUT: no CONNACK in time); buf holds it when needed. */
static const char *what_happened(const struct mqttc *c, int rc, int err, char *buf, size_t cap)
{
	switch (rc) {
	case MOSQ_ERR_CONN_LOST:
		return err == ECONNRESET ? "the broker reset the connection"
		                         : "the broker closed the connection";
	case MOSQ_ERR_SUCCESS:
		return "the broker disconnected";
	case MOSQ_ERR_KEEPALIVE:
		return "the broker sent nothing within the keepalive";
	case MOSQ_ERR_TIMEOUT:
		snprintf(buf, cap, "the broker sent no CONNACK within %.1f s",
		         connack_ms(c) / 1000.0);
		return buf;
	case MOSQ_ERR_TLS:
		return "TLS failed (certificate, host name or client certificate)";
	case MOSQ_ERR_ERRNO:
		return strerror(err);
	}
	return mosquitto_strerror(rc);
}

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

/* The socket is gone: rc and err as libmosquitto left them. */
static void lost(struct mqttc *c, int rc, int err)
{
	char buf[80];
	const char *why = what_happened(c, rc, err, buf, sizeof buf);
	bool was = c->connected;
	if (c->session_started && !was)
		handshake_failed(c, why,
		                 rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_KEEPALIVE ||
		                     rc == MOSQ_ERR_TIMEOUT);
	loop_timer_arm(c->connack_timer, 0, 0);
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
	errno = 0;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rc = mosquitto_loop_read(c->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (events & EPOLLOUT) && mosquitto_socket(c->mosq) >= 0)
		rc = mosquitto_loop_write(c->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(c->mosq) < 0) {
		lost(c, rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_CONN_LOST : rc, errno);
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
		lost(c, rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_KEEPALIVE : rc, errno);
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
	if (c->v5 && c->packet_max)
		mosquitto_property_add_int32(&props, MQTT_PROP_MAXIMUM_PACKET_SIZE, c->packet_max);
	int rc =
	    mosquitto_connect_bind_v5(c->mosq, c->addr, port_of(c), c->cfg.keepalive, NULL, props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warn_rl("connect to %s:%d failed: %s", c->cfg.host, port_of(c),
		            rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		drop_socket(c);
		schedule_retry(c);
		return;
	}
	c->session_started = true;
	loop_timer_arm(c->connack_timer, connack_ms(c), 0);
	sync_socket(c);
}

static void connack_timeout_cb(void *data)
{
	struct mqttc *c = data;
	if (!c->session_started || c->connected)
		return;
	lost(c, MOSQ_ERR_TIMEOUT, 0);
	/* Close libmosquitto's socket: a DISCONNECT it writes at once. */
	mosquitto_disconnect(c->mosq);
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
		log_warn_rl("broker %s:%d (%s) unreachable: %s", c->cfg.host, port_of(c), c->addr,
		            strerror(err));
		probe_next(c);
		return;
	}
	real_connect(c);
}

/* Probe the next address of the attempt (a TCP connect on the loop); with
 * none left the attempt failed. */
static void probe_next(struct mqttc *c)
{
	while (c->addr_next) {
		const struct addrinfo *a = c->addr_next;
		c->addr_next = a->ai_next;
		if (getnameinfo(a->ai_addr, a->ai_addrlen, c->addr, sizeof c->addr, NULL, 0,
		                NI_NUMERICHOST) != 0)
			continue;
		int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			log_warn_rl("broker %s:%d (%s) unreachable: %s", c->cfg.host, port_of(c),
			            c->addr, strerror(errno));
			close(fd);
			continue;
		}
		c->probe_fd = fd;
		c->probe_src = loop_add_fd(c->loop, fd, EPOLLOUT, probe_cb, c);
		if (c->probe_src)
			return;
		close_probe(c);
	}
	schedule_retry(c);
}

/* Probe the addresses of res in turn; takes res. */
static void start_probe(struct mqttc *c, struct addrinfo *res)
{
	if (c->addrs)
		freeaddrinfo(c->addrs);
	c->addrs = c->addr_next = res;
	probe_next(c);
}

static void lookup_free(struct lookup *l)
{
	if (l->req.ar_result)
		freeaddrinfo(l->req.ar_result);
	free(l);
}

/* Poll the lookup; its answer starts the probe unless the attempt gave up. */
static void lookup_cb(void *data)
{
	struct mqttc *c = data;
	struct lookup *l = c->lookup;
	int rc = gai_error(&l->req);
	if (rc == EAI_INPROGRESS) {
		if (!c->lookup_late && time_mono_ms() >= c->lookup_deadline) {
			log_warn_rl("resolving broker host %s: no answer within %d s", c->cfg.host,
			            RESOLVE_TIMEOUT_MS / 1000);
			c->lookup_late = true;
			schedule_retry(c);
		}
		return;
	}
	loop_timer_arm(c->lookup_timer, 0, 0);
	c->lookup = NULL;
	if (!c->lookup_late && c->want_connect) {
		if (rc != 0) {
			log_warn_rl("cannot resolve broker host %s: %s", c->cfg.host,
			            gai_strerror(rc));
			schedule_retry(c);
		} else {
			start_probe(c, l->req.ar_result);
			l->req.ar_result = NULL;
		}
	}
	lookup_free(l);
}

/* Resolve the broker's host without blocking: an address at once, a name
 * through getaddrinfo_a. */
static void start_attempt(struct mqttc *c)
{
	if (c->lookup) {
		/* The last lookup is still running: let it finish, fail this one. */
		log_warn_rl("resolving broker host %s: still no answer", c->cfg.host);
		schedule_retry(c);
		return;
	}
	struct lookup *l = xcalloc(1, sizeof *l);
	snprintf(l->host, sizeof l->host, "%s", c->cfg.host);
	snprintf(l->port, sizeof l->port, "%d", port_of(c));
	l->hints = (struct addrinfo){.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *res = NULL;
	if (getaddrinfo(l->host, l->port, &l->hints, &res) == 0) {
		free(l);
		start_probe(c, res);
		return;
	}
	l->hints.ai_flags = AI_ADDRCONFIG;
	l->req.ar_name = l->host;
	l->req.ar_service = l->port;
	l->req.ar_request = &l->hints;
	struct gaicb *list[] = {&l->req};
	struct sigevent none = {.sigev_notify = SIGEV_NONE};
	int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &none);
	if (rc != 0) {
		log_warn_rl("cannot resolve broker host %s: %s", c->cfg.host, gai_strerror(rc));
		free(l);
		schedule_retry(c);
		return;
	}
	c->lookup = l;
	c->lookup_late = false;
	c->lookup_deadline = time_mono_ms() + RESOLVE_TIMEOUT_MS;
	loop_timer_arm(c->lookup_timer, RESOLVE_POLL_MS, RESOLVE_POLL_MS);
}

static void retry_cb(void *data)
{
	struct mqttc *c = data;
	c->retry_pending = false;
	if (!c->want_connect || c->connected || c->probe_src || c->session_started)
		return;
	start_attempt(c);
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
	loop_timer_arm(c->connack_timer, 0, 0);
	if (rc == MOSQ_ERR_SUCCESS) {
		c->connected = true;
		c->attempt = 0;
		c->proven = c->v5 ? 5 : 4;
		c->proven_fails = 0;
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
	/* The CONNACK ends the handshake: the socket closing next is not it. */
	c->session_started = false;
	if (c->v5 && c->cfg.protocol == MQTTC_PROTOCOL_AUTO &&
	    (rc == 1 || rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION)) {
		log_info("MQTT 5 CONNECT to %s:%d: the broker refused the version; next attempt: "
		         "MQTT 3.1.1",
		         c->cfg.host, port_of(c));
		c->v5 = false;
		c->attempt = 0;
	} else {
		log_warn_rl("MQTT %s CONNECT to %s:%d: the broker refused it: %s", version(c),
		            c->cfg.host, port_of(c),
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
	int err = errno;
	/* Unregister now so the fd number cannot be reused under our epoll
	 * registration. */
	drop_socket(c);
	if (c->connected || c->want_connect)
		lost(c, rc, err);
	c->session_started = false;
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

/* The host a TLS context checks the broker's certificate against, also
 * sent as the server name; the context's own data. */
static int tls_host_index = -1;

/* libmosquitto names the address it connected to as the server name: put
 * the configured host there before the ClientHello is written. */
static void tls_sni_cb(const SSL *ssl, int where, int ret)
{
	if (!(where & SSL_CB_HANDSHAKE_START))
		return;
	const char *host = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_host_index);
	if (host)
		SSL_set_tlsext_host_name((SSL *)ssl, host);
}

static void tls_host_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                          void *argp)
{
	free(ptr);
}

/* TLS 1.2 or later, the broker's certificate from cafile and for cfg->host,
 * our certificate when given; NULL with a log line. Caller owns it. */
static SSL_CTX *tls_context(const struct mqttc_config *cfg)
{
	const char *what = "cafile", *file = cfg->cafile;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, cfg->cafile, NULL) != 1)
		goto fail;
	what = "certfile";
	file = cfg->certfile;
	if (cfg->certfile[0] && SSL_CTX_use_certificate_chain_file(ctx, cfg->certfile) != 1)
		goto fail;
	what = "keyfile";
	file = cfg->keyfile;
	if (cfg->keyfile[0] &&
	    (SSL_CTX_use_PrivateKey_file(ctx, cfg->keyfile, SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_check_private_key(ctx) != 1))
		goto fail;
	what = "host";
	file = cfg->host;
	X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);
	if (X509_VERIFY_PARAM_set1_ip_asc(vp, cfg->host) != 1) {
		if (tls_host_index < 0)
			tls_host_index =
			    SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, tls_host_free);
		if (X509_VERIFY_PARAM_set1_host(vp, cfg->host, 0) != 1 || tls_host_index < 0 ||
		    !SSL_CTX_set_ex_data(ctx, tls_host_index, xstrdup(cfg->host)))
			goto fail;
		SSL_CTX_set_info_callback(ctx, tls_sni_cb);
	}
	return ctx;
fail:;
	char err[256] = "unknown error";
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, err, sizeof err);
	log_error("TLS setup: [mqtt] %s %s: %s", what, file, err);
	SSL_CTX_free(ctx);
	return NULL;
}

/* A client is going away while glibc still works on its lookup. */
static void lookup_abandon(struct lookup *l)
{
	size_t n = sizeof orphans / sizeof orphans[0];
	for (size_t i = 0; i < n; i++) {
		if (orphans[i] && gai_error(&orphans[i]->req) != EAI_INPROGRESS) {
			lookup_free(orphans[i]);
			orphans[i] = NULL;
		}
	}
	if (gai_cancel(&l->req) == EAI_ALLDONE || gai_error(&l->req) != EAI_INPROGRESS) {
		lookup_free(l);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!orphans[i]) {
			orphans[i] = l;
			return;
		}
	}
	/* More than n stuck lookups: wait for this one rather than free it
	 * under glibc. */
	const struct gaicb *list[] = {&l->req};
	while (gai_error(&l->req) == EAI_INPROGRESS)
		gai_suspend(list, 1, NULL);
	lookup_free(l);
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
	c->v5 = c->cfg.protocol != MQTTC_PROTOCOL_311;
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
		SSL_CTX *ctx = tls_context(&c->cfg);
		/* libmosquitto takes its own reference. */
		int rc = ctx ? mosquitto_void_option(c->mosq, MOSQ_OPT_SSL_CTX, ctx) : MOSQ_ERR_TLS;
		SSL_CTX_free(ctx);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_int_option(c->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
		if (rc != MOSQ_ERR_SUCCESS)
			goto fail;
	}
	c->retry_timer = loop_add_timer(loop, 0, 0, retry_cb, c);
	int misc_ms = c->cfg.keepalive * 1000 / MISC_PER_KEEPALIVE;
	c->misc_timer = loop_add_timer(loop, misc_ms, misc_ms, misc_cb, c);
	c->connack_timer = loop_add_timer(loop, 0, 0, connack_timeout_cb, c);
	c->lookup_timer = loop_add_timer(loop, 0, 0, lookup_cb, c);
	if (!c->retry_timer || !c->misc_timer || !c->connack_timer || !c->lookup_timer)
		goto fail;
	return c;
fail:
	mqttc_destroy(c);
	return NULL;
}

/* The MQTT 5 properties of one message, or NULL. */
static mosquitto_property *message_props(const struct mqttc_props *props)
{
	mosquitto_property *mp = NULL;
	if (props && props->expiry_s)
		mosquitto_property_add_int32(&mp, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL,
		                             props->expiry_s);
	if (props && props->content_type)
		mosquitto_property_add_string(&mp, MQTT_PROP_CONTENT_TYPE, props->content_type);
	return mp;
}

int mqttc_set_will(struct mqttc *c, const char *topic, const void *payload, size_t len, int qos,
                   bool retain, const struct mqttc_props *props)
{
	/* libmosquitto keeps the Will's properties and writes them only into
	 * an MQTT 5 CONNECT, so they survive a fall back to 3.1.1. It takes
	 * them only while the client is set to MQTT 5. */
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_property *mp = message_props(props);
	int rc = mosquitto_will_set_v5(c->mosq, topic, (int)len, payload, qos, retain, mp);
	/* Back to the version of the connection in use: libmosquitto writes
	 * every packet by this option, and a display sets its next Will while
	 * connected (an MQTT 5 header on a 3.1.1 connection garbles it). */
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	                     c->v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
	if (rc != MOSQ_ERR_SUCCESS)
		mosquitto_property_free_all(&mp); /* taken over only on success */
	if (rc != MOSQ_ERR_SUCCESS) {
		log_error("will on %s: %s", topic, mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

void mqttc_set_packet_max(struct mqttc *c, unsigned bytes)
{
	c->packet_max = bytes;
}

int mqttc_start(struct mqttc *c)
{
	c->want_connect = true;
	c->attempt = 0;
	start_attempt(c);
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
                  bool retain, const struct mqttc_props *props)
{
	if (!c->connected)
		return -1;
	if (qos > 0 && c->inflight >= c->cfg.queue_max) {
		log_warn_rl("publish queue full (%d in flight): dropping %s", c->inflight, topic);
		return -1;
	}
	mosquitto_property *mp = c->v5 ? message_props(props) : NULL;
	int rc = mosquitto_publish_v5(c->mosq, NULL, topic, (int)len, payload, qos, retain, mp);
	mosquitto_property_free_all(&mp);
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
	if (c->connack_timer)
		loop_remove(c->loop, c->connack_timer);
	if (c->lookup_timer)
		loop_remove(c->loop, c->lookup_timer);
	if (c->lookup)
		lookup_abandon(c->lookup);
	if (c->addrs)
		freeaddrinfo(c->addrs);
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

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define LOG_MODULE "http"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"

/* Each connection's socket receive buffer (the kernel doubles it). */
enum { HTTP_RCVBUF = 65536 };

/* Descriptors kept for everything else (SQLite and its WAL, MQTT, timers,
 * signals, the webhook, the journal) when sizing the connection limit. */
#define FD_HEADROOM     128
#define CONNECTIONS_MAX 4096

/* A connection waiting for a request: from its start, or from its previous
 * answer, until the request has arrived whole. */
struct http_conn {
	struct MHD_Connection *conn;
	int64_t deadline_ms;
	bool waiting;                  /* in the waiting list */
	struct http_conn *prev, *next; /* waiting list, by deadline */
};

struct http {
	struct MHD_Daemon *d;
	struct loop *loop;
	struct loop_source *fd_src, *timer, *reaper;
	struct http_limits limits;
	http_handler handler;
	http_status_cb on_status;
	void *data;
	int port;
	bool tls;
	char *cert, *key;                  /* owned: PEM text MHD uses while it runs */
	struct http_conn *oldest, *newest; /* waiting list; members owned by MHD's socket context */
};

struct http_req {
	struct http *h;
	struct MHD_Connection *conn;
	struct http_conn *hc;     /* the connection's own record */
	const char *method, *url; /* owned by MHD for the request's lifetime */
	char *body;
	size_t len, cap;
	bool deferred, done;
	struct http_resp resp; /* the deferred answer */
};

/* The deadline is start + timeout for every member, so appending keeps the
 * list sorted and the reaper only looks at its head. */
static void wait_start(struct http *h, struct http_conn *c)
{
	if (c->waiting)
		return;
	c->deadline_ms = time_mono_ms() + (int64_t)h->limits.request_timeout_s * 1000;
	c->waiting = true;
	c->next = NULL;
	c->prev = h->newest;
	if (h->newest)
		h->newest->next = c;
	else
		h->oldest = c;
	h->newest = c;
	if (h->oldest == c)
		loop_timer_arm(h->reaper, (int)h->limits.request_timeout_s * 1000, 0);
}

static void wait_stop(struct http *h, struct http_conn *c)
{
	if (!c->waiting)
		return;
	c->waiting = false;
	*(c->prev ? &c->prev->next : &h->oldest) = c->next;
	*(c->next ? &c->next->prev : &h->newest) = c->prev;
	c->prev = c->next = NULL;
}

/* Close connections past their deadline. MHD has no call to close a
 * connection, but shutting its socket down makes MHD see the end of the
 * stream at once and close it itself (the fd stays MHD's to close). */
static void on_reaper(void *data)
{
	struct http *h = data;
	int64_t now = time_mono_ms();
	unsigned n = 0;
	while (h->oldest && h->oldest->deadline_ms <= now) {
		struct http_conn *c = h->oldest;
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci)
			shutdown(ci->connect_fd, SHUT_RDWR);
		wait_stop(h, c);
		n++;
	}
	if (n)
		log_warn_rl("closed %u connections that sent no whole request in %u s", n,
		            h->limits.request_timeout_s);
	if (h->oldest)
		loop_timer_arm(h->reaper, (int)(h->oldest->deadline_ms - now), 0);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct http *h = cls;
	struct http_conn *c = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		/* A fixed receive buffer: the kernel would otherwise grow it to
		 * megabytes for a peer that streams a body, all of it read in
		 * vain once the body passes the limit. A request fits in 64 KiB
		 * of MHD's memory anyway. */
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		int rcvbuf = HTTP_RCVBUF;
		if (ci)
			setsockopt(ci->connect_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
		c = xcalloc(1, sizeof *c);
		c->conn = conn;
		*socket_context = c;
		wait_start(h, c);
	} else if (c) {
		wait_stop(h, c);
		free(c);
		*socket_context = NULL;
	}
}

static struct http_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result send_resp(struct http_req *r, struct http_resp *resp)
{
	struct MHD_Response *m =
	    MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
	if (!m) {
		free(resp->body);
		return MHD_NO;
	}
	resp->body = NULL;
	MHD_add_response_header(m, "Content-Type", resp->ctype ? resp->ctype : "application/json");
	MHD_add_response_header(m, "Cache-Control", "no-store");
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	if (resp->www_auth)
		MHD_add_response_header(m, "WWW-Authenticate", resp->www_auth);
	enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)resp->status, m);
	MHD_destroy_response(m);
	if (r->h->on_status)
		r->h->on_status(r->h->data, resp->status);
	return rc;
}

static int error_json(char *buf, size_t size, const char *msg, const char *field)
{
	return snprintf(buf, size, "{\"error\":\"%s\",\"field\":\"%s\"}", msg, field);
}

static enum MHD_Result send_error(struct http_req *r, int status, const char *msg,
                                  const char *field)
{
	char buf[256];
	int n = error_json(buf, sizeof buf, msg, field);
	struct http_resp resp = {
	    .status = status, .ctype = "application/json", .body = xstrdup(buf), .len = (size_t)n};
	return send_resp(r, &resp);
}

/* A streamed (chunked) body passed the limit. MHD can queue a response only
 * before the body or after all of it, so the 413 goes onto the connection
 * directly (nothing else is being sent on it while a body comes in) and
 * MHD_NO makes MHD close the connection now instead of reading the rest. */
static enum MHD_Result refuse_streamed(struct http_req *r)
{
	char body[128], msg[512];
	int blen = error_json(body, sizeof body, "body over the size limit", "body");
	int n = snprintf(msg, sizeof msg,
	                 "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
	                 "Content-Type: application/json\r\nContent-Length: %d\r\n"
	                 "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n%s",
	                 blen, body);
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, r->h->tls ? MHD_CONNECTION_INFO_GNUTLS_SESSION
	                                               : MHD_CONNECTION_INFO_CONNECTION_FD);
	/* Best effort: a peer that does not read its socket gets only the close. */
	if (ci && r->h->tls) {
		gnutls_record_send(ci->tls_session, msg, (size_t)n);
	} else if (ci) {
		if (send(ci->connect_fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
			shutdown(ci->connect_fd, SHUT_WR); /* the answer, then the end */
	}
	if (r->h->on_status)
		r->h->on_status(r->h->data, 413);
	log_warn_rl("streamed body over %zu bytes: answered 413 and closed",
	            r->h->limits.body_limit);
	return MHD_NO;
}

static bool is_type(const char *ct, const char *type)
{
	if (!ct)
		return false;
	size_t n = strlen(type);
	return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

/* JSON bodies for the API; the browser pages below /status/ post forms. */
static bool body_type_ok(const char *url, const char *ct)
{
	return is_type(ct, "application/json") ||
	       (strncmp(url, "/status/", 8) == 0 &&
	        is_type(ct, "application/x-www-form-urlencoded"));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct http_req *r = *con_cls;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		r->h = h;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->hc = conn_of(conn);
		*con_cls = r;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* Refuse an announced oversize body before reading any of it. */
		if (cl && strtoull(cl, NULL, 10) > h->limits.body_limit) {
			r->done = true;
			return send_error(r, 413, "body over the size limit", "body");
		}
		const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_TRANSFER_ENCODING);
		bool has_body = (cl && strtoull(cl, NULL, 10) > 0) || te;
		if (has_body &&
		    !body_type_ok(url, MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                                   MHD_HTTP_HEADER_CONTENT_TYPE))) {
			r->done = true;
			return send_error(r, 415, "Content-Type must be application/json",
			                  "Content-Type");
		}
		return MHD_YES;
	}
	if (r->done) { /* an early answer is queued: drop whatever still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->len + *upload_size > h->limits.body_limit)
			return refuse_streamed(r);
		if (r->len + *upload_size + 1 > r->cap) {
			r->cap = r->len + *upload_size + 1;
			r->body = xrealloc(r->body, r->cap);
		}
		memcpy(r->body + r->len, upload, *upload_size);
		r->len += *upload_size;
		r->body[r->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->deferred) { /* resumed: the answer is ready */
		r->done = true;
		return send_resp(r, &r->resp);
	}
	/* The request is whole: from here on its time is the handler's. */
	if (r->hc)
		wait_stop(h, r->hc);
	struct http_resp resp = {0};
	int rc = h->handler(h->data, r, &resp);
	if (rc == 1) {
		r->deferred = true;
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	r->done = true;
	return send_resp(r, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;
	if (!r)
		return;
	/* Kept alive: the next request has its own deadline. */
	if (r->hc)
		wait_start(r->h, r->hc);
	free(r->body);
	free(r->resp.body);
	free(r);
	*con_cls = NULL;
}

void http_complete(struct http_req *r, int status, const char *ctype, char *body, size_t len)
{
	r->resp.status = status;
	r->resp.ctype = ctype;
	r->resp.body = body;
	r->resp.len = len;
	MHD_resume_connection(r->conn);
	/* MHD notices the resume through its own eventfd, which sits in the
	 * epoll set we watch: the loop wakes up and http_run sends it. */
}

static void arm_timer(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(h->d, &t) == MHD_YES)
		loop_timer_arm(h->timer, t < 1 ? 1 : (t > 60000 ? 60000 : (int)t), 0);
	else
		loop_timer_arm(h->timer, 0, 0);
}

void http_run(struct http *h)
{
	if (!h)
		return;
	MHD_run(h->d);
	arm_timer(h);
}

static void on_fd(int fd, uint32_t events, void *data)
{
	http_run(data);
}

static void on_timer(void *data)
{
	http_run(data);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			if (cap > 1024 * 1024) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = xrealloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* MHD's own messages (one per refused connection under attack) go to our
 * log, rate-limited. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat-nonliteral"
#endif
/* fmt is MHD's own format string, given with its arguments. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn_rl("%s", msg);
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

/* Raise the soft file limit to the hard one (the unit sets LimitNOFILE=;
 * its system call filter may refuse the raise) and leave room below it
 * for everything that is not a connection. 0 when there is no room. */
static unsigned connection_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = {rl.rlim_max, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (rl.rlim_cur <= 2 * FD_HEADROOM)
		return 0;
	rlim_t n = rl.rlim_cur - FD_HEADROOM;
	return n > CONNECTIONS_MAX ? CONNECTIONS_MAX : (unsigned)n;
}

struct http *http_start(struct loop *loop, const char *host, int port, const char *cert,
                        const char *key, const struct http_limits *limits, http_handler handler,
                        http_status_cb on_status, void *data)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	const char *hh = strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
	if (inet_pton(AF_INET, hh, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, hh, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		log_error("[http] listen: %s: not a numeric IPv4 or IPv6 address", host);
		return NULL;
	}
	unsigned max_conns = connection_limit();
	if (!max_conns) {
		log_error("the file limit (RLIMIT_NOFILE) leaves no room for connections");
		return NULL;
	}
	struct http *h = xcalloc(1, sizeof *h);
	h->loop = loop;
	h->limits = *limits;
	h->handler = handler;
	h->on_status = on_status;
	h->data = data;
	bool tls = h->tls = cert && cert[0];
	if (tls) {
		h->cert = read_file(cert);
		h->key = read_file(key);
		if (!h->cert || !h->key) {
			log_error("[http] %s: cannot read", !h->cert ? cert : key);
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	/* The reaper must exist before the first connection is noted. */
	h->reaper = loop_add_timer(loop, 0, 0, on_reaper, h);
	/* MHD's idle timeout stays for slow readers of an answer; the request
	 * deadline (the reaper) bounds a request trickling in byte by byte.
	 * Without TLS, MHD_OPTION_END comes where the key would: the rest is
	 * not read. */
	h->d = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, h, MHD_OPTION_CONNECTION_LIMIT, max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits->per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, h->key, MHD_OPTION_HTTPS_MEM_CERT,
	    h->cert, MHD_OPTION_END);
	if (!h->d) {
		log_error("cannot listen on %s:%d%s", host, port,
		          tls ? " (or the certificate or key is unusable)" : "");
		goto fail;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	const union MHD_DaemonInfo *pinfo = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = pinfo ? pinfo->port : port;
	h->fd_src = loop_add_fd(loop, info->epoll_fd, EPOLLIN, on_fd, h);
	h->timer = loop_add_timer(loop, 0, 0, on_timer, h);
	log_info("listening on %s://%s:%d (at most %u connections, %u per address)",
	         tls ? "https" : "http", host, h->port, max_conns, limits->per_ip);
	return h;
fail:
	if (h->reaper)
		loop_remove(loop, h->reaper);
	free(h->cert);
	free(h->key);
	free(h);
	return NULL;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	loop_remove(h->loop, h->fd_src);
	loop_remove(h->loop, h->timer);
	MHD_stop_daemon(h->d); /* notes every connection closed: the list empties */
	loop_remove(h->loop, h->reaper);
	free(h->cert);
	free(h->key);
	free(h);
}

int http_port(const struct http *h)
{
	return h->port;
}

const char *http_method(const struct http_req *r)
{
	return r->method;
}

const char *http_path(const struct http_req *r)
{
	return r->url;
}

const char *http_header(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_body(const struct http_req *r, size_t *len)
{
	*len = r->len;
	return r->body ? r->body : "";
}

bool http_peer(const struct http_req *r, char *buf, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	const void *addr = sa->sa_family == AF_INET6
	                       ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
	                       : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	return (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) &&
	       inet_ntop(sa->sa_family, addr, buf, (socklen_t)cap) != NULL;
}

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define LOG_MODULE "http"
#include "http.h"
#include "log.h"
#include "loop.h"

struct http {
	struct MHD_Daemon *d;
	struct loop *loop;
	struct loop_source *fd_src, *timer;
	size_t body_limit;
	http_handler handler;
	http_status_cb on_status;
	void *data;
	int port;
	char *cert, *key; /* owned: PEM text MHD uses while it runs */
};

struct http_req {
	struct http *h;
	struct MHD_Connection *conn;
	const char *method, *url; /* owned by MHD for the request's lifetime */
	char *body;
	size_t len, cap;
	bool too_big, bad_type, started, deferred, done;
	struct http_resp resp; /* the deferred answer */
};

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

static enum MHD_Result send_error(struct http_req *r, int status, const char *msg,
                                  const char *field)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, "{\"error\":\"%s\",\"field\":\"%s\"}", msg, field);
	struct http_resp resp = {
	    .status = status, .ctype = "application/json", .body = xstrdup(buf), .len = (size_t)n};
	return send_resp(r, &resp);
}

static bool json_type(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strlen("application/json");
	return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
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
		*con_cls = r;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* Refuse an announced oversize body before reading any of it. */
		if (cl && strtoull(cl, NULL, 10) > h->body_limit) {
			r->done = true;
			return send_error(r, 413, "body over the size limit", "body");
		}
		const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_TRANSFER_ENCODING);
		bool has_body = (cl && strtoull(cl, NULL, 10) > 0) || te;
		if (has_body && !json_type(MHD_lookup_connection_value(
		                    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE))) {
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
		if (!r->too_big && r->len + *upload_size > h->body_limit) {
			r->too_big = true; /* streamed (chunked) body over the limit */
			free(r->body);
			r->body = NULL;
		}
		if (!r->too_big) {
			if (r->len + *upload_size + 1 > r->cap) {
				r->cap = r->len + *upload_size + 1;
				r->body = xrealloc(r->body, r->cap);
			}
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->deferred) { /* resumed: the answer is ready */
		r->done = true;
		return send_resp(r, &r->resp);
	}
	if (r->too_big) {
		r->done = true;
		return send_error(r, 413, "body over the size limit", "body");
	}
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

struct http *http_start(struct loop *loop, const char *host, int port, const char *cert,
                        const char *key, size_t body_limit, http_handler handler,
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
	struct http *h = xcalloc(1, sizeof *h);
	h->loop = loop;
	h->body_limit = body_limit;
	h->handler = handler;
	h->on_status = on_status;
	h->data = data;
	bool tls = cert && cert[0];
	if (tls) {
		h->cert = read_file(cert);
		h->key = read_file(key);
		if (!h->cert || !h->key) {
			log_error("[http] %s: cannot read", !h->cert ? cert : key);
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	/* Without TLS, MHD_OPTION_END comes where the key would: the rest is not read. */
	h->d = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)2048, MHD_OPTION_CONNECTION_TIMEOUT,
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
	log_info("listening on %s://%s:%d", tls ? "https" : "http", host, h->port);
	return h;
fail:
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
	MHD_stop_daemon(h->d);
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

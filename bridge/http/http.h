/* libmicrohttpd driven from our loop: MHD runs without threads of its own
 * (MHD_USE_EPOLL); its epoll fd is one loop source and its timeout a
 * timerfd. Bodies are collected up to the limit; the API answers at once or
 * later (the connection is suspended meanwhile).
 *
 * No peer can shut the others out: connections per client address are
 * limited, the total fits the process's file limit, a request must arrive
 * whole within a deadline, and a body over the limit is refused as soon as
 * it passes the limit, announced or streamed. */
#ifndef CB_BRIDGE_HTTP_H
#define CB_BRIDGE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct http;
struct http_req;

struct http_resp {
	int status;
	const char *ctype; /* static string */
	char *body;        /* malloc'ed, owned by the response */
	size_t len;
	const char *www_auth; /* WWW-Authenticate value or NULL */
};

struct http_limits {
	size_t body_limit;          /* bytes */
	unsigned per_ip;            /* open connections per client address; 0: no limit */
	unsigned request_timeout_s; /* request line, headers and body, from the
	                             * connection's start or its previous answer */
};

/* Handles a complete request: returns 0 with resp filled, or 1 when it will
 * answer later through http_complete(req, ...). */
typedef int (*http_handler)(void *data, struct http_req *req, struct http_resp *resp);
/* Called for every response sent (status code), for metrics. */
typedef void (*http_status_cb)(void *data, int status);

/* Listen on host:port, with HTTPS when cert and key (PEM file paths) are
 * non-empty; NULL with a logged reason. Raises the soft file limit to the
 * hard one and keeps the connection count below it. */
struct http *http_start(struct loop *loop, const char *host, int port, const char *cert,
                        const char *key, const struct http_limits *limits, http_handler handler,
                        http_status_cb on_status, void *data);
void http_stop(struct http *h);
/* Let MHD do its work and re-arm its timer (call once per loop turn). */
void http_run(struct http *h);
/* The port actually bound (useful with port 0). */
int http_port(const struct http *h);

/* Accessors for the handler. */
const char *http_method(const struct http_req *r);
const char *http_path(const struct http_req *r);
/* A request header or query argument, NULL when absent. */
const char *http_header(const struct http_req *r, const char *name);
const char *http_query(const struct http_req *r, const char *name);
const char *http_body(const struct http_req *r, size_t *len);
/* The peer's numeric address ("127.0.0.1", "::1") into buf; false when
 * unknown. */
bool http_peer(const struct http_req *r, char *buf, size_t cap);
/* Answer a request the handler deferred (takes ownership of body). */
void http_complete(struct http_req *r, int status, const char *ctype, char *body, size_t len);

#endif

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "timeutil.h"

#define HEAD_MAX (64 * 1024)

bool http_url_parse(const char *url, struct http_url *u, char *why, size_t whylen)
{
	memset(u, 0, sizeof *u);
	u->tls = !strncmp(url, "https://", 8);
	if (!u->tls && strncmp(url, "http://", 7)) {
		snprintf(why, whylen, "must start with http:// or https://");
		return false;
	}
	const char *h = url + (u->tls ? 8 : 7), *slash = strchr(h, '/');
	size_t hostlen = slash ? (size_t)(slash - h) : strlen(h);
	const char *end = h + hostlen, *colon = NULL;
	if (hostlen && h[0] == '[') { /* [::1]:8080 */
		const char *rb = memchr(h, ']', hostlen);
		if (!rb) {
			snprintf(why, whylen, "unterminated '[' in host");
			return false;
		}
		if ((size_t)(rb - h - 1) >= sizeof u->host)
			goto toolong;
		memcpy(u->host, h + 1, (size_t)(rb - h - 1));
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', hostlen);
		size_t n = colon ? (size_t)(colon - h) : hostlen;
		if (n >= sizeof u->host)
			goto toolong;
		memcpy(u->host, h, n);
	}
	if (!u->host[0]) {
		snprintf(why, whylen, "no host");
		return false;
	}
	if (colon) {
		size_t n = (size_t)(end - colon - 1);
		if (n == 0 || n >= sizeof u->port || strspn(colon + 1, "0123456789") < n) {
			snprintf(why, whylen, "bad port");
			return false;
		}
		memcpy(u->port, colon + 1, n);
		long p = strtol(u->port, NULL, 10);
		if (p < 1 || p > 65535) {
			snprintf(why, whylen, "port must be 1..65535");
			return false;
		}
	} else {
		strcpy(u->port, u->tls ? "443" : "80");
	}
	if (slash) {
		size_t n = strlen(slash);
		while (n > 0 && slash[n - 1] == '/')
			n--;
		if (n >= sizeof u->prefix)
			goto toolong;
		memcpy(u->prefix, slash, n);
	}
	return true;
toolong:
	snprintf(why, whylen, "too long");
	return false;
}

bool http_path_escape(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		             (*p >= '0' && *p <= '9') || strchr("-._~:", *p);
		if (o + (plain ? 1 : 3) >= cap)
			return false;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return true;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - time_mono_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {fd, events, 0};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

static int connect_to(const struct http_url *u, int64_t deadline, char *why, size_t whylen)
{
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(u->host, u->port, &hints, &res);
	if (g) {
		snprintf(why, whylen, "cannot resolve %s: %s", u->host, gai_strerror(g));
		return -1;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		            a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			int r = wait_fd(fd, POLLOUT, deadline);
			socklen_t sl = sizeof err;
			if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && !err)
				break;
			if (r == 0)
				err = ETIMEDOUT;
		} else {
			err = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(why, whylen, "%s", strerror(err ? err : ECONNREFUSED));
	return fd;
}

/* One connection: a socket, with TLS on top for https. */
struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static void conn_close(struct conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
}

/* After an SSL call returned r: wait for the socket as OpenSSL asks.
 * 1 retry, 0 timeout, -1 a real error. */
static int ssl_retry(struct conn *c, int r, int64_t deadline)
{
	int e = SSL_get_error(c->ssl, r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return -1;
	return wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) > 0 ? 1 : 0;
}

static bool tls_start(struct conn *c, const struct http_url *u, int64_t deadline, char *why,
                      size_t whylen)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		goto ssl_fail;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (u->cafile && *u->cafile) {
		if (SSL_CTX_load_verify_locations(c->ctx, u->cafile, NULL) != 1) {
			snprintf(why, whylen, "cannot load the CA file %s", u->cafile);
			return false;
		}
	} else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		goto ssl_fail;
	}
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		goto ssl_fail;
	unsigned char addr[16];
	bool is_ip =
	    inet_pton(AF_INET, u->host, addr) == 1 || inet_pton(AF_INET6, u->host, addr) == 1;
	/* The certificate must name the host we asked for, not just any host. */
	if (is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), u->host) != 1)
			goto ssl_fail;
	} else if (SSL_set_tlsext_host_name(c->ssl, u->host) != 1 ||
	           SSL_set1_host(c->ssl, u->host) != 1) {
		goto ssl_fail;
	}
	for (;;) {
		int r = SSL_connect(c->ssl);
		if (r == 1)
			return true;
		int w = ssl_retry(c, r, deadline);
		if (w > 0)
			continue;
		if (w == 0) {
			snprintf(why, whylen, "TLS handshake timed out");
			return false;
		}
		long v = SSL_get_verify_result(c->ssl);
		if (v != X509_V_OK) {
			snprintf(why, whylen, "TLS: the server's certificate is not trusted: %s%s",
			         X509_verify_cert_error_string(v),
			         u->cafile ? "" : " (give the bridge's CA with --cafile)");
			return false;
		}
		goto ssl_fail;
	}
ssl_fail:;
	unsigned long ec = ERR_get_error();
	snprintf(why, whylen, "TLS failed: %s",
	         ec ? ERR_reason_error_string(ec) : "connection closed");
	return false;
}

static int conn_send_all(struct conn *c, const char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		if (c->ssl) {
			int w = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
			if (w > 0) {
				p += w;
				n -= (size_t)w;
			} else if (ssl_retry(c, w, deadline) <= 0) {
				return -1;
			}
			continue;
		}
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(c->fd, POLLOUT, deadline) <= 0)
			return -1;
	}
	return 0;
}

/* Bytes read (> 0), 0 at the end of the stream, -1 error, -2 timeout. */
static ssize_t conn_recv(struct conn *c, char *buf, size_t n, int64_t deadline)
{
	for (;;) {
		if (c->ssl) {
			int r = SSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
			if (r > 0)
				return r;
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_ZERO_RETURN)
				return 0;
			int w = ssl_retry(c, r, deadline);
			if (w < 0)
				return -1;
			if (w == 0)
				return -2;
			continue;
		}
		ssize_t r = recv(c->fd, buf, n, 0);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (wait_fd(c->fd, POLLIN, deadline) <= 0)
			return -2;
	}
}

/* Decode a chunked body in place; false when malformed. */
static bool dechunk(char *b, size_t len, size_t *out_len)
{
	size_t in = 0, out = 0;
	for (;;) {
		char *eol = memmem(b + in, len - in, "\r\n", 2);
		if (!eol)
			return false;
		char *end;
		unsigned long n = strtoul(b + in, &end, 16);
		if (end == b + in)
			return false;
		in = (size_t)(eol - b) + 2;
		if (n == 0)
			break;
		if (n > len - in || len - in - n < 2)
			return false;
		memmove(b + out, b + in, n);
		out += n;
		in += n + 2;
	}
	b[out] = '\0';
	*out_len = out;
	return true;
}

bool http_parse_response(char *buf, size_t n, struct http_response *r, char *why, size_t whylen)
{
	char *hend = memmem(buf, n, "\r\n\r\n", 4);
	if (!hend || strncmp(buf, "HTTP/1.", 7) || n < 12) {
		snprintf(why, whylen, "malformed HTTP response");
		return false;
	}
	*hend = '\0';
	r->status = atoi(buf + 9);
	if (r->status < 100 || r->status > 599) {
		snprintf(why, whylen, "malformed HTTP status line");
		return false;
	}
	bool chunked = false;
	long clen = -1;
	for (char *line = strstr(buf, "\r\n"); line; line = strstr(line, "\r\n")) {
		line += 2;
		if (!strncasecmp(line, "content-type:", 13)) {
			const char *v = line + 13 + strspn(line + 13, " \t");
			size_t l = strcspn(v, "\r");
			if (l >= sizeof r->content_type)
				l = sizeof r->content_type - 1;
			memcpy(r->content_type, v, l);
			r->content_type[l] = '\0';
		} else if (!strncasecmp(line, "content-length:", 15)) {
			clen = strtol(line + 15, NULL, 10);
		} else if (!strncasecmp(line, "transfer-encoding:", 18)) {
			chunked = memmem(line, strcspn(line, "\r"), "chunked", 7) != NULL;
		}
	}
	char *body = hend + 4;
	size_t blen = n - (size_t)(body - buf);
	if (chunked) {
		if (!dechunk(body, blen, &blen)) {
			snprintf(why, whylen, "malformed chunked body");
			return false;
		}
	} else if (clen >= 0 && (size_t)clen < blen) {
		blen = (size_t)clen;
	} else if (clen >= 0 && (size_t)clen > blen) {
		snprintf(why, whylen, "response body cut short (%zu of %ld bytes)", blen, clen);
		return false;
	}
	r->body = xmalloc(blen + 1);
	memcpy(r->body, body, blen);
	r->body[blen] = '\0';
	r->len = blen;
	return true;
}

int http_request(const struct http_url *u, const char *method, const char *path, const char *token,
                 const char *body, size_t body_len, int timeout_ms, struct http_response *resp,
                 char *why, size_t whylen)
{
	memset(resp, 0, sizeof *resp);
	int64_t deadline = time_mono_ms() + timeout_ms;
	int ret = -1;
	char *buf = NULL, *head = NULL;
	struct conn c = {-1, NULL, NULL};
	c.fd = connect_to(u, deadline, why, whylen);
	if (c.fd < 0)
		return -1;
	if (u->tls && !tls_start(&c, u, deadline, why, whylen))
		goto out;
	size_t cap =
	    strlen(path) + strlen(u->prefix) + strlen(u->host) + 512 + (token ? strlen(token) : 0);
	head = xmalloc(cap);
	bool v6 = strchr(u->host, ':') != NULL;
	int hl = snprintf(head, cap,
	                  "%s %s%s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: callboard/%s\r\n"
	                  "Accept: application/json, image/png\r\nConnection: close\r\n",
	                  method, u->prefix, path, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port,
	                  CALLBOARD_VERSION);
	if (token && *token)
		hl += snprintf(head + hl, cap - (size_t)hl, "Authorization: Bearer %s\r\n", token);
	if (body)
		hl +=
		    snprintf(head + hl, cap - (size_t)hl,
		             "Content-Type: application/json\r\nContent-Length: %zu\r\n", body_len);
	else if (strcmp(method, "GET"))
		hl += snprintf(head + hl, cap - (size_t)hl, "Content-Length: 0\r\n");
	hl += snprintf(head + hl, cap - (size_t)hl, "\r\n");
	errno = 0;
	if (conn_send_all(&c, head, (size_t)hl, deadline) < 0 ||
	    (body && conn_send_all(&c, body, body_len, deadline) < 0)) {
		snprintf(why, whylen, "sending the request failed: %s",
		         errno ? strerror(errno) : "timeout");
		goto out;
	}
	size_t bcap = 16384, n = 0;
	buf = xmalloc(bcap + 1);
	for (;;) {
		if (n == bcap) {
			if (bcap >= HTTP_BODY_MAX + HEAD_MAX) {
				snprintf(why, whylen, "response larger than %d bytes",
				         HTTP_BODY_MAX);
				goto out;
			}
			bcap *= 2;
			buf = xrealloc(buf, bcap + 1);
		}
		ssize_t r = conn_recv(&c, buf + n, bcap - n, deadline);
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		if (r == -2)
			snprintf(why, whylen, "no response within %d ms", timeout_ms);
		else
			snprintf(why, whylen, "reading the response failed: %s",
			         c.ssl ? "TLS error" : strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	if (!http_parse_response(buf, n, resp, why, whylen))
		goto out;
	ret = 0;
out:
	free(head);
	free(buf);
	conn_close(&c);
	return ret;
}

void http_response_free(struct http_response *r)
{
	free(r->body);
	r->body = NULL;
}

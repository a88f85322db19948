#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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
	if (!strncmp(url, "https://", 8)) {
		snprintf(why, whylen,
		         "https is not supported by this client; use http:// on "
		         "loopback or a local TLS proxy");
		return false;
	}
	if (strncmp(url, "http://", 7)) {
		snprintf(why, whylen, "must start with http://");
		return false;
	}
	const char *h = url + 7, *slash = strchr(h, '/');
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
		strcpy(u->port, "80");
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

static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(fd, POLLOUT, deadline) <= 0)
			return -1;
	}
	return 0;
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

static bool parse_response(char *buf, size_t n, struct http_response *r, char *why, size_t whylen)
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
	int fd = connect_to(u, deadline, why, whylen);
	if (fd < 0)
		return -1;
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
	if (send_all(fd, head, (size_t)hl, deadline) < 0 ||
	    (body && send_all(fd, body, body_len, deadline) < 0)) {
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
		ssize_t r = recv(fd, buf + n, bcap - n, 0);
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			snprintf(why, whylen, "reading the response failed: %s", strerror(errno));
			goto out;
		}
		if (wait_fd(fd, POLLIN, deadline) <= 0) {
			snprintf(why, whylen, "no response within %d ms", timeout_ms);
			goto out;
		}
	}
	buf[n] = '\0';
	if (!parse_response(buf, n, resp, why, whylen))
		goto out;
	ret = 0;
out:
	free(head);
	free(buf);
	close(fd);
	return ret;
}

void http_response_free(struct http_response *r)
{
	free(r->body);
	r->body = NULL;
}

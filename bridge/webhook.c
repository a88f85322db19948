#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOG_MODULE "webhook"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "webhook.h"

#define QUEUE_MAX 64

struct webhook {
	struct loop *loop;
	struct metrics *m;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[256];
	char path[256];
	char *queue[QUEUE_MAX]; /* owned request texts, oldest first */
	int nqueue;
	int fd;
	struct loop_source *src, *timeout;
	char *req; /* owned: the request being sent */
	size_t sent;
	char resp[64];
	size_t rlen;
};

static void start_next(struct webhook *w);

static void finish(struct webhook *w, bool ok, const char *why)
{
	if (ok)
		w->m->webhooks_sent++;
	else {
		w->m->webhooks_failed++;
		log_warn_rl("POST http://%s%s failed: %s", w->host, w->path, why);
	}
	if (w->src)
		loop_remove(w->loop, w->src);
	w->src = NULL;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->req);
	w->req = NULL;
	loop_timer_arm(w->timeout, 0, 0);
	start_next(w);
}

static void on_io(int fd, uint32_t ev, void *data)
{
	struct webhook *w = data;
	if (w->sent < strlen(w->req)) {
		if (ev & (EPOLLERR | EPOLLHUP)) {
			finish(w, false, "connection failed");
			return;
		}
		ssize_t n = send(fd, w->req + w->sent, strlen(w->req) - w->sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			finish(w, false, strerror(errno));
			return;
		}
		if (n > 0)
			w->sent += (size_t)n;
		if (w->sent == strlen(w->req))
			loop_update_fd(w->loop, w->src, EPOLLIN);
		return;
	}
	ssize_t n = recv(fd, w->resp + w->rlen, sizeof w->resp - 1 - w->rlen, 0);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0)
		w->rlen += (size_t)n;
	w->resp[w->rlen] = '\0';
	if (w->rlen >= 12 || n <= 0) {
		int code = 0;
		bool ok = sscanf(w->resp, "HTTP/1.%*d %d", &code) == 1 && code >= 200 && code < 300;
		char why[32];
		snprintf(why, sizeof why, "answer %d", code);
		finish(w, ok, why);
	}
}

static void on_timeout(void *data)
{
	finish(data, false, "timeout");
}

static void start_next(struct webhook *w)
{
	if (w->req || w->nqueue == 0)
		return;
	w->req = w->queue[0];
	memmove(w->queue, w->queue + 1, (size_t)(--w->nqueue) * sizeof w->queue[0]);
	w->sent = w->rlen = 0;
	w->fd = socket(w->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0 ||
	    (connect(w->fd, (struct sockaddr *)&w->addr, w->addrlen) < 0 && errno != EINPROGRESS)) {
		finish(w, false, strerror(errno));
		return;
	}
	w->src = loop_add_fd(w->loop, w->fd, EPOLLOUT, on_io, w);
	loop_timer_arm(w->timeout, 5000, 0);
}

struct webhook *webhook_create(struct loop *loop, const char *url, struct metrics *m)
{
	if (strncmp(url, "http://", 7) != 0)
		return NULL;
	struct webhook *w = xcalloc(1, sizeof *w);
	w->loop = loop;
	w->m = m;
	w->fd = -1;
	const char *hp = url + 7, *slash = strchr(hp, '/');
	size_t hl = slash ? (size_t)(slash - hp) : strlen(hp);
	if (hl == 0 || hl >= sizeof w->host || (slash && strlen(slash) >= sizeof w->path))
		goto fail;
	memcpy(w->host, hp, hl);
	snprintf(w->path, sizeof w->path, "%s", slash ? slash : "/");
	char host[256], port[8] = "80";
	snprintf(host, sizeof host, "%s", w->host);
	char *colon = strrchr(host, ':');
	if (colon && !strchr(host, ']')) {
		snprintf(port, sizeof port, "%s", colon + 1);
		*colon = '\0';
	}
	/* Resolved once at start: the loop must never block on DNS. */
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
		goto fail;
	memcpy(&w->addr, res->ai_addr, res->ai_addrlen);
	w->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	w->timeout = loop_add_timer(loop, 0, 0, on_timeout, w);
	return w;
fail:
	log_error("[registry] webhook: %s: expected http://host[:port]/path", url);
	free(w);
	return NULL;
}

void webhook_destroy(struct webhook *w)
{
	if (!w)
		return;
	if (w->src)
		loop_remove(w->loop, w->src);
	if (w->fd >= 0)
		close(w->fd);
	free(w->req);
	for (int i = 0; i < w->nqueue; i++)
		free(w->queue[i]);
	loop_remove(w->loop, w->timeout);
	free(w);
}

void webhook_post(struct webhook *w, const char *json)
{
	if (w->nqueue == QUEUE_MAX) {
		free(w->queue[0]);
		memmove(w->queue, w->queue + 1, (QUEUE_MAX - 1) * sizeof w->queue[0]);
		w->nqueue--;
		w->m->webhooks_failed++;
	}
	char *req = NULL;
	if (asprintf(&req,
	             "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
	             "Content-Length: %zu\r\nConnection: close\r\nUser-Agent: callboard-bridge\r\n"
	             "\r\n%s",
	             w->path, w->host, strlen(json), json) < 0)
		abort();
	w->queue[w->nqueue++] = req;
	start_next(w);
}

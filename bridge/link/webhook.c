#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#define LOG_MODULE "webhook"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "timeutil.h"
#include "url.h"
#include "webhook.h"

#define QUEUE_MAX    64
#define INFLIGHT_MAX 8
#define TIMEOUT_MS   5000L
#define ATTEMPTS     3
#define BACKOFF_MS   1000 /* before the second attempt; doubles after each */

/* One alert waiting to be sent (again). */
struct alert {
	char *body;     /* owned: the JSON */
	uint64_t seq;   /* order of posting: lower is older */
	int attempts;   /* made so far */
	int64_t due_ms; /* monotonic: not sent before */
};

/* One POST in flight; easy NULL marks a free slot. */
struct post {
	CURL *easy;
	struct alert a; /* owns a.body */
};

struct webhook {
	struct loop *loop;
	struct metrics *m;
	char url[512];
	CURLM *multi;
	struct curl_slist *headers;    /* owned, shared by every post */
	struct loop_source *timer;     /* libcurl's one timeout */
	struct loop_source *retry;     /* the next alert waiting out its backoff */
	struct alert queue[QUEUE_MAX]; /* owned, oldest (lowest seq) first */
	int nqueue;
	uint64_t next_seq;
	uint64_t rng;                       /* xorshift state for the backoff jitter */
	struct post inflight[INFLIGHT_MAX]; /* easy NULL: a free slot */
};

static void start_queued(struct webhook *w);

/* Put a into the queue in posting order; when it is full the oldest alert
 * (a itself, a retry, when older than every queued one) is dropped. */
static void enqueue(struct webhook *w, struct alert a)
{
	if (w->nqueue == QUEUE_MAX) {
		w->m->webhooks_dropped++;
		log_warn_rl("queue full (%d alerts): dropped the oldest, %llu dropped so far",
		            QUEUE_MAX, (unsigned long long)w->m->webhooks_dropped);
		if (a.seq < w->queue[0].seq) {
			free(a.body);
			return;
		}
		free(w->queue[0].body);
		memmove(w->queue, w->queue + 1, (QUEUE_MAX - 1) * sizeof w->queue[0]);
		w->nqueue--;
	}
	int i = w->nqueue;
	while (i > 0 && w->queue[i - 1].seq > a.seq)
		i--;
	memmove(w->queue + i + 1, w->queue + i, (size_t)(w->nqueue - i) * sizeof w->queue[0]);
	w->queue[i] = a;
	w->nqueue++;
}

/* The wait before attempt n+1 after n failed: BACKOFF_MS doubling, each
 * between 3/4 and 5/4 of it so that alerts failing together spread out. */
static int backoff_ms(struct webhook *w, int attempts)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	int base = BACKOFF_MS << (attempts - 1);
	return base * 3 / 4 + (int)(w->rng % (uint64_t)(base / 2 + 1));
}

/* A network error or a server error may pass; a 4xx answer will not. */
static bool worth_retrying(CURLcode result, long code)
{
	return result != CURLE_OK || code >= 500;
}

/* Collect finished posts: count them, free their slots, start the next. */
static void reap_done(struct webhook *w)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(w->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		struct post *p = (struct post *)priv;
		long code = 0;
		curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
		CURLcode result = msg->data.result; /* msg is gone once the handle is */
		bool ok = result == CURLE_OK && code >= 200 && code < 300;
		if (!ok && result != CURLE_OK)
			log_warn_rl("POST %s failed (attempt %d of %d): %s", w->url, p->a.attempts,
			            ATTEMPTS, curl_easy_strerror(result));
		else if (!ok)
			log_warn_rl("POST %s failed (attempt %d of %d): answer %ld", w->url,
			            p->a.attempts, ATTEMPTS, code);
		curl_multi_remove_handle(w->multi, p->easy);
		curl_easy_cleanup(p->easy);
		if (ok) {
			w->m->webhooks_sent++;
			free(p->a.body);
		} else if (p->a.attempts < ATTEMPTS && worth_retrying(result, code)) {
			p->a.due_ms = time_mono_ms() + backoff_ms(w, p->a.attempts);
			enqueue(w, p->a);
		} else {
			w->m->webhooks_failed++;
			free(p->a.body);
		}
		*p = (struct post){0};
	}
	start_queued(w);
}

static void on_socket_ready(int fd, uint32_t ev, void *data)
{
	struct webhook *w = data;
	int flags = (ev & (EPOLLIN | EPOLLHUP) ? CURL_CSELECT_IN : 0) |
	            (ev & EPOLLOUT ? CURL_CSELECT_OUT : 0) | (ev & EPOLLERR ? CURL_CSELECT_ERR : 0);
	int running;
	curl_multi_socket_action(w->multi, fd, flags, &running);
	reap_done(w);
}

static void on_timer(void *data)
{
	struct webhook *w = data;
	int running;
	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	reap_done(w);
}

/* libcurl says which events it wants on a socket: a loop source per socket,
 * kept as the socket's private pointer. */
static int want_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct webhook *w = userp;
	struct loop_source *src = socketp;
	if (what == CURL_POLL_REMOVE) {
		loop_remove(w->loop, src);
		curl_multi_assign(w->multi, s, NULL);
		return 0;
	}
	uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (src)
		return loop_update_fd(w->loop, src, ev);
	if (!(src = loop_add_fd(w->loop, s, ev, on_socket_ready, w)))
		return -1;
	curl_multi_assign(w->multi, s, src);
	return 0;
}

/* libcurl's timeout: -1 none, 0 act soon (from the loop, not from here). */
static int want_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct webhook *w = userp;
	int ms = timeout_ms < 0 ? 0 : timeout_ms == 0 ? 1 : (int)timeout_ms;
	return loop_timer_arm(w->timer, ms, 0);
}

static void on_retry(void *data)
{
	start_queued(data);
}

/* The oldest alert that is due, taken out of the queue; false when none is
 * (the retry timer is then armed for the first one waiting). */
static bool take_due(struct webhook *w, struct alert *out)
{
	int64_t now = time_mono_ms(), next = INT64_MAX;
	for (int i = 0; i < w->nqueue; i++) {
		if (w->queue[i].due_ms <= now) {
			*out = w->queue[i];
			memmove(w->queue + i, w->queue + i + 1,
			        (size_t)(--w->nqueue - i) * sizeof w->queue[0]);
			return true;
		}
		if (w->queue[i].due_ms < next)
			next = w->queue[i].due_ms;
	}
	if (next != INT64_MAX)
		loop_timer_arm(w->retry, (int)(next - now), 0);
	return false;
}

static void start_queued(struct webhook *w)
{
	for (int i = 0; i < INFLIGHT_MAX && w->nqueue > 0; i++) {
		struct post *p = &w->inflight[i];
		if (p->easy)
			continue;
		if (!take_due(w, &p->a))
			break;
		p->a.attempts++;
		if (!(p->easy = curl_easy_init()))
			abort();
		curl_easy_setopt(p->easy, CURLOPT_URL, w->url);
		curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http");
		curl_easy_setopt(p->easy, CURLOPT_PROXY, "");
		curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
		curl_easy_setopt(p->easy, CURLOPT_USERAGENT, "callboard-bridge");
		curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, w->headers);
		curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->a.body);
		curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
		curl_multi_add_handle(w->multi, p->easy);
	}
}

struct webhook *webhook_create(struct loop *loop, const char *url, struct metrics *m)
{
	struct url u;
	char why[160];
	if (!url_parse(url, false, &u, why, sizeof why)) {
		log_error("[registry] webhook: %s: %s", url, why);
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("libcurl failed to start");
		return NULL;
	}
	struct webhook *w = xcalloc(1, sizeof *w);
	w->loop = loop;
	w->m = m;
	snprintf(w->url, sizeof w->url, "%s", url);
	w->headers = curl_slist_append(NULL, "Content-Type: application/json");
	w->headers = curl_slist_append(w->headers, "Expect:");
	w->multi = curl_multi_init();
	w->timer = loop_add_timer(loop, 0, 0, on_timer, w);
	w->retry = loop_add_timer(loop, 0, 0, on_retry, w);
	w->rng = ((uint64_t)time_now_ms() ^ (uint64_t)(uintptr_t)w) | 1;
	if (!w->headers || !w->multi || !w->timer || !w->retry)
		abort();
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, want_socket);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, want_timer);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	return w;
}

void webhook_destroy(struct webhook *w)
{
	if (!w)
		return;
	for (int i = 0; i < INFLIGHT_MAX; i++) {
		struct post *p = &w->inflight[i];
		if (!p->easy)
			continue;
		curl_multi_remove_handle(w->multi, p->easy);
		curl_easy_cleanup(p->easy);
		free(p->a.body);
	}
	for (int i = 0; i < w->nqueue; i++)
		free(w->queue[i].body);
	curl_multi_cleanup(w->multi);
	curl_slist_free_all(w->headers);
	loop_remove(w->loop, w->timer);
	loop_remove(w->loop, w->retry);
	free(w);
	curl_global_cleanup();
}

void webhook_post(struct webhook *w, const char *json)
{
	enqueue(w, (struct alert){.body = xstrdup(json), .seq = w->next_seq++});
	start_queued(w);
}

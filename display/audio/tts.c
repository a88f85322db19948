#define LOG_MODULE "tts"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include "log.h"
#include "loop.h"
#include "tts.h"

#define TTS_RATE 22050

/* The espeak-ng state. There is one per process: the library is global
 * and not thread-safe, so every use holds engine_mu; and after
 * espeak_ng_Terminate a second Initialize hangs in 1.51 (its fifo thread is
 * gone), so it is set up once and left up until the process exits. */
struct engine {
	bool ready;
	char voice[16]; /* the voice set now: switch only when it changes */
	int speed;      /* the rate set now */
	char err[128];  /* why init failed */
};

struct request {
	uint64_t job;
	int slot;
	char lang[16];
	char *ssml;
	struct request *next;
};

struct response {
	struct tts_result r;
	struct response *next;
};

struct tts {
	struct loop *loop;
	struct loop_source *src;
	int efd;
	tts_done_cb cb;
	void *data;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool quit;
	int speed;
	struct request *req_head, *req_tail;
	int nreq, req_peak; /* requests waiting, and the most at once */
	struct response *res_head, *res_tail;
};

static struct engine engine;
static pthread_mutex_t engine_mu = PTHREAD_MUTEX_INITIALIZER;

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* espeak-ng calls this with each chunk; user_data is the pcm to fill. */
static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	if (wav && n > 0 && ev && ev->user_data)
		pcm_append(ev->user_data, wav, (size_t)n);
	return 0;
}

static int engine_init(struct engine *e)
{
	if (e->ready)
		return 0;
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_InitializePath(NULL);
	espeak_ng_STATUS st = espeak_ng_Initialize(&ctx);
	if (st == ENS_OK)
		st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL);
	if (st != ENS_OK) {
		char msg[96];
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		snprintf(e->err, sizeof(e->err), "espeak-ng init: %s", msg);
		espeak_ng_ClearErrorContext(&ctx);
		return -1;
	}
	espeak_SetSynthCallback(synth_cb);
	e->ready = true;
	e->voice[0] = '\0';
	e->speed = 0;
	return 0;
}

static int engine_synth(struct engine *e, const char *lang, const char *ssml, int speed,
                        struct pcm *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->rate = TTS_RATE;
	if (engine_init(e)) {
		snprintf(err, errlen, "%s", e->err);
		return -1;
	}
	out->rate = espeak_ng_GetSampleRate();
	/* Switching voices without synthesising in between leaks inside the
	 * library: switch only on a real change, and always speak after. */
	if (strcmp(e->voice, lang) != 0) {
		if (espeak_ng_SetVoiceByName(lang) != ENS_OK) {
			snprintf(err, errlen, "espeak-ng has no voice '%s'", lang);
			e->voice[0] = '\0';
			return -1;
		}
		snprintf(e->voice, sizeof(e->voice), "%s", lang);
		e->speed = 0; /* a new voice brings its own rate */
	}
	if (e->speed != speed) {
		espeak_SetParameter(espeakRATE, speed, 0);
		e->speed = speed;
	}
	espeak_ng_STATUS st = espeak_ng_Synthesize(ssml, strlen(ssml) + 1, 0, POS_CHARACTER, 0,
	                                           espeakCHARS_UTF8 | espeakSSML, NULL, out);
	/* Synchronous mode: the samples are all in out when this returns. */
	if (st != ENS_OK) {
		char msg[96];
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		snprintf(err, errlen, "espeak-ng synthesis: %s", msg);
		pcm_free(out);
		return -1;
	}
	if (out->n == 0) {
		snprintf(err, errlen, "espeak-ng produced no audio");
		return -1;
	}
	return 0;
}

static void *thread_main(void *arg)
{
	struct tts *t = arg;
	struct engine *e = &engine;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->quit && !t->req_head)
			pthread_cond_wait(&t->cond, &t->mu);
		if (t->quit)
			break;
		struct request *q = t->req_head;
		t->req_head = q->next;
		if (!t->req_head)
			t->req_tail = NULL;
		t->nreq--;
		int speed = t->speed;
		pthread_mutex_unlock(&t->mu);

		struct response *res = xcalloc(1, sizeof(*res));
		res->r.job = q->job;
		res->r.slot = q->slot;
		double t0 = mono_ms();
		res->r.ok = engine_synth(e, q->lang, q->ssml, speed, &res->r.pcm, res->r.err,
		                         sizeof(res->r.err)) == 0;
		res->r.synth_ms = mono_ms() - t0;
		free(q->ssml);
		free(q);

		pthread_mutex_lock(&t->mu);
		if (t->res_tail)
			t->res_tail->next = res;
		else
			t->res_head = res;
		t->res_tail = res;
		uint64_t one = 1;
		if (write(t->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn_rl("eventfd write: %s", strerror(errno));
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

static void on_event(int fd, uint32_t events, void *data)
{
	struct tts *t = data;
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn_rl("eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&t->mu);
	struct response *list = t->res_head;
	t->res_head = t->res_tail = NULL;
	pthread_mutex_unlock(&t->mu);
	while (list) {
		struct response *next = list->next;
		t->cb(&list->r, t->data);
		pcm_free(&list->r.pcm);
		free(list);
		list = next;
	}
}

struct tts *tts_create(struct loop *loop, int speed, tts_done_cb cb, void *data)
{
	struct tts *t = xcalloc(1, sizeof(*t));
	t->loop = loop;
	t->cb = cb;
	t->data = data;
	t->speed = speed;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->efd < 0) {
		log_error("eventfd: %s", strerror(errno));
		goto fail;
	}
	t->src = loop_add_fd(loop, t->efd, EPOLLIN, on_event, t);
	if (!t->src)
		goto fail;
	if (pthread_create(&t->thread, NULL, thread_main, t) != 0) {
		log_error("cannot start the speech thread");
		goto fail;
	}
	t->started = true;
	return t;
fail:
	tts_destroy(t);
	return NULL;
}

int tts_submit(struct tts *t, uint64_t job, int slot, const char *lang, const char *ssml)
{
	struct request *q = xcalloc(1, sizeof(*q));
	q->job = job;
	q->slot = slot;
	snprintf(q->lang, sizeof(q->lang), "%s", lang);
	q->ssml = xstrdup(ssml);
	pthread_mutex_lock(&t->mu);
	if (t->req_tail)
		t->req_tail->next = q;
	else
		t->req_head = q;
	t->req_tail = q;
	if (++t->nreq > t->req_peak)
		t->req_peak = t->nreq;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->mu);
	return 0;
}

void tts_cancel(struct tts *t, uint64_t job)
{
	pthread_mutex_lock(&t->mu);
	struct request **pp = &t->req_head, *last = NULL;
	while (*pp) {
		struct request *q = *pp;
		if (q->job != job) {
			last = q;
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		t->nreq--;
		free(q->ssml);
		free(q);
	}
	t->req_tail = last;
	pthread_mutex_unlock(&t->mu);
}

int tts_queue_peak(struct tts *t)
{
	pthread_mutex_lock(&t->mu);
	int n = t->req_peak;
	pthread_mutex_unlock(&t->mu);
	return n;
}

void tts_set_speed(struct tts *t, int speed)
{
	pthread_mutex_lock(&t->mu);
	t->speed = speed;
	pthread_mutex_unlock(&t->mu);
}

int tts_rate(void)
{
	return TTS_RATE;
}

void tts_destroy(struct tts *t)
{
	if (!t)
		return;
	if (t->started) {
		pthread_mutex_lock(&t->mu);
		t->quit = true;
		pthread_cond_signal(&t->cond);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
	}
	while (t->req_head) {
		struct request *q = t->req_head;
		t->req_head = q->next;
		free(q->ssml);
		free(q);
	}
	while (t->res_head) {
		struct response *r = t->res_head;
		t->res_head = r->next;
		pcm_free(&r->r.pcm);
		free(r);
	}
	if (t->src)
		loop_remove(t->loop, t->src);
	if (t->efd >= 0)
		close(t->efd);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

int tts_synth_once(const char *lang, const char *ssml, int speed, struct pcm *out, char *err,
                   size_t errlen)
{
	pthread_mutex_lock(&engine_mu);
	int rc = engine_synth(&engine, lang, ssml, speed, out, err, errlen);
	pthread_mutex_unlock(&engine_mu);
	return rc;
}

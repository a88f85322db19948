/* bench_announce [CHIME.wav]: announcement latency and cost.
 *  1. board received (JSON payload in hand) -> first sample (the chime)
 *     queued on the audio device, over 200 calls, each on an idle player;
 *  2. espeak-ng synthesis time per phrase (Danish, 100 phrases);
 *  3. RSS before, with espeak-ng loaded, and the peak.
 * Runs on SDL's disk driver writing to /dev/null unless SDL_AUDIODRIVER is
 * set, so a machine without a sound card measures the same path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "announcer.h"
#include "audio_config.h"
#include "loop.h"
#include "phrase.h"
#include "timeutil.h"
#include "tts.h"

#define CALLS   200
#define PHRASES 100

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n))
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	int i = (int)(p / 100.0 * (n - 1) + 0.5);
	return v[i];
}

struct synth_run {
	int got;
	double ms[PHRASES];
	double audio_s;
};

static void on_synth(struct tts_result *r, void *data)
{
	struct synth_run *s = data;
	if (r->ok && s->got < PHRASES) {
		s->ms[s->got++] = r->synth_ms;
		s->audio_s += (double)r->pcm.n / r->pcm.rate;
	}
}

int main(int argc, char **argv)
{
	const char *chime = argc > 1 ? argv[1] : "assets/chime.wav";
	if (!getenv("SDL_AUDIODRIVER")) {
		setenv("SDL_AUDIODRIVER", "disk", 1);
		setenv("SDL_DISKAUDIOFILE", "/dev/null", 1);
	}
	long rss0 = status_kb("VmRSS");
	struct audio_config cfg;
	audio_config_defaults(&cfg);
	struct loop *loop = loop_create();

	/* 2 first: the phrases alone, on a tts thread of their own. */
	struct synth_run sr = {0};
	struct tts *t = tts_create(loop, cfg.speed, on_synth, &sr);
	for (int i = 0; i < PHRASES; i++) {
		struct proto_call c = {0};
		char text[PHRASE_MAX];
		snprintf(c.ticket, sizeof(c.ticket), "%c%03d", 'A' + i % 4, (i * 37) % 1000);
		snprintf(c.desk, sizeof(c.desk), "%d", 1 + i % 12);
		phrase_build(text, sizeof(text), cfg.templates[0], cfg.desk_words[0], &c);
		tts_submit(t, (uint64_t)i, 0, cfg.languages[0], text);
	}
	double end = mono() + 120000;
	while (sr.got < PHRASES && mono() < end)
		loop_dispatch(loop, 100);
	long rss_espeak = status_kb("VmRSS");
	tts_destroy(t);

	struct announcer *a = announcer_create(loop, &cfg, chime);
	struct audio_spec spec;
	if (!announcer_output(a, &spec)) {
		fprintf(stderr, "no audio device\n");
		return 1;
	}
	double lat[CALLS];
	int64_t seq = 0;
	for (int i = 0; i < CALLS; i++) {
		struct proto_board b = {0};
		struct proto_call *c = &b.calls[0];
		b.ncalls = 1;
		b.seq = ++seq;
		b.ts_ms = time_now_ms();
		snprintf(c->id, sizeof(c->id), "bench-%d", i);
		snprintf(c->ticket, sizeof(c->ticket), "A%03d", i % 1000);
		snprintf(c->desk, sizeof(c->desk), "%d", 1 + i % 9);
		c->ts_ms = b.ts_ms;
		char *json = proto_board_encode(&b);
		struct proto_board in;
		struct proto_error err;
		double t0 = mono();
		if (proto_board_decode(json, strlen(json), &in, &err)) {
			fprintf(stderr, "decode: %s: %s\n", err.field, err.reason);
			return 1;
		}
		announcer_board(a, "main", &in, time_now_ms(), false);
		lat[i] = mono() - t0;
		free(json);
		/* Let the speech come back (the tts thread is busy meanwhile
		 * in real life too), then start the next on an idle player. */
		double until = mono() + 30;
		while (mono() < until)
			loop_dispatch(loop, 5);
		announcer_flush(a);
	}
	struct announcer_stats st;
	announcer_stats(a, &st);
	long rss_end = status_kb("VmRSS"), hwm = status_kb("VmHWM");

	double p50 = pct(lat, CALLS, 50), p99 = pct(lat, CALLS, 99), max = lat[CALLS - 1];
	double audio_per = sr.audio_s / (sr.got ? sr.got : 1);
	printf("audio output: %s, %d Hz, %d ch, %s\n", getenv("SDL_AUDIODRIVER"), spec.freq,
	       spec.channels, spec.format);
	printf("board received -> first sample queued (%d calls): p50 %.3f ms, p99 %.3f ms, "
	       "max %.3f ms\n",
	       CALLS, p50, p99, max);
	printf("synthesis per phrase (%d Danish phrases, %.2f s of speech each): p50 %.1f ms, "
	       "p99 %.1f ms\n",
	       sr.got, audio_per, pct(sr.ms, sr.got, 50), pct(sr.ms, sr.got, 99));
	printf("RSS: %ld kB at start, %ld kB with espeak-ng loaded, %ld kB at end, peak %ld "
	       "kB\n",
	       rss0, rss_espeak, rss_end, hwm);
	announcer_destroy(a);
	loop_destroy(loop);
	return 0;
}

/* Text to speech: espeak-ng on one dedicated thread. The library keeps
 * global state and is not thread-safe: one lock guards every use.
 * Requests go in under a mutex; results come back to the main loop through
 * an eventfd and a callback. */
#ifndef CB_TTS_H
#define CB_TTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wav.h"

struct loop;
struct tts;

struct tts_result {
	uint64_t job; /* as given to tts_submit */
	int slot;     /* as given to tts_submit */
	bool ok;
	struct pcm pcm;  /* the speech; the callback may take it (then zero it) */
	double synth_ms; /* time espeak-ng took */
	char err[128];   /* why not ok */
};

/* Called on the loop thread for each finished request; whatever is left in
 * r->pcm is freed after it returns. */
typedef void (*tts_done_cb)(struct tts_result *r, void *data);

/* Start the thread; results are delivered through loop. NULL on failure.
 * speed is words per minute. */
struct tts *tts_create(struct loop *loop, int speed, tts_done_cb cb, void *data);
/* Queue SSML text in language lang (an espeak-ng voice name: "da", "en").
 * Results come back in submission order. 0, or -1. */
int tts_submit(struct tts *t, uint64_t job, int slot, const char *lang, const char *ssml);
/* Drop the requests of job not started yet (the caller dropped its
 * announcement): a burst of calls leaves no backlog of speech nobody will
 * hear. A request the thread is already speaking still comes back. */
void tts_cancel(struct tts *t, uint64_t job);
/* The most requests that have waited at once so far (for stats). */
int tts_queue_peak(struct tts *t);
/* Change the speed for the following requests. */
void tts_set_speed(struct tts *t, int speed);
/* The rate espeak-ng speaks at (22050); fixed by the library. */
int tts_rate(void);
/* Stop the thread, drop pending requests and free everything. espeak-ng
 * itself stays loaded until the process exits (it cannot be restarted). */
void tts_destroy(struct tts *t);

/* Synthesize on the calling thread (the one-shot --announce path); waits
 * while a tts thread is speaking. out is freshly allocated. 0, or -1 with
 * a reason in err. */
int tts_synth_once(const char *lang, const char *ssml, int speed, struct pcm *out, char *err,
                   size_t errlen);

#endif

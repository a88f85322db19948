/* Audio output: one SDL audio device fed with SDL_QueueAudio from the main
 * loop (no callback thread of ours). Buffers arrive as mono 16-bit PCM at
 * any rate and are converted to what the device opened with
 * SDL_AudioStream. Everything queued plays back to back, in order. */
#ifndef CB_AUDIO_H
#define CB_AUDIO_H

#include <stdbool.h>
#include <stdint.h>

#include "wav.h"

struct audio_out;

/* What the device was opened with. */
struct audio_spec {
	int freq;
	int channels;
	const char *format; /* "s16le", "f32le", ... */
	int bytes_per_frame;
};

/* Prepare output on device ("" or NULL: the default); does not open it. */
struct audio_out *audio_out_create(const char *device);
/* Try to open the device; true when open. A failure is logged once until
 * an open succeeds again. */
bool audio_out_open(struct audio_out *o);
/* Close the device (pending audio is dropped). */
void audio_out_close(struct audio_out *o);
/* True while the device is open and running; notices a lost device. */
bool audio_out_ok(struct audio_out *o);
/* The opened format; false when closed. */
bool audio_out_spec(const struct audio_out *o, struct audio_spec *spec);
/* Convert p to the device format and queue it after what is queued.
 * Returns 0, or -1 (device closed or conversion failed). */
int audio_out_queue(struct audio_out *o, const struct pcm *p);
/* Bytes queued since open, and bytes the device has consumed of them; a
 * drained queue pauses the device (it stays open) until the next queue. */
uint64_t audio_out_queued_total(const struct audio_out *o);
uint64_t audio_out_position(struct audio_out *o);
/* Drop everything queued but not yet played. */
void audio_out_clear(struct audio_out *o);
/* Close and free. */
void audio_out_destroy(struct audio_out *o);

/* Resample mono 16-bit in to rate into out (freshly allocated), with
 * SDL_AudioStream. 0, or -1 with a reason in err. */
int audio_resample(const struct pcm *in, int rate, struct pcm *out, char *err, size_t errlen);

#endif

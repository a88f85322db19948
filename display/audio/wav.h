/* Mono 16-bit PCM buffers and the WAV files they come from and go to. */
#ifndef CB_WAV_H
#define CB_WAV_H

#include <stddef.h>
#include <stdint.h>

/* A growable mono buffer; s is owned by the struct (free with pcm_free). */
struct pcm {
	int16_t *s;
	size_t n, cap;
	int rate;
};

/* Append n samples (s may be NULL: silence). */
void pcm_append(struct pcm *p, const int16_t *s, size_t n);
/* Append ms milliseconds of silence at p's rate. */
void pcm_append_silence(struct pcm *p, int ms);
/* Append src scaled by volume 0-100 (src must have p's rate). */
void pcm_append_gain(struct pcm *p, const struct pcm *src, int volume);
/* Free the samples and empty the buffer (the rate stays). */
void pcm_free(struct pcm *p);

/* Read a PCM WAV (16-bit, 1 or 2 channels, stereo is mixed down) into out
 * (freshly allocated). 0, or -1 with a reason in err. */
int wav_read(const char *path, struct pcm *out, char *err, size_t errlen);
/* Write p as a 16-bit mono WAV. 0, or -1 with a reason in err. */
int wav_write(const char *path, const struct pcm *p, char *err, size_t errlen);

#endif

/* Mono 16-bit PCM buffers and the WAV files they come from and go to.
 * Reading and format conversion are SDL's (SDL_LoadWAV, SDL_AudioStream);
 * writing a plain 16-bit mono WAV is ours (SDL has no writer). */
#ifndef CB_WAV_H
#define CB_WAV_H

#include <SDL.h>
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

/* Read a WAV in any encoding SDL_LoadWAV knows (integer or float PCM,
 * ADPCM, any channel count) into out (freshly allocated, caller frees) as
 * mono 16-bit at rate (0: the file's own). 0, or -1 with a reason in err. */
int wav_read(const char *path, int rate, struct pcm *out, char *err, size_t errlen);
/* Convert len bytes of audio from one format to another through an
 * SDL_AudioStream; *out is malloc'ed (caller frees), *outlen its bytes.
 * 0, or -1 with a reason in err. */
int pcm_convert(const SDL_AudioSpec *from, const void *in, int len, const SDL_AudioSpec *to,
                void **out, int *outlen, char *err, size_t errlen);
/* Write p as a 16-bit mono WAV. 0, or -1 with a reason in err. */
int wav_write(const char *path, const struct pcm *p, char *err, size_t errlen);

#endif

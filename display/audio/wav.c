#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wav.h"

/* A chime longer than this is a mistake in the config, not a chime. */
#define WAV_BYTES_MAX (16u * 1024 * 1024)

void pcm_append(struct pcm *p, const int16_t *s, size_t n)
{
	if (p->n + n > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		while (cap < p->n + n)
			cap *= 2;
		p->s = xrealloc(p->s, cap * sizeof(*p->s));
		p->cap = cap;
	}
	if (s)
		memcpy(p->s + p->n, s, n * sizeof(*s));
	else
		memset(p->s + p->n, 0, n * sizeof(*p->s));
	p->n += n;
}

void pcm_append_silence(struct pcm *p, int ms)
{
	pcm_append(p, NULL, (size_t)p->rate * (size_t)ms / 1000);
}

void pcm_append_gain(struct pcm *p, const struct pcm *src, int volume)
{
	size_t at = p->n;
	pcm_append(p, src->s, src->n);
	if (volume >= 100)
		return;
	/* A perceptual curve: 50 sounds about half as loud as 100. */
	double g = volume <= 0 ? 0.0 : (double)volume / 100.0;
	g = g * g;
	for (size_t i = at; i < p->n; i++)
		p->s[i] = (int16_t)(p->s[i] * g);
}

void pcm_free(struct pcm *p)
{
	free(p->s);
	p->s = NULL;
	p->n = p->cap = 0;
}

int pcm_convert(const SDL_AudioSpec *from, const void *in, int len, const SDL_AudioSpec *to,
                void **out, int *outlen, char *err, size_t errlen)
{
	int ret = -1;
	*out = NULL;
	*outlen = 0;
	SDL_AudioStream *st = SDL_NewAudioStream(from->format, from->channels, from->freq,
	                                         to->format, to->channels, to->freq);
	if (!st) {
		snprintf(err, errlen, "audio stream: %s", SDL_GetError());
		return -1;
	}
	if ((len > 0 && SDL_AudioStreamPut(st, in, len) != 0) || SDL_AudioStreamFlush(st) != 0) {
		snprintf(err, errlen, "audio stream: %s", SDL_GetError());
		goto out;
	}
	int avail = SDL_AudioStreamAvailable(st);
	void *buf = xmalloc((size_t)avail + 1);
	int got = avail ? SDL_AudioStreamGet(st, buf, avail) : 0;
	if (got < 0) {
		snprintf(err, errlen, "audio stream: %s", SDL_GetError());
		free(buf);
		goto out;
	}
	*out = buf;
	*outlen = got;
	ret = 0;
out:
	SDL_FreeAudioStream(st);
	return ret;
}

int wav_read(const char *path, int rate, struct pcm *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	SDL_RWops *rw = SDL_RWFromFile(path, "rb");
	if (!rw) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	Sint64 size = SDL_RWsize(rw);
	if (size < 0 || (Uint64)size > WAV_BYTES_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
		         WAV_BYTES_MAX);
		SDL_RWclose(rw);
		return -1;
	}
	SDL_AudioSpec spec;
	Uint8 *buf = NULL;
	Uint32 len = 0;
	if (!SDL_LoadWAV_RW(rw, 1, &spec, &buf, &len)) {
		snprintf(err, errlen, "%s: %s", path, SDL_GetError());
		return -1;
	}
	SDL_AudioSpec want = {
	    .format = AUDIO_S16SYS, .channels = 1, .freq = rate > 0 ? rate : spec.freq};
	void *conv;
	int convlen;
	int rc = pcm_convert(&spec, buf, (int)len, &want, &conv, &convlen, err, errlen);
	SDL_FreeWAV(buf);
	if (rc)
		return -1;
	out->rate = want.freq;
	if (convlen > 0)
		pcm_append(out, conv, (size_t)convlen / 2);
	free(conv);
	return 0;
}

static void put32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
	b[2] = (unsigned char)(v >> 16);
	b[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *b, uint16_t v)
{
	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
}

int wav_write(const char *path, const struct pcm *p, char *err, size_t errlen)
{
	unsigned char h[44];
	uint32_t data = (uint32_t)(p->n * 2);
	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, 1);
	put16(h + 22, 1);
	put32(h + 24, (uint32_t)p->rate);
	put32(h + 28, (uint32_t)p->rate * 2);
	put16(h + 32, 2);
	put16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put32(h + 40, data);
	FILE *f = fopen(path, "wb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int ok = fwrite(h, 1, sizeof(h), f) == sizeof(h);
	/* Samples are written little-endian, as WAV wants. */
	for (size_t i = 0; ok && i < p->n; i++) {
		unsigned char b[2];
		put16(b, (uint16_t)p->s[i]);
		ok = fwrite(b, 1, 2, f) == 2;
	}
	if (fclose(f) != 0 || !ok) {
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

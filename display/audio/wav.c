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

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint16_t le16(const unsigned char *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

int wav_read(const char *path, struct pcm *out, char *err, size_t errlen)
{
	int ret = -1;
	unsigned char *buf = NULL;
	FILE *f = fopen(path, "rb");
	memset(out, 0, sizeof(*out));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (size < 0 || (unsigned long)size > WAV_BYTES_MAX || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
		         WAV_BYTES_MAX);
		goto out;
	}
	buf = xmalloc((size_t)size + 1);
	size_t len = fread(buf, 1, (size_t)size, f);
	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		snprintf(err, errlen, "%s: not a RIFF/WAVE file", path);
		goto out;
	}
	int channels = 0, bits = 0, rate = 0;
	size_t pos = 12;
	while (pos + 8 <= len) {
		uint32_t csize = le32(buf + pos + 4);
		const unsigned char *c = buf + pos + 8;
		if (csize > len - pos - 8) {
			snprintf(err, errlen, "%s: truncated chunk", path);
			goto out;
		}
		if (!memcmp(buf + pos, "fmt ", 4)) {
			if (csize < 16 || le16(c) != 1) {
				snprintf(err, errlen, "%s: not integer PCM", path);
				goto out;
			}
			channels = le16(c + 2);
			rate = (int)le32(c + 4);
			bits = le16(c + 14);
		} else if (!memcmp(buf + pos, "data", 4)) {
			if (bits != 16 || (channels != 1 && channels != 2) || rate < 8000 ||
			    rate > 192000) {
				snprintf(err, errlen,
				         "%s: want 16-bit mono or stereo PCM at 8000-192000 Hz",
				         path);
				goto out;
			}
			size_t frames = csize / (size_t)(2 * channels);
			out->rate = rate;
			pcm_append(out, NULL, frames);
			for (size_t i = 0; i < frames; i++) {
				const unsigned char *s = c + i * 2 * (size_t)channels;
				int v = (int16_t)le16(s);
				if (channels == 2)
					v = (v + (int16_t)le16(s + 2)) / 2;
				out->s[i] = (int16_t)v;
			}
			ret = 0;
			goto out;
		}
		pos += 8 + csize + (csize & 1);
	}
	snprintf(err, errlen, "%s: no fmt/data chunk", path);
out:
	if (ret)
		pcm_free(out);
	free(buf);
	if (f)
		fclose(f);
	return ret;
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

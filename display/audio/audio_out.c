#define LOG_MODULE "audio"
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "audio_out.h"
#include "log.h"

#define AUDIO_WANT_RATE 48000

struct audio_out {
	char device[256];
	bool subsystem; /* SDL audio subsystem initialised by us */
	SDL_AudioDeviceID dev;
	SDL_AudioSpec have;
	bool failed_logged;
	bool paused; /* nothing to play: the device is open but paused */
	uint64_t queued_total;
};

struct audio_out *audio_out_create(const char *device)
{
	struct audio_out *o = xcalloc(1, sizeof(*o));
	if (device)
		snprintf(o->device, sizeof(o->device), "%s", device);
	return o;
}

bool audio_out_open(struct audio_out *o)
{
	if (o->dev)
		return true;
	if (!o->subsystem) {
		if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
			if (!o->failed_logged)
				log_warn("no audio: %s; the screen goes on, retrying every minute",
				         SDL_GetError());
			o->failed_logged = true;
			return false;
		}
		o->subsystem = true;
	}
	SDL_AudioSpec want = {0};
	want.freq = AUDIO_WANT_RATE;
	want.format = AUDIO_S16SYS;
	want.channels = 1;
	/* SDL's audio thread wakes once per buffer even while paused (SDL 2.26
	 * feeds a paused device silence): 4096 frames is 85 ms at 48 kHz, about
	 * 12 wakeups a second instead of 47 with 1024, for 64 ms more before
	 * the first sample of a chime is heard. */
	want.samples = 4096;
	o->dev =
	    SDL_OpenAudioDevice(o->device[0] ? o->device : NULL, 0, &want, &o->have,
	                        SDL_AUDIO_ALLOW_FREQUENCY_CHANGE | SDL_AUDIO_ALLOW_CHANNELS_CHANGE);
	if (!o->dev) {
		if (!o->failed_logged)
			log_warn("no audio device%s%s: %s; the screen goes on, retrying every "
			         "minute",
			         o->device[0] ? " " : "", o->device, SDL_GetError());
		o->failed_logged = true;
		/* Let the next try rescan the devices (a USB card plugged in). */
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		o->subsystem = false;
		return false;
	}
	o->failed_logged = false;
	o->queued_total = 0;
	struct audio_spec s;
	audio_out_spec(o, &s);
	log_info("audio on %s (%s): %d Hz, %d channel(s), %s", SDL_GetCurrentAudioDriver(),
	         o->device[0] ? o->device : "default device", s.freq, s.channels, s.format);
	/* SDL opens a device paused; it starts with the first queued sound. */
	o->paused = true;
	return true;
}

void audio_out_close(struct audio_out *o)
{
	if (o->dev)
		SDL_CloseAudioDevice(o->dev);
	o->dev = 0;
	o->queued_total = 0;
}

bool audio_out_ok(struct audio_out *o)
{
	if (!o->dev)
		return false;
	if (SDL_GetAudioDeviceStatus(o->dev) == SDL_AUDIO_STOPPED) {
		log_warn("audio device lost; retrying every minute");
		audio_out_close(o);
		return false;
	}
	return true;
}

static const char *format_name(SDL_AudioFormat f)
{
	switch (f) {
	case AUDIO_S16LSB:
		return "s16le";
	case AUDIO_S16MSB:
		return "s16be";
	case AUDIO_S32LSB:
		return "s32le";
	case AUDIO_F32LSB:
		return "f32le";
	case AUDIO_U8:
		return "u8";
	default:
		return "other";
	}
}

bool audio_out_spec(const struct audio_out *o, struct audio_spec *spec)
{
	if (!o->dev)
		return false;
	spec->freq = o->have.freq;
	spec->channels = o->have.channels;
	spec->format = format_name(o->have.format);
	spec->bytes_per_frame = (int)(SDL_AUDIO_BITSIZE(o->have.format) / 8) * o->have.channels;
	return true;
}

/* p (mono 16-bit) in the given format; *out and *outlen are malloc'ed
 * bytes the caller frees. */
static int convert(const struct pcm *in, SDL_AudioFormat fmt, int channels, int rate, void **out,
                   int *outlen, char *err, size_t errlen)
{
	SDL_AudioSpec from = {.format = AUDIO_S16SYS, .channels = 1, .freq = in->rate};
	SDL_AudioSpec to = {.format = fmt, .channels = (Uint8)channels, .freq = rate};
	return pcm_convert(&from, in->s, (int)(in->n * 2), &to, out, outlen, err, errlen);
}

/* A paused device stays open (no click, no HDMI audio drop on the TV): SDL
 * feeds it silence instead of the queue. */
static void set_paused(struct audio_out *o, bool paused)
{
	if (o->paused == paused)
		return;
	SDL_PauseAudioDevice(o->dev, paused);
	o->paused = paused;
}

int audio_out_queue(struct audio_out *o, const struct pcm *p)
{
	if (!o->dev)
		return -1;
	if (p->n == 0)
		return 0;
	void *buf;
	int len;
	char err[160];
	if (convert(p, o->have.format, o->have.channels, o->have.freq, &buf, &len, err,
	            sizeof(err))) {
		log_warn_rl("%s", err);
		return -1;
	}
	int rc = SDL_QueueAudio(o->dev, buf, (Uint32)len);
	free(buf);
	if (rc != 0) {
		log_warn_rl("queue audio: %s", SDL_GetError());
		return -1;
	}
	o->queued_total += (uint64_t)len;
	set_paused(o, false);
	return 0;
}

uint64_t audio_out_queued_total(const struct audio_out *o)
{
	return o->queued_total;
}

uint64_t audio_out_position(struct audio_out *o)
{
	if (!o->dev)
		return o->queued_total;
	Uint32 left = SDL_GetQueuedAudioSize(o->dev);
	/* Drained: the last buffer is already with the device. */
	if (left == 0)
		set_paused(o, true);
	return o->queued_total - left;
}

void audio_out_clear(struct audio_out *o)
{
	if (!o->dev)
		return;
	/* Count the dropped bytes as consumed so positions stay monotonic. */
	SDL_ClearQueuedAudio(o->dev);
}

void audio_out_destroy(struct audio_out *o)
{
	if (!o)
		return;
	audio_out_close(o);
	if (o->subsystem)
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
	free(o);
}

int audio_resample(const struct pcm *in, int rate, struct pcm *out, char *err, size_t errlen)
{
	void *buf;
	int len;
	memset(out, 0, sizeof(*out));
	out->rate = rate;
	if (convert(in, AUDIO_S16SYS, 1, rate, &buf, &len, err, errlen))
		return -1;
	pcm_append(out, buf, (size_t)len / 2);
	free(buf);
	return 0;
}

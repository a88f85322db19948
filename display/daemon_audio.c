#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_MODULE "daemon-audio"
#include "announcer.h"
#include "log.h"
#include "daemon_audio.h"
#include "loop.h"
#include "timeutil.h"

#define PENDING_MAX 8 /* boards of one loop turn waiting for its frame */

/* A board as it arrived, for the announcer once the frame is out. */
struct pending {
	char area[PROTO_NAME_MAX + 1];
	struct proto_board b;
	int64_t now_ms;
	bool live, silenced;
};

struct daemon_audio {
	struct daemon *d;
	struct announcer *a;
	/* The chime's conversion and the speech thread's start would otherwise
	 * share the CPU with the board's frame and hold up its ack: boards
	 * wait here (owned) for a timer that fires in the next loop turn. */
	struct pending *pending;
	int npending;
	struct loop_source *kick;
};

static int minute_of_day(int64_t now_ms)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

/* Closed, or quiet hours without a quiet volume; sets the quiet volume. */
static bool silenced(struct daemon_audio *s, int64_t now_ms)
{
	const struct display_config *cfg = daemon_config(s->d);
	bool quiet = audio_quiet_now(&cfg->audio, minute_of_day(now_ms));
	announcer_set_quiet(s->a, quiet);
	return !daemon_is_open(s->d) || (quiet && cfg->audio.quiet_volume <= 0);
}

static void announce(struct daemon_audio *s, const struct pending *p)
{
	if (p->live)
		announcer_hint_live(s->a);
	announcer_board(s->a, p->area, &p->b, p->now_ms, p->silenced);
}

static void on_kick(void *data)
{
	struct daemon_audio *s = data;
	for (int i = 0; i < s->npending; i++)
		announce(s, &s->pending[i]);
	s->npending = 0;
}

static void on_board(void *data, struct daemon *d, const char *area, const struct proto_board *b)
{
	struct daemon_audio *s = data;
	if (s->npending == PENDING_MAX)
		on_kick(s);
	struct pending *p = &s->pending[s->npending++];
	int64_t now = time_now_ms();
	snprintf(p->area, sizeof p->area, "%s", area);
	p->b = *b;
	p->now_ms = now;
	p->live = !daemon_board_retained(d);
	p->silenced = silenced(s, now);
	loop_timer_arm(s->kick, 1, 0);
}

static void on_open(void *data, struct daemon *d, bool open)
{
	struct daemon_audio *s = data;
	on_kick(s); /* boards from before the change, as they came */
	if (!open)
		announcer_flush(s->a); /* closing time: nothing more is spoken */
}

static void on_link(void *data, struct daemon *d, bool up)
{
	struct daemon_audio *s = data;
	if (up)
		announcer_link_up(s->a);
}

static void on_config(void *data, struct daemon *d, const struct display_config *cfg)
{
	struct daemon_audio *s = data;
	char err[256];
	if (announcer_reconfigure(s->a, &cfg->audio, NULL, err, sizeof err) < 0)
		log_warn("audio settings not changed: %s", err);
}

static const struct daemon_listener listener = {
    .board = on_board,
    .open_changed = on_open,
    .link_changed = on_link,
    .config_changed = on_config,
};

struct daemon_audio *daemon_audio_attach(struct daemon *d)
{
	const struct display_config *cfg = daemon_config(d);
	if (!cfg->audio.enabled) {
		log_info("announcements disabled in [audio]");
		return NULL;
	}
	struct daemon_audio *s = xcalloc(1, sizeof *s);
	s->d = d;
	s->a = announcer_create(daemon_loop(d), &cfg->audio, NULL);
	s->kick = loop_add_timer(daemon_loop(d), 0, 0, on_kick, s);
	if (!s->a || !s->kick) {
		announcer_destroy(s->a);
		free(s);
		return NULL;
	}
	s->pending = xcalloc(PENDING_MAX, sizeof *s->pending);
	daemon_add_listener(d, &listener, s);
	return s;
}

int daemon_audio_volume(struct daemon_audio *s, int level, char *err, size_t errlen)
{
	if (!s) {
		snprintf(err, errlen, "announcements are disabled in [audio]");
		return -1;
	}
	announcer_set_volume(s->a, level);
	return 0;
}

int daemon_audio_test(struct daemon_audio *s, char *err, size_t errlen)
{
	if (!s) {
		snprintf(err, errlen, "announcements are disabled in [audio]");
		return -1;
	}
	if (announcer_state(s->a) == PROTO_AUDIO_NONE) {
		snprintf(err, errlen, "no audio output device");
		return -1;
	}
	announcer_test(s->a);
	return 0;
}

void daemon_audio_health(struct daemon_audio *s, struct proto_health *h)
{
	if (!s) {
		h->audio = PROTO_AUDIO_MUTED;
		return;
	}
	struct announcer_stats st;
	announcer_stats(s->a, &st);
	h->audio = announcer_state(s->a);
	h->volume = announcer_volume(s->a);
	h->announced = st.announced;
	h->announce_failed = st.failed;
}

void daemon_audio_destroy(struct daemon_audio *s)
{
	if (!s)
		return;
	loop_remove(daemon_loop(s->d), s->kick);
	announcer_destroy(s->a);
	free(s->pending);
	free(s);
}

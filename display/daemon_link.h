/* The daemon's remote side in one place: the MQTT link, health reports on a
 * timer, remote commands (identify, screenshot, announce-test, volume,
 * reload) and the systemd notify/watchdog. The daemon provides hooks for
 * what only it can do (show a board, draw, play sound) and calls
 * daemon_link_presented after every present. */
#ifndef CB_DAEMON_LINK_H
#define CB_DAEMON_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct loop;
struct daemon;
struct display_config;
struct daemon_link;

struct daemon_link_hooks {
	/* A board newer than the one shown for cfg->areas[area]. */
	void (*board)(void *d, int area, const struct proto_board *b);
	/* A valid notice (n->cleared: none). */
	void (*notice)(void *d, const struct proto_notice *n);
	/* Broker connection up or down (for the offline mark). */
	void (*link_state)(void *d, bool connected);
	/* Fill the screen and audio fields of h: width, height, rotate,
	 * frames, last_frame_ms, screen, audio, volume, announced,
	 * announce_failed, clock offset. */
	void (*health)(void *d, struct proto_health *h);
	/* Show text large on the screen ("id\nip") for seconds. */
	void (*identify)(void *d, const char *text, int seconds);
	/* The current frame as PNG at most max_w wide (*png malloc'ed). */
	int (*screenshot)(void *d, int max_w, void **png, size_t *len);
	/* Take a new, valid config (the daemon copies what it needs).
	 * 0, or -1 with err filled (the old config stays). */
	int (*apply_config)(void *d, const struct display_config *cfg, char *err, size_t errlen);
	/* Optional audio: 0, or -1 with err filled. NULL: no audio. */
	int (*volume)(void *d, int level, char *err, size_t errlen);
	int (*announce_test)(void *d, char *err, size_t errlen);
};

/* Create from cfg (copied; reload replaces the copy). The caller owns the
 * result; NULL on failure (logged). */
struct daemon_link *daemon_link_create(struct loop *loop, const struct display_config *cfg,
                             const struct daemon_link_hooks *hooks, void *d);
/* Audio hooks (volume, announce-test, audio health fields); any may be
 * NULL. Set by whoever owns the announcer. */
struct daemon_link_audio {
	int (*volume)(void *d, int level, char *err, size_t errlen);
	int (*announce_test)(void *d, char *err, size_t errlen);
	void (*health)(void *d, struct proto_health *h);
};

/* Wire the remote side into the daemon: boards, notice and link state go
 * to it, acks follow its frames, commands use its screen. Starts it. The
 * caller owns the result (daemon_link_stop, then daemon_link_destroy). audio may be
 * NULL (no sound: health says "none"). */
struct daemon_link *daemon_link_attach(struct daemon *d, const struct daemon_link_audio *audio, void *audio_data);

/* Connect, start the health timer and the systemd watchdog. */
int daemon_link_start(struct daemon_link *r);
/* After every present: acks for boards now on screen (ids: calls visible),
 * and READY=1 to systemd after the first frame. */
void daemon_link_presented(struct daemon_link *r, int64_t now_ms, const char ids[][PROTO_ID_MAX + 1],
                      int nids);
/* The config in force (owned by r; changes on a successful reload). */
const struct display_config *daemon_link_config(const struct daemon_link *r);
/* True while connected to the broker. */
bool daemon_link_connected(const struct daemon_link *r);
/* Flush MQTT writes: call from the loop's idle callback, after rendering. */
void daemon_link_flush(struct daemon_link *r);
/* Publish a health report now. */
void daemon_link_health_now(struct daemon_link *r);
/* STOPPING=1, status offline, clean disconnect. */
void daemon_link_stop(struct daemon_link *r);
/* Free r and its link (after daemon_link_stop for a clean offline). */
void daemon_link_destroy(struct daemon_link *r);

#endif

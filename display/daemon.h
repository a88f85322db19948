/* The display daemon: one event loop wiring the board model, the renderer
 * and the output. Other modules (the MQTT link, audio) hook in through the
 * functions below and add their fds and timers to daemon_loop():
 *   d = daemon_create(cfg, opts); daemon_add_listener(d, ...);
 *   daemon_set_link_state(d, false);  (the link starts disconnected)
 *   ... link/audio add their sources to daemon_loop(d) ...
 *   daemon_run(d); daemon_destroy(d);
 * Every callback runs on the loop thread; nothing here blocks on I/O. */
#ifndef CB_DAEMON_H
#define CB_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "config.h"
#include "proto.h"

struct daemon;
struct loop;
struct pair_view;

struct daemon_opts {
	bool headless;                       /* offscreen video, software renderer, no sound card */
	const char *snapshot_dir;            /* write DIR/screen.png after each content change */
	int nboards;                         /* dev: boards read at start and on SIGUSR1 */
	const char *boards[PROTO_AREAS_MAX]; /* "FILE" (first area) or "AREA=FILE" */
	const char *notice_file;             /* dev: a notice read at start and on SIGUSR1 */
};

/* Optional callbacks; any member may be NULL. Called on the loop thread. */
struct daemon_listener {
	/* A board was accepted for area (its seq is newer than the one shown). */
	void (*board)(void *data, struct daemon *d, const char *area, const struct proto_board *b);
	/* A frame is on the screen (after present): acks go out from here. */
	void (*frame)(void *data, struct daemon *d);
	/* Opening hours began or ended (announcements are silent when closed). */
	void (*open_changed)(void *data, struct daemon *d, bool open);
	/* The broker became reachable (up) or was lost. */
	void (*link_changed)(void *data, struct daemon *d, bool up);
	/* A reloaded config was swapped in (cfg is the daemon's copy). */
	void (*config_changed)(void *data, struct daemon *d, const struct display_config *cfg);
};

/* Create the daemon for cfg (copied): loop, signals, output. NULL on failure. */
struct daemon *daemon_create(const struct display_config *cfg, const struct daemon_opts *opts);
/* Run until SIGINT/SIGTERM (or the renderer cannot start); returns the
 * exit status. */
int daemon_run(struct daemon *d);
void daemon_destroy(struct daemon *d);

/* Register a listener (up to 8); data is passed back unchanged. */
int daemon_add_listener(struct daemon *d, const struct daemon_listener *l, void *data);
/* Unregister every listener registered with data (before freeing data). */
void daemon_remove_listeners(struct daemon *d, void *data);
/* The loop to add fds and timers to; owned by the daemon. */
struct loop *daemon_loop(struct daemon *d);
/* The config in use; owned by the daemon, valid until the next reload. */
const struct display_config *daemon_config(const struct daemon *d);
/* Swap in a new (already validated) config: theme, screen, hours, areas. */
void daemon_apply_config(struct daemon *d, const struct display_config *cfg);
/* The board model (read only; owned by the daemon). */
const struct board_model *daemon_model(const struct daemon *d);

/* Feed a decoded board for an area; redraws when applied. */
enum board_result daemon_board(struct daemon *d, const char *area, const struct proto_board *b);
/* Same, saying whether it came from the broker's retained store (possibly
 * old) or live; listeners read it with daemon_board_retained. */
enum board_result daemon_board_from(struct daemon *d, const char *area, const struct proto_board *b,
                                    bool retained);
/* During a board listener call: did that board come from the retained store
 * (or from a file), so that it may be old? */
bool daemon_board_retained(const struct daemon *d);
/* The queue figures of area (q->nservices 0: none); redraws. */
void daemon_queue(struct daemon *d, const char *area, const struct proto_queue *q);
/* Set or clear (n->cleared, or n == NULL) the site notice. */
void daemon_notice(struct daemon *d, const struct proto_notice *n);
/* Broker reachable or not; the offline mark shows after [screen] offline_after. */
void daemon_set_link_state(struct daemon *d, bool up);
/* Show text ("id\nip" lines) large over the board for seconds. */
void daemon_identify(struct daemon *d, const char *text, int seconds);
/* Show the pairing screen for v instead of the board (v is not copied:
 * it stays valid until the next call), or the board again (NULL). Call
 * again after changing *v to redraw. */
void daemon_set_pairing(struct daemon *d, const struct pair_view *v);
/* The current upright frame as PNG bytes at most max_w wide (1280 for the
 * screenshot command); *png is malloc'ed, the caller frees it. 0 or -1. */
int daemon_screenshot_png(struct daemon *d, int max_w, void **png, size_t *len);

/* Inside opening hours now. */
bool daemon_is_open(const struct daemon *d);
/* on, closed, or waiting for an output. */
enum proto_screen_state daemon_screen_state(const struct daemon *d);
/* Frames presented, the last frame's render time, and the output size. */
int64_t daemon_frames(const struct daemon *d);
double daemon_last_frame_ms(const struct daemon *d);
void daemon_output_size(const struct daemon *d, int *w, int *h, int *rotate);

/* One frame through the live path into a PNG (--render): the board for the
 * first area, optional queue figures and notice, at local time now_ms, size
 * w x h rotated. 0, or -1 with the reason logged. */
int daemon_render_once(const struct display_config *cfg, const struct proto_board *b,
                       const struct proto_queue *q, const struct proto_notice *n, bool offline,
                       int64_t now_ms, int w, int h, int rotate, const char *out_png);

/* Read and decode a board (or notice, or queue) JSON file; on failure err
 * gets "FILE: FIELD: reason". 0 or -1. */
int daemon_read_board(const char *path, struct proto_board *b, char *err, size_t errlen);
int daemon_read_queue(const char *path, struct proto_queue *q, char *err, size_t errlen);
int daemon_read_notice(const char *path, struct proto_notice *n, char *err, size_t errlen);

#endif

#define LOG_MODULE "daemon"
#include <errno.h>
#include <malloc.h>
#include <SDL_image.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "render.h"
#include "schedule.h"
#include "state.h"
#include "timeutil.h"
#include "video.h"

#define LISTENERS_MAX  8
#define BLINK_MS       500  /* the highlight's inner frame: on, off (render.c) */
#define TICKER_MS      40   /* ticker scroll at 25 fps, only while one moves */
#define OUTPUT_POLL_MS 3000 /* hotplug watch and retry with no output */
/* After connecting, how long the retained notice may take to come. */
#define NOTICE_WAIT_MS 10000

struct daemon {
	struct display_config cfg;
	struct daemon_opts opts;
	struct loop *loop;
	struct video video;
	struct render *render;
	struct board_model model;
	struct proto_notice notice;
	bool has_notice;
	bool notice_stored; /* the notice came from disk; the broker has not confirmed it */
	bool state_ok;      /* cfg.state_dir is there: boards are kept */
	struct proto_queue queues[PROTO_AREAS_MAX]; /* per cfg area; nservices 0: none */

	bool dirty;   /* something on screen changed: draw once this turn */
	bool content; /* a change worth a snapshot (not an animation step) */
	bool whole;   /* more than the moving parts changed: a whole frame */
	bool open;
	bool link_up, offline;
	char identify[512];
	const struct pair_view *pairing; /* not owned; NULL: the board */
	int ticker_px;
	int64_t frames;
	double last_frame_ms;
	int status;

	struct loop_source *minute_timer, *anim_timer, *offline_timer, *identify_timer,
	    *output_timer, *events_timer, *notice_timer, *words_timer;
	int64_t words_due;           /* when the words_timer fires (wall ms); 0: disarmed */
	struct loop_source *hotplug; /* connector changes; NULL: output_timer polls */
	bool anim_armed;
	int anim_ms;

	bool board_retained; /* of the board being handed to listeners */
	/* Boards to keep in state_dir, written after the next frame so that
	 * the fsync does not hold up the frame and its ack; one per area
	 * (owned, allocated on first use), waiting while unsaved_pending[i]. */
	char unsaved_area[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
	struct proto_board *unsaved[PROTO_AREAS_MAX];
	bool unsaved_pending[PROTO_AREAS_MAX];
	int nlisteners;
	struct daemon_listener listeners[LISTENERS_MAX];
	void *listener_data[LISTENERS_MAX];
};

static int ms_to_next_minute(void)
{
	int64_t now = time_now_ms();
	return (int)(60000 - now % 60000) + 5;
}

static void mark(struct daemon *d, bool content)
{
	d->dirty = true;
	d->whole = true;
	d->content |= content;
}

/* Only time moved on: the highlight blink or the ticker steps. */
static void mark_motion(struct daemon *d)
{
	d->dirty = true;
}

static void local_now(struct render_view *v, int64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	v->hour = tm.tm_hour;
	v->min = tm.tm_min;
	v->wday = tm.tm_wday;
	v->mday = tm.tm_mday;
	v->mon = tm.tm_mon + 1;
}

static bool open_at(const struct display_config *cfg, int64_t ms)
{
	struct sched_time t;
	schedule_local(ms, &t);
	return schedule_open(&cfg->hours, &t);
}

/* --- animation: armed only while something moves ---------------------- */

static void update_anim(struct daemon *d, int64_t now)
{
	int want = 0;
	int64_t hl = d->open ? board_highlight_elapsed(&d->model, now) : -1;
	if (hl >= 0)
		want = BLINK_MS;
	if (d->open && d->render && render_ticker_moving(d->render))
		want = TICKER_MS;
	if (want == BLINK_MS) {
		/* One step at the start of each blink phase (and so at the
		 * highlight's end, a whole number of phases after its start). */
		d->anim_ms = want;
		loop_timer_arm(d->anim_timer, (int)(BLINK_MS - hl % BLINK_MS), 0);
		return;
	}
	if (want == d->anim_ms)
		return;
	d->anim_ms = want;
	if (want)
		loop_timer_arm(d->anim_timer, want, want);
	else {
		loop_timer_arm(d->anim_timer, 0, 0);
		/* The screen goes still: hand the free heap pages of the burst back. */
		malloc_trim(0);
	}
}

/* Words that take turns: one frame when the next language's turn comes. */
static void update_words(struct daemon *d, int64_t now)
{
	int64_t due = d->render ? render_change_due(d->render) : 0;
	if (due == d->words_due)
		return;
	d->words_due = due;
	loop_timer_arm(d->words_timer, due ? (int)(due - now > 0 ? due - now : 1) : 0, 0);
}

static void on_words(void *data)
{
	struct daemon *d = data;
	d->words_due = 0;
	mark(d, true);
}

static void on_anim(void *data)
{
	struct daemon *d = data;
	int64_t now = time_now_ms();
	if (d->render && render_ticker_moving(d->render))
		d->ticker_px += d->video.h / 270 + 1;
	/* The highlight's end changes the panel: a whole frame, and a snapshot. */
	if (d->anim_ms == BLINK_MS && !board_highlighted(&d->model, now))
		mark(d, true);
	else
		mark_motion(d);
}

/* --- frames -------------------------------------------------------------- */

static void build_view(struct daemon *d, struct render_view *v, int64_t now)
{
	memset(v, 0, sizeof *v);
	v->model = &d->model;
	v->now_ms = now;
	local_now(v, now);
	v->open = d->open;
	v->offline = d->offline;
	v->unconfirmed = board_unconfirmed(&d->model) || (d->has_notice && d->notice_stored);
	v->notice = d->has_notice ? &d->notice : NULL;
	v->ticker_px = d->ticker_px;
	v->identify = d->identify[0] ? d->identify : NULL;
	for (int i = 0; i < d->cfg.nareas; i++)
		if (d->queues[i].nservices)
			v->queues[v->nqueues++] = &d->queues[i];
	v->pairing = d->pairing;
}

/* Milliseconds since this process started (from /proc, so the dynamic
 * loader and SDL start-up count too); -1 when unknown. */
static double ms_since_start(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f)
		return -1;
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long long start = 0;
	/* Field 22 (starttime) counted from field 3 just after the ')'. */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	double now_ms = (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
	return now_ms - (double)start * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

static void log_first_frame(struct daemon *d)
{
	log_info("first frame %dx%d, %.0f ms after start", d->video.w, d->video.h,
	         ms_since_start());
}

static void write_snapshot(struct daemon *d)
{
	void *png = NULL;
	size_t len = 0;
	if (render_frame_png(d->render, 0, &png, &len) != 0)
		return;
	char path[4200];
	snprintf(path, sizeof path, "%s/screen.png", d->opts.snapshot_dir);
	if (state_write_file(path, png, len) != 0)
		log_warn_rl("cannot write %s: %s", path, strerror(errno));
	free(png);
}

static void draw(struct daemon *d)
{
	if (!d->render)
		return;
	int64_t now = time_now_ms();
	int64_t t0 = time_mono_ms();
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct render_view v;
	build_view(d, &v, now);
	v.motion_only = !d->whole;
	d->whole = false;
	int drawn = render_frame(d->render, &v, d->video.w, d->video.h, d->cfg.rotate);
	if (drawn < 0)
		return;
	if (drawn > 0) { /* nothing moved after all */
		update_anim(d, now);
		return;
	}
	SDL_RenderPresent(d->video.r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	(void)t0;
	d->last_frame_ms =
	    (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	d->frames++;
	if (d->frames == 1)
		log_first_frame(d);
	if (d->opts.snapshot_dir && d->content)
		write_snapshot(d);
	log_debug("frame %lld in %.1f ms", (long long)d->frames, d->last_frame_ms);
	for (int i = 0; i < d->nlisteners; i++)
		if (d->listeners[i].frame)
			d->listeners[i].frame(d->listener_data[i], d);
	update_anim(d, now);
	update_words(d, now);
}

/* --- output: events, loss and return ------------------------------------- */

static void on_events(void *data);
static void update_event_timer(struct daemon *d);

static void output_lost(struct daemon *d, const char *why)
{
	if (!video_ok(&d->video))
		return;
	log_warn("output lost (%s): waiting for it to come back", why);
	render_destroy(d->render);
	d->render = NULL;
	video_close(&d->video);
	update_event_timer(d);
	if (!d->hotplug)
		loop_timer_arm(d->output_timer, OUTPUT_POLL_MS, OUTPUT_POLL_MS);
}

/* Window systems need their events read; offscreen sends none worth a
 * wakeup and kmsdrm none we act on but hotplug, watched via sysfs. Other
 * events are read once per loop turn anyway (on_idle). */
static void update_event_timer(struct daemon *d)
{
	bool want = video_ok(&d->video) && strcmp(d->video.driver, "offscreen") &&
	            strcmp(d->video.driver, "kmsdrm");
	if (want && !d->events_timer)
		d->events_timer = loop_add_timer(d->loop, 250, 250, on_events, d);
	else if (!want && d->events_timer) {
		loop_remove(d->loop, d->events_timer);
		d->events_timer = NULL;
	}
}

static bool output_open(struct daemon *d)
{
	if (video_open(&d->video) != 0)
		return false;
	update_event_timer(d);
	d->render = render_create(d->video.r, &d->cfg);
	if (!d->render) {
		log_error("cannot start the renderer");
		d->status = 1;
		loop_quit(d->loop);
		return false;
	}
	d->anim_ms = -1;
	mark(d, true);
	return true;
}

static void handle_sdl_events(struct daemon *d)
{
	SDL_Event e;
	while (video_ok(&d->video) && SDL_PollEvent(&e)) {
		switch (e.type) {
		case SDL_QUIT:
			loop_quit(d->loop);
			break;
		case SDL_WINDOWEVENT:
			if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED && d->video.r)
				SDL_GetRendererOutputSize(d->video.r, &d->video.w, &d->video.h);
			if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
			    e.window.event == SDL_WINDOWEVENT_EXPOSED ||
			    e.window.event == SDL_WINDOWEVENT_SHOWN ||
			    e.window.event == SDL_WINDOWEVENT_RESTORED)
				mark(d, false);
			break;
		case SDL_RENDER_TARGETS_RESET:
			log_info("render targets reset: redrawing");
			mark(d, false);
			break;
		case SDL_RENDER_DEVICE_RESET:
			log_warn("render device reset: rebuilding textures");
			if (d->render)
				render_reset(d->render);
			mark(d, false);
			break;
		case SDL_DISPLAYEVENT:
			if (e.display.event == SDL_DISPLAYEVENT_DISCONNECTED &&
			    SDL_GetNumVideoDisplays() < 1)
				output_lost(d, "display disconnected");
			else if (e.display.event == SDL_DISPLAYEVENT_CONNECTED)
				mark(d, true);
			break;
		default:
			break;
		}
	}
}

static void on_events(void *data)
{
	handle_sdl_events(data);
}

static void on_output_poll(void *data)
{
	struct daemon *d = data;
	int n = video_connectors(&d->video);
	if (video_ok(&d->video)) {
		if (n == 0 && d->video.connected != 0)
			output_lost(d, "no connected connector");
		else if (n > 0 && d->video.connected == 0)
			mark(d, true);
	} else if (n != 0) {
		/* A fresh mode set: the TV is back (or there was none at start). */
		if (output_open(d))
			log_info("output back: %dx%d", d->video.w, d->video.h);
	}
	d->video.connected = n;
	if (d->hotplug)
		/* Events say when to look again; an output there but not opened is retried. */
		loop_timer_arm(d->output_timer, video_ok(&d->video) || n == 0 ? 0 : OUTPUT_POLL_MS,
		               0);
	else if (video_ok(&d->video) && !d->video.sysfs)
		loop_timer_arm(d->output_timer, 0, 0);
}

static void on_hotplug(int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	video_watch_drain(&d->video);
	on_output_poll(d);
}

/* --- time ---------------------------------------------------------------- */

static void check_open(struct daemon *d, int64_t now)
{
	bool open = open_at(&d->cfg, now);
	if (open == d->open)
		return;
	d->open = open;
	log_info("opening hours: %s", open ? "open" : "closed");
	for (int i = 0; i < d->nlisteners; i++)
		if (d->listeners[i].open_changed)
			d->listeners[i].open_changed(d->listener_data[i], d, open);
}

static void on_minute(void *data)
{
	struct daemon *d = data;
	check_open(d, time_now_ms());
	if (board_expire_stored(&d->model, time_now_ms(), d->cfg.stale_board_max_age_s * 1000LL))
		log_info("a kept board reached stale_board_max_age unconfirmed: not shown");
	/* Re-align every tick: the wall clock may have been stepped. */
	loop_timer_arm(d->minute_timer, ms_to_next_minute(), 0);
	if (!(d->cfg.closed_mode == DISPLAY_CLOSED_BLACK && !d->open && d->frames))
		mark(d, true);
}

static void on_offline(void *data)
{
	struct daemon *d = data;
	if (!d->link_up && !d->offline) {
		d->offline = true;
		log_warn("broker unreachable for %d s: showing the offline mark",
		         d->cfg.offline_after_s);
		mark(d, true);
	}
}

static void on_identify_end(void *data)
{
	struct daemon *d = data;
	d->identify[0] = '\0';
	mark(d, true);
}

static void save_boards(struct daemon *d);

static void on_idle(void *data)
{
	struct daemon *d = data;
	if (d->video.win && !d->events_timer)
		handle_sdl_events(d);
	if (d->dirty) {
		d->dirty = false;
		draw(d);
		d->content = false;
	}
	save_boards(d);
}

/* --- state: the last boards and notice, kept across restarts ------------- */

static void save_board(struct daemon *d, const char *area, const struct proto_board *b)
{
	if (d->state_ok && state_save_board(d->cfg.state_dir, area, b) != 0)
		log_warn_rl("cannot keep the board of %s in %s: %s", area, d->cfg.state_dir,
		            strerror(errno));
}

/* Keep b for save_boards(): a newer board of the area replaces it. */
static void save_board_later(struct daemon *d, const char *area, const struct proto_board *b)
{
	int i = 0;
	while (i < PROTO_AREAS_MAX && d->unsaved[i] && strcmp(d->unsaved_area[i], area))
		i++;
	if (i == PROTO_AREAS_MAX) {
		save_board(d, area, b);
		return;
	}
	if (!d->unsaved[i]) {
		d->unsaved[i] = xmalloc(sizeof *d->unsaved[i]);
		snprintf(d->unsaved_area[i], sizeof d->unsaved_area[i], "%s", area);
	}
	*d->unsaved[i] = *b;
	d->unsaved_pending[i] = true;
}

static void save_boards(struct daemon *d)
{
	for (int i = 0; i < PROTO_AREAS_MAX && d->unsaved[i]; i++)
		if (d->unsaved_pending[i]) {
			save_board(d, d->unsaved_area[i], d->unsaved[i]);
			d->unsaved_pending[i] = false;
		}
}

static void save_notice(struct daemon *d, const struct proto_notice *n)
{
	if (d->state_ok && state_save_notice(d->cfg.state_dir, n) != 0)
		log_warn_rl("cannot keep the notice in %s: %s", d->cfg.state_dir, strerror(errno));
}

/* Show what the last run kept, unconfirmed and silent: no listener hears
 * of it, so nothing is announced or acked before the broker confirms it. */
static void load_state(struct daemon *d)
{
	const char *dir = d->cfg.state_dir;
	struct stat st;
	d->state_ok = dir[0] && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (!d->state_ok) {
		if (dir[0])
			log_info("state directory %s: not there: boards are not kept across "
			         "restarts",
			         dir);
		return;
	}
	state_prune(dir, d->cfg.areas, d->cfg.nareas);
	char path[4200], err[512];
	int64_t now = time_now_ms(), max_age = d->cfg.stale_board_max_age_s * 1000LL;
	struct proto_board *b = xmalloc(sizeof *b);
	for (int i = 0; i < d->cfg.nareas; i++) {
		const char *area = d->cfg.areas[i];
		state_board_path(dir, area, path, sizeof path);
		if (access(path, F_OK) != 0)
			continue;
		if (daemon_read_board(path, b, err, sizeof err) != 0) {
			log_warn("kept board not shown: %s", err);
			continue;
		}
		enum board_result r = board_apply_stored(&d->model, area, b, now, max_age);
		log_info("kept board %s seq %lld, %lld s old: %s", area, (long long)b->seq,
		         (long long)((now - b->ts_ms) / 1000),
		         r == BOARD_APPLIED   ? "shown until the broker confirms it"
		         : r == BOARD_TOO_OLD ? "older than [screen] stale_board_max_age: not shown"
		                              : "not shown");
	}
	free(b);
	state_notice_path(dir, path, sizeof path);
	if (access(path, F_OK) == 0) {
		if (daemon_read_notice(path, &d->notice, err, sizeof err) != 0) {
			log_warn("kept notice not shown: %s", err);
		} else if (!d->notice.cleared && d->notice.text[0]) {
			d->has_notice = d->notice_stored = true;
			log_info("kept notice shown until the broker confirms it");
		}
	}
}

/* Connected a while and no notice came: the one kept was cleared meanwhile. */
static void on_notice_grace(void *data)
{
	struct daemon *d = data;
	if (!d->notice_stored)
		return;
	log_info("no notice from the broker: the kept one is dropped");
	daemon_notice(d, NULL);
}

/* --- dev feed: --board / --notice files, re-read on SIGUSR1 --------------- */

static const char *board_verdict(enum board_result r)
{
	switch (r) {
	case BOARD_APPLIED:
		return "shown";
	case BOARD_AHEAD:
		return "seq more than a day ahead of its ts: refused";
	default:
		return "not newer";
	}
}

static void load_dev_files(struct daemon *d)
{
	char err[512];
	for (int i = 0; i < d->opts.nboards; i++) {
		const char *spec = d->opts.boards[i], *eq = strchr(spec, '=');
		char area[PROTO_NAME_MAX + 1];
		const char *file = spec;
		if (eq && (size_t)(eq - spec) <= PROTO_NAME_MAX) {
			snprintf(area, sizeof area, "%.*s", (int)(eq - spec), spec);
			file = eq + 1;
		} else {
			snprintf(area, sizeof area, "%s", d->cfg.areas[0]);
		}
		struct proto_board *b = xmalloc(sizeof *b);
		if (daemon_read_board(file, b, err, sizeof err) != 0)
			log_warn("%s", err);
		else
			log_info("board %s seq %lld from %s: %s", area, (long long)b->seq, file,
			         board_verdict(daemon_board(d, area, b)));
		free(b);
	}
	if (d->opts.notice_file) {
		struct proto_notice n;
		if (daemon_read_notice(d->opts.notice_file, &n, err, sizeof err) != 0)
			log_warn("%s", err);
		else
			daemon_notice(d, &n);
	}
}

static void on_signal(int signo, void *data)
{
	struct daemon *d = data;
	if (signo == SIGUSR1) {
		load_dev_files(d);
		return;
	}
	log_info("signal %d: stopping", signo);
	loop_quit(d->loop);
}

/* --- public -------------------------------------------------------------- */

struct daemon *daemon_create(const struct display_config *cfg, const struct daemon_opts *opts)
{
	struct daemon *d = xcalloc(1, sizeof *d);
	d->cfg = *cfg;
	d->opts = *opts;
	d->link_up = true;
	d->anim_ms = -1;
	board_init(&d->model, cfg->areas, cfg->nareas, cfg->highlight_s * 1000);
	d->loop = loop_create();
	if (!d->loop)
		goto fail;
	loop_add_signal(d->loop, SIGINT, on_signal, d);
	loop_add_signal(d->loop, SIGTERM, on_signal, d);
	loop_add_signal(d->loop, SIGUSR1, on_signal, d);
	signal(SIGPIPE, SIG_IGN);
	if (!IMG_Init(IMG_INIT_PNG))
		log_warn("SDL_image without PNG: %s", IMG_GetError());
	if (video_init(&d->video, opts->headless, cfg->width, cfg->height) != 0)
		goto fail;
	d->minute_timer = loop_add_timer(d->loop, ms_to_next_minute(), 0, on_minute, d);
	d->anim_timer = loop_add_timer(d->loop, 0, 0, on_anim, d);
	d->offline_timer = loop_add_timer(d->loop, 0, 0, on_offline, d);
	d->identify_timer = loop_add_timer(d->loop, 0, 0, on_identify_end, d);
	d->output_timer = loop_add_timer(d->loop, 0, 0, on_output_poll, d);
	d->notice_timer = loop_add_timer(d->loop, 0, 0, on_notice_grace, d);
	d->words_timer = loop_add_timer(d->loop, 0, 0, on_words, d);
	if (!d->minute_timer || !d->anim_timer || !d->offline_timer || !d->identify_timer ||
	    !d->output_timer || !d->notice_timer || !d->words_timer)
		goto fail;
	d->video.connected = video_connectors(&d->video);
	if (d->video.connected == 0 && video_ok(&d->video)) {
		/* No connector is connected: a mode set now would be lost. */
		log_warn("no connected display at start: waiting for one");
		video_close(&d->video);
	}
	if (video_ok(&d->video)) {
		d->render = render_create(d->video.r, &d->cfg);
		if (!d->render)
			goto fail;
	}
	update_event_timer(d);
	int watch = video_watch(&d->video);
	if (watch >= 0)
		d->hotplug = loop_add_fd(d->loop, watch, EPOLLIN, on_hotplug, d);
	if (!d->hotplug && (!video_ok(&d->video) || d->video.sysfs))
		loop_timer_arm(d->output_timer, OUTPUT_POLL_MS, OUTPUT_POLL_MS);
	else if (!video_ok(&d->video) && d->video.connected != 0)
		loop_timer_arm(d->output_timer, OUTPUT_POLL_MS, 0);
	d->open = open_at(&d->cfg, time_now_ms());
	loop_set_idle(d->loop, on_idle, d);
	load_state(d);
	load_dev_files(d);
	mark(d, true);
	return d;
fail:
	log_error("cannot start the display");
	daemon_destroy(d);
	return NULL;
}

int daemon_run(struct daemon *d)
{
	log_info("running: device %s, %d area(s), %s", d->cfg.id, d->cfg.nareas,
	         video_ok(&d->video) ? "output ready" : "waiting for an output");
	on_idle(d);
	if (loop_run(d->loop) != 0 && !d->status)
		d->status = 1;
	return d->status;
}

void daemon_destroy(struct daemon *d)
{
	if (!d)
		return;
	save_boards(d);
	for (int i = 0; i < PROTO_AREAS_MAX; i++)
		free(d->unsaved[i]);
	render_destroy(d->render);
	video_quit(&d->video);
	if (d->loop)
		loop_destroy(d->loop);
	free(d);
}

int daemon_add_listener(struct daemon *d, const struct daemon_listener *l, void *data)
{
	if (d->nlisteners >= LISTENERS_MAX)
		return -1;
	d->listeners[d->nlisteners] = *l;
	d->listener_data[d->nlisteners++] = data;
	return 0;
}

void daemon_remove_listeners(struct daemon *d, void *data)
{
	int n = 0;
	for (int i = 0; i < d->nlisteners; i++) {
		if (d->listener_data[i] == data)
			continue;
		d->listeners[n] = d->listeners[i];
		d->listener_data[n++] = d->listener_data[i];
	}
	d->nlisteners = n;
}

struct loop *daemon_loop(struct daemon *d)
{
	return d->loop;
}

const struct display_config *daemon_config(const struct daemon *d)
{
	return &d->cfg;
}

const struct board_model *daemon_model(const struct daemon *d)
{
	return &d->model;
}

void daemon_apply_config(struct daemon *d, const struct display_config *cfg)
{
	bool same_areas = cfg->nareas == d->cfg.nareas;
	for (int i = 0; same_areas && i < cfg->nareas; i++)
		same_areas = !strcmp(cfg->areas[i], d->cfg.areas[i]);
	d->cfg = *cfg;
	if (same_areas)
		d->model.highlight_ms = cfg->highlight_s * 1000;
	else
		board_init(&d->model, cfg->areas, cfg->nareas, cfg->highlight_s * 1000);
	if (d->render) {
		struct render *r = render_create(d->video.r, &d->cfg);
		if (r) {
			render_destroy(d->render);
			d->render = r;
		}
	}
	check_open(d, time_now_ms());
	d->anim_ms = -1;
	mark(d, true);
	for (int i = 0; i < d->nlisteners; i++)
		if (d->listeners[i].config_changed)
			d->listeners[i].config_changed(d->listener_data[i], d, &d->cfg);
}

enum board_result daemon_board(struct daemon *d, const char *area, const struct proto_board *b)
{
	return daemon_board_from(d, area, b, true);
}

bool daemon_board_retained(const struct daemon *d)
{
	return d->board_retained;
}

enum board_result daemon_board_from(struct daemon *d, const char *area, const struct proto_board *b,
                                    bool retained)
{
	d->board_retained = retained;
	enum board_result r = board_apply(&d->model, area, b, time_now_ms());
	if (r != BOARD_APPLIED)
		return r;
	mark(d, true);
	save_board_later(d, area, b);
	for (int i = 0; i < d->nlisteners; i++)
		if (d->listeners[i].board)
			d->listeners[i].board(d->listener_data[i], d, area, b);
	return r;
}

void daemon_queue(struct daemon *d, const char *area, const struct proto_queue *q)
{
	for (int i = 0; i < d->cfg.nareas; i++)
		if (!strcmp(d->cfg.areas[i], area)) {
			d->queues[i] = *q;
			mark(d, true);
		}
}

void daemon_notice(struct daemon *d, const struct proto_notice *n)
{
	d->has_notice = n && !n->cleared && n->text[0];
	if (d->has_notice)
		d->notice = *n;
	d->notice_stored = false;
	save_notice(d, d->has_notice ? n : NULL);
	d->ticker_px = 0;
	mark(d, true);
}

void daemon_set_link_state(struct daemon *d, bool up)
{
	if (up == d->link_up)
		return;
	d->link_up = up;
	for (int i = 0; i < d->nlisteners; i++)
		if (d->listeners[i].link_changed)
			d->listeners[i].link_changed(d->listener_data[i], d, up);
	if (up) {
		loop_timer_arm(d->offline_timer, 0, 0);
		if (d->notice_stored)
			loop_timer_arm(d->notice_timer, NOTICE_WAIT_MS, 0);
		if (d->offline) {
			d->offline = false;
			log_info("broker reachable again");
			mark(d, true);
		}
	} else {
		loop_timer_arm(d->offline_timer, d->cfg.offline_after_s * 1000, 0);
	}
}

void daemon_identify(struct daemon *d, const char *text, int seconds)
{
	snprintf(d->identify, sizeof d->identify, "%s", text ? text : "");
	loop_timer_arm(d->identify_timer, seconds > 0 ? seconds * 1000 : 10000, 0);
	mark(d, true);
}

void daemon_set_pairing(struct daemon *d, const struct pair_view *v)
{
	d->pairing = v;
	mark(d, true);
}

int daemon_screenshot_png(struct daemon *d, int max_w, void **png, size_t *len)
{
	if (!d->render)
		return -1;
	if (d->dirty)
		on_idle(d);
	return render_frame_png(d->render, max_w, png, len);
}

bool daemon_is_open(const struct daemon *d)
{
	return d->open;
}

enum proto_screen_state daemon_screen_state(const struct daemon *d)
{
	if (!video_ok(&d->video))
		return PROTO_SCREEN_NO_OUTPUT;
	return d->open ? PROTO_SCREEN_ON : PROTO_SCREEN_CLOSED;
}

int64_t daemon_frames(const struct daemon *d)
{
	return d->frames;
}

double daemon_last_frame_ms(const struct daemon *d)
{
	return d->last_frame_ms;
}

void daemon_output_size(const struct daemon *d, int *w, int *h, int *rotate)
{
	*w = d->video.w;
	*h = d->video.h;
	*rotate = d->cfg.rotate;
}

/* --- files ---------------------------------------------------------------- */

static char *slurp(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: file: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = xmalloc(max + 1);
	size_t n = fread(buf, 1, max + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: file: read error", path);
	} else if (n > max) {
		snprintf(err, errlen, "%s: payload: larger than %zu bytes", path, max);
	} else {
		*len = n;
		return buf;
	}
	free(buf);
	return NULL;
}

typedef int (*decode_fn)(const char *buf, size_t len, void *out, struct proto_error *err);

/* Read path (at most max bytes) and decode it into out. */
static int read_payload(const char *path, size_t max, decode_fn decode, void *out, char *err,
                        size_t errlen)
{
	size_t len;
	char *buf = slurp(path, max, &len, err, errlen);
	if (!buf)
		return -1;
	struct proto_error pe;
	int r = decode(buf, len, out, &pe);
	if (r != 0)
		snprintf(err, errlen, "%s: %s: %s", path, pe.field, pe.reason);
	free(buf);
	return r;
}

static int decode_board(const char *buf, size_t len, void *out, struct proto_error *err)
{
	return proto_board_decode(buf, len, out, err);
}

static int decode_notice(const char *buf, size_t len, void *out, struct proto_error *err)
{
	return proto_notice_decode(buf, len, out, err);
}

static int decode_queue(const char *buf, size_t len, void *out, struct proto_error *err)
{
	return proto_queue_decode(buf, len, out, err);
}

int daemon_read_board(const char *path, struct proto_board *b, char *err, size_t errlen)
{
	return read_payload(path, PROTO_BOARD_BYTES_MAX, decode_board, b, err, errlen);
}

int daemon_read_notice(const char *path, struct proto_notice *n, char *err, size_t errlen)
{
	return read_payload(path, PROTO_NOTICE_BYTES_MAX, decode_notice, n, err, errlen);
}

int daemon_read_queue(const char *path, struct proto_queue *q, char *err, size_t errlen)
{
	return read_payload(path, PROTO_QUEUE_BYTES_MAX, decode_queue, q, err, errlen);
}

int daemon_render_once(const struct display_config *cfg, const struct proto_board *b,
                       const struct proto_queue *q, const struct proto_notice *n, bool offline,
                       int64_t now_ms, int w, int h, int rotate, const char *out_png)
{
	int rc = -1;
	struct video video;
	struct render *rd = NULL;
	struct board_model *model = xmalloc(sizeof *model);
	IMG_Init(IMG_INIT_PNG);
	if (video_init(&video, true, w, h) != 0 || !video_ok(&video))
		goto out;
	rd = render_create(video.r, cfg);
	if (!rd)
		goto out;
	board_init(model, cfg->areas, cfg->nareas, cfg->highlight_s * 1000);
	if (b)
		board_apply(model, cfg->areas[0], b, now_ms);
	struct render_view v;
	memset(&v, 0, sizeof v);
	v.model = model;
	v.now_ms = now_ms;
	local_now(&v, now_ms);
	v.open = open_at(cfg, now_ms);
	v.offline = offline;
	v.notice = n && !n->cleared && n->text[0] ? n : NULL;
	if (q && q->nservices)
		v.queues[v.nqueues++] = q;
	if (render_frame(rd, &v, video.w, video.h, rotate) != 0)
		goto out;
	rc = render_save_output(rd, video.w, video.h, out_png);
out:
	render_destroy(rd);
	video_quit(&video);
	free(model);
	return rc;
}

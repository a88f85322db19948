/* The daemon's remote side: link + health + commands + systemd glue. */
#define LOG_MODULE "remote"
#include "daemon_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "health.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"

#ifndef CALLBOARD_VERSION
#define CALLBOARD_VERSION "0"
#endif

struct daemon_link {
	struct loop *loop;
	struct display_config *cfg; /* owned */
	struct daemon_link_hooks h;
	void *d;
	struct link *link;
	struct loop_source *health_timer;
	int64_t started_mono_ms;
	bool ready_sent;
	int volume; /* kept here when the daemon has no audio hook */
	struct daemon_link_audio audio;
	void *audio_data;
	struct daemon *daemon;       /* set by daemon_link_attach; not owned */
	struct link_params *pending; /* owned; applied by reconf_timer */
	struct loop_source *reconf_timer;
};

static void params_from(const struct display_config *c, struct link_params *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->device, sizeof p->device, "%s", c->id);
	snprintf(p->tenant, sizeof p->tenant, "%s", c->tenant);
	snprintf(p->site, sizeof p->site, "%s", c->site);
	p->nareas = c->nareas;
	memcpy(p->areas, c->areas, sizeof p->areas);
	snprintf(p->config_hash, sizeof p->config_hash, "%s", c->config_hash);
	p->health_interval_s = c->health_interval_s;
	p->mqtt = c->mqtt;
}

static void build_health(struct daemon_link *r, struct proto_health *h)
{
	int64_t now = time_now_ms();
	proto_health_init(h);
	h->audio = PROTO_AUDIO_NONE;
	h->volume = r->volume;
	snprintf(h->device, sizeof h->device, "%s", r->cfg->id);
	snprintf(h->version, sizeof h->version, "%s", CALLBOARD_VERSION);
	h->ts_ms = now;
	h->uptime_s = (time_mono_ms() - r->started_mono_ms) / 1000;
	if (r->h.health)
		r->h.health(r->d, h);
	link_fill_health(r->link, h, now);
	const char *state = getenv("STATE_DIRECTORY"); /* set by systemd */
	health_collect_system(h, "", state && *state ? state : "/");
}

void daemon_link_health_now(struct daemon_link *r)
{
	if (!link_connected(r->link))
		return;
	struct proto_health *h = xmalloc(sizeof *h);
	build_health(r, h);
	link_publish_health(r->link, h);
	free(h);
}

static void health_tick(void *data)
{
	daemon_link_health_now(data);
}

/* --- link callbacks --- */

static void on_board(void *data, int area, const struct proto_board *b)
{
	struct daemon_link *r = data;
	if (r->h.board)
		r->h.board(r->d, area, b);
}

static void on_notice(void *data, const struct proto_notice *n)
{
	struct daemon_link *r = data;
	if (r->h.notice)
		r->h.notice(r->d, n);
}

static void on_state(void *data, bool connected)
{
	struct daemon_link *r = data;
	if (r->h.link_state)
		r->h.link_state(r->d, connected);
	if (connected)
		daemon_link_health_now(r);
}

/* --- commands --- */

static int cmd_identify(void *data, const struct proto_cmd *c, char *info, size_t il, char *err,
                        size_t el)
{
	struct daemon_link *r = data;
	if (!r->h.identify) {
		snprintf(err, el, "identify: this display cannot show it");
		return -1;
	}
	char ip[64], text[160];
	commands_local_ip(ip, sizeof ip);
	snprintf(text, sizeof text, "%s\n%s", r->cfg->id, ip);
	r->h.identify(r->d, text, COMMANDS_IDENTIFY_S);
	snprintf(info, il, "showing %s %s for %d s", r->cfg->id, ip, COMMANDS_IDENTIFY_S);
	return 0;
}

static int cmd_screenshot(void *data, int max_w, void **png, size_t *len, char *err, size_t el)
{
	struct daemon_link *r = data;
	if (!r->h.screenshot || r->h.screenshot(r->d, max_w, png, len) < 0) {
		snprintf(err, el, "screenshot: no frame to capture");
		return -1;
	}
	return 0;
}

static int cmd_publish_shot(void *data, const void *png, size_t len)
{
	struct daemon_link *r = data;
	return link_publish_screenshot(r->link, png, len);
}

static int cmd_volume(void *data, const struct proto_cmd *c, char *info, size_t il, char *err,
                      size_t el)
{
	struct daemon_link *r = data;
	if (r->h.volume && r->h.volume(r->d, c->level, err, el) < 0)
		return -1;
	r->volume = c->level;
	if (!r->h.volume)
		snprintf(info, il, "volume %d kept; no audio output on this display", c->level);
	return 0;
}

static int cmd_announce_test(void *data, const struct proto_cmd *c, char *info, size_t il,
                             char *err, size_t el)
{
	struct daemon_link *r = data;
	if (!r->h.announce_test) {
		snprintf(err, el, "announce-test: no audio output on this display");
		return -1;
	}
	return r->h.announce_test(r->d, err, el);
}

static int cmd_reload(void *data, const struct proto_cmd *c, char *info, size_t il, char *err,
                      size_t el)
{
	struct daemon_link *r = data;
	struct display_config *n = xmalloc(sizeof *n);
	struct cfg_ctx errs = {0};
	int rc = -1;
	if (display_config_load(r->cfg->path, n, &errs) < 0) {
		size_t off = 0;
		err[0] = '\0';
		for (int i = 0; i < errs.nerrors && off + 1 < el; i++)
			off += (size_t)snprintf(err + off, el - off, "%s%s", i ? "; " : "",
			                        errs.errors[i]);
		if (!err[0])
			snprintf(err, el, "%s: cannot read", r->cfg->path);
		goto out;
	}
	if (r->h.apply_config && r->h.apply_config(r->d, n, err, el) < 0)
		goto out;
	struct link_params p;
	params_from(n, &p);
	/* We are inside the MQTT client's message callback: a reconnect has
	 * to wait for the next loop turn (and lets this result go out first). */
	bool lr = !link_same_connection(r->link, &p);
	if (lr) {
		free(r->pending);
		r->pending = xmalloc(sizeof *r->pending);
		*r->pending = p;
		loop_timer_arm(r->reconf_timer, 1, 0);
	} else {
		link_reconfigure(r->link, &p);
	}
	if (n->health_interval_s != r->cfg->health_interval_s)
		loop_timer_arm(r->health_timer, n->health_interval_s * 1000,
		               n->health_interval_s * 1000);
	r->volume = n->audio.volume;
	snprintf(info, il, "config %s%s", n->config_hash, lr ? "; reconnecting" : "");
	struct display_config *old = r->cfg;
	r->cfg = n;
	n = old;
	rc = 0;
out:
	cfg_ctx_free(&errs);
	free(n);
	return rc;
}

static void reconf_tick(void *data)
{
	struct daemon_link *r = data;
	if (!r->pending)
		return;
	if (link_reconfigure(r->link, r->pending) < 0)
		log_error("could not apply the new connection settings");
	free(r->pending);
	r->pending = NULL;
}

static void cmd_result(void *data, const struct proto_cmd_result *res)
{
	struct daemon_link *r = data;
	if (link_publish_result(r->link, res) < 0)
		log_warn_rl("result of command %s not sent (offline)", res->id);
}

static const struct commands_ops ops = {
    .identify = cmd_identify,
    .screenshot = cmd_screenshot,
    .publish_screenshot = cmd_publish_shot,
    .announce_test = cmd_announce_test,
    .volume = cmd_volume,
    .reload = cmd_reload,
    .result = cmd_result,
};

static void on_cmd(void *data, const char *payload, size_t len)
{
	struct daemon_link *r = data;
	int64_t now = time_now_ms(), bridge_now = -1;
	/* The bridge's clock, as the announcer observes it from boards. */
	struct proto_health h;
	proto_health_init(&h);
	if (r->audio.health)
		r->audio.health(r->audio_data, &h);
	if (h.has_clock_offset)
		bridge_now = now - h.clock_offset_ms;
	commands_handle(&ops, data, payload, len, now, bridge_now);
}

/* --- lifecycle --- */

struct daemon_link *daemon_link_create(struct loop *loop, const struct display_config *cfg,
                             const struct daemon_link_hooks *hooks, void *d)
{
	struct daemon_link *r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->cfg = xmalloc(sizeof *r->cfg);
	*r->cfg = *cfg;
	if (hooks)
		r->h = *hooks;
	r->d = d;
	r->started_mono_ms = time_mono_ms();
	r->volume = cfg->audio.volume;
	struct link_params p;
	params_from(cfg, &p);
	struct link_callbacks cb = {
	    .on_board = on_board,
	    .on_notice = on_notice,
	    .on_cmd = on_cmd,
	    .on_state = on_state,
	};
	r->link = link_create(loop, &p, &cb, r);
	r->reconf_timer = loop_add_timer(loop, 0, 0, reconf_tick, r);
	if (!r->link || !r->reconf_timer) {
		daemon_link_destroy(r);
		return NULL;
	}
	return r;
}

int daemon_link_start(struct daemon_link *r)
{
	int ms = r->cfg->health_interval_s > 0 ? r->cfg->health_interval_s * 1000 : 30000;
	r->health_timer = loop_add_timer(r->loop, ms, ms, health_tick, r);
	if (!r->health_timer)
		return -1;
	health_watchdog_start(r->loop);
	return link_start(r->link);
}

void daemon_link_presented(struct daemon_link *r, int64_t now_ms, const char ids[][PROTO_ID_MAX + 1],
                      int nids)
{
	link_presented(r->link, now_ms, ids, nids);
	if (!r->ready_sent) {
		r->ready_sent = true;
		health_notify_ready();
	}
}

const struct display_config *daemon_link_config(const struct daemon_link *r)
{
	return r->cfg;
}

bool daemon_link_connected(const struct daemon_link *r)
{
	return link_connected(r->link);
}

void daemon_link_flush(struct daemon_link *r)
{
	link_flush(r->link);
}

void daemon_link_stop(struct daemon_link *r)
{
	if (!r)
		return;
	health_notify_stopping();
	link_stop(r->link, 1000);
}

void daemon_link_destroy(struct daemon_link *r)
{
	if (!r)
		return;
	link_destroy(r->link);
	if (r->health_timer)
		loop_remove(r->loop, r->health_timer);
	if (r->reconf_timer)
		loop_remove(r->loop, r->reconf_timer);
	free(r->pending);
	free(r->cfg);
	free(r);
}

/* --- the daemon's side: hooks get the remote, which knows its daemon --- */

static void d_board(void *data, int area, const struct proto_board *b)
{
	struct daemon_link *r = data;
	const struct display_config *c = daemon_config(r->daemon);
	if (area >= 0 && area < c->nareas)
		daemon_board_from(r->daemon, c->areas[area], b, link_message_retained(r->link));
}

static void d_notice(void *data, const struct proto_notice *n)
{
	daemon_notice(((struct daemon_link *)data)->daemon, n);
}

static void d_link_state(void *data, bool up)
{
	daemon_set_link_state(((struct daemon_link *)data)->daemon, up);
}

static void d_identify(void *data, const char *text, int seconds)
{
	daemon_identify(((struct daemon_link *)data)->daemon, text, seconds);
}

static int d_screenshot(void *data, int max_w, void **png, size_t *len)
{
	return daemon_screenshot_png(((struct daemon_link *)data)->daemon, max_w, png, len);
}

static int d_apply_config(void *data, const struct display_config *cfg, char *err, size_t el)
{
	daemon_apply_config(((struct daemon_link *)data)->daemon, cfg);
	return 0;
}

static void d_health(void *data, struct proto_health *h)
{
	struct daemon_link *r = data;
	struct daemon *d = r->daemon;
	daemon_output_size(d, &h->width, &h->height, &h->rotate);
	h->frames = daemon_frames(d);
	h->last_frame_ms = h->frames > 0 ? daemon_last_frame_ms(d) : -1;
	h->screen = daemon_screen_state(d);
	if (r->audio.health)
		r->audio.health(r->audio_data, h);
}

static int d_volume(void *data, int level, char *err, size_t el)
{
	struct daemon_link *r = data;
	return r->audio.volume(r->audio_data, level, err, el);
}

static int d_announce_test(void *data, char *err, size_t el)
{
	struct daemon_link *r = data;
	return r->audio.announce_test(r->audio_data, err, el);
}

static void on_frame(void *data, struct daemon *d)
{
	struct daemon_link *r = data;
	static char ids[PROTO_BOARD_CALLS_MAX][PROTO_ID_MAX + 1];
	const struct display_config *c = daemon_config(d);
	/* On screen: the newest call and the history rows, when open. */
	int shown =
	    daemon_is_open(d) && daemon_screen_state(d) == PROTO_SCREEN_ON ? 1 + c->history : 0;
	int n = board_visible_ids(daemon_model(d), shown, ids, PROTO_BOARD_CALLS_MAX);
	daemon_link_presented(r, time_now_ms(), (const char(*)[PROTO_ID_MAX + 1]) ids, n);
}

struct daemon_link *daemon_link_attach(struct daemon *d, const struct daemon_link_audio *audio, void *audio_data)
{
	struct daemon_link_hooks h = {
	    .board = d_board,
	    .notice = d_notice,
	    .link_state = d_link_state,
	    .health = d_health,
	    .identify = d_identify,
	    .screenshot = d_screenshot,
	    .apply_config = d_apply_config,
	};
	if (audio && audio->volume)
		h.volume = d_volume;
	if (audio && audio->announce_test)
		h.announce_test = d_announce_test;
	struct daemon_link *r = daemon_link_create(daemon_loop(d), daemon_config(d), &h, NULL);
	if (!r)
		return NULL;
	r->d = r;
	r->daemon = d;
	if (audio)
		r->audio = *audio;
	r->audio_data = audio_data;
	daemon_set_link_state(d, false); /* until the first connect */
	if (daemon_link_start(r) < 0) {
		daemon_link_destroy(r);
		return NULL;
	}
	struct daemon_listener l = {.frame = on_frame};
	if (daemon_add_listener(d, &l, r) < 0) {
		daemon_link_stop(r);
		daemon_link_destroy(r);
		return NULL;
	}
	/* No output to draw on (TV off at boot): the daemon waits for one, and
	 * systemd must not count that as a failed start. */
	if (daemon_screen_state(d) == PROTO_SCREEN_NO_OUTPUT) {
		r->ready_sent = true;
		health_notify_ready();
	}
	return r;
}

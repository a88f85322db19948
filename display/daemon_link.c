/* The daemon's remote side: link + health + commands + systemd glue. */
#define LOG_MODULE "remote"
#include "daemon_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "config.h"
#include "daemon.h"
#include "daemon_audio.h"
#include "health.h"
#include "link.h"
#include "log.h"
#include "pairing.h"
#include "loop.h"
#include "timeutil.h"

#ifndef CALLBOARD_VERSION
#define CALLBOARD_VERSION "0"
#endif

struct daemon_link {
	struct daemon *daemon;      /* not owned */
	struct daemon_audio *audio; /* not owned; NULL: audio disabled */
	struct display_config *cfg; /* owned; replaced by a successful reload */
	struct link *link;
	struct loop_source *health_timer;
	int64_t started_mono_ms;
	bool ready_sent;
	struct link_params *pending; /* owned; applied by reconf_timer */
	struct loop_source *reconf_timer;
	void (*refused)(void *data); /* optional: the account was refused */
	void *refused_data;
	const struct pairing_identity *identity; /* not owned; NULL: from the file */
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

/* --- health --- */

static void build_health(struct daemon_link *r, struct proto_health *h)
{
	struct daemon *d = r->daemon;
	int64_t now = time_now_ms();
	proto_health_init(h);
	h->audio = PROTO_AUDIO_NONE;
	h->volume = r->cfg->audio.volume;
	snprintf(h->device, sizeof h->device, "%s", r->cfg->id);
	snprintf(h->version, sizeof h->version, "%s", CALLBOARD_VERSION);
	h->ts_ms = now;
	h->uptime_s = (time_mono_ms() - r->started_mono_ms) / 1000;
	daemon_output_size(d, &h->width, &h->height, &h->rotate);
	h->frames = daemon_frames(d);
	h->last_frame_ms = h->frames > 0 ? daemon_last_frame_ms(d) : -1;
	h->screen = daemon_screen_state(d);
	daemon_audio_health(r->audio, h);
	link_fill_health(r->link, h, now);
	const char *state = getenv("STATE_DIRECTORY"); /* set by systemd */
	health_collect_system(h, "", state && *state ? state : "/");
}

static void health_now(struct daemon_link *r)
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
	health_now(data);
}

/* --- link callbacks --- */

static void on_board(void *data, int area, const struct proto_board *b)
{
	struct daemon_link *r = data;
	const struct display_config *c = daemon_config(r->daemon);
	if (area >= 0 && area < c->nareas)
		daemon_board_from(r->daemon, c->areas[area], b, link_message_retained(r->link));
}

static void on_queue(void *data, int area, const struct proto_queue *q)
{
	struct daemon_link *r = data;
	const struct display_config *c = daemon_config(r->daemon);
	if (area >= 0 && area < c->nareas)
		daemon_queue(r->daemon, c->areas[area], q);
}

static void on_notice(void *data, const struct proto_notice *n)
{
	daemon_notice(((struct daemon_link *)data)->daemon, n);
}

static void on_state(void *data, bool connected)
{
	struct daemon_link *r = data;
	daemon_set_link_state(r->daemon, connected);
	if (connected)
		health_now(r);
}

static void on_cmd(void *data, const char *payload, size_t len)
{
	struct daemon_link *r = data;
	int64_t now = time_now_ms();
	struct proto_cmd_result *res = xmalloc(sizeof *res);
	commands_handle(daemon_commands, daemon_ncommands, r, payload, len, now,
	                link_bridge_now(r->link, now), res);
	if (link_publish_result(r->link, res) < 0)
		log_warn_rl("result of command %s not sent (offline)", res->id);
	free(res);
}

static void on_refused(void *data)
{
	struct daemon_link *r = data;
	if (r->refused)
		r->refused(r->refused_data);
}

void daemon_link_set_refused(struct daemon_link *r, void (*cb)(void *data), void *data)
{
	r->refused = cb;
	r->refused_data = data;
}

void daemon_link_set_identity(struct daemon_link *r, const struct pairing_identity *id)
{
	r->identity = id;
}

/* --- reload --- */

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

int daemon_link_reload(struct daemon_link *r, char *info, size_t il, char *err, size_t el)
{
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
	if (n->unpaired && r->identity) {
		pairing_identity_apply(r->identity, n);
		n->unpaired = false;
	}
	daemon_apply_config(r->daemon, n);
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

/* --- lifecycle --- */

static void on_frame(void *data, struct daemon *d)
{
	struct daemon_link *r = data;
	static char ids[PROTO_BOARD_CALLS_MAX][PROTO_ID_MAX + 1];
	const struct display_config *c = daemon_config(d);
	/* On screen: the newest call and the history rows, when open. */
	int shown =
	    daemon_is_open(d) && daemon_screen_state(d) == PROTO_SCREEN_ON ? 1 + c->history : 0;
	int n = board_visible_ids(daemon_model(d), shown, ids, PROTO_BOARD_CALLS_MAX);
	/* Acks for boards now on screen, and READY=1 after the first frame. */
	link_presented(r->link, time_now_ms(), (const char(*)[PROTO_ID_MAX + 1]) ids, n);
	if (!r->ready_sent) {
		r->ready_sent = true;
		health_notify_ready();
	}
}

static int start(struct daemon_link *r)
{
	struct loop *loop = daemon_loop(r->daemon);
	int ms = r->cfg->health_interval_s > 0 ? r->cfg->health_interval_s * 1000 : 30000;
	r->health_timer = loop_add_timer(loop, ms, ms, health_tick, r);
	r->reconf_timer = loop_add_timer(loop, 0, 0, reconf_tick, r);
	if (!r->health_timer || !r->reconf_timer)
		return -1;
	health_watchdog_start(loop);
	if (link_start(r->link) < 0)
		return -1;
	struct daemon_listener l = {.frame = on_frame};
	return daemon_add_listener(r->daemon, &l, r);
}

struct daemon_link *daemon_link_attach(struct daemon *d, struct daemon_audio *audio)
{
	struct daemon_link *r = xcalloc(1, sizeof *r);
	r->daemon = d;
	r->audio = audio;
	r->cfg = xmalloc(sizeof *r->cfg);
	*r->cfg = *daemon_config(d);
	r->started_mono_ms = time_mono_ms();
	struct link_params p;
	params_from(r->cfg, &p);
	struct link_callbacks cb = {
	    .on_board = on_board,
	    .on_notice = on_notice,
	    .on_queue = on_queue,
	    .on_cmd = on_cmd,
	    .on_state = on_state,
	    .on_refused = on_refused,
	};
	r->link = link_create(daemon_loop(d), &p, &cb, r);
	if (!r->link) {
		daemon_link_destroy(r);
		return NULL;
	}
	daemon_set_link_state(d, false); /* until the first connect */
	if (start(r) < 0) {
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

struct daemon *daemon_link_daemon(const struct daemon_link *r)
{
	return r->daemon;
}

struct daemon_audio *daemon_link_audio(const struct daemon_link *r)
{
	return r->audio;
}

struct link *daemon_link_mqtt(const struct daemon_link *r)
{
	return r->link;
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
	struct loop *loop = daemon_loop(r->daemon);
	daemon_remove_listeners(r->daemon, r);
	link_destroy(r->link);
	if (r->health_timer)
		loop_remove(loop, r->health_timer);
	if (r->reconf_timer)
		loop_remove(loop, r->reconf_timer);
	free(r->pending);
	free(r->cfg);
	free(r);
}

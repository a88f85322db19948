#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "humantime.h"
#include "log.h"
#include "markup.h"
#include "proto.h"
#include "lease.h"
#include "mqttc.h"
#include "problems.h"
#include "registry.h"
#include "statuspage.h"
#include "statuspage_css.h"
#include "timeutil.h"

struct buf {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
}

static void add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append a string literal without formatting it. */
#define PUTS(b, lit) add((b), "" lit, sizeof(lit) - 1)

/* HTML-escape s: names are [a-z0-9-], but versions come from displays.
 * The apostrophe too, so a value is safe in either kind of quotes. */
static void esc(struct buf *b, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = *s == '\'' ? "&#39;" : markup_entity(*s);
		if (!rep)
			continue;
		add(b, run, (size_t)(s - run));
		add(b, rep, strlen(rep));
		run = s + 1;
	}
	add(b, run, (size_t)(s - run));
}

/* Append literal and escaped text in turn, starting with a literal, up to a NULL. */
__attribute__((sentinel)) static void html(struct buf *b, const char *lit, ...)
{
	va_list ap;
	va_start(ap, lit);
	for (bool raw = true; lit; raw = !raw) {
		if (raw)
			add(b, lit, strlen(lit));
		else
			esc(b, lit);
		lit = va_arg(ap, const char *);
	}
	va_end(ap);
}

#define PROBLEMS_LISTED 100 /* per severity; more are counted and marked in the tables */
#define PROBLEMS_SHOWN  25  /* lines in sight; the others behind a click */
#define PAGE_ROWS_MAX   500 /* more displays: one line per site, a page per site */

struct page {
	struct bridge *br;
	int64_t now;
	struct buf probs[PROBLEM_SEVERITIES]; /* the problem list, by severity */
	struct buf tables;                    /* finished site sections */
	struct buf index;                     /* one line per site */
	const char *only;                     /* "tenant/site" to show alone, or NULL */
	const char *tenant;                   /* whose sites, or NULL for all */
	struct buf rows;                      /* rows of the current site */
	char site[2 * PROTO_NAME_MAX + 2];
	bool site_open; /* within its opening hours */
	int sn, sprob, scount[4], sbehind;
	int total, count[4], behind, problems, listed[PROBLEM_SEVERITIES], unlisted;
	char (*seen)[2 * PROTO_NAME_MAX + 2]; /* sites with displays; owned */
	int nseen, seen_cap;
};

static const char *const state_icon[] = {"?", "&#10004;", "&#10006;", "&#9719;"};

static void badge(struct buf *b, const char *cls, const char *icon, const char *text)
{
	put(b, "<span class=\"b %s\">%s %s</span>", cls, icon, text);
}

/* One problem: a line in the list (while there is room) and the count. */
static void problem(struct page *p, const struct registry_view *v, const struct problem *pr)
{
	struct buf *pb = &p->probs[pr->severity];
	if (p->listed[pr->severity] >= PROBLEMS_LISTED) {
		p->unlisted++;
		return;
	}
	p->listed[pr->severity]++;
	html(pb, "<li><a href=\"/?site=", v->tenant, "/", v->site, "#d-", v->tenant, "-", v->site,
	     "-", v->device, "\"><b>", v->device, "</b></a> at ", v->tenant, "/", v->site, ": ",
	     pr->text, "</li>\n", NULL);
}

/* The site's summary: its heading, and its line in the index of sites. */
static void site_summary(struct buf *t, const struct page *p)
{
	put(t, " <small>%d display%s: %d online", p->sn, p->sn == 1 ? "" : "s",
	    p->scount[DEV_ONLINE]);
	if (p->scount[DEV_OFFLINE])
		put(t, ", <b class=\"t-bad\">%d offline</b>", p->scount[DEV_OFFLINE]);
	if (p->scount[DEV_STALE])
		put(t, ", <b class=\"t-warn\">%d stale</b>", p->scount[DEV_STALE]);
	if (p->sbehind)
		put(t, ", <b class=\"t-warn\">%d behind</b>", p->sbehind);
	if (p->sprob)
		put(t, ", <b class=\"t-bad\">%d with problems</b>", p->sprob);
	put(t, "; %s</small>", p->site_open ? "open now" : "closed now");
}

static void flush_site(struct page *p)
{
	if (!p->site[0])
		return;
	struct buf *x = &p->index;
	html(x, "<li><a href=\"/?site=", p->site, "\">", p->site, "</a>", NULL);
	site_summary(x, p);
	PUTS(x, "</li>\n");
	if (!p->only || strcmp(p->only, p->site) == 0) {
		struct buf *t = &p->tables;
		html(t, "<section><h2 id=\"s-", p->site, "\"><a href=\"/?site=", p->site, "\">",
		     p->site, "</a>", NULL);
		site_summary(t, p);
		PUTS(t, "</h2>\n<table><thead><tr><th>Display</th><th>State</th><th>Last seen</th>"
		        "<th>Screen</th><th>Boards</th><th>Audio</th><th>Device</th>"
		        "<th>Screenshot</th></tr></thead><tbody>\n");
		add(t, p->rows.s ? p->rows.s : "", p->rows.len);
		PUTS(t, "</tbody></table></section>\n");
	}
	p->rows.len = 0;
	p->sn = p->sprob = p->sbehind = 0;
	memset(p->scount, 0, sizeof p->scount);
}

static void dev_path(struct buf *b, const struct registry_view *v)
{
	html(b, "", v->tenant, "/", v->site, "/", v->device, NULL);
}

/* The row's look follows the problems found: the HTML decides nothing. */
struct row_marks {
	bool screen, audio, clock, uv, temp;
};

/* Health cells of a display that is not online show older numbers. */
static const char *old_class(const struct registry_view *v)
{
	return v->health && v->state != DEV_ONLINE ? " class=\"old\"" : "";
}

static void cell_state(struct buf *b, const struct registry_view *v, int64_t now)
{
	static const char *const cls[] = {"unknown", "ok", "bad", "warn"};
	PUTS(b, "<td data-l=\"State\">");
	badge(b, cls[v->state], state_icon[v->state], registry_state_name(v->state));
	if (v->behind)
		badge(b, "warn", "&#9888;", "behind");
	int64_t since = v->state_since_ms ? v->state_since_ms : v->last_seen_ms;
	if (since && v->state != DEV_ONLINE) {
		char when[80];
		human_when(when, sizeof when, since, now);
		PUTS(b, "<br><small>since ");
		esc(b, when);
		PUTS(b, "</small>");
	}
	PUTS(b, "</td><td data-l=\"Last seen\">");
	if (v->last_seen_ms) {
		char ago[32], clock[32];
		human_duration(ago, sizeof ago, (now - v->last_seen_ms) / 1000);
		human_clock(clock, sizeof clock, v->last_seen_ms, now);
		put(b, "%s ago<br><small>%s</small>", ago, clock);
	} else
		PUTS(b, "never");
	PUTS(b, "</td>");
}

static void cell_screen(struct buf *b, const struct registry_view *v, const struct row_marks *m)
{
	const struct proto_health *h = v->health;
	put(b, "<td data-l=\"Screen\"%s>", old_class(v));
	if (!h)
		PUTS(b, "&ndash;");
	else if (m->screen)
		badge(b, "bad", "&#9888;", "no output");
	else if (h->screen == PROTO_SCREEN_NO_OUTPUT)
		PUTS(b, "no output <small>(closed)</small>");
	else
		put(b, "%s", h->screen == PROTO_SCREEN_ON ? "on" : "closed");
	if (h && h->width > 0)
		put(b, "<br><small>%d&times;%d%s</small>", h->width, h->height,
		    h->rotate ? " rotated" : "");
	PUTS(b, "</td>");
}

static void cell_boards(struct buf *b, const struct registry_view *v)
{
	PUTS(b, "<td data-l=\"Boards\">");
	if (!v->nacks)
		PUTS(b, "&ndash;");
	for (int i = 0; i < v->nacks; i++) {
		const struct registry_view_ack *a = &v->acks[i];
		put(b, "%s", i ? "<br>" : "");
		esc(b, a->area);
		if (!a->board_seq)
			PUTS(b, ": <small>no board sent yet</small>");
		else if (a->seq >= a->board_seq)
			PUTS(b, ": &#10004; up to date");
		else
			put(b,
			    ": <span class=\"t-warn\">&#9888; shows an older board</span>"
			    "<br><small>seq %lld, sent %lld</small>",
			    (long long)a->seq, (long long)a->board_seq);
	}
	PUTS(b, "</td>");
}

static void cell_audio(struct buf *b, const struct registry_view *v, const struct row_marks *m)
{
	const struct proto_health *h = v->health;
	put(b, "<td data-l=\"Audio\"%s>", old_class(v));
	if (!h) {
		PUTS(b, "&ndash;</td>");
		return;
	}
	const char *an = proto_audio_name(h->audio);
	if (m->audio)
		badge(b, "bad", "&#9888;", an);
	else
		put(b, "%s", an);
	if (h->volume >= 0)
		put(b, " <small>vol. %d</small>", h->volume);
	if (h->announced >= 0)
		put(b, "<br><small>%lld announced", (long long)h->announced);
	if (h->announce_failed > 0)
		put(b, ", <b class=\"t-bad\">%lld failed</b>", (long long)h->announce_failed);
	else if (h->announce_failed == 0)
		PUTS(b, ", 0 failed");
	if (h->announced >= 0)
		PUTS(b, "</small>");
	PUTS(b, "</td>");
}

static void cell_device(struct buf *b, const struct registry_view *v, const struct row_marks *m)
{
	const struct proto_health *h = v->health;
	put(b, "<td data-l=\"Device\"%s><small>", old_class(v));
	if (!h) {
		PUTS(b, "no health report yet</small></td>");
		return;
	}
	if (v->state != DEV_ONLINE)
		PUTS(b, "<i>as last reported:</i><br>");
	char up[32];
	if (h->uptime_s >= 0) {
		human_duration(up, sizeof up, h->uptime_s);
		put(b, "up %s", up);
	}
	if (h->reconnects >= 0)
		put(b, ", %lld reconnect%s", (long long)h->reconnects,
		    h->reconnects == 1 ? "" : "s");
	if (!isnan(h->cpu_temp_c))
		put(b, "<br>%s%.1f &deg;C%s", m->temp ? "<b class=\"t-bad\">&#9888; " : "CPU ",
		    h->cpu_temp_c, m->temp ? "</b>" : "");
	if (m->uv)
		PUTS(b, "<br><b class=\"t-bad\">&#9889; under-voltage</b>");
	if (h->has_clock_offset)
		put(b, "<br>%sclock %+.1f s%s", m->clock ? "<b class=\"t-bad\">&#9888; " : "",
		    (double)h->clock_offset_ms / 1000.0, m->clock ? "</b>" : "");
	if (h->rss_kb >= 0)
		put(b, "<br>RSS %.1f MB", (double)h->rss_kb / 1024.0);
	if (h->frames >= 0) {
		put(b, "<br>%lld frames", (long long)h->frames);
		if (h->last_frame_ms >= 0 && !isnan(h->last_frame_ms))
			put(b, ", last %.1f ms", h->last_frame_ms);
	}
	PUTS(b, "</small></td>");
}

static void cell_screenshot(struct buf *b, const struct registry_view *v, int64_t now)
{
	PUTS(b, "<td data-l=\"Screenshot\">");
	if (v->has_png) {
		char ago[32];
		PUTS(b, "<a href=\"/status/latest/");
		dev_path(b, v);
		PUTS(b, "\" target=\"_blank\"><img src=\"/status/latest/");
		dev_path(b, v);
		put(b, "?t=%lld\" width=\"160\" loading=\"lazy\" alt=\"latest screenshot of ",
		    (long long)v->png_ms);
		esc(b, v->device);
		PUTS(b, "\"></a><br><small>");
		human_duration(ago, sizeof ago, (now - v->png_ms) / 1000);
		put(b, "taken %s ago</small><br>", ago);
	}
	PUTS(b, "<a class=\"btn\" href=\"/status/screenshot/");
	dev_path(b, v);
	PUTS(b, "\" target=\"_blank\">take screenshot</a></td>");
}

/* One display's table row, marked by its problems. */
static void row_html(struct buf *b, const struct registry_view *v, const struct problem *probs,
                     int np, int64_t now)
{
	const struct row_marks m = {
	    .screen = problems_has(probs, np, PROBLEM_NO_OUTPUT),
	    .audio = problems_has(probs, np, PROBLEM_SILENT),
	    .clock = problems_has(probs, np, PROBLEM_CLOCK_OFF),
	    .uv = problems_has(probs, np, PROBLEM_UNDERVOLTAGE),
	    .temp = problems_has(probs, np, PROBLEM_HOT),
	};
	html(b, "<tr id=\"d-", v->tenant, "-", v->site, "-", v->device, NULL);
	put(b, "\"%s><td data-l=\"Display\"><b>", np ? " class=\"prob\"" : "");
	html(b, "", v->device, "</b><br><small>", v->version[0] ? v->version : "version unknown",
	     "</small></td>", NULL);
	cell_state(b, v, now);
	cell_screen(b, v, &m);
	cell_boards(b, v);
	cell_audio(b, v, &m);
	cell_device(b, v, &m);
	cell_screenshot(b, v, now);
	PUTS(b, "</tr>\n");
}

static void row(void *data, const struct registry_view *v)
{
	struct page *p = data;
	int64_t now = p->now;
	char site[sizeof p->site];
	snprintf(site, sizeof site, "%s/%s", v->tenant, v->site);
	if (strcmp(site, p->site) != 0) {
		flush_site(p);
		snprintf(p->site, sizeof p->site, "%s", site);
		if (p->nseen < p->seen_cap)
			snprintf(p->seen[p->nseen++], sizeof p->seen[0], "%s", site);
		p->site_open = bridge_config_site_open(
		    &p->br->cfg, bridge_config_site(&p->br->cfg, v->tenant, v->site), now);
	}
	p->total++;
	p->sn++;
	p->count[v->state]++;
	p->scount[v->state]++;
	if (v->behind) {
		p->behind++;
		p->sbehind++;
	}
	/* Problems first: they decide the row's look. */
	struct problem probs[PROBLEMS_MAX];
	int np = problems_find(v, now, p->site_open, probs);
	for (int i = 0; i < np; i++)
		problem(p, v, &probs[i]);
	if (np) {
		p->problems++;
		p->sprob++;
	}
	if (p->only && strcmp(p->only, p->site) != 0)
		return; /* counted, not shown */
	row_html(&p->rows, v, probs, np, now);
}

static void stat(struct buf *b, const char *cls, int n, const char *label)
{
	put(b, "<div class=\"st %s\"><b>%d</b>%s</div>", n ? cls : "", n, label);
}

/* The head with the style, the heading and the time of the page. */
static void page_head(struct buf *b, const struct page *p)
{
	PUTS(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	        "<meta http-equiv=\"refresh\" content=\"10\">"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	        "<title>");
	if (p->problems)
		put(b, "(%d) ", p->problems);
	PUTS(b, "callboard displays</title><style>");
	add(b, statuspage_css, sizeof statuspage_css - 1);
	PUTS(b, "</style></head><body>\n<h1>callboard displays</h1>\n");
	if (p->br->enrol)
		PUTS(b, "<p><a href=\"/status/pair\">Pair a screen that shows a code</a></p>\n");
	char clock[32], tz[16];
	human_clock(clock, sizeof clock, p->now, p->now);
	time_t nt = (time_t)(p->now / 1000);
	struct tm tm;
	localtime_r(&nt, &tm);
	strftime(tz, sizeof tz, "%Z", &tm);
	put(b, "<p class=\"meta\">As of %s ", clock);
	esc(b, tz);
	PUTS(b, " &middot; refreshes every 10 s</p>\n<div class=\"sum\">");
}

/* The counts across all sites, the broker and the outbox. */
static void page_summary(struct buf *b, const struct page *p)
{
	bool up = p->br->mqtt && mqttc_connected(p->br->mqtt);
	put(b, "<div class=\"st\"><b>%d</b>displays</div>", p->total);
	stat(b, "ok", p->count[DEV_ONLINE], "&#10004; online");
	stat(b, "bad", p->count[DEV_OFFLINE], "&#10006; offline");
	stat(b, "warn", p->count[DEV_STALE], "&#9719; stale");
	stat(b, "warn", p->behind, "&#9888; behind");
	stat(b, "bad", p->problems, "&#9888; with problems");
	put(b, "<div class=\"st %s\"><b>%s</b>broker</div>", up ? "ok" : "bad",
	    up ? "&#10004; up" : "&#10006; down");
	struct lease_status ls;
	lease_status(p->br, &ls);
	if (ls.shared) /* one of several bridges: which publishes */
		put(b, "<div class=\"st\"><b>%s</b>this bridge, lease epoch %lld</div>",
		    lease_role(p->br), (long long)ls.epoch);
	int depth = bridge_outbox_depth(p->br);
	put(b, "<div class=\"st %s\"><b>%d</b>boards waiting to be sent</div></div>\n",
	    depth ? "warn" : "", depth);
	if (!up)
		PUTS(b, "<div class=\"probs\"><h2>&#10006; The bridge is not connected to the "
		        "broker</h2>No board reaches any display until it is.</div>\n");
}

/* The problem list, worst first. */
static void page_problems(struct buf *b, const struct page *p)
{
	if (p->problems) {
		put(b, "<div class=\"probs\"><h2>&#9888; %d display%s with problems</h2><ul>\n",
		    p->problems, p->problems == 1 ? "" : "s");
		/* The worst PROBLEMS_SHOWN lines in sight; the rest folded away
		 * (one line per problem, each ending in a newline). */
		struct buf all = {0};
		for (int i = 0; i < PROBLEM_SEVERITIES; i++)
			if (p->probs[i].s)
				add(&all, p->probs[i].s, p->probs[i].len);
		size_t cut = 0;
		int lines = 0, more = 0;
		for (size_t i = 0; i < all.len; i++)
			if (all.s[i] == '\n' && ++lines == PROBLEMS_SHOWN)
				cut = i + 1;
		if (lines > PROBLEMS_SHOWN)
			more = lines - PROBLEMS_SHOWN;
		else
			cut = all.len;
		if (cut)
			add(b, all.s, cut);
		if (more) {
			put(b, "</ul><details><summary>%d more problem%s</summary><ul>\n", more,
			    more == 1 ? "" : "s");
			add(b, all.s + cut, all.len - cut);
		}
		if (p->unlisted)
			put(b, "<li>&hellip; and %d more: see the marked rows of each site</li>\n",
			    p->unlisted);
		PUTS(b, "</ul>");
		if (more)
			PUTS(b, "</details>");
		PUTS(b, "</div>\n");
		free(all.s);
	} else if (p->total)
		PUTS(b, "<div class=\"probs fine\"><h2>&#10004; No problems</h2></div>\n");
}

/* One site's table, the index of sites, or every site's table. */
static void page_tables(struct buf *b, const struct page *p)
{
	if (p->only) {
		PUTS(b, "<p><a class=\"btn\" href=\"/\">&larr; all sites</a></p>\n");
		if (p->tables.s)
			add(b, p->tables.s, p->tables.len);
		else {
			html(b, "<p>No display has reported from ", p->only, ".</p>\n", NULL);
		}
	} else if (p->total > PAGE_ROWS_MAX) {
		put(b,
		    "<h2>Sites</h2><p>%d displays are too many for one page: choose a "
		    "site.</p><ul>\n",
		    p->total);
		if (p->index.s)
			add(b, p->index.s, p->index.len);
		PUTS(b, "</ul>\n");
	} else if (p->tables.s)
		add(b, p->tables.s, p->tables.len);
}

/* Configured sites no display has reported from. */
static void page_unreported(struct buf *b, const struct page *p)
{
	bool any = false;
	for (int i = 0; i < p->br->cfg.ntenants; i++) {
		const struct cfg_tenant *t = &p->br->cfg.tenants[i];
		if (p->tenant && strcmp(p->tenant, t->name) != 0)
			continue;
		for (int j = 0; j < t->nsites; j++) {
			char site[sizeof p->site];
			snprintf(site, sizeof site, "%s/%s", t->name, t->sites[j].name);
			bool seen = false;
			for (int k = 0; k < p->nseen && !seen; k++)
				seen = strcmp(p->seen[k], site) == 0;
			if (seen)
				continue;
			put(b, any ? ", " : "<h2>Sites with no display reporting</h2><p>");
			esc(b, site);
			any = true;
		}
	}
	if (any)
		PUTS(b, "</p>\n");
}

char *statuspage_render(struct bridge *br, const char *tenant, const char *only_site, size_t *len)
{
	struct page *p = xcalloc(1, sizeof *p);
	p->br = br;
	p->tenant = tenant;
	p->only = only_site && only_site[0] ? only_site : NULL;
	for (int i = 0; i < br->cfg.ntenants; i++)
		p->seen_cap += br->cfg.tenants[i].nsites;
	p->seen = xcalloc((size_t)p->seen_cap + 1, sizeof *p->seen);
	p->now = time_now_ms();
	registry_each(br->registry, tenant, row, p);
	flush_site(p);

	struct buf b = {0};
	page_head(&b, p);
	page_summary(&b, p);
	page_problems(&b, p);
	page_tables(&b, p);
	page_unreported(&b, p);
	if (!p->total)
		PUTS(&b, "<p>No display has reported yet.</p>\n");
	PUTS(&b, "</body></html>\n");
	for (int i = 0; i < PROBLEM_SEVERITIES; i++)
		free(p->probs[i].s);
	free(p->tables.s);
	free(p->index.s);
	free(p->seen);
	free(p->rows.s);
	free(p);
	*len = b.len;
	return b.s;
}

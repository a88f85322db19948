#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "proto.h"
#include "mqttc.h"
#include "registry.h"
#include "statuspage.h"
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

/* HTML-escape s: names are [a-z0-9-], but versions come from displays. */
static void esc(struct buf *b, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '&':
			rep = "&amp;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		add(b, run, (size_t)(s - run));
		add(b, rep, strlen(rep));
		run = s + 1;
	}
	add(b, run, (size_t)(s - run));
}

/* "12 s", "3 min", "2 h 5 min", "4 d". */
static void fmt_dur(char *out, size_t cap, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, cap, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(out, cap, "%lld min", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, cap, "%lld h %lld min", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
	else
		snprintf(out, cap, "%lld d %lld h", (long long)(s / 86400),
		         (long long)(s % 86400 / 3600));
}

/* Local wall-clock time; the date too when it is not today. */
static void fmt_clock(char *out, size_t cap, int64_t ms, int64_t now_ms)
{
	time_t t = (time_t)(ms / 1000), n = (time_t)(now_ms / 1000);
	struct tm tm, tn;
	localtime_r(&t, &tm);
	localtime_r(&n, &tn);
	bool today = tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday;
	strftime(out, cap, today ? "%H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
}

/* "10:44:58 (3 min ago)" */
static void fmt_when(char *out, size_t cap, int64_t ms, int64_t now)
{
	char clock[32], ago[32];
	fmt_clock(clock, sizeof clock, ms, now);
	fmt_dur(ago, sizeof ago, (now - ms) / 1000);
	snprintf(out, cap, "%s (%s ago)", clock, ago);
}

#define PROBLEMS_LISTED 100 /* per severity; more are counted and marked in the tables */
#define PROBLEMS_SHOWN  25  /* lines in sight; the others behind a click */
#define PAGE_ROWS_MAX   500 /* more displays: one line per site, a page per site */
#define CLOCK_OFF_MS    30000
#define HOT_C           80.0

struct page {
	struct bridge *br;
	int64_t now;
	struct buf probs[3]; /* the problem list, by severity */
	struct buf tables;   /* finished site sections */
	struct buf index;    /* one line per site */
	const char *only;    /* "tenant/site" to show alone, or NULL */
	struct buf rows;     /* rows of the current site */
	char site[2 * PROTO_NAME_MAX + 2];
	bool site_open; /* within its opening hours */
	int sn, sprob, scount[4], sbehind;
	int total, count[4], behind, problems, listed[3], unlisted;
	char (*seen)[2 * PROTO_NAME_MAX + 2]; /* sites with displays; owned */
	int nseen, seen_cap;
};

static const char *const state_icon[] = {"?", "&#10004;", "&#10006;", "&#9719;"};

static void badge(struct buf *b, const char *cls, const char *icon, const char *text)
{
	put(b, "<span class=\"b %s\">%s %s</span>", cls, icon, text);
}

/* One problem: a line in the list (while there is room) and the count. */
/* sev 0: not working (offline, stale); 1: not doing its job (behind, no
 * output, silent); 2: will fail (power, clock, heat). */
static void problem(struct page *p, int sev, const struct registry_view *v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(struct page *p, int sev, const struct registry_view *v, const char *fmt, ...)
{
	struct buf *pb = &p->probs[sev];
	if (p->listed[sev] >= PROBLEMS_LISTED) {
		p->unlisted++;
		return;
	}
	p->listed[sev]++;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	PUTS(pb, "<li><a href=\"/?site=");
	esc(pb, v->tenant);
	PUTS(pb, "/");
	esc(pb, v->site);
	PUTS(pb, "#d-");
	esc(pb, v->tenant);
	PUTS(pb, "-");
	esc(pb, v->site);
	PUTS(pb, "-");
	esc(pb, v->device);
	PUTS(pb, "\"><b>");
	esc(pb, v->device);
	PUTS(pb, "</b></a> at ");
	esc(pb, v->tenant);
	PUTS(pb, "/");
	esc(pb, v->site);
	PUTS(pb, ": ");
	esc(pb, text);
	PUTS(pb, "</li>\n");
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
	PUTS(x, "<li><a href=\"/?site=");
	esc(x, p->site);
	PUTS(x, "\">");
	esc(x, p->site);
	PUTS(x, "</a>");
	site_summary(x, p);
	PUTS(x, "</li>\n");
	if (!p->only || strcmp(p->only, p->site) == 0) {
		struct buf *t = &p->tables;
		PUTS(t, "<section><h2 id=\"s-");
		esc(t, p->site);
		PUTS(t, "\"><a href=\"/?site=");
		esc(t, p->site);
		PUTS(t, "\">");
		esc(t, p->site);
		PUTS(t, "</a>");
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
	esc(b, v->tenant);
	PUTS(b, "/");
	esc(b, v->site);
	PUTS(b, "/");
	esc(b, v->device);
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
		    bridge_config_site(&p->br->cfg, v->tenant, v->site), now);
	}
	const struct proto_health *h = v->health;
	bool live = v->state == DEV_ONLINE; /* health numbers are current */
	int np = 0;
	p->total++;
	p->sn++;
	p->count[v->state]++;
	p->scount[v->state]++;
	if (v->behind) {
		p->behind++;
		p->sbehind++;
	}
	int64_t since = v->state_since_ms ? v->state_since_ms : v->last_seen_ms;
	char when[80] = "", ago[32];
	if (since)
		fmt_when(when, sizeof when, since, now);
	/* Problems first: they decide the row's look. */
	if (v->state == DEV_OFFLINE) {
		np++;
		problem(p, 0, v, "offline since %s", since ? when : "an unknown time");
	} else if (v->state == DEV_STALE) {
		np++;
		char heard[80] = "an unknown time";
		if (v->last_seen_ms)
			fmt_when(heard, sizeof heard, v->last_seen_ms, now);
		problem(p, 0, v, "stale: no health report, last heard from %s", heard);
	} else if (v->state == DEV_UNKNOWN) {
		np++;
		problem(p, 0, v, "state unknown");
	}
	bool bad_screen = false, bad_audio = false, bad_clock = false, bad_uv = false,
	     bad_temp = false;
	if (v->behind) {
		np++;
		for (int i = 0; i < v->nacks; i++)
			if (v->acks[i].seq < v->acks[i].board_seq) {
				problem(p, 1, v,
				        "behind: area %s still shows an older board (seq %lld, "
				        "sent %lld)",
				        v->acks[i].area, (long long)v->acks[i].seq,
				        (long long)v->acks[i].board_seq);
				break;
			}
	}
	if (live && h) {
		if (h->screen == PROTO_SCREEN_NO_OUTPUT && p->site_open) {
			bad_screen = true;
			np++;
			problem(p, 1, v, "no output: no screen connected during opening hours");
		}
		if (h->audio == PROTO_AUDIO_NONE || h->audio == PROTO_AUDIO_ERROR) {
			bad_audio = true;
			np++;
			problem(p, 1, v, "silent: audio %s", proto_audio_name(h->audio));
		}
		if (h->undervoltage == 1) {
			bad_uv = true;
			np++;
			problem(p, 2, v, "under-voltage: check the power supply");
		}
		if (h->has_clock_offset && llabs(h->clock_offset_ms) > CLOCK_OFF_MS) {
			bad_clock = true;
			np++;
			problem(p, 2, v, "clock off by %lld s",
			        (long long)(h->clock_offset_ms / 1000));
		}
		if (!isnan(h->cpu_temp_c) && h->cpu_temp_c >= HOT_C) {
			bad_temp = true;
			np++;
			problem(p, 2, v, "CPU at %.0f \u00b0C", h->cpu_temp_c);
		}
	}
	if (np) {
		p->problems++;
		p->sprob++;
	}

	if (p->only && strcmp(p->only, p->site) != 0)
		return; /* counted, not shown */
	struct buf *b = &p->rows;
	PUTS(b, "<tr id=\"d-");
	esc(b, v->tenant);
	PUTS(b, "-");
	esc(b, v->site);
	PUTS(b, "-");
	esc(b, v->device);
	put(b, "\"%s><td data-l=\"Display\"><b>", np ? " class=\"prob\"" : "");
	esc(b, v->device);
	PUTS(b, "</b><br><small>");
	esc(b, v->version[0] ? v->version : "version unknown");
	PUTS(b, "</small></td><td data-l=\"State\">");
	static const char *const cls[] = {"unknown", "ok", "bad", "warn"};
	badge(b, cls[v->state], state_icon[v->state], registry_state_name(v->state));
	if (v->behind)
		badge(b, "warn", "&#9888;", "behind");
	if (since && v->state != DEV_ONLINE) {
		PUTS(b, "<br><small>since ");
		esc(b, when);
		PUTS(b, "</small>");
	}
	PUTS(b, "</td><td data-l=\"Last seen\">");
	if (v->last_seen_ms) {
		char clock[32];
		fmt_dur(ago, sizeof ago, (now - v->last_seen_ms) / 1000);
		fmt_clock(clock, sizeof clock, v->last_seen_ms, now);
		put(b, "%s ago<br><small>%s</small>", ago, clock);
	} else
		PUTS(b, "never");
	put(b, "</td><td data-l=\"Screen\"%s>", h && !live ? " class=\"old\"" : "");
	if (!h)
		PUTS(b, "&ndash;");
	else if (bad_screen)
		badge(b, "bad", "&#9888;", "no output");
	else if (h->screen == PROTO_SCREEN_NO_OUTPUT)
		PUTS(b, "no output <small>(closed)</small>");
	else
		put(b, "%s", h->screen == PROTO_SCREEN_ON ? "on" : "closed");
	if (h && h->width > 0)
		put(b, "<br><small>%d&times;%d%s</small>", h->width, h->height,
		    h->rotate ? " rotated" : "");
	PUTS(b, "</td><td data-l=\"Boards\">");
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
	put(b, "</td><td data-l=\"Audio\"%s>", h && !live ? " class=\"old\"" : "");
	if (!h)
		PUTS(b, "&ndash;");
	else {
		const char *an = proto_audio_name(h->audio);
		if (bad_audio)
			badge(b, "bad", "&#9888;", an);
		else
			put(b, "%s", an);
		if (h->volume >= 0)
			put(b, " <small>vol. %d</small>", h->volume);
		if (h->announced >= 0)
			put(b, "<br><small>%lld announced", (long long)h->announced);
		if (h->announce_failed > 0)
			put(b, ", <b class=\"t-bad\">%lld failed</b>",
			    (long long)h->announce_failed);
		else if (h->announce_failed == 0)
			PUTS(b, ", 0 failed");
		if (h->announced >= 0)
			PUTS(b, "</small>");
	}
	put(b, "</td><td data-l=\"Device\"%s><small>", h && !live ? " class=\"old\"" : "");
	if (!h)
		PUTS(b, "no health report yet");
	else {
		if (!live)
			PUTS(b, "<i>as last reported:</i><br>");
		char up[32];
		if (h->uptime_s >= 0) {
			fmt_dur(up, sizeof up, h->uptime_s);
			put(b, "up %s", up);
		}
		if (h->reconnects >= 0)
			put(b, ", %lld reconnect%s", (long long)h->reconnects,
			    h->reconnects == 1 ? "" : "s");
		if (!isnan(h->cpu_temp_c))
			put(b, "<br>%s%.1f &deg;C%s",
			    bad_temp ? "<b class=\"t-bad\">&#9888; " : "CPU ", h->cpu_temp_c,
			    bad_temp ? "</b>" : "");
		if (bad_uv)
			PUTS(b, "<br><b class=\"t-bad\">&#9889; under-voltage</b>");
		if (h->has_clock_offset)
			put(b, "<br>%sclock %+.1f s%s",
			    bad_clock ? "<b class=\"t-bad\">&#9888; " : "",
			    (double)h->clock_offset_ms / 1000.0, bad_clock ? "</b>" : "");
		if (h->rss_kb >= 0)
			put(b, "<br>RSS %.1f MB", (double)h->rss_kb / 1024.0);
		if (h->frames >= 0) {
			put(b, "<br>%lld frames", (long long)h->frames);
			if (h->last_frame_ms >= 0 && !isnan(h->last_frame_ms))
				put(b, ", last %.1f ms", h->last_frame_ms);
		}
	}
	PUTS(b, "</small></td><td data-l=\"Screenshot\">");
	if (v->has_png) {
		PUTS(b, "<a href=\"/status/latest/");
		dev_path(b, v);
		PUTS(b, "\" target=\"_blank\"><img src=\"/status/latest/");
		dev_path(b, v);
		put(b, "?t=%lld\" width=\"160\" loading=\"lazy\" alt=\"latest screenshot of ",
		    (long long)v->png_ms);
		esc(b, v->device);
		PUTS(b, "\"></a><br><small>");
		fmt_dur(ago, sizeof ago, (now - v->png_ms) / 1000);
		put(b, "taken %s ago</small><br>", ago);
	}
	PUTS(b, "<a class=\"btn\" href=\"/status/screenshot/");
	dev_path(b, v);
	PUTS(b, "\" target=\"_blank\">take screenshot</a></td></tr>\n");
}

static void stat(struct buf *b, const char *cls, int n, const char *label)
{
	put(b, "<div class=\"st %s\"><b>%d</b>%s</div>", n ? cls : "", n, label);
}

char *statuspage_render(struct bridge *br, const char *only_site, size_t *len)
{
	struct page *p = xcalloc(1, sizeof *p);
	p->br = br;
	p->only = only_site && only_site[0] ? only_site : NULL;
	for (int i = 0; i < br->cfg.ntenants; i++)
		p->seen_cap += br->cfg.tenants[i].nsites;
	p->seen = xcalloc((size_t)p->seen_cap + 1, sizeof *p->seen);
	p->now = time_now_ms();
	registry_each(br->registry, row, p);
	flush_site(p);

	struct buf b = {0};
	PUTS(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	         "<meta http-equiv=\"refresh\" content=\"10\">"
	         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	         "<title>");
	if (p->problems)
		put(&b, "(%d) ", p->problems);
	put(&b,
	    "callboard displays</title><style>"
	    "body{font-family:system-ui,sans-serif;margin:1em;color:#111;background:#f6f6f6;"
	    "font-size:15px}"
	    "h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}"
	    "h2 small{font-weight:normal;color:#444;font-size:.8em}"
	    ".meta{color:#555;margin:.2em 0 .8em}"
	    ".sum{display:flex;flex-wrap:wrap;gap:.5em;margin-bottom:1em}"
	    ".st{background:#fff;border:1px solid #ccc;border-radius:.4em;padding:.4em .8em;"
	    "min-width:6em}.st b{display:block;font-size:1.6em}"
	    ".st.bad{background:#fbe3e3;border-color:#c33;color:#7a0c0c}"
	    ".st.warn{background:#fff3d6;border-color:#c90;color:#6b4a00}"
	    ".st.ok{background:#e3f4e3;border-color:#3a3;color:#0a4d0a}"
	    ".probs{background:#fff;border:2px solid #c33;border-radius:.4em;padding:.5em 1em}"
	    ".probs h2{margin:.2em 0;color:#7a0c0c}.probs ul{margin:.3em 0;padding-left:1.3em}"
	    ".probs li{margin:.25em 0}summary{cursor:pointer;font-weight:bold;margin:.3em "
	    "0}.fine{border-color:#3a3}.fine h2{color:#0a4d0a}"
	    "table{border-collapse:collapse;width:100%%;background:#fff}"
	    "th,td{text-align:left;vertical-align:top;padding:.4em .5em;"
	    "border-bottom:1px solid #ddd}"
	    "th{background:#e8e8e8;font-size:.9em}"
	    "tr.prob td:first-child{border-left:5px solid #c33}"
	    "small{color:#444}td.old{color:#777}td.old small{color:#777}"
	    ".b{display:inline-block;padding:.1em .45em;border-radius:.3em;font-weight:bold;"
	    "margin:0 .2em .2em 0;white-space:nowrap}"
	    ".b.ok{background:#cfeccf;color:#0a4d0a}.b.bad{background:#f6d0d0;color:#7a0c0c}"
	    ".b.warn{background:#fde9bf;color:#6b4a00}.b.unknown{background:#e4e4e4}"
	    ".t-bad{color:#a00}.t-warn{color:#8a5a00;font-weight:bold}"
	    ".btn{display:inline-block;padding:.2em .5em;border:1px solid #888;border-radius:.3em;"
	    "background:#f0f0f0;color:#111;text-decoration:none;white-space:nowrap}"
	    "img{border:1px solid #999;background:#000;max-width:100%%}"
	    "@media (max-width:800px){table,tbody,tr,td{display:block}thead{display:none}"
	    "tr{border-bottom:2px solid #bbb;padding:.3em 0}td{border:0;padding:.15em .5em}"
	    "td::before{content:attr(data-l) \": \";font-weight:bold;color:#333}"
	    "tr.prob{border-left:5px solid #c33}tr.prob td:first-child{border-left:0}}"
	    "</style></head><body>\n<h1>callboard displays</h1>\n");
	char clock[32], tz[16];
	fmt_clock(clock, sizeof clock, p->now, p->now);
	time_t nt = (time_t)(p->now / 1000);
	struct tm tm;
	localtime_r(&nt, &tm);
	strftime(tz, sizeof tz, "%Z", &tm);
	put(&b, "<p class=\"meta\">As of %s ", clock);
	esc(&b, tz);
	PUTS(&b, " &middot; refreshes every 10 s</p>\n<div class=\"sum\">");
	bool up = br->mqtt && mqttc_connected(br->mqtt);
	put(&b, "<div class=\"st\"><b>%d</b>displays</div>", p->total);
	stat(&b, "ok", p->count[DEV_ONLINE], "&#10004; online");
	stat(&b, "bad", p->count[DEV_OFFLINE], "&#10006; offline");
	stat(&b, "warn", p->count[DEV_STALE], "&#9719; stale");
	stat(&b, "warn", p->behind, "&#9888; behind");
	stat(&b, "bad", p->problems, "&#9888; with problems");
	put(&b, "<div class=\"st %s\"><b>%s</b>broker</div>", up ? "ok" : "bad",
	    up ? "&#10004; up" : "&#10006; down");
	int depth = bridge_outbox_depth(br);
	put(&b, "<div class=\"st %s\"><b>%d</b>boards waiting to be sent</div></div>\n",
	    depth ? "warn" : "", depth);
	if (!up)
		PUTS(&b, "<div class=\"probs\"><h2>&#10006; The bridge is not connected to the "
		         "broker</h2>No board reaches any display until it is.</div>\n");
	if (p->problems) {
		put(&b, "<div class=\"probs\"><h2>&#9888; %d display%s with problems</h2><ul>\n",
		    p->problems, p->problems == 1 ? "" : "s");
		/* The worst PROBLEMS_SHOWN lines in sight; the rest folded away
		 * (one line per problem, each ending in a newline). */
		struct buf all = {0};
		for (int i = 0; i < 3; i++)
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
			add(&b, all.s, cut);
		if (more) {
			put(&b, "</ul><details><summary>%d more problem%s</summary><ul>\n", more,
			    more == 1 ? "" : "s");
			add(&b, all.s + cut, all.len - cut);
		}
		if (p->unlisted)
			put(&b, "<li>&hellip; and %d more: see the marked rows of each site</li>\n",
			    p->unlisted);
		PUTS(&b, "</ul>");
		if (more)
			PUTS(&b, "</details>");
		PUTS(&b, "</div>\n");
		free(all.s);
	} else if (p->total)
		PUTS(&b, "<div class=\"probs fine\"><h2>&#10004; No problems</h2></div>\n");
	if (p->only) {
		PUTS(&b, "<p><a class=\"btn\" href=\"/\">&larr; all sites</a></p>\n");
		if (p->tables.s)
			add(&b, p->tables.s, p->tables.len);
		else {
			PUTS(&b, "<p>No display has reported from ");
			esc(&b, p->only);
			PUTS(&b, ".</p>\n");
		}
	} else if (p->total > PAGE_ROWS_MAX) {
		put(&b,
		    "<h2>Sites</h2><p>%d displays are too many for one page: choose a "
		    "site.</p><ul>\n",
		    p->total);
		if (p->index.s)
			add(&b, p->index.s, p->index.len);
		PUTS(&b, "</ul>\n");
	} else if (p->tables.s)
		add(&b, p->tables.s, p->tables.len);
	/* Configured sites no display has reported from. */
	bool any = false;
	for (int i = 0; i < br->cfg.ntenants; i++) {
		const struct cfg_tenant *t = &br->cfg.tenants[i];
		for (int j = 0; j < t->nsites; j++) {
			char site[sizeof p->site];
			snprintf(site, sizeof site, "%s/%s", t->name, t->sites[j].name);
			bool seen = false;
			for (int k = 0; k < p->nseen && !seen; k++)
				seen = strcmp(p->seen[k], site) == 0;
			if (seen)
				continue;
			put(&b, any ? ", " : "<h2>Sites with no display reporting</h2><p>");
			esc(&b, site);
			any = true;
		}
	}
	if (any)
		PUTS(&b, "</p>\n");
	if (!p->total)
		PUTS(&b, "<p>No display has reported yet.</p>\n");
	PUTS(&b, "</body></html>\n");
	for (int i = 0; i < 3; i++)
		free(p->probs[i].s);
	free(p->tables.s);
	free(p->index.s);
	free(p->seen);
	free(p->rows.s);
	free(p);
	*len = b.len;
	return b.s;
}

char *metrics_render(struct bridge *br, size_t *len)
{
	struct buf b = {0};
	struct metrics *m = &br->metrics;
	put(&b,
	    "# HELP callboard_calls_accepted_total Calls accepted (202).\n"
	    "# TYPE callboard_calls_accepted_total counter\n"
	    "callboard_calls_accepted_total %llu\n",
	    (unsigned long long)m->calls_accepted);
	put(&b,
	    "# TYPE callboard_recalls_accepted_total counter\n"
	    "callboard_recalls_accepted_total %llu\n"
	    "# TYPE callboard_cancels_accepted_total counter\n"
	    "callboard_cancels_accepted_total %llu\n",
	    (unsigned long long)m->recalls_accepted, (unsigned long long)m->cancels_accepted);
	put(&b, "# HELP callboard_calls_rejected_total Call requests refused, by reason.\n"
	        "# TYPE callboard_calls_rejected_total counter\n");
	for (int i = 0; i < METRICS_REASONS_MAX && m->rejected[i].reason[0]; i++)
		put(&b, "callboard_calls_rejected_total{reason=\"%s\"} %llu\n",
		    m->rejected[i].reason, (unsigned long long)m->rejected[i].n);
	put(&b, "# HELP callboard_personal_data_refused_total Bodies refused for personal data, "
	        "by kind (key: a key naming it).\n"
	        "# TYPE callboard_personal_data_refused_total counter\n");
	for (int k = 0; k < PII_KINDS; k++)
		put(&b, "callboard_personal_data_refused_total{kind=\"%s\"} %llu\n",
		    k == PII_NONE ? "key" : pii_kind_name(k),
		    (unsigned long long)m->personal_refused[k]);
	put(&b, "# HELP callboard_accept_to_publish_seconds From 202 to the broker's PUBACK.\n"
	        "# TYPE callboard_accept_to_publish_seconds histogram\n");
	for (int i = 0; i < METRICS_LAT_BUCKETS; i++)
		put(&b, "callboard_accept_to_publish_seconds_bucket{le=\"%g\"} %llu\n",
		    metrics_lat_bounds[i], (unsigned long long)m->lat_bucket[i]);
	put(&b,
	    "callboard_accept_to_publish_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "callboard_accept_to_publish_seconds_sum %.6f\n"
	    "callboard_accept_to_publish_seconds_count %llu\n",
	    (unsigned long long)m->lat_count, m->lat_sum, (unsigned long long)m->lat_count);
	put(&b,
	    "# HELP callboard_outbox_depth Boards and notices not yet confirmed by the broker.\n"
	    "# TYPE callboard_outbox_depth gauge\ncallboard_outbox_depth %d\n",
	    bridge_outbox_depth(br));
	put(&b, "# TYPE callboard_mqtt_connected gauge\ncallboard_mqtt_connected %d\n",
	    br->mqtt && mqttc_connected(br->mqtt) ? 1 : 0);
	put(&b,
	    "# TYPE callboard_boards_published_total counter\n"
	    "callboard_boards_published_total %llu\n"
	    "# TYPE callboard_publish_refused_total counter\n"
	    "callboard_publish_refused_total %llu\n",
	    (unsigned long long)m->boards_published, (unsigned long long)m->publish_failures);
	put(&b, "# HELP callboard_devices Displays by site and state.\n"
	        "# TYPE callboard_devices gauge\n");
	for (int i = 0; i < br->cfg.ntenants; i++) {
		const struct cfg_tenant *t = &br->cfg.tenants[i];
		for (int j = 0; j < t->nsites; j++) {
			int counts[4], behind;
			registry_count(br->registry, t->name, t->sites[j].name, counts, &behind);
			for (int s = DEV_ONLINE; s <= DEV_STALE; s++)
				put(&b,
				    "callboard_devices{tenant=\"%s\",site=\"%s\",state=\"%s\"} "
				    "%d\n",
				    t->name, t->sites[j].name,
				    registry_state_name((enum dev_state)s), counts[s]);
			put(&b,
			    "callboard_devices{tenant=\"%s\",site=\"%s\",state=\"behind\"} %d\n",
			    t->name, t->sites[j].name, behind);
		}
	}
	put(&b, "# HELP callboard_device_transitions_total Display state changes, by state "
	        "entered.\n# TYPE callboard_device_transitions_total counter\n");
	for (int st = DEV_ONLINE; st <= DEV_STALE; st++)
		put(&b, "callboard_device_transitions_total{to=\"%s\"} %llu\n",
		    registry_state_name((enum dev_state)st),
		    (unsigned long long)m->device_transitions_to[st]);
	put(&b,
	    "# TYPE callboard_webhooks_total counter\n"
	    "callboard_webhooks_total{result=\"sent\"} %llu\n"
	    "callboard_webhooks_total{result=\"failed\"} %llu\n",
	    (unsigned long long)m->webhooks_sent, (unsigned long long)m->webhooks_failed);
	put(&b, "# HELP callboard_http_responses_total HTTP responses by status.\n"
	        "# TYPE callboard_http_responses_total counter\n");
	for (int i = 100; i < 600; i++)
		if (m->http_status[i])
			put(&b, "callboard_http_responses_total{code=\"%d\"} %llu\n", i,
			    (unsigned long long)m->http_status[i]);
	*len = b.len;
	return b.s;
}

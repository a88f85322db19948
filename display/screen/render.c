#define LOG_MODULE "render"
#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "qr.h"
#include "render.h"
#include "textcache.h"

struct rgb {
	Uint8 r, g, b;
};

/* The screen words of one language (pointers into the config or lang.c). */
struct words {
	const char *w[LANG_WORD_COUNT];
};

struct render {
	SDL_Renderer *r;
	struct display_config cfg;
	struct textcache *tc;
	SDL_Texture *frame; /* the upright frame */
	int fw, fh;
	SDL_Texture *logo;
	int logo_w, logo_h;
	struct qr *qr; /* [checkin] url's code, made on first use */
	bool qr_tried;
	bool logo_tried;
	bool ticker_moving;
	int ticket_digit_px;
	struct words words; /* the screen languages' turn in this frame */
	int64_t words_due;  /* wall ms when the frame changes by the clock; 0: never */
	struct rgb bg, fg, accent, hl, muted, panel, row, header;

	/* Partial frames: the frame (the texture, or the output itself when
	 * drawing there directly) keeps the last frame, so a step of the
	 * highlight blink or of the ticker redraws only what moves. */
	bool software;         /* the software renderer: its output keeps its pixels */
	bool direct;           /* drawing straight onto the output (software, upright) */
	bool valid;            /* the frame holds a whole frame drawn for ... */
	int out_w, out_h, rot; /* ... this output and rotation */
	int hour, min;         /* the clock it shows */
	const SDL_Rect *clip;  /* the part being redrawn; NULL: all */
	/* The moving parts of the frame as last drawn. */
	bool now_hl;      /* the newest call highlighted */
	bool now_blink;   /* the highlight's inner frame drawn */
	SDL_Rect now_box; /* the newest-call panel */
	int now_t;        /* its frame's thickness */
	SDL_Rect notice_box;
	long full_frames, partial_frames;
};

/* The highlight's inner frame blinks: on for this long, off as long. */
#define BLINK_MS 500

static struct rgb hex(uint32_t c)
{
	return (struct rgb){(Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c};
}

/* a + (b - a) * t */
static struct rgb mix(struct rgb a, struct rgb b, double t)
{
	return (struct rgb){(Uint8)lround(a.r + (b.r - a.r) * t),
	                    (Uint8)lround(a.g + (b.g - a.g) * t),
	                    (Uint8)lround(a.b + (b.b - a.b) * t)};
}

struct render *render_create(SDL_Renderer *r, const struct display_config *cfg)
{
	struct render *rd = xcalloc(1, sizeof *rd);
	rd->r = r;
	rd->cfg = *cfg;
	rd->tc = textcache_create(r, cfg->theme.font, cfg->theme.font_bold);
	if (!rd->tc) {
		free(rd);
		return NULL;
	}
	for (int b = 0; b < 2; b++)
		for (int k = 0; k < cfg->theme.nscript_fonts[b]; k++)
			textcache_add_fallback(rd->tc, b ? TEXT_BOLD : TEXT_REGULAR,
			                       cfg->theme.script_fonts[b][k]);
	const struct display_theme *t = &cfg->theme;
	struct rgb black = {0, 0, 0};
	rd->bg = hex(t->background);
	rd->fg = hex(t->foreground);
	rd->accent = hex(t->accent);
	rd->hl = hex(t->highlight);
	rd->muted = hex(t->muted);
	rd->panel = mix(rd->bg, rd->fg, 0.08);
	rd->row = mix(rd->bg, rd->fg, 0.045);
	rd->header = mix(rd->bg, black, 0.45);
	SDL_RendererInfo info;
	rd->software = SDL_GetRendererInfo(r, &info) == 0 && (info.flags & SDL_RENDERER_SOFTWARE);
	return rd;
}

void render_reset(struct render *rd)
{
	textcache_flush(rd->tc);
	if (rd->frame)
		SDL_DestroyTexture(rd->frame);
	rd->frame = NULL;
	rd->valid = false;
	if (rd->logo)
		SDL_DestroyTexture(rd->logo);
	rd->logo = NULL;
	rd->logo_tried = false;
	qr_destroy(rd->qr);
	rd->qr = NULL;
	rd->qr_tried = false;
}

void render_destroy(struct render *rd)
{
	if (!rd)
		return;
	render_reset(rd);
	textcache_destroy(rd->tc);
	free(rd);
}

long render_text_builds(const struct render *rd)
{
	return textcache_builds(rd->tc);
}

bool render_ticker_moving(const struct render *rd)
{
	return rd->ticker_moving;
}

long render_partial_frames(const struct render *rd)
{
	return rd->partial_frames;
}

long render_full_frames(const struct render *rd)
{
	return rd->full_frames;
}

/* Clip to r within the part being redrawn; clip_end() restores it. */
static void clip_to(struct render *rd, SDL_Rect r)
{
	SDL_Rect both = r;
	if (rd->clip && !SDL_IntersectRect(rd->clip, &r, &both))
		both = (SDL_Rect){r.x, r.y, 0, 0};
	SDL_RenderSetClipRect(rd->r, &both);
}

static void clip_end(struct render *rd)
{
	SDL_RenderSetClipRect(rd->r, rd->clip);
}

static void fill(struct render *rd, struct rgb c, int x, int y, int w, int h)
{
	SDL_SetRenderDrawColor(rd->r, c.r, c.g, c.b, 255);
	SDL_Rect rect = {x, y, w, h};
	SDL_RenderFillRect(rd->r, &rect);
}

static void frame_rect(struct render *rd, struct rgb c, int x, int y, int w, int h, int t)
{
	fill(rd, c, x, y, w, t);
	fill(rd, c, x, y + h - t, w, t);
	fill(rd, c, x, y, t, h);
	fill(rd, c, x + w - t, y, t, h);
}

enum align { LEFT, CENTER, RIGHT };

/* Draw text fitted into max_w (shrunk down to min_px, then cut with an
 * ellipsis); y is the top of the line box. Returns the width drawn. */
static int text(struct render *rd, enum text_face face, int px, int min_px, const char *s,
                struct rgb c, int x, int y, int max_w, enum align al)
{
	if (!s || !*s || max_w <= 0)
		return 0;
	char cut[2048];
	int fpx = textcache_fit(rd->tc, face, px, min_px, s, max_w, cut, sizeof cut);
	const struct text_tex *t = textcache_get(rd->tc, face, fpx, cut);
	if (!t)
		return 0;
	int w = t->w < max_w ? t->w : max_w;
	int dx = al == LEFT ? x : al == CENTER ? x + (max_w - w) / 2 : x + max_w - w;
	/* A smaller fitted size keeps the line's vertical centre. */
	int dy = y + (px - fpx) * 6 / 10;
	SDL_SetTextureColorMod(t->tex, c.r, c.g, c.b);
	SDL_Rect src = {0, 0, w, t->h};
	SDL_Rect dst = {dx, dy, w, t->h};
	SDL_RenderCopy(rd->r, t->tex, &src, &dst);
	return w;
}

static int text_width(struct render *rd, enum text_face face, int px, const char *s)
{
	int w = 0, h = 0;
	if (s && *s)
		textcache_measure(rd->tc, face, px, s, &w, &h);
	return w;
}

static void load_logo(struct render *rd)
{
	if (rd->logo_tried || !rd->cfg.theme.logo[0])
		return;
	rd->logo_tried = true;
	SDL_Surface *s = IMG_Load(rd->cfg.theme.logo);
	if (!s) {
		log_warn("cannot load logo %s: %s", rd->cfg.theme.logo, IMG_GetError());
		return;
	}
	rd->logo = SDL_CreateTextureFromSurface(rd->r, s);
	rd->logo_w = s->w;
	rd->logo_h = s->h;
	SDL_FreeSurface(s);
	if (rd->logo)
		SDL_SetTextureBlendMode(rd->logo, SDL_BLENDMODE_BLEND);
}

static void cfg_words(const struct display_config *c, int k, struct words *out)
{
	for (int w = 0; w < LANG_WORD_COUNT; w++)
		out->w[w] = c->words[k][w];
}

/* The frame goes out of date at t (wall ms) by the clock alone. */
static void change_due(struct render *rd, int64_t t)
{
	if (!rd->words_due || t < rd->words_due)
		rd->words_due = t;
}

/* Which of n languages takes its turn at now_ms; notes when that changes. */
static int lang_turn(struct render *rd, int64_t now_ms, int n)
{
	if (n <= 1)
		return 0;
	int64_t step = rd->cfg.language_interval_s * (int64_t)1000;
	int64_t slot = now_ms / step;
	change_due(rd, (slot + 1) * step);
	return (int)(slot % n);
}

/* The services of every area's queue figures young enough to show (at
 * most max into out); notes when the shown ones grow too old. */
static int fresh_services(struct render *rd, const struct render_view *v,
                          const struct proto_queue_service **out, int max)
{
	int n = 0;
	for (int i = 0; i < v->nqueues; i++) {
		const struct proto_queue *q = v->queues[i];
		int64_t expires = q->ts_ms + rd->cfg.queue_max_age_s * (int64_t)1000;
		if (v->now_ms >= expires || q->nservices == 0)
			continue; /* never shown as current */
		change_due(rd, expires);
		for (int k = 0; k < q->nservices && n < max; k++)
			out[n++] = &q->services[k];
	}
	return n;
}

/* The newest call's languages: the citizen's own first (configured or
 * shipped), then the screen's. Returns how many went into out. */
static int call_words(const struct render *rd, const struct proto_call *c,
                      struct words out[DISPLAY_LANG_MAX + 1])
{
	int order[DISPLAY_LANG_MAX + 1];
	int n = lang_order(c->lang, rd->cfg.screen_langs, rd->cfg.nscreen_langs, order);
	for (int i = 0; i < n; i++) {
		if (order[i] != LANG_OWN_SHIPPED)
			cfg_words(&rd->cfg, order[i], &out[i]);
		else
			memcpy(out[i].w, lang_find(c->lang)->words, sizeof out->w);
	}
	return n;
}

int64_t render_change_due(const struct render *rd)
{
	return rd->words_due;
}

static const char *const wdays[] = {"søndag",  "mandag", "tirsdag", "onsdag",
                                    "torsdag", "fredag", "lørdag"};
static const char *const months[] = {"januar",    "februar", "marts",    "april",
                                     "maj",       "juni",    "juli",     "august",
                                     "september", "oktober", "november", "december"};

/* Header: logo and site name left; date, clock and the offline (or not
 * yet confirmed) mark right. */
static void draw_header(struct render *rd, const struct render_view *v, int w, int hh, int pad)
{
	fill(rd, rd->header, 0, 0, w, hh);
	fill(rd, rd->accent, 0, hh - (hh / 28 + 1), w, hh / 28 + 1);
	int x = pad;
	load_logo(rd);
	if (rd->logo && rd->logo_h > 0) {
		int lh = hh * 62 / 100;
		int lw = rd->logo_w * lh / rd->logo_h;
		if (lw > w / 4) {
			lw = w / 4;
			lh = rd->logo_h * lw / rd->logo_w;
		}
		SDL_Rect dst = {x, (hh - lh) / 2, lw, lh};
		SDL_RenderCopy(rd->r, rd->logo, NULL, &dst);
		x += lw + pad / 2;
	}
	char clock[16], date[64];
	snprintf(clock, sizeof clock, "%02d:%02d", v->hour, v->min);
	int cpx = hh * 50 / 100;
	int cw = text_width(rd, TEXT_BOLD, cpx, "00:00");
	text(rd, TEXT_BOLD, cpx, cpx, clock, rd->fg, w - pad - cw, (hh - cpx * 116 / 100) / 2, cw,
	     RIGHT);
	int right = w - pad - cw - pad / 2;
	int spx = hh * 40 / 100;
	int namew = text_width(rd, TEXT_BOLD, spx, rd->cfg.site_name);
	if (v->offline || v->unconfirmed) {
		/* Discreet: small, muted, away from the calls; before the date. */
		char mark[128];
		snprintf(mark, sizeof mark, "\xe2\x9a\xa0 %s",
		         rd->words.w[v->offline ? LANG_NO_CONNECTION : LANG_NOT_CONFIRMED]);
		int opx = hh * 20 / 100 > 12 ? hh * 20 / 100 : 12;
		int ow = text_width(rd, TEXT_REGULAR, opx, mark);
		if (ow < (right - x) / 2) {
			text(rd, TEXT_REGULAR, opx, opx, mark, rd->muted, right - ow,
			     (hh - opx * 116 / 100) / 2, ow, RIGHT);
			right -= ow + pad;
		}
	}
	if (v->mon >= 1 && v->mon <= 12 && v->wday >= 0 && v->wday <= 6) {
		snprintf(date, sizeof date, "%s %d. %s", wdays[v->wday], v->mday,
		         months[v->mon - 1]);
		int dpx = hh * 24 / 100;
		int dw = text_width(rd, TEXT_REGULAR, dpx, date);
		/* The site name goes first; the date only where there is room. */
		if (x + namew + pad + dw <= right) {
			text(rd, TEXT_REGULAR, dpx, dpx, date, rd->muted, right - dw,
			     (hh - dpx * 116 / 100) / 2, dw, RIGHT);
			right -= dw + pad;
		}
	}
	text(rd, TEXT_BOLD, spx, spx / 2, rd->cfg.site_name, rd->fg, x, (hh - spx * 116 / 100) / 2,
	     right - x, LEFT);
}

static void desk_text(const struct proto_call *c, const struct words *wd, char *out, size_t len)
{
	if (c->desk_label[0])
		snprintf(out, len, "%s", c->desk_label);
	else
		snprintf(out, len, "%s %s", wd->w[LANG_DESK], c->desk);
}

/* The newest call, large: ticket, an arrow and the desk, the service below. */
static void draw_now(struct render *rd, const struct render_view *v, int x, int y, int w, int h,
                     int unit)
{
	const struct board_entry *top = board_top(v->model);
	int64_t hl = board_highlight_elapsed(v->model, v->now_ms);
	struct rgb bgc = rd->panel, fgc = rd->fg, sub = rd->muted, arrow = rd->accent;
	if (hl >= 0) {
		/* The highlight colour, steady; its inner frame blinks (below), a
		 * few thin strips to redraw twice a second. */
		bgc = rd->hl;
		fgc = rd->bg;
		sub = mix(rd->bg, rd->hl, 0.25);
		arrow = rd->bg;
	}
	fill(rd, bgc, x, y, w, h);
	int t = unit * 16 / 1000 + 2; /* the highlight frame's thickness */
	rd->now_box = (SDL_Rect){x, y, w, h};
	rd->now_t = t;
	rd->now_hl = top && hl >= 0;
	rd->now_blink = rd->now_hl && (hl / BLINK_MS) % 2 == 0;
	int pad = unit * 3 / 100 + 2 * t;
	if (!top) {
		text(rd, TEXT_BOLD, unit * 12 / 100, unit * 5 / 100, rd->words.w[LANG_WELCOME],
		     rd->fg, x + pad, y + h / 2 - unit * 12 / 100, w - 2 * pad, CENTER);
		text(rd, TEXT_REGULAR, unit * 5 / 100, unit * 3 / 100,
		     rd->words.w[LANG_WELCOME_NOTE], rd->muted, x + pad, y + h / 2 + unit * 3 / 100,
		     w - 2 * pad, CENTER);
		return;
	}
	if (hl < 0)
		fill(rd, rd->accent, x, y, unit / 90 + 2, h);
	const struct proto_call *c = top->call;
	int inner_w = w - 2 * pad;
	/* The panel's words take turns; the ticket and desk keep their place. */
	struct words all[DISPLAY_LANG_MAX + 1];
	int nw = call_words(rd, c, all);
	const struct words *wd = &all[lang_turn(rd, v->now_ms, nw)];

	/* Label line, with the "NU" badge while highlighted (a cue that does
	 * not rely on colour). */
	int lpx = unit * 55 / 1000;
	int ly = y + pad * 2 / 3;
	int lx = x + pad;
	if (hl >= 0) {
		char badge[96];
		snprintf(badge, sizeof badge, "\xe2\x97\x8f %s", wd->w[LANG_NOW]);
		int bw = text_width(rd, TEXT_BOLD, lpx, badge) + lpx;
		fill(rd, rd->bg, lx, ly - lpx / 5, bw, lpx * 15 / 10);
		text(rd, TEXT_BOLD, lpx, lpx, badge, rd->hl, lx + lpx / 2, ly, bw, LEFT);
		lx += bw + lpx / 2;
	}
	text(rd, TEXT_REGULAR, lpx, lpx / 2,
	     wd->w[c->kind == PROTO_KIND_RECALL ? LANG_CALLED_AGAIN : LANG_NEWEST_CALL], sub, lx,
	     ly, x + w - pad - lx, LEFT);

	/* Ticket, desk and service stacked and centred in the rest. */
	int tpx = unit * 30 / 100, dpx = unit * 13 / 100, spx = unit * 55 / 1000;
	int top_y = ly + lpx * 15 / 10;
	int avail = y + h - pad / 2 - top_y;
	int need = tpx * 112 / 100 + dpx * 125 / 100 + (c->service[0] ? spx * 14 / 10 : 0);
	if (need > avail) {
		tpx = tpx * avail / need;
		dpx = dpx * avail / need;
		spx = spx * avail / need;
		need = avail;
	}
	int cy = top_y + (avail - need) / 2;
	char tcut[64];
	int ftpx =
	    textcache_fit(rd->tc, TEXT_BOLD, tpx, tpx / 3, c->ticket, inner_w, tcut, sizeof tcut);
	rd->ticket_digit_px = textcache_glyph_height(rd->tc, TEXT_BOLD, ftpx, '0');
	text(rd, TEXT_BOLD, tpx, tpx / 3, c->ticket, fgc, x + pad, cy - tpx / 20, inner_w, CENTER);
	cy += tpx * 112 / 100;
	const char *arr = "\xe2\x86\x92";
	int aw0 = text_width(rd, TEXT_BOLD, dpx, arr) + dpx / 3;
	char desk[PROTO_LABEL_MAX + 128], cut[256];
	/* Size and width from every language's desk text, so the arrow and
	 * the desk stay put when "Skranke 3" turns into "Desk 3". */
	int fdpx = dpx, dw = 0;
	for (int k = 0; k < nw; k++) {
		desk_text(c, &all[k], desk, sizeof desk);
		int f = textcache_fit(rd->tc, TEXT_BOLD, dpx, dpx / 3, desk, inner_w - aw0, cut,
		                      sizeof cut);
		fdpx = f < fdpx ? f : fdpx;
	}
	for (int k = 0; k < nw; k++) {
		desk_text(c, &all[k], desk, sizeof desk);
		textcache_fit(rd->tc, TEXT_BOLD, fdpx, fdpx, desk, inner_w - aw0, cut, sizeof cut);
		int kw = text_width(rd, TEXT_BOLD, fdpx, cut);
		dw = kw > dw ? kw : dw;
	}
	desk_text(c, wd, desk, sizeof desk);
	textcache_fit(rd->tc, TEXT_BOLD, fdpx, fdpx, desk, inner_w - aw0, cut, sizeof cut);
	/* The arrow follows the desk text's fitted size, so no gap opens. */
	int aw = text_width(rd, TEXT_BOLD, fdpx, arr) + fdpx / 3;
	int dx = x + pad + (inner_w - aw - dw) / 2;
	int dy = cy + (dpx - fdpx) * 6 / 10;
	text(rd, TEXT_BOLD, fdpx, fdpx, arr, arrow, dx, dy, aw, LEFT);
	text(rd, TEXT_BOLD, fdpx, fdpx, cut, fgc, dx + aw, dy, dw + 1, LEFT);
	cy += dpx * 125 / 100;
	if (c->service[0])
		text(rd, TEXT_REGULAR, spx, spx / 2, c->service, sub, x + pad, cy, inner_w, CENTER);

	if (rd->now_blink)
		frame_rect(rd, rd->bg, x + t, y + t, w - 2 * t, h - 2 * t, t);
}

/* The previous calls, so a citizen who missed one can find it. */
static void draw_history(struct render *rd, const struct render_view *v, int x, int y, int w, int h,
                         int unit)
{
	int rows = rd->cfg.history;
	if (rows <= 0 || w <= 0 || h <= 0 || v->model->nmerged <= 1)
		return; /* no heading over an empty list */
	int tpx = unit * 42 / 1000;
	text(rd, TEXT_REGULAR, tpx, tpx / 2, rd->words.w[LANG_PREVIOUS_CALLS], rd->muted, x, y, w,
	     LEFT);
	int ry = y + tpx * 16 / 10;
	/* Fewer rows rather than rows too small to read across the room. */
	int fit = (y + h - ry) / (unit * 7 / 100 + 1);
	if (rows > fit)
		rows = fit;
	if (rows <= 0)
		return;
	int rh = (y + h - ry) / rows;
	if (rh > unit * 13 / 100)
		rh = unit * 13 / 100;
	int pad = unit * 25 / 1000;
	for (int i = 0; i < rows; i++) {
		int yy = ry + i * rh;
		if (i + 1 >= v->model->nmerged)
			break;
		fill(rd, i % 2 ? rd->bg : rd->row, x, yy, w, rh - rh / 14);
		const struct proto_call *c = v->model->merged[i + 1].call;
		int px = rh * 50 / 100;
		int cy = yy + (rh - rh / 14 - px * 116 / 100) / 2;
		int tw = (w - 2 * pad) * 38 / 100;
		text(rd, TEXT_BOLD, px, px / 2, c->ticket, rd->fg, x + pad, cy, tw, LEFT);
		char desk[PROTO_LABEL_MAX + 40];
		char label[PROTO_LABEL_MAX + 32];
		desk_text(c, &rd->words, label, sizeof label);
		snprintf(desk, sizeof desk, "%s%s",
		         c->kind == PROTO_KIND_RECALL ? "\xe2\x86\xbb " : "", label);
		int dx = x + pad + tw + pad;
		text(rd, TEXT_REGULAR, px, px * 65 / 100, desk, rd->fg, dx, cy, x + w - pad - dx,
		     RIGHT);
	}
}

/* Row height of the queue panel. */
static int queue_row_h(int unit)
{
	return unit * 75 / 1000;
}

/* Height the queue panel needs for n services in at most max_h; *rows
 * gets how many fit. 0 when none. */
static int queue_height(int unit, int n, int max_h, int *rows)
{
	int head = unit * 42 / 1000 * 16 / 10;
	int fit = (max_h - head) / queue_row_h(unit);
	*rows = n < fit ? n : fit;
	return *rows > 0 ? head + *rows * queue_row_h(unit) : 0;
}

/* How many wait for each service and roughly how long. */
static void draw_queue(struct render *rd, const struct proto_queue_service *const *svc, int rows,
                       int x, int y, int w, int unit)
{
	int tpx = unit * 42 / 1000;
	text(rd, TEXT_REGULAR, tpx, tpx / 2, rd->words.w[LANG_EXPECTED_WAIT], rd->muted, x, y, w,
	     LEFT);
	int ry = y + tpx * 16 / 10, rh = queue_row_h(unit), pad = unit * 25 / 1000;
	int px = rh * 48 / 100;
	for (int i = 0; i < rows; i++, ry += rh) {
		const struct proto_queue_service *s = svc[i];
		fill(rd, i % 2 ? rd->bg : rd->row, x, ry, w, rh - rh / 14);
		char right[96];
		int n =
		    snprintf(right, sizeof right, "%d %s", s->waiting, rd->words.w[LANG_WAITING]);
		if (s->wait_min >= 0 && n > 0 && (size_t)n < sizeof right)
			snprintf(right + n, sizeof right - (size_t)n, " \xc2\xb7 %d %s",
			         s->wait_min, rd->words.w[LANG_MINUTES]);
		int cy = ry + (rh - rh / 14 - px * 116 / 100) / 2;
		int inner = w - 2 * pad;
		/* The figures shrink before the name gets less than half. */
		int rw = text(rd, TEXT_BOLD, px, px * 6 / 10, right, rd->fg, x + pad + inner / 2,
		              cy, inner - inner / 2, RIGHT);
		/* The name is cut rather than shrunk: rows keep one size. */
		text(rd, TEXT_REGULAR, px, px * 9 / 10, s->name, rd->fg, x + pad, cy,
		     inner - rw - pad, LEFT);
	}
}

/* The check-in code when it is shown (configured, enabled), made once. */
static struct qr *checkin_code(struct render *rd)
{
	if (!rd->qr_tried && rd->cfg.checkin_enabled && rd->cfg.checkin_url[0]) {
		rd->qr_tried = true;
		rd->qr = qr_create(rd->r, rd->cfg.checkin_url);
	}
	return rd->cfg.checkin_enabled ? rd->qr : NULL;
}

/* Pixels per module: the code with its quiet zone about 30 % of the
 * shorter side, a whole number so modules stay square: 8 px (5 mm) on a
 * 55" 1080p screen, which a phone camera resolves from 3 m. */
static int checkin_module_px(const struct qr *q, int unit)
{
	int m = unit * 30 / 100 / qr_side(q);
	return m > 1 ? m : 1;
}

/* The QR code at the right of the block, its caption left of it. */
static void draw_checkin(struct render *rd, struct qr *q, int x, int y, int w, int unit)
{
	int m = checkin_module_px(q, unit), side = qr_side(q) * m;
	qr_draw(q, x + w - side, y, m);
	int px = unit * 55 / 1000, tw = w - side - unit * 3 / 100;
	int n = rd->cfg.nscreen_langs, lh = px * 14 / 10;
	if (n * lh > side) {
		/* No room for every language: the one whose turn it is. */
		text(rd, TEXT_BOLD, px, px * 6 / 10, rd->words.w[LANG_CHECK_IN_HERE], rd->fg, x,
		     y + side / 2 - px * 116 / 200, tw, RIGHT);
		return;
	}
	/* Every screen language's caption at once, the first one bright. */
	for (int k = 0, ly = y + (side - n * lh) / 2; k < n; k++, ly += lh)
		text(rd, TEXT_BOLD, px, px * 6 / 10, rd->cfg.words[k][LANG_CHECK_IN_HERE],
		     k ? rd->muted : rd->fg, x, ly, tw, RIGHT);
}

/* The site notice along the bottom: a banner, or a ticker that scrolls when
 * it does not fit. */
static void draw_notice(struct render *rd, const struct render_view *v, int w, int y, int nh,
                        int pad)
{
	struct rgb ink = rd->bg;
	rd->notice_box = (SDL_Rect){0, y, w, nh};
	fill(rd, rd->accent, 0, y, w, nh);
	int px = nh * 50 / 100;
	int ty = y + (nh - px * 116 / 100) / 2;
	const char *s = v->notice->text;
	if (v->notice->mode == PROTO_NOTICE_TICKER) {
		int tw = text_width(rd, TEXT_BOLD, px, s);
		if (tw > w - 2 * pad) {
			rd->ticker_moving = true;
			int span = tw + w / 3;
			int off = span > 0 ? v->ticker_px % span : 0;
			/* Two copies so the text wraps round without a gap. */
			for (int k = 0; k < 2; k++) {
				const struct text_tex *t = textcache_get(rd->tc, TEXT_BOLD, px, s);
				if (!t)
					break;
				SDL_SetTextureColorMod(t->tex, ink.r, ink.g, ink.b);
				SDL_Rect dst = {pad - off + k * span, ty, t->w, t->h};
				clip_to(rd, rd->notice_box);
				SDL_RenderCopy(rd->r, t->tex, NULL, &dst);
				clip_end(rd);
			}
			return;
		}
	}
	text(rd, TEXT_BOLD, px, px * 6 / 10, s, ink, pad, ty, w - 2 * pad,
	     v->notice->mode == PROTO_NOTICE_TICKER ? LEFT : CENTER);
}

static void draw_closed(struct render *rd, const struct render_view *v, int w, int h, int unit)
{
	if (rd->cfg.closed_mode == DISPLAY_CLOSED_BLACK) {
		fill(rd, (struct rgb){0, 0, 0}, 0, 0, w, h);
		return;
	}
	fill(rd, rd->bg, 0, 0, w, h);
	int hh = unit * 11 / 100;
	draw_header(rd, v, w, hh, unit * 3 / 100);
	/* "Vi har lukket · åbner kl. 8" : the first part large, the rest below. */
	char first[256];
	const char *rest = strstr(rd->cfg.closed_text, " \xc2\xb7 ");
	size_t n = rest ? (size_t)(rest - rd->cfg.closed_text) : strlen(rd->cfg.closed_text);
	snprintf(first, sizeof first, "%.*s", (int)n, rd->cfg.closed_text);
	int px = unit * 12 / 100, spx = unit * 6 / 100;
	int cy = hh + (h - hh) / 2 - px * (rest ? 11 : 6) / 10;
	text(rd, TEXT_BOLD, px, px / 3, first, rd->fg, unit / 20, cy, w - unit / 10, CENTER);
	if (rest)
		text(rd, TEXT_REGULAR, spx, spx / 2, rest + 4, rd->muted, unit / 20,
		     cy + px * 14 / 10, w - unit / 10, CENTER);
	/* The other screen languages below, all at once: there is room. */
	int ly = cy + px * (rest ? 26 : 16) / 10;
	for (int k = 1; k < rd->cfg.nscreen_langs; k++, ly += spx * 15 / 10)
		text(rd, TEXT_REGULAR, spx, spx / 2, rd->cfg.words[k][LANG_CLOSED], rd->fg,
		     unit / 20, ly, w - unit / 10, CENTER);
}

static void draw_identify(struct render *rd, const struct render_view *v, int w, int h, int unit)
{
	SDL_SetRenderDrawBlendMode(rd->r, SDL_BLENDMODE_BLEND);
	SDL_SetRenderDrawColor(rd->r, 0, 0, 0, 225);
	SDL_Rect all = {0, 0, w, h};
	SDL_RenderFillRect(rd->r, &all);
	SDL_SetRenderDrawBlendMode(rd->r, SDL_BLENDMODE_NONE);
	char first[256];
	const char *nl = strchr(v->identify, '\n');
	size_t n = nl ? (size_t)(nl - v->identify) : strlen(v->identify);
	if (n >= sizeof first)
		n = sizeof first - 1;
	memcpy(first, v->identify, n);
	first[n] = '\0';
	int px = unit * 14 / 100;
	frame_rect(rd, rd->hl, unit / 20, unit / 20, w - unit / 10, h - unit / 10, unit / 60 + 2);
	text(rd, TEXT_BOLD, px, px / 4, first, rd->hl, unit / 10, h / 2 - px * 12 / 10,
	     w - unit / 5, CENTER);
	if (nl)
		text(rd, TEXT_REGULAR, px / 2, px / 6, nl + 1, rd->fg, unit / 10, h / 2 + px / 4,
		     w - unit / 5, CENTER);
}

int render_ticket_digit_px(const struct render *rd)
{
	return rd->ticket_digit_px;
}

void render_draw(struct render *rd, const struct render_view *v, int w, int h)
{
	rd->ticker_moving = false;
	rd->ticket_digit_px = 0;
	rd->now_hl = rd->now_blink = false;
	rd->notice_box = (SDL_Rect){0, 0, 0, 0};
	rd->hour = v->hour;
	rd->min = v->min;
	if (v->pairing) {
		pairscreen_draw(rd->r, rd->tc, &rd->cfg.theme, v->pairing, w, h);
		return;
	}
	rd->words_due = 0;
	cfg_words(&rd->cfg, lang_turn(rd, v->now_ms, rd->cfg.nscreen_langs), &rd->words);
	/* Fonts scale with the shorter side; landscape layouts use its height. */
	int unit = w >= h ? h : w * 11 / 10;
	if (unit > h)
		unit = h;
	if (!v->open) {
		draw_closed(rd, v, w, h, unit);
	} else {
		fill(rd, rd->bg, 0, 0, w, h);
		int pad = unit * 3 / 100;
		int hh = w >= h ? unit * 11 / 100 : unit * 9 / 100;
		draw_header(rd, v, w, hh, pad);
		int bottom = h;
		bool notice = v->notice && !v->notice->cleared && v->notice->text[0];
		int nh = unit * 9 / 100;
		if (notice) {
			bottom = h - nh;
			draw_notice(rd, v, w, bottom, nh, pad);
		}
		int by = hh + pad, bh = bottom - pad - by;
		const struct proto_queue_service *svc[PROTO_AREAS_MAX * PROTO_QUEUE_SERVICES_MAX];
		int nsvc = fresh_services(rd, v, svc, (int)(sizeof svc / sizeof svc[0])), rows = 0;
		/* The list column (right, or below in portrait) ends with the
		 * queue figures; the previous calls get the rest. */
		int lx, ly, lw, lh;
		if (w >= h * 11 / 10) {
			int nw = (w - 3 * pad) * 60 / 100;
			draw_now(rd, v, pad, by, nw, bh, unit);
			lx = 2 * pad + nw, ly = by, lw = w - 3 * pad - nw, lh = bh;
		} else {
			/* Portrait or nearly square: the call on top, the list below. */
			int nhh = bh * 45 / 100;
			int u2 = unit * 12 / 10 < w ? unit * 12 / 10 : w;
			draw_now(rd, v, pad, by, w - 2 * pad, nhh, u2);
			lx = pad, ly = by + nhh + pad, lw = w - 2 * pad, lh = bh - nhh - pad;
		}
		struct qr *code = checkin_code(rd);
		int ch = code ? qr_side(code) * checkin_module_px(code, unit) + pad : 0;
		if (code)
			draw_checkin(rd, code, lx, ly + lh - ch + pad, lw, unit);
		lh -= ch;
		int qh = nsvc ? queue_height(unit, nsvc, lh * 45 / 100, &rows) : 0;
		draw_history(rd, v, lx, ly, lw, qh ? lh - qh - pad : lh, unit);
		if (qh)
			draw_queue(rd, svc, rows, lx, ly + lh - qh, lw, unit);
	}
	if (v->identify)
		draw_identify(rd, v, w, h, unit);
	textcache_sweep(rd->tc);
}

/* The parts of the frame that moved since it was drawn (the blink of the
 * highlight's inner frame, the ticker) into out; -1 when more changed and
 * a whole frame is due. */
static int moving_parts(struct render *rd, const struct render_view *v, SDL_Rect out[5])
{
	if (v->pairing || v->hour != rd->hour || v->min != rd->min ||
	    (rd->words_due && v->now_ms >= rd->words_due))
		return -1;
	int n = 0;
	int64_t hl = board_highlight_elapsed(v->model, v->now_ms);
	if (rd->now_hl != (v->open && hl >= 0))
		return -1; /* a highlight began or ended: the panel changes colour */
	if (rd->now_hl && ((hl / BLINK_MS) % 2 == 0) != rd->now_blink) {
		SDL_Rect b = rd->now_box;
		int t = rd->now_t;
		int x = b.x + t, y = b.y + t, w = b.w - 2 * t, h = b.h - 2 * t;
		out[n++] = (SDL_Rect){x, y, w, t};
		out[n++] = (SDL_Rect){x, y + h - t, w, t};
		out[n++] = (SDL_Rect){x, y + t, t, h - 2 * t};
		out[n++] = (SDL_Rect){x + w - t, y + t, t, h - 2 * t};
	}
	if (rd->ticker_moving)
		out[n++] = rd->notice_box;
	return n;
}

/* p grown by a column or a row where its width and height add up odd, so
 * that its centre, turned a quarter, still falls on whole pixels (w x h:
 * the frame, both even). */
static SDL_Rect even_part(SDL_Rect p, int w, int h)
{
	if ((p.w + p.h) % 2 == 0)
		return p;
	if (p.x + p.w < w)
		p.w++;
	else if (p.x > 0)
		p.x--, p.w++;
	else if (p.y + p.h < h)
		p.h++;
	else
		p.y--, p.h++; /* p.y > 0: else p is the whole frame, even */
	return p;
}

/* Where part p of the upright w x h frame lands when the whole frame is
 * copied to whole rotated by rot degrees (clockwise, about its centre). */
static SDL_FRect rotated_part(SDL_Rect p, int w, int h, SDL_Rect whole, int rot)
{
	float cx = (float)whole.x + (float)whole.w / 2, cy = (float)whole.y + (float)whole.h / 2;
	float rx = (float)p.x + (float)p.w / 2 - (float)w / 2;
	float ry = (float)p.y + (float)p.h / 2 - (float)h / 2;
	float ox = rx, oy = ry;
	if (rot == 90)
		ox = -ry, oy = rx;
	else if (rot == 180)
		ox = -rx, oy = -ry;
	else if (rot == 270)
		ox = ry, oy = -rx;
	return (SDL_FRect){cx + ox - (float)p.w / 2, cy + oy - (float)p.h / 2, (float)p.w,
	                   (float)p.h};
}

int render_frame(struct render *rd, const struct render_view *v, int out_w, int out_h, int rotate)
{
	bool quarter = rotate == 90 || rotate == 270;
	int w = quarter ? out_h : out_w, h = quarter ? out_w : out_h;
	/* The software renderer's output keeps its pixels between frames: an
	 * upright frame is drawn there directly, without a second full-screen
	 * buffer. A GPU's back buffer does not: the frame texture keeps them. */
	bool direct = rd->software && rotate == 0;
	if (direct != rd->direct || out_w != rd->out_w || out_h != rd->out_h || rotate != rd->rot)
		rd->valid = false;
	rd->direct = direct;
	rd->out_w = out_w;
	rd->out_h = out_h;
	rd->rot = rotate;
	if (direct && rd->frame) {
		SDL_DestroyTexture(rd->frame);
		rd->frame = NULL;
	}
	if (!direct && (!rd->frame || rd->fw != w || rd->fh != h)) {
		if (rd->frame)
			SDL_DestroyTexture(rd->frame);
		rd->valid = false;
		rd->frame = SDL_CreateTexture(rd->r, SDL_PIXELFORMAT_ARGB8888,
		                              SDL_TEXTUREACCESS_TARGET, w, h);
		if (!rd->frame) {
			log_error("cannot make a %dx%d frame texture: %s", w, h, SDL_GetError());
			return -1;
		}
	}
	rd->fw = w;
	rd->fh = h;
	SDL_Rect parts[5];
	int n = v->motion_only && rd->valid ? moving_parts(rd, v, parts) : -1;
	if (n == 0)
		return 1; /* nothing moved: the output shows it already */
	if (SDL_SetRenderTarget(rd->r, direct ? NULL : rd->frame) != 0) {
		log_error("cannot render to the frame texture: %s", SDL_GetError());
		return -1;
	}
	if (n < 0) {
		rd->valid = false;
		render_draw(rd, v, w, h);
		rd->valid = true;
		rd->full_frames++;
	} else {
		/* The same drawing, clipped to each moving part: what is redrawn
		 * is exactly what a whole frame would show there. */
		for (int i = 0; i < n; i++) {
			rd->clip = &parts[i];
			SDL_RenderSetClipRect(rd->r, rd->clip);
			render_draw(rd, v, w, h);
		}
		rd->clip = NULL;
		SDL_RenderSetClipRect(rd->r, NULL);
		rd->partial_frames++;
	}
	if (direct)
		return 0;
	SDL_SetRenderTarget(rd->r, NULL);
	SDL_Rect dst = {(out_w - w) / 2, (out_h - h) / 2, w, h};
	if (n > 0 && rd->software && w % 2 == 0 && h % 2 == 0) {
		/* The software output keeps the rest: copy the moved parts. */
		for (int i = 0; i < n; i++) {
			SDL_Rect p = even_part(parts[i], w, h);
			SDL_FRect to = rotated_part(p, w, h, dst, rotate);
			SDL_RenderCopyExF(rd->r, rd->frame, &p, &to, rotate, NULL, SDL_FLIP_NONE);
		}
		return 0;
	}
	SDL_SetRenderDrawColor(rd->r, 0, 0, 0, 255);
	SDL_RenderClear(rd->r);
	SDL_RenderCopyEx(rd->r, rd->frame, NULL, &dst, rotate, NULL, SDL_FLIP_NONE);
	return 0;
}

static SDL_Surface *read_target(struct render *rd, int w, int h)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return NULL;
	if (SDL_RenderReadPixels(rd->r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0) {
		log_warn("cannot read pixels: %s", SDL_GetError());
		SDL_FreeSurface(s);
		return NULL;
	}
	return s;
}

int render_save_output(struct render *rd, int out_w, int out_h, const char *path)
{
	SDL_Surface *s = read_target(rd, out_w, out_h);
	if (!s)
		return -1;
	int r = IMG_SavePNG(s, path);
	if (r != 0)
		log_error("cannot write %s: %s", path, IMG_GetError());
	SDL_FreeSurface(s);
	return r == 0 ? 0 : -1;
}

struct membuf {
	unsigned char *p;
	size_t len, cap, pos;
};

static size_t mem_write(SDL_RWops *ctx, const void *ptr, size_t size, size_t num)
{
	struct membuf *m = ctx->hidden.unknown.data1;
	size_t n = size * num;
	if (m->pos + n > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;
		while (cap < m->pos + n)
			cap *= 2;
		m->p = xrealloc(m->p, cap);
		m->cap = cap;
	}
	memcpy(m->p + m->pos, ptr, n);
	m->pos += n;
	if (m->pos > m->len)
		m->len = m->pos;
	return num;
}

static Sint64 mem_seek(SDL_RWops *ctx, Sint64 off, int whence)
{
	struct membuf *m = ctx->hidden.unknown.data1;
	Sint64 base = whence == RW_SEEK_SET   ? 0
	              : whence == RW_SEEK_CUR ? (Sint64)m->pos
	                                      : (Sint64)m->len;
	if (base + off < 0 || base + off > (Sint64)m->len)
		return -1;
	m->pos = (size_t)(base + off);
	return (Sint64)m->pos;
}

static Sint64 mem_size(SDL_RWops *ctx)
{
	return (Sint64)((struct membuf *)ctx->hidden.unknown.data1)->len;
}

static int mem_close(SDL_RWops *ctx)
{
	SDL_FreeRW(ctx);
	return 0;
}

int render_frame_png(struct render *rd, int max_w, void **png, size_t *len)
{
	if (!rd->valid)
		return -1;
	SDL_Texture *old = SDL_GetRenderTarget(rd->r);
	SDL_SetRenderTarget(rd->r, rd->direct ? NULL : rd->frame);
	SDL_Surface *s = read_target(rd, rd->fw, rd->fh);
	SDL_SetRenderTarget(rd->r, old);
	if (!s)
		return -1;
	if (max_w > 0 && s->w > max_w) {
		int h = (int)((long)s->h * max_w / s->w);
		SDL_Surface *d =
		    SDL_CreateRGBSurfaceWithFormat(0, max_w, h, 32, SDL_PIXELFORMAT_ARGB8888);
		if (!d || SDL_SoftStretchLinear(s, NULL, d, NULL) != 0) {
			SDL_FreeSurface(d);
			SDL_FreeSurface(s);
			return -1;
		}
		SDL_FreeSurface(s);
		s = d;
	}
	struct membuf m = {0};
	SDL_RWops *rw = SDL_AllocRW();
	if (!rw) {
		SDL_FreeSurface(s);
		return -1;
	}
	rw->type = SDL_RWOPS_UNKNOWN;
	rw->hidden.unknown.data1 = &m;
	rw->write = mem_write;
	rw->seek = mem_seek;
	rw->size = mem_size;
	rw->close = mem_close;
	int r = IMG_SavePNG_RW(s, rw, 1);
	SDL_FreeSurface(s);
	if (r != 0) {
		free(m.p);
		return -1;
	}
	*png = m.p;
	*len = m.len;
	return 0;
}

#define LOG_MODULE "text"
#include <fribidi.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "textcache.h"

#define CACHE_MAX    256
#define FALLBACK_MAX 4
#define RUNS_MAX     64

struct entry {
	bool fit; /* a fit result rather than a texture */
	enum text_face face;
	int px, min_px, max_w;
	char *text; /* owned */
	struct text_tex t;
	int fit_px;
	char *cut; /* owned, fit only: "" when it fits */
	bool used;
};

/* A face: its main font, then fallbacks for scripts it lacks (Arabic,
 * Hebrew); fonts[0] is the main one. */
struct face {
	TTF_Font *fonts[1 + FALLBACK_MAX];
	int nfonts;
	int cur_px;
};

/* One run of a line: text in one font and one direction, in visual order. */
struct run {
	TTF_Font *font;
	bool rtl;
	const char *script; /* HarfBuzz's ISO 15924 name: "Arab", "Hebr", "Zyyy" */
	char *text;         /* owned, logical order (the shaper reverses an RTL run) */
	int w, h;
};

struct textcache {
	SDL_Renderer *r;
	struct face face[TEXT_FACES];
	int n;
	struct entry e[CACHE_MAX];
	long builds;
};

static TTF_Font *open_face(const char *path, const char *fallback)
{
	TTF_Font *f = TTF_OpenFont(path, 32);
	if (!f && fallback && strcmp(path, fallback)) {
		log_warn("cannot open font %s (%s); using %s", path, TTF_GetError(), fallback);
		f = TTF_OpenFont(fallback, 32);
	}
	if (!f)
		log_error("cannot open font %s: %s", path, TTF_GetError());
	return f;
}

struct textcache *textcache_create(SDL_Renderer *r, const char *font, const char *font_bold)
{
	if (!TTF_WasInit() && TTF_Init() != 0) {
		log_error("TTF_Init: %s", TTF_GetError());
		return NULL;
	}
	struct textcache *tc = xcalloc(1, sizeof *tc);
	tc->r = r;
	tc->face[TEXT_REGULAR].fonts[0] =
	    open_face(font, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
	tc->face[TEXT_BOLD].fonts[0] =
	    open_face(font_bold, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");
	if (!tc->face[TEXT_REGULAR].fonts[0] || !tc->face[TEXT_BOLD].fonts[0]) {
		textcache_destroy(tc);
		return NULL;
	}
	for (int i = 0; i < TEXT_FACES; i++) {
		tc->face[i].nfonts = 1;
		tc->face[i].cur_px = 32;
	}
	return tc;
}

bool textcache_add_fallback(struct textcache *tc, enum text_face face, const char *path)
{
	struct face *f = &tc->face[face];
	if (f->nfonts > FALLBACK_MAX)
		return false;
	TTF_Font *font = TTF_OpenFont(path, f->cur_px);
	if (!font) {
		log_info("no fallback font %s: %s", path, TTF_GetError());
		return false;
	}
	f->fonts[f->nfonts++] = font;
	textcache_flush(tc);
	return true;
}

static void entry_free(struct entry *e)
{
	if (e->t.tex)
		SDL_DestroyTexture(e->t.tex);
	free(e->text);
	free(e->cut);
	memset(e, 0, sizeof *e);
}

void textcache_flush(struct textcache *tc)
{
	for (int i = 0; i < tc->n; i++)
		entry_free(&tc->e[i]);
	tc->n = 0;
}

void textcache_destroy(struct textcache *tc)
{
	if (!tc)
		return;
	textcache_flush(tc);
	for (int i = 0; i < TEXT_FACES; i++)
		for (int k = 0; k <= FALLBACK_MAX; k++)
			if (tc->face[i].fonts[k])
				TTF_CloseFont(tc->face[i].fonts[k]);
	free(tc);
}

/* The face's main font at px (its fallbacks follow along). */
static TTF_Font *sized(struct textcache *tc, enum text_face face, int px)
{
	struct face *f = &tc->face[face];
	if (px < 4)
		px = 4;
	if (f->cur_px != px) {
		for (int k = 0; k < f->nfonts; k++)
			TTF_SetFontSize(f->fonts[k], px);
		f->cur_px = px;
	}
	return f->fonts[0];
}

/* The first of the face's fonts with a glyph for c; NULL when none has. */
static TTF_Font *font_for(const struct face *f, uint32_t c)
{
	for (int k = 0; k < f->nfonts; k++)
		if (TTF_GlyphIsProvided32(f->fonts[k], c))
			return f->fonts[k];
	return NULL;
}

/* Decode one UTF-8 sequence; invalid bytes give U+FFFD and advance one. */
static uint32_t next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int n = c < 0x80             ? 0
	        : (c & 0xe0) == 0xc0 ? 1
	        : (c & 0xf0) == 0xe0 ? 2
	        : (c & 0xf8) == 0xf0 ? 3
	                             : -1;
	if (n < 0) {
		*p = s + 1;
		return 0xfffd;
	}
	c = n == 0 ? c : n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p = s + 1;
			return 0xfffd;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*p = s + n + 1;
	return c;
}

static int put_cp(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A copy of text where every code point none of the face's fonts has (and
 * every invalid byte or control character) becomes U+FFFD, or '?' if that
 * is missing too: never an empty box. *simple is set when the main font has
 * every glyph and nothing is written right to left: one run, no shaping
 * settings. */
static char *sanitize(const struct face *f, const char *text, bool *simple)
{
	size_t n = strlen(text);
	char *out = xmalloc(n * 4 + 4);
	char *o = out;
	const unsigned char *p = (const unsigned char *)text;
	uint32_t repl = TTF_GlyphIsProvided32(f->fonts[0], 0xfffd) ? 0xfffd : '?';
	*simple = true;
	while (*p) {
		uint32_t c = next_cp(&p);
		TTF_Font *has = c == ' ' ? f->fonts[0] : font_for(f, c);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x10ffff || !has)
			c = repl, has = f->fonts[0];
		*simple &= has == f->fonts[0] && !FRIBIDI_IS_RTL(fribidi_get_bidi_type(c));
		o += put_cp(o, c);
	}
	*o = '\0';
	return out;
}

/* HarfBuzz's script for a run: Arabic and Hebrew need theirs for shaping. */
static const char *run_script(const FriBidiChar *u, int n)
{
	for (int i = 0; i < n; i++) {
		if ((u[i] >= 0x0600 && u[i] <= 0x08ff) || (u[i] >= 0xfb50 && u[i] <= 0xfdff) ||
		    (u[i] >= 0xfe70 && u[i] <= 0xfeff))
			return "Arab";
		if (u[i] >= 0x0590 && u[i] <= 0x05ff)
			return "Hebr";
	}
	return "Zyyy";
}

/* Measure or render (surf non-NULL) one run with its direction and script,
 * then set the font back to plain left to right. */
static int run_do(struct run *r, SDL_Surface **surf)
{
	TTF_SetFontDirection(r->font, r->rtl ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
	TTF_SetFontScriptName(r->font, r->script);
	int rc = TTF_SizeUTF8(r->font, r->text, &r->w, &r->h);
	if (surf) {
		SDL_Color white = {255, 255, 255, 255};
		*surf = TTF_RenderUTF8_Blended(r->font, r->text, white);
		rc = *surf ? 0 : -1;
	}
	TTF_SetFontDirection(r->font, TTF_DIRECTION_LTR);
	TTF_SetFontScriptName(r->font, "Zyyy");
	return rc;
}

/* Reverse runs[from..to) and their levels. */
static void reverse_runs(struct run *runs, int *lvl, int from, int to)
{
	for (int a = from, b = to - 1; a < b; a++, b--) {
		struct run t = runs[a];
		runs[a] = runs[b];
		runs[b] = t;
		int l = lvl[a];
		lvl[a] = lvl[b];
		lvl[b] = l;
	}
}

/* Split s (sanitized) into runs of one font and one direction, in visual
 * order: fribidi gives the embedding levels (the paragraph's direction
 * from its first strong letter), runs at odd levels are right to left and
 * HarfBuzz shapes each; rule L2 then orders the runs. Returns how many. */
static int layout(const struct face *f, const char *s, struct run *runs, int max)
{
	FriBidiStrIndex n = (FriBidiStrIndex)strlen(s);
	FriBidiChar *u = xmalloc(((size_t)n + 1) * sizeof *u);
	FriBidiCharType *types = xmalloc(((size_t)n + 1) * sizeof *types);
	FriBidiBracketType *br = xmalloc(((size_t)n + 1) * sizeof *br);
	FriBidiLevel *lv = xmalloc(((size_t)n + 1) * sizeof *lv);
	n = fribidi_charset_to_unicode(FRIBIDI_CHAR_SET_UTF8, s, n, u);
	fribidi_get_bidi_types(u, n, types);
	fribidi_get_bracket_types(u, n, types, br);
	FriBidiParType base = FRIBIDI_PAR_ON;
	if (!fribidi_get_par_embedding_levels_ex(types, br, n, &base, lv))
		memset(lv, 0, (size_t)n * sizeof *lv);
	int nr = 0, level[RUNS_MAX];
	TTF_Font *prev = NULL;
	for (FriBidiStrIndex i = 0; i < n;) {
		/* Neutrals (spaces, digits, punctuation) stay in the font before. */
		TTF_Font *font =
		    prev && !FRIBIDI_IS_LETTER(types[i]) && TTF_GlyphIsProvided32(prev, u[i])
		        ? prev
		        : font_for(f, u[i]);
		if (!font)
			font = f->fonts[0];
		/* A run goes on while the level stays and the font has the glyph;
		 * a letter also needs this font to be its first choice. */
		FriBidiStrIndex j = i + 1;
		while (j < n && lv[j] == lv[i] && TTF_GlyphIsProvided32(font, u[j]) &&
		       (!FRIBIDI_IS_LETTER(types[j]) || font_for(f, u[j]) == font))
			j++;
		if (nr == max - 1 || nr == RUNS_MAX - 1)
			j = n; /* too many runs: the rest as one */
		char *t = xmalloc((size_t)(j - i) * 4 + 1);
		fribidi_unicode_to_charset(FRIBIDI_CHAR_SET_UTF8, u + i, j - i, t);
		runs[nr] = (struct run){
		    .font = font, .rtl = lv[i] & 1, .script = run_script(u + i, j - i), .text = t};
		run_do(&runs[nr], NULL);
		level[nr++] = lv[i];
		prev = font;
		i = j;
	}
	int hi = 0, lo_odd = 255;
	for (int k = 0; k < nr; k++) {
		hi = level[k] > hi ? level[k] : hi;
		if ((level[k] & 1) && level[k] < lo_odd)
			lo_odd = level[k];
	}
	for (int l = hi; l >= lo_odd && l > 0; l--)
		for (int k = 0; k < nr;) {
			if (level[k] < l) {
				k++;
				continue;
			}
			int e = k;
			while (e < nr && level[e] >= l)
				e++;
			reverse_runs(runs, level, k, e);
			k = e;
		}
	free(u);
	free(types);
	free(br);
	free(lv);
	return nr;
}

static void runs_free(struct run *runs, int n)
{
	for (int k = 0; k < n; k++)
		free(runs[k].text);
}

bool textcache_measure(struct textcache *tc, enum text_face face, int px, const char *text, int *w,
                       int *h)
{
	TTF_Font *f = sized(tc, face, px);
	bool simple;
	char *s = sanitize(&tc->face[face], text, &simple);
	int r = 0;
	if (simple) {
		r = TTF_SizeUTF8(f, s, w, h);
	} else {
		struct run runs[RUNS_MAX];
		int n = layout(&tc->face[face], s, runs, RUNS_MAX);
		*w = 0;
		*h = TTF_FontHeight(f);
		for (int k = 0; k < n; k++) {
			*w += runs[k].w;
			*h = runs[k].h > *h ? runs[k].h : *h;
		}
		runs_free(runs, n);
	}
	free(s);
	return r == 0;
}

/* The runs of s drawn side by side on one baseline. */
static SDL_Surface *render_runs(const struct face *f, const char *s)
{
	struct run runs[RUNS_MAX];
	int n = layout(f, s, runs, RUNS_MAX);
	int w = 0, h = 0, asc = 0;
	for (int k = 0; k < n; k++) {
		w += runs[k].w;
		asc = TTF_FontAscent(runs[k].font) > asc ? TTF_FontAscent(runs[k].font) : asc;
	}
	for (int k = 0; k < n; k++) {
		int below = runs[k].h - TTF_FontAscent(runs[k].font);
		h = asc + below > h ? asc + below : h;
	}
	SDL_Surface *out =
	    w > 0 && h > 0 ? SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888)
	                   : NULL;
	for (int k = 0, x = 0; out && k < n; k++) {
		SDL_Surface *part = NULL;
		if (run_do(&runs[k], &part) == 0) {
			SDL_Rect dst = {x, asc - TTF_FontAscent(runs[k].font), part->w, part->h};
			SDL_SetSurfaceBlendMode(part, SDL_BLENDMODE_NONE);
			SDL_BlitSurface(part, NULL, out, &dst);
		}
		SDL_FreeSurface(part);
		x += runs[k].w;
	}
	runs_free(runs, n);
	return out;
}

static struct entry *find(struct textcache *tc, bool fit, enum text_face face, int px, int min_px,
                          int max_w, const char *text)
{
	for (int i = 0; i < tc->n; i++) {
		struct entry *e = &tc->e[i];
		if (e->fit == fit && e->face == face && e->px == px && e->min_px == min_px &&
		    e->max_w == max_w && !strcmp(e->text, text)) {
			e->used = true;
			return e;
		}
	}
	return NULL;
}

static struct entry *add(struct textcache *tc)
{
	if (tc->n == CACHE_MAX) {
		/* Full within one frame: reuse the oldest slot. */
		entry_free(&tc->e[0]);
		memmove(&tc->e[0], &tc->e[1], sizeof tc->e[0] * (CACHE_MAX - 1));
		tc->n--;
	}
	struct entry *e = &tc->e[tc->n++];
	memset(e, 0, sizeof *e);
	e->used = true;
	return e;
}

const struct text_tex *textcache_get(struct textcache *tc, enum text_face face, int px,
                                     const char *text)
{
	if (!text || !*text)
		return NULL;
	struct entry *e = find(tc, false, face, px, 0, 0, text);
	if (e)
		return e->t.tex ? &e->t : NULL;
	TTF_Font *f = sized(tc, face, px);
	bool simple;
	char *s = sanitize(&tc->face[face], text, &simple);
	SDL_Color white = {255, 255, 255, 255};
	SDL_Surface *surf =
	    simple ? TTF_RenderUTF8_Blended(f, s, white) : render_runs(&tc->face[face], s);
	free(s);
	e = add(tc);
	e->face = face;
	e->px = px;
	e->text = xstrdup(text);
	if (!surf) {
		log_warn_rl("cannot render text: %s", TTF_GetError());
		return NULL;
	}
	e->t.tex = SDL_CreateTextureFromSurface(tc->r, surf);
	e->t.w = surf->w;
	e->t.h = surf->h;
	SDL_FreeSurface(surf);
	if (!e->t.tex) {
		log_warn_rl("cannot make a text texture: %s", SDL_GetError());
		return NULL;
	}
	SDL_SetTextureBlendMode(e->t.tex, SDL_BLENDMODE_BLEND);
	tc->builds++;
	return &e->t;
}

/* Cut at a code point boundary and append an ellipsis until it fits. */
static void ellipsize(struct textcache *tc, enum text_face face, int px, const char *text,
                      int max_w, char *cut, size_t cutlen)
{
	size_t n = strlen(text);
	char *buf = xmalloc(n + 8);
	while (n > 0) {
		do
			n--;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80);
		size_t m = n;
		while (m > 0 && text[m - 1] == ' ')
			m--;
		memcpy(buf, text, m);
		memcpy(buf + m, "\xe2\x80\xa6", 4);
		int w, h;
		if (textcache_measure(tc, face, px, buf, &w, &h) && w <= max_w)
			break;
	}
	if (n == 0)
		memcpy(buf, "\xe2\x80\xa6", 4);
	snprintf(cut, cutlen, "%s", buf);
	free(buf);
}

int textcache_fit(struct textcache *tc, enum text_face face, int max_px, int min_px,
                  const char *text, int max_w, char *cut, size_t cutlen)
{
	if (min_px > max_px)
		min_px = max_px;
	struct entry *e = find(tc, true, face, max_px, min_px, max_w, text);
	if (!e) {
		int w, h, px = max_px;
		char tmp[2048] = "";
		if (textcache_measure(tc, face, max_px, text, &w, &h) && w > max_w && w > 0) {
			/* Width scales nearly linearly with size; step down to be sure. */
			px = (int)((long)max_px * max_w / w);
			while (px > min_px && textcache_measure(tc, face, px, text, &w, &h) &&
			       w > max_w)
				px = px * 19 / 20;
			if (px <= min_px) {
				px = min_px;
				if (textcache_measure(tc, face, px, text, &w, &h) && w > max_w)
					ellipsize(tc, face, px, text, max_w, tmp, sizeof tmp);
			}
		}
		e = add(tc);
		e->fit = true;
		e->face = face;
		e->px = max_px;
		e->min_px = min_px;
		e->max_w = max_w;
		e->text = xstrdup(text);
		e->fit_px = px;
		e->cut = xstrdup(tmp);
	}
	snprintf(cut, cutlen, "%s", e->cut[0] ? e->cut : "");
	if (!e->cut[0] && cutlen)
		snprintf(cut, cutlen, "%s", text);
	return e->fit_px;
}

int textcache_glyph_height(struct textcache *tc, enum text_face face, int px, uint32_t ch)
{
	TTF_Font *f = sized(tc, face, px);
	int minx, maxx, miny, maxy, adv;
	if (TTF_GlyphMetrics32(f, ch, &minx, &maxx, &miny, &maxy, &adv) != 0)
		return 0;
	return maxy - miny;
}

void textcache_sweep(struct textcache *tc)
{
	int k = 0;
	for (int i = 0; i < tc->n; i++) {
		if (!tc->e[i].used) {
			entry_free(&tc->e[i]);
			continue;
		}
		tc->e[i].used = false;
		if (k != i) {
			tc->e[k] = tc->e[i];
			memset(&tc->e[i], 0, sizeof tc->e[i]);
		}
		k++;
	}
	tc->n = k;
}

long textcache_builds(const struct textcache *tc)
{
	return tc->builds;
}

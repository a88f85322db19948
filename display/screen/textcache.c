#define LOG_MODULE "text"
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "textcache.h"

#define CACHE_MAX 256

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

struct textcache {
	SDL_Renderer *r;
	TTF_Font *font[TEXT_FACES];
	int cur_px[TEXT_FACES];
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
	tc->font[TEXT_REGULAR] = open_face(font, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
	tc->font[TEXT_BOLD] =
	    open_face(font_bold, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");
	if (!tc->font[TEXT_REGULAR] || !tc->font[TEXT_BOLD]) {
		textcache_destroy(tc);
		return NULL;
	}
	tc->cur_px[0] = tc->cur_px[1] = 32;
	return tc;
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
		if (tc->font[i])
			TTF_CloseFont(tc->font[i]);
	free(tc);
}

static TTF_Font *sized(struct textcache *tc, enum text_face face, int px)
{
	if (px < 4)
		px = 4;
	if (tc->cur_px[face] != px) {
		TTF_SetFontSize(tc->font[face], px);
		tc->cur_px[face] = px;
	}
	return tc->font[face];
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

/* A copy of text where every code point the face lacks (and every invalid
 * byte or control character) becomes U+FFFD, or '?' if that is missing too. */
static char *sanitize(TTF_Font *f, const char *text)
{
	size_t n = strlen(text);
	char *out = xmalloc(n * 4 + 4);
	char *o = out;
	const unsigned char *p = (const unsigned char *)text;
	uint32_t repl = TTF_GlyphIsProvided32(f, 0xfffd) ? 0xfffd : '?';
	while (*p) {
		uint32_t c = next_cp(&p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x10ffff ||
		    (c != ' ' && !TTF_GlyphIsProvided32(f, c)))
			c = repl;
		o += put_cp(o, c);
	}
	*o = '\0';
	return out;
}

bool textcache_measure(struct textcache *tc, enum text_face face, int px, const char *text, int *w,
                       int *h)
{
	TTF_Font *f = sized(tc, face, px);
	char *s = sanitize(f, text);
	int r = TTF_SizeUTF8(f, s, w, h);
	free(s);
	return r == 0;
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
	char *s = sanitize(f, text);
	SDL_Color white = {255, 255, 255, 255};
	SDL_Surface *surf = TTF_RenderUTF8_Blended(f, s, white);
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

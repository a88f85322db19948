/* Rendered text as textures, kept between frames: a texture is rebuilt only
 * when its text, face or pixel size changes. Text is rendered white and
 * tinted with the texture colour mod, so colour changes cost nothing.
 * Text in a right-to-left script, or with glyphs only a fallback font has,
 * is laid out in runs (fribidi for the order, HarfBuzz for the shapes);
 * plain left-to-right text takes the single-run path it always did. */
#ifndef CB_TEXTCACHE_H
#define CB_TEXTCACHE_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stdint.h>

enum text_face { TEXT_REGULAR, TEXT_BOLD, TEXT_FACES };

struct textcache;

struct text_tex {
	SDL_Texture *tex; /* owned by the cache */
	int w, h;
};

/* Open both faces (falls back to the default DejaVu files, then fails).
 * The cache keeps r; the caller owns the cache and frees it. */
struct textcache *textcache_create(SDL_Renderer *r, const char *font, const char *font_bold);
void textcache_destroy(struct textcache *tc);
/* Add a font for the glyphs face's font lacks (Arabic, Hebrew): text
 * needing it is split into runs, each shaped (HarfBuzz through SDL_ttf) in
 * its own font and direction and ordered by fribidi. False (logged at
 * info) when it cannot be opened; up to 4 per face. */
bool textcache_add_fallback(struct textcache *tc, enum text_face face, const char *path);
/* Width and height of text at px without rendering it. */
bool textcache_measure(struct textcache *tc, enum text_face face, int px, const char *text, int *w,
                       int *h);
/* The texture for text (NULL for empty text or on failure). */
const struct text_tex *textcache_get(struct textcache *tc, enum text_face face, int px,
                                     const char *text);
/* Largest px <= max_px at which text fits max_w, not below min_px; when it
 * does not fit even at min_px, *cut gets text shortened with an ellipsis. */
int textcache_fit(struct textcache *tc, enum text_face face, int max_px, int min_px,
                  const char *text, int max_w, char *cut, size_t cutlen);
/* Height in pixels of the glyph ch's ink at px (0 when missing). */
int textcache_glyph_height(struct textcache *tc, enum text_face face, int px, uint32_t ch);
/* Drop textures not used since the last call (called once per frame). */
void textcache_sweep(struct textcache *tc);
/* Forget every texture (after a render device reset). */
void textcache_flush(struct textcache *tc);
/* Textures built so far (for tests, bench). */
long textcache_builds(const struct textcache *tc);

#endif

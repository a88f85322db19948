/* The pairing screen. */
#include "pairscreen.h"

#include <stdio.h>

static void colour(SDL_Renderer *r, uint32_t c)
{
	SDL_SetRenderDrawColor(r, (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c, 255);
}

/* Text centred on cx with its top at y, fitted to max_w; its height. */
static int line(struct textcache *tc, SDL_Renderer *r, enum text_face face, int px, uint32_t c,
                const char *text, int cx, int y, int max_w)
{
	char cut[256];
	cut[0] = '\0';
	int fit =
	    textcache_fit(tc, face, px, px / 3 > 8 ? px / 3 : 8, text, max_w, cut, sizeof cut);
	const struct text_tex *t = textcache_get(tc, face, fit, cut[0] ? cut : text);
	if (!t)
		return px;
	SDL_SetTextureColorMod(t->tex, (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c);
	SDL_Rect dst = {cx - t->w / 2, y, t->w, t->h};
	SDL_RenderCopy(r, t->tex, NULL, &dst);
	return t->h;
}

void pairscreen_draw(SDL_Renderer *r, struct textcache *tc, const struct display_theme *theme,
                     const struct pair_view *v, int w, int h)
{
	int unit = w >= h ? h : w;
	int cx = w / 2, max_w = w * 9 / 10;
	colour(r, theme->background);
	SDL_RenderClear(r);
	colour(r, theme->accent);
	SDL_Rect bar = {0, 0, w, unit / 90 > 2 ? unit / 90 : 2};
	SDL_RenderFillRect(r, &bar);

	/* The block is about 0.84 units tall: centred, also on a portrait screen. */
	int y = (h - unit * 84 / 100) / 2;
	y += line(tc, r, TEXT_BOLD, unit * 6 / 100, theme->foreground, "Tilslut denne skærm", cx, y,
	          max_w);
	y += line(tc, r, TEXT_REGULAR, unit * 4 / 100, theme->muted, "Pair this screen", cx, y,
	          max_w);
	y += unit * 5 / 100;
	if (v->code && v->code[0]) {
		int code_h = line(tc, r, TEXT_BOLD, unit * 22 / 100, theme->highlight, v->code, cx,
		                  y, max_w);
		y += code_h;
	} else {
		y += line(tc, r, TEXT_BOLD, unit * 8 / 100, theme->muted, "· · ·", cx,
		          y + unit * 7 / 100, max_w) +
		     unit * 14 / 100;
	}
	if (v->status && v->status[0])
		y += line(tc, r, TEXT_REGULAR, unit * 3 / 100, theme->muted, v->status, cx, y,
		          max_w);
	y += unit * 5 / 100;
	static const char *const steps[] = {
	    "Giv koden til den, der administrerer skærmene:",
	    "callboard pair KODE kommune/sted/skærm --areas main",
	    "Give the code to whoever manages the screens; the board appears here.",
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		y += line(tc, r, i == 1 ? TEXT_BOLD : TEXT_REGULAR, unit * 35 / 1000,
		          i == 2 ? theme->muted : theme->foreground, steps[i], cx, y, max_w) +
		     unit / 100;

	char who[256];
	snprintf(who, sizeof who, "%s   %s", v->hostname ? v->hostname : "",
	         v->address && v->address[0] ? v->address : "(ingen adresse / no address)");
	int px = unit * 35 / 1000;
	line(tc, r, TEXT_REGULAR, px, theme->muted, who, cx, h - px * 2, max_w);
}

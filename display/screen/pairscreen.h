/* The pairing screen: what a display shows while it waits to be paired
 * (display/pairing.c): the code in large type, short instructions in
 * Danish and English, and the device's host name and address so that an
 * installer can tell screens apart. Drawn apart from the board renderer;
 * render.c calls it when the view carries a pairing view. */
#ifndef CB_PAIRSCREEN_H
#define CB_PAIRSCREEN_H

#include <SDL.h>

#include "config.h"
#include "textcache.h"

/* Everything the pairing screen shows; strings are owned by the caller. */
struct pair_view {
	const char *code;     /* "K7F-3QD"; "" while none has come */
	const char *hostname; /* this device's */
	const char *address;  /* its IP address, "" unknown */
	const char *status;   /* one line under the code, e.g. why there is none yet */
};

/* Draw v upright at w x h with r, text from tc, colours from theme. */
void pairscreen_draw(SDL_Renderer *r, struct textcache *tc, const struct display_theme *theme,
                     const struct pair_view *v, int w, int h);

#endif

/* The renderer: draws a snapshot of the board model with SDL2 + SDL2_ttf.
 * Sizes come from the frame size; the frame is drawn upright into a target
 * texture and copied rotated to the output (kmsdrm cannot rotate). */
#ifndef CB_RENDER_H
#define CB_RENDER_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "config.h"
#include "pairscreen.h"
#include "proto.h"

/* Everything a frame shows; the renderer reads it and keeps nothing. */
struct render_view {
	const struct board_model *model;
	int64_t now_ms;                    /* wall clock, for the highlight blink */
	int hour, min;                     /* local clock */
	int wday, mday, mon;               /* local date; wday 0 = Sunday, mon 1-12 */
	bool open;                         /* inside opening hours */
	bool offline;                      /* broker unreachable for long enough */
	bool unconfirmed;                  /* a board kept from before a restart, not yet
	                                    * confirmed by the broker */
	const struct proto_notice *notice; /* NULL: none */
	int ticker_px;                     /* ticker scroll offset */
	const char *identify;              /* NULL, or "id\nip" shown large */
	int nqueues;                       /* the areas' queue figures, any age */
	const struct proto_queue *queues[PROTO_AREAS_MAX];
	const struct pair_view *pairing; /* NULL; else the pairing screen instead */
	bool motion_only;                /* only time moved on since the last frame (the highlight
	                                  * blink, the ticker): the renderer may redraw just those */
};

struct render;

/* A renderer drawing with r using cfg's theme and screen settings (copied).
 * The caller owns the result; NULL when the fonts cannot be opened. */
struct render *render_create(SDL_Renderer *r, const struct display_config *cfg);
void render_destroy(struct render *rd);
/* Draw the view upright at w x h into the current render target. */
void render_draw(struct render *rd, const struct render_view *v, int w, int h);
/* Draw a frame for an out_w x out_h output rotated by rotate degrees:
 * upright into the frame texture, then rotated onto the default target
 * (with the software renderer and no rotation, straight onto it). With
 * v->motion_only only the moving parts are redrawn. The caller presents.
 * 0; 1 when nothing changed (no need to present); -1 with the reason
 * logged. */
int render_frame(struct render *rd, const struct render_view *v, int out_w, int out_h, int rotate);
/* True when the ticker needs animating (ticker notice wider than the screen). */
bool render_ticker_moving(const struct render *rd);
/* The last upright frame as PNG bytes, scaled to at most max_w wide.
 * *png is malloc'ed and the caller frees it. 0, or -1. */
int render_frame_png(struct render *rd, int max_w, void **png, size_t *len);
/* Save the current default target (the rotated output) as a PNG file. */
int render_save_output(struct render *rd, int out_w, int out_h, const char *path);
/* Forget every texture after a render device reset. */
void render_reset(struct render *rd);
/* Pixel height of a digit of the newest ticket in the last frame (0: none). */
int render_ticket_digit_px(const struct render *rd);
/* When the last frame goes out of date by the clock alone (wall ms): its
 * words change to the next language's, or its queue figures grow too old
 * to show; 0 when neither. One frame per change. */
int64_t render_change_due(const struct render *rd);
/* Frames drawn whole and frames that redrew only moving parts (tests). */
long render_full_frames(const struct render *rd);
long render_partial_frames(const struct render *rd);
/* Text textures built so far (bench, tests). */
long render_text_builds(const struct render *rd);

#endif

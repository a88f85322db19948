/* The check-in QR code: libqrencode makes the modules; this turns them into
 * a texture of one pixel per module with the quiet zone (4 modules, kept
 * white), drawn scaled by a whole number with nearest-neighbour sampling so
 * every module stays a sharp square. */
#ifndef CB_QR_H
#define CB_QR_H

#include <SDL.h>

#define QR_QUIET 4 /* modules of white around the code, as ISO/IEC 18004 asks */

struct qr;

/* The code for text (level M) on r; NULL when it cannot be made (logged).
 * The caller owns it and frees it with qr_destroy. */
struct qr *qr_create(SDL_Renderer *r, const char *text);
void qr_destroy(struct qr *q);
/* Modules along a side, quiet zone included. */
int qr_side(const struct qr *q);
/* Draw it with its top-left corner at x, y, module_px pixels per module. */
void qr_draw(struct qr *q, int x, int y, int module_px);
/* The text it encodes (owned by q). */
const char *qr_text(const struct qr *q);

#endif

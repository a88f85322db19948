#define LOG_MODULE "qr"
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "qr.h"

struct qr {
	SDL_Renderer *r;
	SDL_Texture *tex; /* one pixel per module, quiet zone included */
	int side;
	char *text;
};

struct qr *qr_create(SDL_Renderer *r, const char *text)
{
	QRcode *code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!code) {
		log_warn("cannot make a QR code of %zu bytes", strlen(text));
		return NULL;
	}
	int side = code->width + 2 * QR_QUIET;
	SDL_Surface *s =
	    SDL_CreateRGBSurfaceWithFormat(0, side, side, 32, SDL_PIXELFORMAT_ARGB8888);
	struct qr *q = NULL;
	if (!s)
		goto out;
	SDL_FillRect(s, NULL, 0xffffffff);
	for (int y = 0; y < code->width; y++) {
		Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + (y + QR_QUIET) * s->pitch);
		for (int x = 0; x < code->width; x++)
			if (code->data[y * code->width + x] & 1) /* bit 0: dark module */
				row[x + QR_QUIET] = 0xff000000;
	}
	SDL_Texture *tex = SDL_CreateTextureFromSurface(r, s);
	if (!tex) {
		log_warn("cannot make the QR texture: %s", SDL_GetError());
		goto out;
	}
	SDL_SetTextureScaleMode(tex, SDL_ScaleModeNearest);
	q = xcalloc(1, sizeof *q);
	q->r = r;
	q->tex = tex;
	q->side = side;
	q->text = xstrdup(text);
out:
	SDL_FreeSurface(s);
	QRcode_free(code);
	return q;
}

void qr_destroy(struct qr *q)
{
	if (!q)
		return;
	SDL_DestroyTexture(q->tex);
	free(q->text);
	free(q);
}

int qr_side(const struct qr *q)
{
	return q->side;
}

const char *qr_text(const struct qr *q)
{
	return q->text;
}

void qr_draw(struct qr *q, int x, int y, int module_px)
{
	SDL_Rect dst = {x, y, q->side * module_px, q->side * module_px};
	SDL_RenderCopy(q->r, q->tex, NULL, &dst);
}

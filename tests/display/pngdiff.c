/* pngdiff A.png B.png [TOL [MAXFRAC]]: compare two PNGs pixel by pixel.
 * A pixel differs when any channel differs by more than TOL (default 40);
 * exit 0 when sizes match and at most MAXFRAC (default 0.0002) of the pixels
 * differ, 1 otherwise, 2 when a file cannot be read. Small font rasteriser
 * differences pass; a moved or missing element does not. */
#include <SDL.h>
#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>

static SDL_Surface *load(const char *path)
{
	SDL_Surface *s = IMG_Load(path);
	if (!s) {
		fprintf(stderr, "%s: %s\n", path, IMG_GetError());
		return NULL;
	}
	SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(s);
	return c;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: pngdiff A.png B.png [TOL [MAXFRAC]]\n");
		return 2;
	}
	int tol = argc > 3 ? atoi(argv[3]) : 40;
	double maxfrac = argc > 4 ? atof(argv[4]) : 0.0002;
	SDL_Surface *a = load(argv[1]), *b = load(argv[2]);
	if (!a || !b)
		return 2;
	if (a->w != b->w || a->h != b->h) {
		printf("size differs: %dx%d vs %dx%d\n", a->w, a->h, b->w, b->h);
		return 1;
	}
	long diff = 0;
	for (int y = 0; y < a->h; y++) {
		const Uint32 *pa = (const Uint32 *)((const Uint8 *)a->pixels + y * a->pitch);
		const Uint32 *pb = (const Uint32 *)((const Uint8 *)b->pixels + y * b->pitch);
		for (int x = 0; x < a->w; x++) {
			for (int sh = 0; sh < 24; sh += 8) {
				int d = (int)((pa[x] >> sh) & 255) - (int)((pb[x] >> sh) & 255);
				if (d > tol || d < -tol) {
					diff++;
					break;
				}
			}
		}
	}
	double frac = (double)diff / ((double)a->w * a->h);
	printf("%ld of %d pixels differ (%.4f%%, limit %.4f%%)\n", diff, a->w * a->h, frac * 100,
	       maxfrac * 100);
	SDL_FreeSurface(a);
	SDL_FreeSurface(b);
	return frac <= maxfrac ? 0 : 1;
}

/* Labels in Arabic, Hebrew, Ukrainian and Polish against an independent
 * renderer: each is drawn by the text cache (SDL_ttf + HarfBuzz, fribidi)
 * and by pango-view (Pango, HarfBuzz, fontconfig; Debian pango1.0-tools)
 * with the same fonts at the same size. Their ink must be as wide (within
 * 6 %) and have the same shape along the line: the column profiles
 * correlate at 0.9 or more, and better than our text mirrored, so letters
 * drawn left to right, unjoined or as empty boxes fail. */
#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "textcache.h"

extern char **environ;

#define PX   64
#define BINS 160

/* Ink per column (the red channel: white text on black), and its extent. */
struct ink {
	double col[2048];
	int x0, x1;
};

static void measure_ink(SDL_Surface *s, struct ink *k)
{
	SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
	assert_non_null(c);
	memset(k, 0, sizeof *k);
	k->x0 = -1;
	for (int x = 0; x < c->w && x < 2048; x++) {
		for (int y = 0; y < c->h; y++)
			k->col[x] +=
			    ((Uint32 *)((Uint8 *)c->pixels + y * c->pitch))[x] >> 16 & 0xff;
		if (k->col[x] > 255) {
			if (k->x0 < 0)
				k->x0 = x;
			k->x1 = x;
		}
	}
	SDL_FreeSurface(c);
	assert_true(k->x0 >= 0);
}

/* The profile over the ink's extent in BINS bins, mirrored when asked. */
static void bins(const struct ink *k, bool mirror, double *out)
{
	int w = k->x1 - k->x0 + 1;
	for (int b = 0; b < BINS; b++) {
		int from = k->x0 + b * w / BINS, to = k->x0 + (b + 1) * w / BINS;
		double sum = 0;
		for (int x = from; x < to || x == from; x++)
			sum += k->col[x];
		out[mirror ? BINS - 1 - b : b] = sum;
	}
}

static double correlation(const double *a, const double *b)
{
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
	for (int i = 0; i < BINS; i++)
		ma += a[i] / BINS, mb += b[i] / BINS;
	for (int i = 0; i < BINS; i++) {
		sab += (a[i] - ma) * (b[i] - mb);
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
	}
	return sab / sqrt(saa * sbb);
}

static SDL_Surface *ours(const char *text)
{
	SDL_Surface *s =
	    SDL_CreateRGBSurfaceWithFormat(0, 2000, 2 * PX, 32, SDL_PIXELFORMAT_ARGB8888);
	SDL_Renderer *r = SDL_CreateSoftwareRenderer(s);
	assert_non_null(r);
	SDL_SetRenderDrawColor(r, 0, 0, 0, 255);
	SDL_RenderClear(r);
	struct textcache *tc = textcache_create(r, DISPLAY_FONT_DEFAULT, DISPLAY_FONT_BOLD_DEFAULT);
	assert_non_null(tc);
	assert_true(
	    textcache_add_fallback(tc, TEXT_REGULAR, DISPLAY_NOTO "NotoSansArabic-Regular.ttf"));
	assert_true(
	    textcache_add_fallback(tc, TEXT_REGULAR, DISPLAY_NOTO "NotoSansHebrew-Regular.ttf"));
	const struct text_tex *t = textcache_get(tc, TEXT_REGULAR, PX, text);
	assert_non_null(t);
	SDL_Rect dst = {8, 8, t->w, t->h};
	SDL_RenderCopy(r, t->tex, NULL, &dst);
	SDL_RenderPresent(r);
	textcache_destroy(tc);
	SDL_DestroyRenderer(r);
	return s;
}

static SDL_Surface *pango(const char *text, const char *png)
{
	char font[128], textarg[512];
	snprintf(font, sizeof font, "--font=DejaVu Sans, Noto Sans Arabic, Noto Sans Hebrew %d",
	         PX);
	snprintf(textarg, sizeof textarg, "--text=%s", text);
	char *argv[] = {"pango-view",
	                "-q",
	                "--dpi=72",
	                font,
	                textarg,
	                "--margin=8",
	                "--foreground=white",
	                "--background=black",
	                "-o",
	                (char *)png,
	                NULL};
	pid_t pid;
	if (posix_spawnp(&pid, "pango-view", NULL, NULL, argv, environ) != 0)
		fail_msg("pango-view is missing: tools/deps.sh test installs pango1.0-tools");
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	SDL_Surface *s = IMG_Load(png);
	assert_non_null(s);
	return s;
}

static void test_against_pango(void **state)
{
	static const struct {
		const char *text;
		bool rtl;
	} labels[] = {
	    {"الشباك 12", true},           {"جوازات السفر ورخص القيادة", true}, {"דלפק 7", true},
	    {"Вікно 5 – паспорти", false}, {"Stanowisko 6 – Żółć", false},
	};
	char png[] = "/tmp/cbpango-XXXXXX.png";
	int fd = mkstemps(png, 4);
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		SDL_Surface *a = ours(labels[i].text), *b = pango(labels[i].text, png);
		struct ink ia, ib;
		measure_ink(a, &ia);
		measure_ink(b, &ib);
		double wa = ia.x1 - ia.x0 + 1, wb = ib.x1 - ib.x0 + 1;
		double pa[BINS], pm[BINS], pb[BINS];
		bins(&ia, false, pa);
		bins(&ia, true, pm);
		bins(&ib, false, pb);
		double c = correlation(pa, pb), cm = correlation(pm, pb);
		printf("%s: width %.0f vs %.0f, profile %.3f (mirrored %.3f)\n", labels[i].text, wa,
		       wb, c, cm);
		if (fabs(wa - wb) > 0.06 * wb || c < 0.9 || (labels[i].rtl && c < cm + 0.1))
			fail_msg("%s: width %.0f vs pango %.0f, profile correlation %.3f "
			         "(mirrored %.3f)",
			         labels[i].text, wa, wb, c, cm);
		SDL_FreeSurface(a);
		SDL_FreeSurface(b);
	}
	close(fd);
	unlink(png);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_against_pango),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

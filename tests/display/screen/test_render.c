/* The renderer on SDL's offscreen driver: sizes, rotation, the text cache,
 * missing glyphs, the screenshot PNG, partial frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "render.h"
#include "video.h"

static struct display_config cfg;
static struct board_model model;

static void fill_model(const char *ticket, const char *label)
{
	static const char areas[1][PROTO_NAME_MAX + 1] = {"main"};
	board_init(&model, areas, 1, 10000);
	struct proto_board b;
	memset(&b, 0, sizeof b);
	b.seq = 1;
	b.ncalls = 3;
	for (int i = 0; i < 3; i++) {
		struct proto_call *c = &b.calls[i];
		snprintf(c->id, sizeof c->id, "id%d", i);
		snprintf(c->ticket, sizeof c->ticket, "%s", i ? "B017" : ticket);
		snprintf(c->desk, sizeof c->desk, "%d", i + 1);
		snprintf(c->desk_label, sizeof c->desk_label, "%s", label);
		snprintf(c->service, sizeof c->service, "Pas og kørekort");
		c->ts_ms = 1000000 - i * 1000;
	}
	board_apply(&model, "main", &b, 1000000);
}

static struct render_view view(void)
{
	struct render_view v;
	memset(&v, 0, sizeof v);
	v.model = &model;
	v.now_ms = 1000000;
	v.hour = 9;
	v.min = 15;
	v.mday = 30;
	v.mon = 11;
	v.wday = 1;
	v.open = true;
	return v;
}

static int setup(void **state)
{
	display_config_defaults(&cfg);
	snprintf(cfg.site_name, sizeof cfg.site_name, "Borgerservice Ærø");
	return 0;
}

static void with_output(int w, int h, void (*fn)(struct video *, struct render *))
{
	struct video v;
	assert_int_equal(video_init(&v, true, w, h), 0);
	assert_true(video_ok(&v));
	assert_int_equal(v.w, w);
	struct render *rd = render_create(v.r, &cfg);
	assert_non_null(rd);
	fn(&v, rd);
	render_destroy(rd);
	video_quit(&v);
}

static void check_digits(struct video *v, struct render *rd)
{
	fill_model("A042", "Skranke 3");
	struct render_view vw = view();
	assert_int_equal(render_frame(rd, &vw, v->w, v->h, 0), 0);
	/* A citizen across the room: digits at least 1/6 of the height. */
	assert_true(render_ticket_digit_px(rd) * 6 >= v->h);
}

static void test_ticket_size_1080p(void **state)
{
	with_output(1920, 1080, check_digits);
}

static void check_cache(struct video *v, struct render *rd)
{
	fill_model("A042", "Skranke 3");
	struct render_view vw = view();
	render_frame(rd, &vw, v->w, v->h, 0);
	long built = render_text_builds(rd);
	assert_true(built > 5);
	/* An unchanged board, even a highlight step later, builds no text. */
	vw.now_ms += 300;
	render_frame(rd, &vw, v->w, v->h, 0);
	render_frame(rd, &vw, v->w, v->h, 0);
	assert_int_equal(render_text_builds(rd), built);
	/* A new clock minute rebuilds only the clock. */
	vw.min = 16;
	render_frame(rd, &vw, v->w, v->h, 0);
	assert_int_equal(render_text_builds(rd), built + 1);
}

static void test_text_cache(void **state)
{
	with_output(1280, 720, check_cache);
}

static void check_glyphs(struct video *v, struct render *rd)
{
	/* Emoji, CJK and an invalid byte: replaced, never a crash. */
	fill_model("A042", "Skranke \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac \xff Ææ Øø Åå");
	struct render_view vw = view();
	struct proto_notice n = {.text =
	                             "Notice \xf0\x9f\x8e\x84 with a very long text that goes on "
	                             "and on past the edge of any screen, and on and on",
	                         .mode = PROTO_NOTICE_TICKER};
	vw.notice = &n;
	vw.offline = true;
	vw.identify = "display-1\n10.0.0.7";
	assert_int_equal(render_frame(rd, &vw, v->w, v->h, 180), 0);
	assert_true(render_ticker_moving(rd));
	void *png = NULL;
	size_t len = 0;
	assert_int_equal(render_frame_png(rd, 1280, &png, &len), 0);
	assert_true(len > 1000);
	assert_memory_equal(png, "\x89PNG", 4);
	free(png);
}

static void test_missing_glyphs(void **state)
{
	with_output(800, 480, check_glyphs);
}

static void check_png_scaled(struct video *v, struct render *rd)
{
	fill_model("A042", "Skranke 3");
	struct render_view vw = view();
	assert_int_equal(render_frame(rd, &vw, v->w, v->h, 90), 0);
	void *png = NULL;
	size_t len = 0;
	assert_int_equal(render_frame_png(rd, 1280, &png, &len), 0);
	/* IHDR width and height, big-endian at bytes 16 and 20: the upright
	 * frame of a 90-degree output is portrait, scaled to 1280 wide at most. */
	const unsigned char *p = png;
	unsigned w = (unsigned)p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19];
	unsigned h = (unsigned)p[20] << 24 | p[21] << 16 | p[22] << 8 | p[23];
	assert_int_equal(w, 1080);
	assert_int_equal(h, 1920);
	free(png);
	assert_int_equal(render_frame(rd, &vw, v->w, v->h, 0), 0);
	assert_int_equal(render_frame_png(rd, 1280, &png, &len), 0);
	p = png;
	w = (unsigned)p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19];
	assert_int_equal(w, 1280);
	free(png);
}

static void test_screenshot_png(void **state)
{
	with_output(1920, 1080, check_png_scaled);
}

/* The output's pixels (the caller frees them). */
static Uint32 *output_pixels(struct video *v)
{
	Uint32 *px = malloc((size_t)v->w * (size_t)v->h * 4);
	assert_non_null(px);
	assert_int_equal(SDL_SetRenderTarget(v->r, NULL), 0);
	assert_int_equal(SDL_RenderReadPixels(v->r, NULL, SDL_PIXELFORMAT_ARGB8888, px, v->w * 4),
	                 0);
	return px;
}

/* A step of the highlight blink and of the ticker redraws only what moves,
 * and the output is then exactly what a whole frame of the moment shows. */
static void check_partial(struct video *v, struct render *rd)
{
	fill_model("A042", "Skranke 3");
	struct proto_notice n = {.text = "Husk gyldigt billed-ID ved afhentning af pas og "
	                                 "kørekort. Vi lukker kl. 15.00 i dag, og i morgen.",
	                         .mode = PROTO_NOTICE_TICKER};
	size_t bytes = (size_t)v->w * (size_t)v->h * 4;
	static const int rotations[] = {0, 90, 180, 270};
	for (size_t r = 0; r < sizeof rotations / sizeof rotations[0]; r++) {
		int rot = rotations[r];
		struct render_view vw = view();
		vw.notice = &n;
		assert_int_equal(render_frame(rd, &vw, v->w, v->h, rot), 0);
		assert_true(render_ticker_moving(rd));
		/* Into the blink's off phase, then on again, the ticker on. */
		for (int step = 1; step <= 2; step++) {
			long full = render_full_frames(rd), partial = render_partial_frames(rd);
			vw.now_ms = 1000000 + step * 500;
			vw.ticker_px += 7;
			vw.motion_only = true;
			assert_int_equal(render_frame(rd, &vw, v->w, v->h, rot), 0);
			assert_int_equal(render_partial_frames(rd), partial + 1);
			assert_int_equal(render_full_frames(rd), full);
			Uint32 *part = output_pixels(v);
			vw.motion_only = false;
			assert_int_equal(render_frame(rd, &vw, v->w, v->h, rot), 0);
			assert_int_equal(render_full_frames(rd), full + 1);
			Uint32 *whole = output_pixels(v);
			for (size_t k = 0; k < bytes / 4; k++)
				if (part[k] != whole[k]) {
					print_error(
					    "rotate %d, step %d: first pixel apart at %zu,%zu\n",
					    rot, step, k % (size_t)v->w, k / (size_t)v->w);
					break;
				}
			assert_memory_equal(part, whole, bytes);
			free(part);
			free(whole);
		}
		/* The highlight's end changes the panel: a whole frame. */
		long full = render_full_frames(rd);
		vw.now_ms = 1000000 + 10000;
		vw.motion_only = true;
		assert_int_equal(render_frame(rd, &vw, v->w, v->h, rot), 0);
		assert_int_equal(render_full_frames(rd), full + 1);
		/* Nothing moves without a ticker: nothing to draw. */
		vw.notice = NULL;
		vw.motion_only = false;
		assert_int_equal(render_frame(rd, &vw, v->w, v->h, rot), 0);
		vw.now_ms += 100;
		vw.motion_only = true;
		assert_int_equal(render_frame(rd, &vw, v->w, v->h, rot), 1);
	}
}

static void test_partial_frames(void **state)
{
	with_output(1280, 720, check_partial);
	with_output(1920, 1080, check_partial);
	with_output(800, 480, check_partial);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ticket_size_1080p), cmocka_unit_test(test_text_cache),
	    cmocka_unit_test(test_missing_glyphs),    cmocka_unit_test(test_screenshot_png),
	    cmocka_unit_test(test_partial_frames),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

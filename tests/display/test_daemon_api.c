/* The daemon's hooks as the link and audio modules use them, on the
 * offscreen driver: boards by seq, listeners, screenshot, identify, the
 * offline mark, the screen state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgparse.h"
#include "daemon.h"
#include "loop.h"
#include "timeutil.h"

struct seen {
	int boards, frames;
	int64_t last_seq;
};

static void on_board(void *data, struct daemon *d, const char *area, const struct proto_board *b)
{
	struct seen *s = data;
	s->boards++;
	s->last_seq = b->seq;
}

static void on_frame(void *data, struct daemon *d)
{
	((struct seen *)data)->frames++;
}

static struct daemon *start(struct display_config *cfg)
{
	display_config_defaults(cfg);
	snprintf(cfg->id, sizeof cfg->id, "api-1");
	cfg->nareas = 2;
	snprintf(cfg->areas[0], sizeof cfg->areas[0], "main");
	snprintf(cfg->areas[1], sizeof cfg->areas[1], "pas");
	cfg->width = 1920;
	cfg->height = 1080;
	cfg->offline_after_s = 1;
	struct daemon_opts opts = {.headless = true};
	return daemon_create(cfg, &opts);
}

static void one_board(struct proto_board *b, int64_t seq)
{
	memset(b, 0, sizeof *b);
	b->seq = seq;
	b->ncalls = 1;
	snprintf(b->calls[0].id, sizeof b->calls[0].id, "id%lld", (long long)seq);
	snprintf(b->calls[0].ticket, sizeof b->calls[0].ticket, "A%03lld", (long long)seq);
	snprintf(b->calls[0].desk, sizeof b->calls[0].desk, "2");
	b->calls[0].ts_ms = time_now_ms() - 120000;
}

/* Runs the loop until `ms` have passed, then once more without waiting:
 * a timer armed for `ms` from now has fired and its frame is drawn. The
 * frame count alone cannot say so: the clock's minute tick draws frames
 * of its own at any moment. The margin covers the ms rounding and the
 * kernel's timer slack. */
static void run_for(struct loop *loop, int ms)
{
	int64_t end = time_mono_ms() + ms + 5;
	for (int64_t now = time_mono_ms(); now < end; now = time_mono_ms())
		loop_dispatch(loop, (int)(end - now));
	loop_dispatch(loop, 0);
}

static void test_hooks(void **state)
{
	struct display_config *cfg = malloc(sizeof *cfg);
	struct daemon *d = start(cfg);
	assert_non_null(d);
	struct seen s = {0};
	struct daemon_listener l = {.board = on_board, .frame = on_frame};
	assert_int_equal(daemon_add_listener(d, &l, &s), 0);
	struct loop *loop = daemon_loop(d);

	struct proto_board *b = malloc(sizeof *b);
	one_board(b, 7);
	assert_int_equal(daemon_board(d, "main", b), BOARD_APPLIED);
	assert_int_equal(daemon_board(d, "main", b), BOARD_STALE);
	assert_int_equal(daemon_board(d, "other", b), BOARD_UNKNOWN_AREA);
	assert_int_equal(s.boards, 1);
	assert_int_equal(s.last_seq, 7);
	loop_dispatch(loop, 0);
	assert_int_equal(s.frames, 1); /* one frame for the board, none for the refusals */
	loop_dispatch(loop, 0);
	assert_int_equal(s.frames, 1); /* nothing changed: no frame */
	assert_int_equal(board_seq(daemon_model(d), "main"), 7);
	assert_int_equal(daemon_screen_state(d), PROTO_SCREEN_ON);

	void *png = NULL;
	size_t len = 0;
	assert_int_equal(daemon_screenshot_png(d, 1280, &png, &len), 0);
	assert_memory_equal(png, "\x89PNG", 4);
	const unsigned char *p = png;
	assert_int_equal((p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19]), 1280);
	free(png);

	/* From here on a minute tick may add a frame anywhere between two
	 * steps: each step counts the frames it made itself. A step that
	 * draws at once draws exactly one frame, however many causes. */
	int frames = s.frames;
	daemon_identify(d, "tv-1\n192.0.2.10", 1);
	loop_dispatch(loop, 0);
	assert_int_equal(s.frames, frames + 1);
	/* The overlay goes after its second. */
	frames = s.frames;
	run_for(loop, 1000);
	assert_true(s.frames > frames);

	daemon_set_link_state(d, false);
	frames = s.frames;
	run_for(loop, cfg->offline_after_s * 1000);
	assert_true(s.frames > frames); /* the offline mark */
	frames = s.frames;
	daemon_set_link_state(d, true);
	loop_dispatch(loop, 0);
	assert_int_equal(s.frames, frames + 1); /* and gone again */

	struct proto_notice n = {.text = "Husk billed-ID", .mode = PROTO_NOTICE_BANNER};
	frames = s.frames;
	daemon_notice(d, &n);
	loop_dispatch(loop, 0);
	assert_int_equal(s.frames, frames + 1);
	assert_true(daemon_last_frame_ms(d) > 0);
	int w, h, rot;
	daemon_output_size(d, &w, &h, &rot);
	assert_int_equal(w, 1920);
	assert_int_equal(h, 1080);

	/* A reload with other areas starts the model afresh. */
	snprintf(cfg->areas[0], sizeof cfg->areas[0], "sund");
	daemon_apply_config(d, cfg);
	assert_int_equal(board_seq(daemon_model(d), "main"), 0);
	assert_int_equal(daemon_board(d, "sund", b), BOARD_APPLIED);

	free(b);
	daemon_destroy(d);
	free(cfg);
}

/* Screen words that take turns cost one frame per turn, no more. */
static void test_word_turns(void **state)
{
	struct display_config *cfg = malloc(sizeof *cfg);
	display_config_defaults(cfg);
	struct cfg_ctx errs = {0};
	assert_int_equal(display_config_load_string("t.ini",
	                                            "[device]\nid = w1\ntenant = t\nsite = s\n"
	                                            "areas = main\n[screen]\nwidth = 800\n"
	                                            "height = 480\nlanguages = da, en\n"
	                                            "language_interval = 2\n",
	                                            cfg, &errs),
	                 0);
	cfg_ctx_free(&errs);
	struct daemon_opts opts = {.headless = true};
	struct daemon *d = daemon_create(cfg, &opts);
	assert_non_null(d);
	struct seen s = {0};
	struct daemon_listener l = {.frame = on_frame};
	assert_int_equal(daemon_add_listener(d, &l, &s), 0);
	struct proto_board *b = malloc(sizeof *b);
	one_board(b, 3);
	assert_int_equal(daemon_board(d, "main", b), BOARD_APPLIED);
	struct loop *loop = daemon_loop(d);
	loop_dispatch(loop, 0);
	assert_int_equal(s.frames, 1);
	int64_t t0 = time_now_ms();
	while (time_now_ms() < t0 + 4100)
		loop_dispatch(loop, 100);
	int64_t t1 = time_now_ms();
	/* One frame per 2 s boundary crossed (2 or 3 in 4.1 s), give or take
	 * the one that fell on the last dispatch; the clock's minute adds one. */
	int turns = (int)(t1 / 2000 - t0 / 2000);
	int minutes = (int)(t1 / 60000 - t0 / 60000);
	if (s.frames - 1 < turns - 1 || s.frames - 1 > turns + minutes)
		fail_msg("%d frames for %d turns and %d minutes", s.frames - 1, turns, minutes);
	assert_true(s.frames - 1 >= 1);
	free(b);
	daemon_destroy(d);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hooks),
	    cmocka_unit_test(test_word_turns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

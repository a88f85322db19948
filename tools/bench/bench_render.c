/* bench_render: the display's frame costs with the software renderer on
 * SDL's offscreen driver (what --headless uses; a Pi's GPU renderer is
 * faster). Prints median and spread (p10..p90) of repeated runs:
 *   - a frame after a new board (new ticket texts) at 1080p and 2160p
 *   - a highlight blink step (only the blinking frame redrawn), and the
 *     same moment drawn whole (cached texts)
 *   - an unchanged board in the live daemon: one loop turn, no redraw
 *   - peak RSS of this process at the end
 * usage: bench_render [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "loop.h"
#include "render.h"
#include "timeutil.h"
#include "video.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	printf("| %-44s | %9.3f | %9.3f .. %-9.3f | %4d |\n", what, v[n / 2], v[n / 10],
	       v[n * 9 / 10], n);
}

static void make_board(struct proto_board *b, int seq, int64_t ts)
{
	memset(b, 0, sizeof *b);
	b->seq = seq;
	b->ncalls = 8;
	for (int i = 0; i < b->ncalls; i++) {
		struct proto_call *c = &b->calls[i];
		snprintf(c->id, sizeof c->id, "c%d", seq * 10 + i);
		snprintf(c->ticket, sizeof c->ticket, "A%03d", (seq - i + 1000) % 1000);
		snprintf(c->desk, sizeof c->desk, "%d", 1 + (seq + i) % 12);
		snprintf(c->desk_label, sizeof c->desk_label, "Skranke %d", 1 + (seq + i) % 12);
		snprintf(c->service, sizeof c->service, "Pas og kørekort");
		c->ts_ms = ts - i * 60000;
	}
}

/* Frames at w x h; with q (and cfg's check-in link) also the queue panel
 * and the QR code, named with extra. */
static void bench_size(const struct display_config *cfg, int w, int h, int runs,
                       const struct proto_queue *q, const char *extra)
{
	struct video v;
	if (video_init(&v, true, w, h) != 0 || !video_ok(&v)) {
		fprintf(stderr, "no offscreen video\n");
		exit(1);
	}
	struct render *rd = render_create(v.r, cfg);
	struct board_model *m = malloc(sizeof *m);
	struct proto_board *b = malloc(sizeof *b);
	board_init(m, cfg->areas, cfg->nareas, 10000);
	double *t = calloc((size_t)runs, sizeof *t);
	int64_t ts = time_now_ms();
	struct render_view view = {
	    .model = m, .open = true, .hour = 9, .min = 15, .mday = 30, .mon = 11, .wday = 1};
	if (q)
		view.queues[view.nqueues++] = q;
	char name[96];
	for (int i = 0; i < runs + 3; i++) {
		make_board(b, i + 1, ts + i * 1000);
		board_apply(m, "main", b, ts + i * 1000);
		view.now_ms = ts + i * 1000;
		double t0 = now_ms();
		render_frame(rd, &view, v.w, v.h, 0);
		SDL_RenderPresent(v.r);
		if (i >= 3)
			t[i - 3] = now_ms() - t0;
	}
	snprintf(name, sizeof name, "new board frame %dx%d%s (ms)", w, h, extra);
	report(name, t, runs);
	/* The newest call's highlight as the daemon draws it: one step per
	 * blink phase, redrawing only the blinking frame... */
	int64_t start = view.now_ms;
	for (int i = 0; i < runs; i++) {
		view.now_ms = start + (i % 18 + 1) * 500;
		view.motion_only = true;
		double t0 = now_ms();
		if (render_frame(rd, &view, v.w, v.h, 0) == 0)
			SDL_RenderPresent(v.r);
		t[i] = now_ms() - t0;
	}
	snprintf(name, sizeof name, "highlight step %dx%d%s (ms)", w, h, extra);
	report(name, t, runs);
	/* ... and the same moment as a whole frame (every step before). */
	for (int i = 0; i < runs; i++) {
		view.now_ms = start + (i % 18 + 1) * 500;
		view.motion_only = false;
		double t0 = now_ms();
		render_frame(rd, &view, v.w, v.h, 0);
		SDL_RenderPresent(v.r);
		t[i] = now_ms() - t0;
	}
	snprintf(name, sizeof name, "highlight, whole frame %dx%d%s (ms)", w, h, extra);
	report(name, t, runs);
	free(t);
	free(b);
	free(m);
	render_destroy(rd);
	video_quit(&v);
}

static void bench_unchanged(const struct display_config *cfg, int runs)
{
	struct daemon_opts opts = {.headless = true};
	struct daemon *d = daemon_create(cfg, &opts);
	if (!d)
		exit(1);
	struct proto_board *b = malloc(sizeof *b);
	make_board(b, 1, time_now_ms() - 60000);
	daemon_board(d, "main", b);
	loop_dispatch(daemon_loop(d), 0); /* the frame for the board */
	int64_t frames = daemon_frames(d);
	double *t = calloc((size_t)runs, sizeof *t);
	for (int i = 0; i < runs; i++) {
		/* The same board again: refused by seq, nothing redrawn. */
		double t0 = now_ms();
		daemon_board(d, "main", b);
		loop_dispatch(daemon_loop(d), 0);
		t[i] = (now_ms() - t0) * 1000.0;
	}
	report("unchanged board, daemon loop turn (us)", t, runs);
	printf("| %-44s | %9lld | %21s | %4d |\n", "frames drawn for those turns",
	       (long long)(daemon_frames(d) - frames), "", runs);
	free(t);
	free(b);
	daemon_destroy(d);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 30;
	if (runs < 10)
		runs = 10;
	struct display_config *cfg = malloc(sizeof *cfg);
	display_config_defaults(cfg);
	snprintf(cfg->id, sizeof cfg->id, "bench");
	snprintf(cfg->site_name, sizeof cfg->site_name, "Borgerservice Dokk1");
	cfg->nareas = 1;
	snprintf(cfg->areas[0], sizeof cfg->areas[0], "main");
	printf("| measure | median | p10 .. p90 | runs |\n|---|---|---|---|\n");
	bench_size(cfg, 1920, 1080, runs, NULL, "");
	bench_size(cfg, 3840, 2160, runs, NULL, "");
	/* The same with the queue panel (3 services, fresh) and the check-in code. */
	struct display_config *full = malloc(sizeof *full);
	*full = *cfg;
	snprintf(full->checkin_url, sizeof full->checkin_url,
	         "https://aarhus.dk/borgerservice/tjek-ind?site=dokk1");
	struct proto_queue q = {.ts_ms = time_now_ms() + 3600 * 1000, .nservices = 3};
	static const char *const names[] = {"Pas og kørekort", "Sundhedskort og flytning",
	                                    "Pension"};
	for (int i = 0; i < q.nservices; i++) {
		snprintf(q.services[i].name, sizeof q.services[i].name, "%s", names[i]);
		q.services[i].waiting = 12 - 4 * i;
		q.services[i].wait_min = 15 - 5 * i;
	}
	bench_size(full, 1920, 1080, runs, &q, ", queue + QR");
	bench_size(full, 3840, 2160, runs, &q, ", queue + QR");
	free(full);
	bench_unchanged(cfg, runs * 10);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("| %-44s | %9ld | %21s | %4s |\n", "peak RSS of the benchmark (KiB)", ru.ru_maxrss,
	       "", "1");
	free(cfg);
	return 0;
}

/* callboard-display: the waiting-room screen. */
#define LOG_MODULE "main"
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfgparse.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "announcer.h"
#include "daemon_audio.h"
#include "daemon_link.h"
#include "daemon_pairing.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: callboard-display --config FILE [--headless]\n"
	        "       callboard-display --check-config FILE\n"
	        "       callboard-display --render BOARD.json --out FILE.png [--size WxH]\n"
	        "                         [--rotate DEG] [--config FILE] [--now YYYY-MM-DDTHH:MM]\n"
	        "                         [--notice NOTICE.json] [--queue QUEUE.json] [--offline]\n"
	        "       callboard-display --announce CALL.json --out FILE.wav [--config FILE]\n"
	        "\n"
	        "  --config FILE        the display's INI config\n"
	        "  --headless           offscreen rendering and no sound card\n"
	        "  --check-config FILE  print every problem in FILE and exit 1, or exit 0\n"
	        "  --render BOARD.json  write one frame of that board to --out and exit\n"
	        "  --size WxH           frame size for --render (default 1920x1080)\n"
	        "  --rotate DEG         0, 90, 180 or 270 (default [screen] rotate)\n"
	        "  --now TIME           local time of the frame (clock, hours, highlight,\n"
	        "                       whose turn the screen languages take), seconds optional\n"
	        "  --offline            --render: show the offline mark\n"
	        "  --queue QUEUE.json   --render: show these queue figures (a queue payload)\n"
	        "  --announce CALL.json write the chime and speech the daemon would play for\n"
	        "                       that call (a board call object) to --out and exit\n"
	        "  --verbose            debug logging\n"
	        "\n"
	        "development only (the MQTT link feeds the live daemon):\n"
	        "  --board [AREA=]FILE  show this board at start; SIGUSR1 reads it again\n"
	        "  --notice FILE        show this notice (with --render, or at start)\n"
	        "  --snapshot-dir DIR   write DIR/screen.png after every change on screen\n");
}

static int check_config(const char *path)
{
	struct display_config *cfg = xmalloc(sizeof *cfg);
	struct cfg_ctx errs = {0};
	int r = display_config_load(path, cfg, &errs);
	cfg_print_errors(&errs, stdout);
	cfg_ctx_free(&errs);
	char warn[1024];
	if (r == 0 && display_theme_warnings(&cfg->theme, warn, sizeof warn))
		printf("%s: warning: %s\n", path, warn);
	free(cfg);
	if (r == 0)
		printf("%s: ok\n", path);
	return r == 0 ? 0 : 1;
}

static bool load_config(const char *path, struct display_config *cfg)
{
	struct cfg_ctx errs = {0};
	int r = display_config_load(path, cfg, &errs);
	cfg_print_errors(&errs, stderr);
	cfg_ctx_free(&errs);
	return r == 0;
}

/* "2026-11-30T09:15" or "2026-11-30T09:15:06" in local time. */
static bool parse_now(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	char *end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (end && *end == ':')
		end = strptime(end, ":%S", &tm);
	if (!end || *end)
		return false;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*ms = (int64_t)t * 1000;
	return true;
}

static int announce_one(const char *config, const char *call_path, const char *out)
{
	int rc = 1;
	struct display_config *cfg = xmalloc(sizeof *cfg);
	char err[512];
	if (config) {
		if (!load_config(config, cfg))
			goto out;
	} else {
		display_config_defaults(cfg);
	}
	FILE *f = fopen(call_path, "rb");
	if (!f) {
		printf("%s: payload: cannot open\n", call_path);
		goto out;
	}
	char buf[8192];
	size_t len = fread(buf, 1, sizeof buf, f);
	bool more = fgetc(f) != EOF;
	fclose(f);
	struct proto_call call;
	struct proto_error perr = {0};
	if (more) {
		printf("%s: payload: larger than %zu bytes\n", call_path, sizeof buf);
		goto out;
	}
	if (proto_call_decode(buf, len, &call, &perr) < 0) {
		printf("%s: %s: %s\n", call_path, perr.field, perr.reason);
		goto out;
	}
	if (announce_to_wav(&cfg->audio, NULL, &call, out, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", out, err);
		goto out;
	}
	rc = 0;
out:
	free(cfg);
	return rc;
}

/* What --render draws besides the board. */
struct render_extras {
	const char *notice, *queue; /* paths or NULL */
	bool offline;
};

static int render_one(const char *config, const char *board_path, const char *out, const char *size,
                      int rotate, const char *now, const struct render_extras *extra)
{
	int rc = 1;
	struct display_config *cfg = xmalloc(sizeof *cfg);
	struct proto_board *b = xmalloc(sizeof *b);
	struct proto_notice notice;
	struct proto_queue queue;
	char err[512];
	int w = 0, h = 0;
	int64_t now_ms = time(NULL) * (int64_t)1000;
	if (config) {
		if (!load_config(config, cfg))
			goto out;
	} else {
		display_config_defaults(cfg);
		snprintf(cfg->id, sizeof cfg->id, "render");
		snprintf(cfg->site_name, sizeof cfg->site_name, "Borgerservice");
		cfg->nareas = 1;
		snprintf(cfg->areas[0], sizeof cfg->areas[0], "main");
	}
	if (rotate < 0)
		rotate = cfg->rotate;
	w = cfg->width ? cfg->width : 1920;
	h = cfg->height ? cfg->height : 1080;
	if (size) {
		char *x;
		long a = strtol(size, &x, 10), c = x && *x == 'x' ? strtol(x + 1, &x, 10) : 0;
		if (*x || a < 320 || a > 7680 || c < 240 || c > 7680) {
			fprintf(stderr, "--size %s: expected WxH between 320x240 and 7680x7680\n",
			        size);
			goto out;
		}
		w = (int)a;
		h = (int)c;
	}
	if (now && !parse_now(now, &now_ms)) {
		fprintf(stderr, "--now %s: expected YYYY-MM-DDTHH:MM[:SS] (local time)\n", now);
		goto out;
	}
	if (daemon_read_board(board_path, b, err, sizeof err) != 0) {
		printf("%s\n", err);
		goto out;
	}
	if ((extra->notice && daemon_read_notice(extra->notice, &notice, err, sizeof err) != 0) ||
	    (extra->queue && daemon_read_queue(extra->queue, &queue, err, sizeof err) != 0)) {
		printf("%s\n", err);
		goto out;
	}
	if (daemon_render_once(cfg, b, extra->queue ? &queue : NULL, extra->notice ? &notice : NULL,
	                       extra->offline, now_ms, w, h, rotate, out) == 0)
		rc = 0;
out:
	free(b);
	free(cfg);
	return rc;
}

/* Frames, text and sound buffers of a few hundred KiB come and go with
 * every call. glibc raises its mmap threshold each time such a buffer is
 * freed, after which they land in the heap and fragment it: the soak
 * grew by about 9 MB of free but unreturnable heap. A fixed threshold keeps
 * them mapped and unmapped whole; two arenas are plenty for the speech
 * thread beside the loop. */
static void tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_ARENA_MAX, 2);
}

/* The command line: the mode it asks for and its options. */
struct args {
	const char *config, *check, *render, *out, *size, *now, *notice, *announce, *queue;
	struct daemon_opts dopts;
	int rotate; /* -1: as configured */
	bool offline;
};

/* Parse argv into a. Returns -1 to go on, else the exit code to end with:
 * 0 after --help or --version, 2 after a usage error. */
static int parse_args(int argc, char **argv, struct args *a)
{
	enum {
		O_CHECK = 256,
		O_RENDER,
		O_OUT,
		O_SIZE,
		O_ROTATE,
		O_NOW,
		O_BOARD,
		O_NOTICE,
		O_SNAP,
		O_OFFLINE,
		O_ANNOUNCE,
		O_QUEUE,
		O_VERSION
	};
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"headless", no_argument, NULL, 'H'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, O_VERSION},
	    {"check-config", required_argument, NULL, O_CHECK},
	    {"render", required_argument, NULL, O_RENDER},
	    {"out", required_argument, NULL, O_OUT},
	    {"size", required_argument, NULL, O_SIZE},
	    {"rotate", required_argument, NULL, O_ROTATE},
	    {"now", required_argument, NULL, O_NOW},
	    {"board", required_argument, NULL, O_BOARD},
	    {"notice", required_argument, NULL, O_NOTICE},
	    {"snapshot-dir", required_argument, NULL, O_SNAP},
	    {"offline", no_argument, NULL, O_OFFLINE},
	    {"announce", required_argument, NULL, O_ANNOUNCE},
	    {"queue", required_argument, NULL, O_QUEUE},
	    {0},
	};
	memset(a, 0, sizeof *a);
	a->rotate = -1;
	int c;
	while ((c = getopt_long(argc, argv, "c:Hvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 'H':
			a->dopts.headless = true;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case O_VERSION:
			printf("callboard-display %s\n", CALLBOARD_VERSION);
			return 0;
		case O_CHECK:
			a->check = optarg;
			break;
		case O_RENDER:
			a->render = optarg;
			break;
		case O_OUT:
			a->out = optarg;
			break;
		case O_SIZE:
			a->size = optarg;
			break;
		case O_NOW:
			a->now = optarg;
			break;
		case O_NOTICE:
			a->notice = optarg;
			break;
		case O_SNAP:
			a->dopts.snapshot_dir = optarg;
			break;
		case O_OFFLINE:
			a->offline = true;
			break;
		case O_ANNOUNCE:
			a->announce = optarg;
			break;
		case O_QUEUE:
			a->queue = optarg;
			break;
		case O_BOARD:
			if (a->dopts.nboards < PROTO_AREAS_MAX)
				a->dopts.boards[a->dopts.nboards++] = optarg;
			break;
		case O_ROTATE:
			if (strcmp(optarg, "0") && strcmp(optarg, "90") && strcmp(optarg, "180") &&
			    strcmp(optarg, "270")) {
				fprintf(stderr, "--rotate %s: expected one of: 0, 90, 180, 270\n",
				        optarg);
				return 2;
			}
			a->rotate = atoi(optarg);
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (a->check)
		return -1;
	if ((a->announce || a->render) && !a->out) {
		fprintf(stderr, "%s\n",
		        a->announce ? "--announce needs --out FILE.wav"
		                    : "--render needs --out FILE.png");
		return 2;
	}
	if (!a->announce && !a->render && !a->config) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* The daemon: its screen, its sound, and its link to the broker (or the
 * pairing screen while it has none), until a signal ends it. */
static int run_daemon(const struct args *a)
{
	struct display_config *cfg = xmalloc(sizeof *cfg);
	if (!load_config(a->config, cfg)) {
		free(cfg);
		return 1;
	}
	if (a->rotate >= 0)
		cfg->rotate = a->rotate;
	struct daemon_opts dopts = a->dopts;
	dopts.notice_file = a->notice;
	struct daemon *d = daemon_create(cfg, &dopts);
	free(cfg);
	if (!d)
		return 1;
	struct daemon_audio *sp = daemon_audio_attach(d);
	bool paired = !daemon_config(d)->unpaired;
	struct daemon_link *rm = paired ? daemon_link_attach(d, sp) : NULL;
	struct daemon_pairing *pr = paired ? NULL : daemon_pairing_attach(d, sp);
	if (!rm && !pr) {
		daemon_audio_destroy(sp);
		daemon_destroy(d);
		return 1;
	}
	int rc = daemon_run(d);
	daemon_link_stop(rm);
	daemon_link_destroy(rm);
	daemon_pairing_stop(pr);
	daemon_pairing_destroy(pr);
	daemon_audio_destroy(sp);
	daemon_destroy(d);
	return rc;
}

int main(int argc, char **argv)
{
	tune_malloc();
	struct args a;
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.check)
		return check_config(a.check);
	if (a.announce)
		return announce_one(a.config, a.announce, a.out);
	if (a.render) {
		struct render_extras x = {
		    .notice = a.notice, .queue = a.queue, .offline = a.offline};
		return render_one(a.config, a.render, a.out, a.size, a.rotate, a.now, &x);
	}
	return run_daemon(&a);
}

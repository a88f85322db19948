/* announce-harness [--volume N] [--quiet-volume N] [--lang da,en] [--chime F] STEP...
 * Drives a real announcer on a real loop, as the daemon does, so that the
 * audio tests can record SDL's real output (SDL_AUDIODRIVER=disk).
 * Steps: board:AREA:FILE (a board arrives now), sleep:MS, idle (until all
 * played, at most 60 s), test (announce-test), volume:N, link-up, quiet
 * (quiet hours from now: --quiet-volume N),
 * reload:CHIME (reconfigure with that chime; prints "reload ok" or
 * "reload error: ...").
 * Prints one line "spec {json}" when the device is open and one line
 * "stats {json}" at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announcer.h"
#include "audio_config.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"

static int run_for(struct loop *loop, int ms)
{
	int64_t end = time_mono_ms() + ms;
	for (int64_t now; (now = time_mono_ms()) < end;)
		if (loop_dispatch(loop, (int)(end - now)) < 0)
			return -1;
	return 0;
}

static int feed_board(struct announcer *a, const char *arg)
{
	char area[PROTO_NAME_MAX + 1];
	const char *colon = strchr(arg, ':');
	if (!colon || (size_t)(colon - arg) > PROTO_NAME_MAX)
		return -1;
	memcpy(area, arg, (size_t)(colon - arg));
	area[colon - arg] = '\0';
	FILE *f = fopen(colon + 1, "rb");
	if (!f)
		return -1;
	static char buf[PROTO_BOARD_BYTES_MAX + 1];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	static struct proto_board b;
	struct proto_error err;
	if (proto_board_decode(buf, len, &b, &err)) {
		fprintf(stderr, "%s: %s: %s\n", colon + 1, err.field, err.reason);
		return -1;
	}
	announcer_board(a, area, &b, time_now_ms(), false);
	return 0;
}

int main(int argc, char **argv)
{
	struct audio_config cfg;
	audio_config_defaults(&cfg);
	const char *chime = getenv("CALLBOARD_CHIME");
	int i = 1;
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--volume")) {
			cfg.volume = atoi(argv[i + 1]);
		} else if (!strcmp(argv[i], "--chime")) {
			chime = argv[i + 1];
		} else if (!strcmp(argv[i], "--lang")) {
			const char *langs[DISPLAY_LANG_MAX];
			int n = 0;
			for (char *t = strtok(argv[i + 1], ","); t && n < DISPLAY_LANG_MAX;
			     t = strtok(NULL, ","))
				langs[n++] = t;
			if (!audio_config_set_languages(&cfg, langs, n))
				return 2;
		} else if (!strcmp(argv[i], "--quiet-volume")) {
			cfg.quiet_volume = atoi(argv[i + 1]);
		} else if (!strcmp(argv[i], "--queue")) {
			cfg.queue_max = atoi(argv[i + 1]);
		}
	}
	struct loop *loop = loop_create();
	struct announcer *a = announcer_create(loop, &cfg, chime);
	struct audio_spec spec;
	if (announcer_output(a, &spec))
		printf("spec {\"freq\":%d,\"channels\":%d,\"format\":\"%s\"}\n", spec.freq,
		       spec.channels, spec.format);
	fflush(stdout);
	int rc = 0;
	for (; i < argc && rc == 0; i++) {
		const char *s = argv[i];
		if (!strncmp(s, "board:", 6)) {
			rc = feed_board(a, s + 6);
		} else if (!strncmp(s, "sleep:", 6)) {
			rc = run_for(loop, atoi(s + 6));
		} else if (!strcmp(s, "idle")) {
			int64_t end = time_mono_ms() + 60000;
			while (!announcer_idle(a) && time_mono_ms() < end)
				loop_dispatch(loop, 100);
			rc = announcer_idle(a) ? 0 : -1;
		} else if (!strcmp(s, "test")) {
			announcer_test(a);
		} else if (!strcmp(s, "quiet")) {
			announcer_set_quiet(a, true);
		} else if (!strcmp(s, "link-up")) {
			announcer_link_up(a);
		} else if (!strncmp(s, "reload:", 7)) {
			char err[512];
			if (announcer_reconfigure(a, &cfg, s + 7, err, sizeof(err)))
				printf("reload error: %s\n", err);
			else
				printf("reload ok\n");
			fflush(stdout);
		} else if (!strncmp(s, "volume:", 7)) {
			announcer_set_volume(a, atoi(s + 7));
		} else {
			fprintf(stderr, "unknown step %s\n", s);
			rc = -1;
		}
	}
	struct announcer_stats st;
	announcer_stats(a, &st);
	int64_t off = 0;
	char offs[32] = "null";
	if (announcer_clock_offset(a, &off))
		snprintf(offs, sizeof(offs), "%lld", (long long)off);
	printf(
	    "stats "
	    "{\"announced\":%lld,\"played\":%lld,\"failed\":%lld,\"dropped\":%lld,\"state\":\"%s\","
	    "\"synth_ms\":%.1f,\"first_sample_ms\":%.3f,\"clock_offset_ms\":%s,"
	    "\"speech_queue_peak\":%d}\n",
	    (long long)st.announced, (long long)st.played, (long long)st.failed,
	    (long long)st.dropped, proto_audio_name(announcer_state(a)), st.last_synth_ms,
	    st.last_first_sample_ms, offs, st.speech_queue_peak);
	announcer_destroy(a);
	loop_destroy(loop);
	return rc ? 1 : 0;
}

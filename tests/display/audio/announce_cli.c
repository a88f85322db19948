/* announce-cli CALL.json OUT.wav [--lang da,en] [--volume N] [--chime F]:
 * the one-shot --announce path on its own, until callboard-display wires it.
 * With OUT.wav "-", print each language's SSML phrase instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announcer.h"
#include "audio_config.h"
#include "phrase.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(PROTO_BOARD_BYTES_MAX + 1);
	*len = buf ? fread(buf, 1, PROTO_BOARD_BYTES_MAX + 1, f) : 0;
	fclose(f);
	return buf;
}

static int set_langs(struct audio_config *cfg, char *list)
{
	const char *langs[DISPLAY_LANG_MAX];
	int n = 0;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (n == DISPLAY_LANG_MAX)
			return -1;
		langs[n++] = tok;
	}
	return audio_config_set_languages(cfg, langs, n) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct audio_config cfg;
	audio_config_defaults(&cfg);
	const char *chime = getenv("CALLBOARD_CHIME");
	if (argc < 3) {
		fprintf(stderr,
		        "usage: %s CALL.json OUT.wav [--lang da,en] [--volume N] "
		        "[--chime F]\n",
		        argv[0]);
		return 2;
	}
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--lang") && set_langs(&cfg, argv[i + 1])) {
			fprintf(stderr, "--lang: unknown language in %s\n", argv[i + 1]);
			return 2;
		} else if (!strcmp(argv[i], "--volume"))
			cfg.volume = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--chime"))
			chime = argv[i + 1];
	}
	size_t len;
	char *buf = slurp(argv[1], &len);
	if (!buf) {
		fprintf(stderr, "%s: cannot read\n", argv[1]);
		return 1;
	}
	struct proto_call call;
	struct proto_error perr;
	if (proto_call_decode(buf, len, &call, &perr)) {
		fprintf(stderr, "%s: %s: %s\n", argv[1], perr.field, perr.reason);
		free(buf);
		return 1;
	}
	free(buf);
	if (!strcmp(argv[2], "-")) {
		struct audio_part parts[AUDIO_PARTS_MAX];
		int n = audio_call_parts(&cfg, &call, parts);
		for (int k = 0; k < n; k++) {
			char text[PHRASE_MAX];
			if (phrase_build_lang(text, sizeof(text), &parts[k].pl, &call))
				return 1;
			printf("%s\t%s\n", parts[k].lang, text);
		}
		return 0;
	}
	char err[512];
	if (announce_to_wav(&cfg, chime, &call, argv[2], err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}

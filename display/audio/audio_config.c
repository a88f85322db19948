#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audio_config.h"

#ifndef CALLBOARD_CHIME
#define CALLBOARD_CHIME "/usr/local/share/callboard/chime.wav"
#endif

static const struct {
	const char *lang, *tmpl, *desk;
} lang_defaults[] = {
    {"da", "Nummer {ticket}, {desk}", "skranke"},  {"en", "Number {ticket}, {desk}", "desk"},
    {"de", "Nummer {ticket}, {desk}", "Schalter"}, {"sv", "Nummer {ticket}, {desk}", "disk"},
    {"nb", "Nummer {ticket}, {desk}", "skranke"},
};

bool audio_lang_defaults(const char *lang, const char **tmpl, const char **desk_word)
{
	for (size_t i = 0; i < sizeof(lang_defaults) / sizeof(lang_defaults[0]); i++) {
		if (strcmp(lang, lang_defaults[i].lang) == 0) {
			*tmpl = lang_defaults[i].tmpl;
			*desk_word = lang_defaults[i].desk;
			return true;
		}
	}
	return false;
}

bool audio_config_set_languages(struct audio_config *cfg, const char *const *langs, int n)
{
	if (n < 1 || n > DISPLAY_LANG_MAX)
		return false;
	for (int i = 0; i < n; i++) {
		const char *tmpl, *desk;
		if (!audio_lang_defaults(langs[i], &tmpl, &desk))
			return false;
		snprintf(cfg->languages[i], sizeof(cfg->languages[i]), "%s", langs[i]);
		snprintf(cfg->templates[i], sizeof(cfg->templates[i]), "%s", tmpl);
		snprintf(cfg->desk_words[i], sizeof(cfg->desk_words[i]), "%s", desk);
	}
	cfg->nlanguages = n;
	return true;
}

void audio_config_defaults(struct audio_config *cfg)
{
	static const char *const da[] = {"da"};
	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = true;
	cfg->volume = 80;
	cfg->announce_window_s = 60;
	cfg->queue_max = 5;
	cfg->speed = 150;
	audio_config_set_languages(cfg, da, 1);
	snprintf(cfg->chime, sizeof(cfg->chime), "%s", CALLBOARD_CHIME);
}

const char *audio_default_chime(void)
{
#ifdef CALLBOARD_CHIME_SRC
	/* Run from a build tree: the chime has not been installed yet. */
	if (access(CALLBOARD_CHIME, R_OK) != 0)
		return CALLBOARD_CHIME_SRC;
#endif
	return CALLBOARD_CHIME;
}

bool audio_quiet_now(const struct audio_config *cfg, int minute_of_day)
{
	if (!cfg->has_quiet || cfg->quiet_from_min == cfg->quiet_to_min)
		return false;
	int m = minute_of_day, from = cfg->quiet_from_min, to = cfg->quiet_to_min;
	if (from < to)
		return m >= from && m < to;
	return m >= from || m < to; /* across midnight */
}

const char *audio_template_check(const char *tmpl)
{
	if (!strstr(tmpl, "{ticket}"))
		return "must contain {ticket}";
	for (const char *p = tmpl; *p; p++) {
		if (*p == '<' || *p == '>')
			return "must not contain '<' or '>'";
		if (*p != '{')
			continue;
		if (strncmp(p, "{ticket}", 8) == 0)
			p += 7;
		else if (strncmp(p, "{desk}", 6) == 0)
			p += 5;
		else
			return "unknown placeholder: use {ticket} and {desk}";
	}
	return NULL;
}

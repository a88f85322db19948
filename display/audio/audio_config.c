#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audio_config.h"
#include "lang.h"

#ifndef CALLBOARD_CHIME
#define CALLBOARD_CHIME "/usr/local/share/callboard/chime.wav"
#endif

bool audio_config_set_languages(struct audio_config *cfg, const char *const *langs, int n)
{
	if (n < 1 || n > DISPLAY_LANG_MAX)
		return false;
	for (int i = 0; i < n; i++) {
		const struct lang *l = lang_find(langs[i]);
		if (!l)
			return false;
		snprintf(cfg->languages[i], sizeof(cfg->languages[i]), "%s", l->code);
		snprintf(cfg->templates[i], sizeof(cfg->templates[i]), "%s", l->tmpl);
		snprintf(cfg->desk_words[i], sizeof(cfg->desk_words[i]), "%s", l->desk_word);
		snprintf(cfg->agains[i], sizeof(cfg->agains[i]), "%s", l->again);
	}
	cfg->nlanguages = n;
	return true;
}

static struct audio_part cfg_part(const struct audio_config *cfg, int k)
{
	return (struct audio_part){
	    .lang = cfg->languages[k],
	    .pl = {.tmpl = cfg->templates[k],
	           .desk_word = cfg->desk_words[k],
	           .again = cfg->agains[k],
	           .letters = lang_find(cfg->languages[k])},
	};
}

int audio_call_parts(const struct audio_config *cfg, const struct proto_call *call,
                     struct audio_part out[AUDIO_PARTS_MAX])
{
	struct audio_part once[DISPLAY_LANG_MAX + 1];
	int order[DISPLAY_LANG_MAX + 1];
	int n = lang_order(call->lang, cfg->languages, cfg->nlanguages, order);
	for (int i = 0; i < n; i++) {
		const struct lang *l = lang_find(call->lang);
		if (order[i] != LANG_OWN_SHIPPED)
			once[i] = cfg_part(cfg, order[i]);
		else
			once[i] = (struct audio_part){
			    .lang = l->code,
			    .pl = {.tmpl = l->tmpl,
			           .desk_word = l->desk_word,
			           .again = l->again,
			           .letters = l},
			};
	}
	int times = cfg->repeat < 1                  ? 1
	            : cfg->repeat > AUDIO_REPEAT_MAX ? AUDIO_REPEAT_MAX
	                                             : cfg->repeat;
	for (int t = 0; t < times; t++)
		memcpy(&out[t * n], once, (size_t)n * sizeof once[0]);
	return n * times;
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
		else if (strncmp(p, "{again}", 7) == 0)
			p += 6;
		else
			return "unknown placeholder: use {ticket}, {desk} and {again}";
	}
	return NULL;
}

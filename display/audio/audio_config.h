/* Helpers for [audio] (struct audio_config and its defaults live in
 * config.h; the languages in common/lang.h). */
#ifndef CB_AUDIO_CONFIG_H
#define CB_AUDIO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "phrase.h"

#define AUDIO_REPEAT_MAX 3
/* The citizen's language, the configured ones, each said up to 3 times. */
#define AUDIO_PARTS_MAX ((DISPLAY_LANG_MAX + 1) * AUDIO_REPEAT_MAX)

/* One spoken part of an announcement. */
struct audio_part {
	const char *lang;      /* its code; the voice is lang_voice(lang) */
	struct phrase_lang pl; /* points into the config or the language table */
};

/* Set languages from a list of codes, each with its template and desk word
 * from the language table (lang.h); false when a code is not shipped or
 * there are too many. The defaults are audio_config_defaults (config.h). */
bool audio_config_set_languages(struct audio_config *cfg, const char *const *langs, int n);

/* The parts spoken for call, in order, into out; returns how many. The
 * call's own language (call->lang) comes first when it has a template (in
 * cfg, or shipped), then cfg's languages without it; the whole is said
 * cfg->repeat times. The parts point into cfg and static storage. */
int audio_call_parts(const struct audio_config *cfg, const struct proto_call *call,
                     struct audio_part out[AUDIO_PARTS_MAX]);

/* Check a template_LANG value: it must contain {ticket}, may contain
 * {desk} and {again}, no other {...}, and no '<' (SSML comes only from us). NULL when
 * fine, else a static reason for the config error. */
const char *audio_template_check(const char *tmpl);
/* True when minute_of_day (0-1439, local time) is inside [audio]
 * quiet_hours; a span like 22:00-07:00 crosses midnight. */
bool audio_quiet_now(const struct audio_config *cfg, int minute_of_day);

/* The chime used when [audio] chime is empty: the installed one, or the
 * source tree's when running from a build folder. Static storage. */
const char *audio_default_chime(void);

#endif

/* [device] [mqtt] [screen] [theme] [hours] [health] [audio] [words] [queue]
 * [checkin]: every
 * key is known here; anything else is an error, never silently defaulted. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgparse.h"
#include "config.h"
#include "lang.h"

#define LANG_KNOWN_MAX 8

/* What the config says for one language, before languages are known. */
struct lang_text {
	char lang[8];
	char tmpl[256];
	char desk_word[32];
	char again[32];
	bool has_tmpl, has_word, has_again;
	int line; /* of the last [audio] key */
	char words[LANG_WORD_COUNT][96];
	bool has_words[LANG_WORD_COUNT];
	int words_line; /* of the last [words] key; 0: none */
};

struct parse_state {
	struct display_config *cfg;
	bool has_id, has_tenant, has_site, has_areas, has_name;
	bool has_host; /* [mqtt] host given */
	int nlangs;
	struct lang_text langs[LANG_KNOWN_MAX];
};

void display_config_defaults(struct display_config *c)
{
	memset(c, 0, sizeof *c);
	mqttc_config_defaults(&c->mqtt);
	c->health_interval_s = 30;
	c->rotate = 0;
	c->history = 6;
	c->highlight_s = 10;
	c->offline_after_s = 10;
	c->stale_board_max_age_s = 86400;
	snprintf(c->state_dir, sizeof c->state_dir, "%s", DISPLAY_STATE_DIR_DEFAULT);
	schedule_init(&c->hours);
	c->closed_mode = DISPLAY_CLOSED_SCREEN;
	snprintf(c->closed_text, sizeof c->closed_text, "%s", lang_find("da")->words[LANG_CLOSED]);
	c->nscreen_langs = 1;
	snprintf(c->screen_langs[0], sizeof c->screen_langs[0], "da");
	c->language_interval_s = 6;
	c->queue_max_age_s = 300;
	c->checkin_enabled = true;
	for (int w = 0; w < LANG_WORD_COUNT; w++)
		snprintf(c->words[0][w], sizeof c->words[0][w], "%s", lang_find("da")->words[w]);
	c->theme = (struct display_theme){
	    .background = 0x0b1a2b,
	    .foreground = 0xffffff,
	    .accent = 0x4fc3f7,
	    .highlight = 0xffd21f,
	    .muted = 0xb8c7d9,
	};
	snprintf(c->theme.font, sizeof c->theme.font, "%s", DISPLAY_FONT_DEFAULT);
	snprintf(c->theme.font_bold, sizeof c->theme.font_bold, "%s", DISPLAY_FONT_BOLD_DEFAULT);
	static const char *const scripts[2][2] = {
	    {DISPLAY_NOTO "NotoSansArabic-Regular.ttf", DISPLAY_NOTO "NotoSansHebrew-Regular.ttf"},
	    {DISPLAY_NOTO "NotoSansArabic-Bold.ttf", DISPLAY_NOTO "NotoSansHebrew-Bold.ttf"}};
	for (int b = 0; b < 2; b++) {
		c->theme.nscript_fonts[b] = 2;
		for (int k = 0; k < 2; k++)
			snprintf(c->theme.script_fonts[b][k], sizeof c->theme.script_fonts[b][k],
			         "%s", scripts[b][k]);
	}

	audio_config_defaults(&c->audio);
}

void audio_config_defaults(struct audio_config *a)
{
	const struct lang *da = lang_find("da");
	memset(a, 0, sizeof *a);
	a->enabled = true;
	a->volume = 80;
	a->announce_window_s = 60;
	a->queue_max = 5;
	a->nlanguages = 1;
	snprintf(a->languages[0], sizeof a->languages[0], "%s", da->code);
	snprintf(a->templates[0], sizeof a->templates[0], "%s", da->tmpl);
	snprintf(a->desk_words[0], sizeof a->desk_words[0], "%s", da->desk_word);
	snprintf(a->agains[0], sizeof a->agains[0], "%s", da->again);
	a->speed = 150;
	a->repeat = 1;
}

static bool parse_color(struct cfg_ctx *ctx, const char *sec, const char *key, const char *v,
                        uint32_t *out)
{
	const char *p = v[0] == '#' ? v + 1 : v;
	bool ok = strlen(p) == 6;
	for (int i = 0; ok && i < 6; i++)
		ok = isxdigit((unsigned char)p[i]);
	if (!ok) {
		cfg_error(ctx, sec, key, v, "expected a colour as #RRGGBB");
		return false;
	}
	*out = (uint32_t)strtoul(p, NULL, 16);
	return true;
}

static void set_int(struct cfg_ctx *ctx, const char *sec, const char *key, const char *v, long min,
                    long max, int *out)
{
	long n;
	if (cfg_int(ctx, sec, key, v, min, max, &n))
		*out = (int)n;
}

static void device_key(struct parse_state *st, struct cfg_ctx *ctx, const char *k, const char *v)
{
	struct display_config *c = st->cfg;
	const char *s = "device";
	if (!strcmp(k, "id")) {
		st->has_id = cfg_name(ctx, s, k, v, c->id, sizeof c->id);
	} else if (!strcmp(k, "tenant")) {
		st->has_tenant = cfg_name(ctx, s, k, v, c->tenant, sizeof c->tenant);
	} else if (!strcmp(k, "site")) {
		st->has_site = cfg_name(ctx, s, k, v, c->site, sizeof c->site);
	} else if (!strcmp(k, "areas")) {
		int n = cfg_name_list(ctx, s, k, v, &c->areas[0][0], PROTO_NAME_MAX + 1,
		                      PROTO_AREAS_MAX);
		if (n > 0) {
			c->nareas = n;
			st->has_areas = true;
		}
	} else if (!strcmp(k, "name")) {
		if (!*v)
			cfg_error(ctx, s, k, v, "must not be empty");
		else
			st->has_name = cfg_str(ctx, s, k, v, c->site_name, sizeof c->site_name);
	} else if (!strcmp(k, "state_dir")) {
		cfg_str(ctx, s, k, v, c->state_dir, sizeof c->state_dir);
	} else {
		cfg_error(ctx, s, k, v, "unknown key");
	}
}

static struct lang_text *lang_slot(struct parse_state *st, const char *lang)
{
	for (int i = 0; i < st->nlangs; i++)
		if (!strcmp(st->langs[i].lang, lang))
			return &st->langs[i];
	if (st->nlangs >= LANG_KNOWN_MAX)
		return NULL;
	struct lang_text *l = &st->langs[st->nlangs++];
	memset(l, 0, sizeof *l);
	snprintf(l->lang, sizeof l->lang, "%s", lang);
	return l;
}

static bool lang_code_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

/* A list of language codes (up to DISPLAY_LANG_MAX, no repeats) into out;
 * how many, or 0 after an error. */
static int lang_list(struct cfg_ctx *ctx, const char *s, const char *k, const char *v,
                     char out[DISPLAY_LANG_MAX][8])
{
	char langs[DISPLAY_LANG_MAX][PROTO_NAME_MAX + 1];
	int n = cfg_name_list(ctx, s, k, v, &langs[0][0], PROTO_NAME_MAX + 1, DISPLAY_LANG_MAX);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		if (!lang_code_ok(langs[i])) {
			cfg_error(ctx, s, k, v, "'%s' is not a language code such as da or en",
			          langs[i]);
			return 0;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(langs[i], langs[j])) {
				cfg_error(ctx, s, k, v, "'%s' listed twice", langs[i]);
				return 0;
			}
	}
	for (int i = 0; i < n; i++)
		memcpy(out[i], langs[i], strlen(langs[i]) + 1); /* <= 3 bytes */
	return n;
}

static void screen_key(struct display_config *c, struct cfg_ctx *ctx, const char *k, const char *v)
{
	const char *s = "screen";
	if (!strcmp(k, "rotate")) {
		static const char *const names[] = {"0", "90", "180", "270", NULL};
		int i;
		if (cfg_enum(ctx, s, k, v, names, &i))
			c->rotate = i * 90;
	} else if (!strcmp(k, "history")) {
		set_int(ctx, s, k, v, 0, 20, &c->history);
	} else if (!strcmp(k, "highlight")) {
		set_int(ctx, s, k, v, 0, 600, &c->highlight_s);
	} else if (!strcmp(k, "offline_after")) {
		set_int(ctx, s, k, v, 1, 3600, &c->offline_after_s);
	} else if (!strcmp(k, "stale_board_max_age")) {
		set_int(ctx, s, k, v, 0, 30 * 86400, &c->stale_board_max_age_s);
	} else if (!strcmp(k, "width")) {
		set_int(ctx, s, k, v, 320, 7680, &c->width);
	} else if (!strcmp(k, "height")) {
		set_int(ctx, s, k, v, 240, 7680, &c->height);
	} else if (!strcmp(k, "languages")) {
		int n = lang_list(ctx, s, k, v, c->screen_langs);
		if (n > 0)
			c->nscreen_langs = n;
	} else if (!strcmp(k, "language_interval")) {
		set_int(ctx, s, k, v, 2, 120, &c->language_interval_s);
	} else {
		cfg_error(ctx, s, k, v, "unknown key");
	}
}

static void theme_key(struct display_config *c, struct cfg_ctx *ctx, const char *k, const char *v)
{
	struct display_theme *t = &c->theme;
	const char *s = "theme";
	if (!strcmp(k, "background"))
		parse_color(ctx, s, k, v, &t->background);
	else if (!strcmp(k, "foreground"))
		parse_color(ctx, s, k, v, &t->foreground);
	else if (!strcmp(k, "accent"))
		parse_color(ctx, s, k, v, &t->accent);
	else if (!strcmp(k, "highlight"))
		parse_color(ctx, s, k, v, &t->highlight);
	else if (!strcmp(k, "muted"))
		parse_color(ctx, s, k, v, &t->muted);
	else if (!strcmp(k, "font") || !strcmp(k, "font_bold")) {
		char *dst = !strcmp(k, "font") ? t->font : t->font_bold;
		if (!*v)
			cfg_error(ctx, s, k, v, "must not be empty");
		else
			cfg_str(ctx, s, k, v, dst, sizeof t->font);
	} else if (!strcmp(k, "logo"))
		cfg_str(ctx, s, k, v, t->logo, sizeof t->logo);
	else if (!strcmp(k, "script_fonts") || !strcmp(k, "script_fonts_bold")) {
		int b = k[12] == '_';
		int n = 0;
		for (const char *p = v; *p && n <= DISPLAY_SCRIPT_FONTS_MAX;) {
			size_t len = strcspn(p, ",");
			while (len && p[len - 1] == ' ')
				len--;
			if (len && n < DISPLAY_SCRIPT_FONTS_MAX &&
			    len < sizeof t->script_fonts[b][n])
				snprintf(t->script_fonts[b][n], sizeof t->script_fonts[b][n],
				         "%.*s", (int)len, p);
			n += len > 0;
			p += strcspn(p, ",");
			p += strspn(p, ", ");
		}
		if (n > DISPLAY_SCRIPT_FONTS_MAX)
			cfg_error(ctx, s, k, v, "at most %d fonts", DISPLAY_SCRIPT_FONTS_MAX);
		else
			t->nscript_fonts[b] = n;
	} else
		cfg_error(ctx, s, k, v, "unknown key");
}

static void hours_key(struct display_config *c, struct cfg_ctx *ctx, const char *k, const char *v)
{
	const char *s = "hours";
	if (schedule_config_key(ctx, &c->hours, s, k, v))
		return;
	if (!strcmp(k, "closed_mode")) {
		static const char *const names[] = {"screen", "black", NULL};
		int i;
		if (cfg_enum(ctx, s, k, v, names, &i))
			c->closed_mode = (enum display_closed_mode)i;
	} else if (!strcmp(k, "closed_text")) {
		cfg_str(ctx, s, k, v, c->closed_text, sizeof c->closed_text);
	} else {
		cfg_error(ctx, s, k, v, "unknown key");
	}
}

static void audio_key(struct parse_state *st, struct cfg_ctx *ctx, const char *k, const char *v)
{
	struct audio_config *a = &st->cfg->audio;
	const char *s = "audio";
	if (!strcmp(k, "enabled")) {
		cfg_bool(ctx, s, k, v, &a->enabled);
	} else if (!strcmp(k, "volume")) {
		set_int(ctx, s, k, v, 0, 100, &a->volume);
	} else if (!strcmp(k, "announce_window")) {
		set_int(ctx, s, k, v, 1, 3600, &a->announce_window_s);
	} else if (!strcmp(k, "queue")) {
		set_int(ctx, s, k, v, 1, 50, &a->queue_max);
	} else if (!strcmp(k, "speed")) {
		set_int(ctx, s, k, v, 80, 450, &a->speed);
	} else if (!strcmp(k, "chime")) {
		cfg_str(ctx, s, k, v, a->chime, sizeof a->chime);
	} else if (!strcmp(k, "device")) {
		cfg_str(ctx, s, k, v, a->device, sizeof a->device);
	} else if (!strcmp(k, "quiet_hours")) {
		struct sched_day d;
		if (!*v || !strcmp(v, "none")) {
			a->has_quiet = false;
		} else if (!schedule_parse_day(v, &d) || d.closed) {
			cfg_error(ctx, s, k, v, "expected HH:MM-HH:MM or none");
		} else {
			a->has_quiet = true;
			a->quiet_from_min = d.from_min;
			a->quiet_to_min = d.to_min;
		}
	} else if (!strcmp(k, "languages")) {
		int n = lang_list(ctx, s, k, v, a->languages);
		if (n > 0)
			a->nlanguages = n;
	} else if (!strcmp(k, "repeat")) {
		set_int(ctx, s, k, v, 1, 3, &a->repeat);
	} else if (!strcmp(k, "quiet_volume")) {
		set_int(ctx, s, k, v, 0, 100, &a->quiet_volume);
	} else if (!strncmp(k, "template_", 9) || !strncmp(k, "desk_word_", 10) ||
	           !strncmp(k, "again_", 6)) {
		const char *lang = strrchr(k, '_') + 1;
		struct lang_text *l = lang_code_ok(lang) ? lang_slot(st, lang) : NULL;
		if (!l) {
			cfg_error(ctx, s, k, v, "unknown key");
			return;
		}
		l->line = ctx->line;
		if (k[0] == 't') {
			if (!strstr(v, "{ticket}"))
				cfg_error(ctx, s, k, v, "must contain {ticket}");
			else
				l->has_tmpl = cfg_str(ctx, s, k, v, l->tmpl, sizeof l->tmpl);
		} else if (k[0] == 'd') {
			l->has_word = cfg_str(ctx, s, k, v, l->desk_word, sizeof l->desk_word);
		} else {
			l->has_again = cfg_str(ctx, s, k, v, l->again, sizeof l->again);
		}
	} else {
		cfg_error(ctx, s, k, v, "unknown key");
	}
}

/* Set word w of language lang from section s; false when lang is no code. */
static bool set_word(struct parse_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                     const char *v, const char *lang, int w)
{
	struct lang_text *l = w >= 0 && lang_code_ok(lang) ? lang_slot(st, lang) : NULL;
	if (!l)
		return false;
	if (!*v) {
		cfg_error(ctx, s, k, v, "must not be empty");
		return true;
	}
	l->words_line = ctx->line;
	l->has_words[w] = cfg_str(ctx, s, k, v, l->words[w], sizeof l->words[w]);
	return true;
}

static void checkin_key(struct parse_state *st, struct cfg_ctx *ctx, const char *k, const char *v)
{
	struct display_config *c = st->cfg;
	const char *s = "checkin";
	if (!strcmp(k, "enabled")) {
		cfg_bool(ctx, s, k, v, &c->checkin_enabled);
	} else if (!strcmp(k, "url")) {
		bool ok = !strncmp(v, "https://", 8) || !strncmp(v, "http://", 7);
		for (const char *p = v; ok && *p; p++)
			ok = (unsigned char)*p > ' ' && *p != 0x7f;
		if (!ok)
			cfg_error(ctx, s, k, v,
			          "expected an http:// or https:// link without spaces");
		else
			cfg_str(ctx, s, k, v, c->checkin_url, sizeof c->checkin_url);
	} else if (strncmp(k, "caption_", 8) ||
	           !set_word(st, ctx, s, k, v, k + 8, LANG_CHECK_IN_HERE)) {
		cfg_error(ctx, s, k, v, "unknown key (expected enabled, url or caption_LL)");
	}
}

/* [words] KEY_LL = text: a screen word for language LL. */
static void words_key(struct parse_state *st, struct cfg_ctx *ctx, const char *k, const char *v)
{
	const char *us = strrchr(k, '_');
	char key[32];
	int w = -1;
	if (us && (size_t)(us - k) < sizeof key) {
		snprintf(key, sizeof key, "%.*s", (int)(us - k), k);
		w = lang_word_from_key(key);
	}
	if (!us || !set_word(st, ctx, "words", k, v, us + 1, w))
		cfg_error(ctx, "words", k, v,
		          "unknown key (expected WORD_LL, WORD one of newest_call, previous_calls, "
		          "desk, closed, opens_at, no_connection, waiting, expected_wait, "
		          "check_in_here, called_again, now, minutes, welcome, welcome_note)");
}

/* A section whose only key is the whole number name. */
static void one_int_key(struct cfg_ctx *ctx, const char *sec, const char *k, const char *v,
                        const char *name, long min, long max, int *out)
{
	if (!strcmp(k, name))
		set_int(ctx, sec, k, v, min, max, out);
	else
		cfg_error(ctx, sec, k, v, "unknown key");
}

static void on_key(struct cfg_ctx *ctx, const char *section, const char *key, const char *value)
{
	struct parse_state *st = ctx->user;
	if (!strcmp(section, "device"))
		device_key(st, ctx, key, value);
	else if (!strcmp(section, "mqtt")) {
		st->has_host |= !strcmp(key, "host");
		if (!mqttc_config_key(ctx, &st->cfg->mqtt, key, value))
			cfg_error(ctx, section, key, value, "unknown key");
	} else if (!strcmp(section, "screen"))
		screen_key(st->cfg, ctx, key, value);
	else if (!strcmp(section, "theme"))
		theme_key(st->cfg, ctx, key, value);
	else if (!strcmp(section, "hours"))
		hours_key(st->cfg, ctx, key, value);
	else if (!strcmp(section, "health"))
		one_int_key(ctx, section, key, value, "interval", 5, 3600,
		            &st->cfg->health_interval_s);
	else if (!strcmp(section, "audio"))
		audio_key(st, ctx, key, value);
	else if (!strcmp(section, "words"))
		words_key(st, ctx, key, value);
	else if (!strcmp(section, "queue"))
		one_int_key(ctx, section, key, value, "max_age", 30, 86400,
		            &st->cfg->queue_max_age_s);
	else if (!strcmp(section, "checkin"))
		checkin_key(st, ctx, key, value);
	else
		cfg_error(ctx, section, key, value,
		          "unknown section (expected device, mqtt, screen, theme, hours, health, "
		          "audio, words, queue or checkin)");
}

/* Templates and desk words follow the order of [audio] languages; a
 * shipped language (lang.c) has defaults, any other needs both keys. */
static void finish_audio(struct parse_state *st, struct cfg_ctx *ctx)
{
	struct audio_config *a = &st->cfg->audio;
	for (int i = 0; i < a->nlanguages; i++) {
		const char *lang = a->languages[i];
		const struct lang *shipped = lang_find(lang);
		const char *tmpl = shipped ? shipped->tmpl : NULL;
		const char *word = shipped ? shipped->desk_word : NULL;
		const char *again = shipped ? shipped->again : "";
		for (int j = 0; j < st->nlangs; j++) {
			struct lang_text *l = &st->langs[j];
			if (strcmp(l->lang, lang))
				continue;
			if (l->has_tmpl)
				tmpl = l->tmpl;
			if (l->has_word)
				word = l->desk_word;
			if (l->has_again)
				again = l->again;
		}
		if (!tmpl)
			cfg_error_noline(ctx, "audio", "languages",
			                 "no template_%s for language '%s'", lang, lang);
		if (!word)
			cfg_error_noline(ctx, "audio", "languages",
			                 "no desk_word_%s for language '%s'", lang, lang);
		snprintf(a->templates[i], sizeof a->templates[i], "%s", tmpl ? tmpl : "");
		snprintf(a->desk_words[i], sizeof a->desk_words[i], "%s", word ? word : "");
		snprintf(a->agains[i], sizeof a->agains[i], "%s", again);
	}
	for (int j = 0; j < st->nlangs; j++) {
		if (!st->langs[j].line)
			continue; /* [words] only */
		bool used = false;
		for (int i = 0; i < a->nlanguages; i++)
			used |= !strcmp(a->languages[i], st->langs[j].lang);
		if (!used) {
			ctx->line = st->langs[j].line;
			cfg_error(
			    ctx, "audio", "languages", NULL,
			    "a template or desk word is set for '%s', which is not in languages",
			    st->langs[j].lang);
		}
	}
}

/* The words of each [screen] language: shipped, then [words] KEY_LL; a
 * language without a row needs every word. */
static void finish_screen(struct parse_state *st, struct cfg_ctx *ctx)
{
	struct display_config *c = st->cfg;
	for (int i = 0; i < c->nscreen_langs; i++) {
		const char *lang = c->screen_langs[i];
		const struct lang *shipped = lang_find(lang);
		struct lang_text *own = NULL;
		for (int j = 0; j < st->nlangs; j++)
			if (!strcmp(st->langs[j].lang, lang))
				own = &st->langs[j];
		for (int w = 0; w < LANG_WORD_COUNT; w++) {
			const char *word = own && own->has_words[w] ? own->words[w]
			                   : shipped                ? shipped->words[w]
			                                            : NULL;
			if (!word)
				cfg_error_noline(ctx, "screen", "languages",
				                 "no [words] %s_%s for '%s'", lang_word_key(w),
				                 lang, lang);
			snprintf(c->words[i][w], sizeof c->words[i][w], "%s", word ? word : "");
		}
	}
	for (int j = 0; j < st->nlangs; j++) {
		bool used = false;
		for (int i = 0; i < c->nscreen_langs; i++)
			used |= !strcmp(c->screen_langs[i], st->langs[j].lang);
		if (st->langs[j].words_line && !used) {
			ctx->line = st->langs[j].words_line;
			cfg_error(ctx, "words", st->langs[j].lang, NULL,
			          "words are set for '%s', which is not in [screen] languages",
			          st->langs[j].lang);
		}
	}
}

static int finish(struct parse_state *st, struct cfg_ctx *ctx, int r)
{
	struct display_config *c = st->cfg;
	/* A broker address and no identity: a screen waiting to be paired. */
	c->unpaired =
	    st->has_host && !st->has_id && !st->has_tenant && !st->has_site && !st->has_areas;
	if (!st->has_id && !c->unpaired)
		cfg_error_noline(ctx, "device", "id", "required");
	if (!st->has_tenant && !c->unpaired)
		cfg_error_noline(ctx, "device", "tenant", "required");
	if (!st->has_site && !c->unpaired)
		cfg_error_noline(ctx, "device", "site", "required");
	if (!st->has_areas && !c->unpaired)
		cfg_error_noline(ctx, "device", "areas", "required (comma-separated area names)");
	if (!st->has_name && st->has_site)
		snprintf(c->site_name, sizeof c->site_name, "%s", c->site);
	mqttc_config_finish(ctx, &c->mqtt);
	if ((c->width != 0) != (c->height != 0))
		cfg_error_noline(ctx, "screen", "width", "width and height must be given together");
	for (int i = 0; i < c->nareas; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(c->areas[i], c->areas[j]))
				cfg_error_noline(ctx, "device", "areas", "'%s' listed twice",
				                 c->areas[i]);
	finish_audio(st, ctx);
	finish_screen(st, ctx);
	return r == 0 && ctx->nerrors == 0 ? 0 : -1;
}

int display_config_load(const char *path, struct display_config *out, struct cfg_ctx *errs)
{
	struct parse_state st = {.cfg = out};
	display_config_defaults(out);
	snprintf(out->path, sizeof out->path, "%s", path);
	int before = errs->nerrors;
	if (access(path, R_OK) != 0)
		return cfg_parse_file(errs, path, on_key, &st); /* reports why */
	int r = cfg_parse_file(errs, path, on_key, &st);
	cfg_file_hash(path, out->config_hash);
	(void)before;
	return finish(&st, errs, r);
}

int display_config_load_string(const char *name, const char *text, struct display_config *out,
                               struct cfg_ctx *errs)
{
	struct parse_state st = {.cfg = out};
	display_config_defaults(out);
	snprintf(out->path, sizeof out->path, "%s", name);
	int r = cfg_parse_string(errs, name, text, on_key, &st);
	return finish(&st, errs, r);
}

static double luminance(uint32_t c)
{
	double v[3];
	for (int i = 0; i < 3; i++) {
		double x = (double)((c >> (16 - 8 * i)) & 255) / 255.0;
		v[i] = x <= 0.03928 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

double display_contrast(uint32_t a, uint32_t b)
{
	double la = luminance(a), lb = luminance(b);
	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

int display_theme_warnings(const struct display_theme *t, char *out, size_t len)
{
	const struct {
		const char *what;
		uint32_t a, b;
	} pairs[] = {
	    {"foreground on background", t->foreground, t->background},
	    {"muted on background", t->muted, t->background},
	    {"background on highlight (the newest call)", t->background, t->highlight},
	    {"background on accent (the notice)", t->background, t->accent},
	};
	int n = 0;
	size_t used = 0;
	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		double c = display_contrast(pairs[i].a, pairs[i].b);
		if (c >= 4.5)
			continue;
		n++;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used,
			                         "%s[theme] %s: contrast %.1f:1 is below 4.5:1",
			                         n > 1 ? "\n" : "", pairs[i].what, c);
	}
	return n;
}

/* The display's configuration: one INI file, parsed into this struct.
 * Reload parses into a new struct and swaps it in only when valid. */
#ifndef CB_DISPLAY_CONFIG_H
#define CB_DISPLAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang.h"
#include "mqttc.h"
#include "proto.h"
#include "schedule.h"

#define DISPLAY_LANG_MAX         4
#define DISPLAY_SCRIPT_FONTS_MAX 4

struct audio_config {
	bool enabled;          /* [audio] enabled, default true */
	int volume;            /* [audio] volume 0-100, default 80 */
	int announce_window_s; /* [audio] announce_window, default 60 */
	int queue_max;         /* [audio] queue, default 5 */
	int nlanguages;        /* [audio] languages = da, en (default da) */
	char languages[DISPLAY_LANG_MAX][8];
	/* [audio] template_LANG: "{ticket}" and "{desk}" are replaced;
	 * {desk} is the desk label when set, else "<desk_word_LANG> N".
	 * Defaults for the shipped languages come from common/lang.c. */
	char templates[DISPLAY_LANG_MAX][256];
	char desk_words[DISPLAY_LANG_MAX][32];
	char agains[DISPLAY_LANG_MAX][32]; /* [audio] again_LANG: said for {again} of a recall */
	int repeat;                        /* [audio] repeat: say it 1-3 times, default 1 */
	int quiet_volume;   /* [audio] quiet_volume 0-100 in quiet hours; 0 (default): silent */
	char chime[4096];   /* [audio] chime: WAV path, "" = the audio module's default */
	char device[256];   /* [audio] device: SDL output name, "" = default */
	int speed;          /* [audio] speed: words per minute, default 150 */
	bool has_quiet;     /* [audio] quiet_hours = 22:00-07:00 */
	int quiet_from_min; /* minutes after midnight */
	int quiet_to_min;
};

/* Colours are 0xRRGGBB. */
struct display_theme {
	uint32_t background;  /* default 0x0b1a2b, deep navy */
	uint32_t foreground;  /* default 0xffffff */
	uint32_t accent;      /* header, frames; default 0x4fc3f7 */
	uint32_t highlight;   /* the newest call while highlighted; default 0xffd21f */
	uint32_t muted;       /* secondary text; default 0xb8c7d9 */
	char font[4096];      /* default DejaVuSans.ttf */
	char font_bold[4096]; /* default DejaVuSans-Bold.ttf */
	char logo[4096];      /* PNG shown in the header; "" = none */
	/* [theme] script_fonts / script_fonts_bold: fonts for the glyphs font
	 * lacks (Arabic, Hebrew), comma-separated; default Noto Sans Arabic and
	 * Hebrew (fonts-noto-core); a missing file is skipped. */
	int nscript_fonts[2];
	char script_fonts[2][DISPLAY_SCRIPT_FONTS_MAX][512];
};

enum display_closed_mode { DISPLAY_CLOSED_SCREEN, DISPLAY_CLOSED_BLACK };

struct display_config {
	char path[4096]; /* the file this was read from */
	char config_hash[17];

	/* [device] */
	/* Only [mqtt] host (and TLS) given, no identity: the screen shows a
	 * pairing code and gets id, tenant, site, areas and its broker account
	 * when paired (display/pairing.c keeps them in state_dir). */
	bool unpaired;
	char id[PROTO_NAME_MAX + 1];
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	int nareas;
	char areas[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
	char site_name[128]; /* header title, default the site id */
	/* where the last boards and notice are kept across restarts, default
	 * DISPLAY_STATE_DIR_DEFAULT (systemd's StateDirectory); "" keeps none */
	char state_dir[4096];

	/* [mqtt] */
	struct mqttc_config mqtt;

	/* [health] interval (seconds, default 30) */
	int health_interval_s;

	/* [screen], [theme], [hours]: see display/config.c */
	int rotate;  /* 0, 90, 180, 270 */
	int history; /* previous calls listed, default 6 */
	int highlight_s;
	int offline_after_s;
	int stale_board_max_age_s; /* a kept board older than this is not shown; default a day */
	int width, height;         /* [screen] width/height: window size; 0 = the output's */
	/* [screen] languages = da, en: the first language's words show, the
	 * others take turns every language_interval seconds (default 6). */
	int nscreen_langs;
	char screen_langs[DISPLAY_LANG_MAX][8];
	int language_interval_s;
	/* Each screen language's words: shipped (lang.c) or [words] KEY_LL. */
	char words[DISPLAY_LANG_MAX][LANG_WORD_COUNT][96];
	struct schedule hours;
	enum display_closed_mode closed_mode; /* [hours] closed_mode */
	char closed_text[256];                /* [hours] closed_text */

	struct display_theme theme;

	int queue_max_age_s; /* [queue] max_age: older figures are hidden; default 300 */

	/* [checkin] url: a QR code of it on the screen (hidden when closed);
	 * its caption is the screen languages' check_in_here word, which
	 * [checkin] caption_LL sets. enabled = false hides it. */
	bool checkin_enabled;
	char checkin_url[512];

	struct audio_config audio;
};

struct cfg_ctx;

#define DISPLAY_STATE_DIR_DEFAULT "/var/lib/callboard"
#define DISPLAY_FONT_DEFAULT      "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define DISPLAY_FONT_BOLD_DEFAULT "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define DISPLAY_NOTO              "/usr/share/fonts/truetype/noto/"

/* WCAG contrast ratio of two 0xRRGGBB colours (1 to 21). */
double display_contrast(uint32_t a, uint32_t b);
/* Write a line per theme colour pair below WCAG AA (4.5:1) into out
 * (newline-separated); returns how many. Low contrast is legal, not wise. */
int display_theme_warnings(const struct display_theme *t, char *out, size_t len);
/* Fill *a with the [audio] defaults: on, volume 80, window 60 s, queue 5,
 * Danish only, speed 150, no quiet hours, the audio module's chime. */
void audio_config_defaults(struct audio_config *a);
/* Every default; [device] id, tenant, site and areas are still required. */
void display_config_defaults(struct display_config *out);
/* Read path into *out (defaults first). 0 when valid; -1 with every problem
 * in errs (the caller frees errs with cfg_ctx_free). */
int display_config_load(const char *path, struct display_config *out, struct cfg_ctx *errs);
/* Same from a string (name is used as the path in errors); for tests. */
int display_config_load_string(const char *name, const char *text, struct display_config *out,
                               struct cfg_ctx *errs);

#endif

/* The display config: table of good and bad files, each error's text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgparse.h"
#include "config.h"

#define MIN "[device]\nid = d1\ntenant = aarhus\nsite = dokk1\nareas = main, pas\n"

static int load(const char *text, struct display_config *c, char *first, size_t len)
{
	struct cfg_ctx errs = {0};
	int r = display_config_load_string("t.ini", text, c, &errs);
	first[0] = '\0';
	if (errs.nerrors)
		snprintf(first, len, "%s", errs.errors[0]);
	int n = errs.nerrors;
	cfg_ctx_free(&errs);
	return r == 0 ? 0 : n;
}

static void test_minimal_defaults(void **state)
{
	struct display_config *c = malloc(sizeof *c);
	char e[512];
	assert_int_equal(load(MIN, c, e, sizeof e), 0);
	assert_string_equal(c->id, "d1");
	assert_int_equal(c->nareas, 2);
	assert_string_equal(c->areas[1], "pas");
	assert_string_equal(c->site_name, "dokk1");
	assert_int_equal(c->mqtt.port, 1883);
	assert_int_equal(c->mqtt.keepalive, 30);
	assert_int_equal(c->history, 6);
	assert_int_equal(c->highlight_s, 10);
	assert_int_equal(c->offline_after_s, 10);
	assert_int_equal(c->stale_board_max_age_s, 86400);
	assert_string_equal(c->state_dir, DISPLAY_STATE_DIR_DEFAULT);
	assert_int_equal(c->rotate, 0);
	assert_int_equal(c->theme.background, 0x0b1a2b);
	assert_string_equal(c->theme.font, DISPLAY_FONT_DEFAULT);
	assert_true(c->audio.enabled);
	assert_int_equal(c->audio.nlanguages, 1);
	assert_string_equal(c->audio.templates[0], "Nummer {ticket}{again}, {desk}");
	free(c);
}

static void test_full(void **state)
{
	struct display_config *c = malloc(sizeof *c);
	char e[512];
	const char *text =
	    MIN "name = Borgerservice Dokk1\nstate_dir = /srv/callboard\n"
	        "[mqtt]\nhost = broker.local\nkeepalive = 15\nusername = u\npassword = p\n"
	        "cafile = /etc/ca.pem\ncertfile = /etc/c.pem\nkeyfile = /etc/k.pem\n"
	        "[screen]\nrotate = 270\nhistory = 4\nhighlight = 12\noffline_after = 20\n"
	        "width = 1280\nheight = 720\nstale_board_max_age = 600\n"
	        "[theme]\nbackground = #000000\naccent = 00ff00\nlogo = /x.png\n"
	        "[hours]\nmon = 08:00-16:00\nsun = closed\n2026-12-24 = closed\n"
	        "2026-12-23 = 10:00-13:00\nclosed_mode = black\nclosed_text = Lukket\n"
	        "[health]\ninterval = 60\n"
	        "[audio]\nenabled = no\nvolume = 40\nlanguages = en, da\n"
	        "template_en = Ticket {ticket} to {desk}\ndesk_word_da = bord\n"
	        "quiet_hours = 22:00-07:00\nspeed = 170\nqueue = 3\nannounce_window = 30\n";
	assert_int_equal(load(text, c, e, sizeof e), 0);
	assert_string_equal(c->site_name, "Borgerservice Dokk1");
	assert_int_equal(c->mqtt.port, 8883); /* TLS default */
	assert_int_equal(c->rotate, 270);
	assert_int_equal(c->width, 1280);
	assert_int_equal(c->stale_board_max_age_s, 600);
	assert_string_equal(c->state_dir, "/srv/callboard");
	assert_int_equal(c->theme.accent, 0x00ff00);
	assert_true(c->hours.week[0].closed);
	assert_int_equal(c->hours.nexceptions, 2);
	assert_int_equal(c->closed_mode, DISPLAY_CLOSED_BLACK);
	assert_int_equal(c->health_interval_s, 60);
	assert_false(c->audio.enabled);
	assert_string_equal(c->audio.languages[0], "en");
	assert_string_equal(c->audio.templates[0], "Ticket {ticket} to {desk}");
	assert_string_equal(c->audio.desk_words[0], "desk");
	assert_string_equal(c->audio.templates[1], "Nummer {ticket}{again}, {desk}");
	assert_string_equal(c->audio.desk_words[1], "bord");
	assert_true(c->audio.has_quiet);
	assert_int_equal(c->audio.quiet_from_min, 22 * 60);
	free(c);
}

/* A shipped language needs no template: lang.c has its words. */
static void test_shipped_languages(void **state)
{
	struct display_config *c = malloc(sizeof *c);
	char e[512];
	assert_int_equal(
	    load(MIN "[audio]\nlanguages = da, de, nb\ndesk_word_nb = luke\n", c, e, sizeof e), 0);
	assert_int_equal(c->audio.nlanguages, 3);
	assert_string_equal(c->audio.templates[1], "Nummer {ticket}{again}, {desk}");
	assert_string_equal(c->audio.desk_words[1], "Schalter");
	assert_string_equal(c->audio.desk_words[2], "luke");
	assert_string_equal(c->closed_text, "Vi har lukket");
	free(c);
}

/* [screen] languages take their words from lang.c; [words] adds a
 * language without a row, or changes a word. */
static void test_screen_languages(void **state)
{
	struct display_config *c = malloc(sizeof *c);
	char e[512];
	assert_int_equal(load(MIN "[screen]\nlanguages = da, en, so\nlanguage_interval = 8\n"
	                          "[words]\nnewest_call_so = Wicitaankii ugu dambeeyay\n"
	                          "previous_calls_so = Wicitaannadii hore\ndesk_so = Miiska\n"
	                          "closed_so = Waan xiran nahay\nopens_at_so = wuxuu furmayaa\n"
	                          "no_connection_so = Xiriir ma jiro\nwaiting_so = sugaya\n"
	                          "expected_wait_so = Sugitaanka la filayo\n"
	                          "check_in_here_so = Halkan iska diiwaan geli\n"
	                          "called_again_so = Mar kale\nnow_so = HADDA\nminutes_so = daq\n"
	                          "welcome_so = Soo dhawoow\nwelcome_note_so = Lambarkaaga\n"
	                          "not_confirmed_so = Lama xaqiijin\n"
	                          "desk_en = Counter\n"
	                          "[audio]\nlanguages = da, en\nrepeat = 2\nquiet_volume = 30\n"
	                          "again_en = once more\n"
	                          "[checkin]\nurl = https://aarhus.dk/tjek-ind?s=dokk1\n"
	                          "caption_da = Tjek ind med din telefon\n",
	                      c, e, sizeof e),
	                 0);
	assert_int_equal(c->nscreen_langs, 3);
	assert_int_equal(c->language_interval_s, 8);
	assert_int_equal(c->queue_max_age_s, 300);
	assert_true(c->checkin_enabled);
	assert_string_equal(c->checkin_url, "https://aarhus.dk/tjek-ind?s=dokk1");
	assert_string_equal(c->words[0][LANG_CHECK_IN_HERE], "Tjek ind med din telefon");
	assert_string_equal(c->words[1][LANG_CHECK_IN_HERE], "Check in here");
	assert_string_equal(c->words[0][LANG_NEWEST_CALL], "Nyeste kald");
	assert_string_equal(c->words[1][LANG_NEWEST_CALL], "Newest call");
	assert_string_equal(c->words[1][LANG_DESK], "Counter");
	assert_string_equal(c->words[2][LANG_DESK], "Miiska");
	assert_int_equal(c->audio.repeat, 2);
	assert_int_equal(c->audio.quiet_volume, 30);
	assert_string_equal(c->audio.agains[0], "igen");
	assert_string_equal(c->audio.agains[1], "once more");
	free(c);
}

/* Only a broker address: a screen waiting to be paired. Half an identity
 * is still an error. */
static void test_unpaired(void **state)
{
	struct display_config *c = malloc(sizeof *c);
	char e[512];
	assert_int_equal(load("[mqtt]\nhost = 192.0.2.1\n", c, e, sizeof e), 0);
	assert_true(c->unpaired);
	assert_string_equal(c->id, "");
	assert_int_equal(load(MIN, c, e, sizeof e), 0);
	assert_false(c->unpaired);
	assert_int_equal(load("[mqtt]\nhost = 192.0.2.1\n[device]\nid = d1\n", c, e, sizeof e), 3);
	assert_string_equal(e, "t.ini: [device] tenant: required");
	free(c);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* the first error */
	} cases[] = {
	    {"", "t.ini: [device] id: required"},
	    {MIN "colour = red\n", "t.ini:6: [device] colour: red: unknown key"},
	    {MIN "[screen]\nrotate = 45\n",
	     "t.ini:7: [screen] rotate: 45: expected one of: 0, 90, 180, 270"},
	    {MIN "[screen]\nhistory = many\n",
	     "t.ini:7: [screen] history: many: not a whole number"},
	    {MIN "[screen]\nhistory = 99\n",
	     "t.ini:7: [screen] history: 99: must be between 0 and 20"},
	    {MIN "[theme]\nbackground = blue\n",
	     "t.ini:7: [theme] background: blue: expected a colour as #RRGGBB"},
	    {MIN "[hours]\nmon = 8-16\n",
	     "t.ini:7: [hours] mon: 8-16: expected HH:MM-HH:MM or closed"},
	    {MIN "[hours]\n2026-02-30 = closed\n",
	     "t.ini:7: [hours] 2026-02-30: closed: expected a date as YYYY-MM-DD"},
	    {MIN "[hours]\nclosed_mode = off\n",
	     "t.ini:7: [hours] closed_mode: off: expected one of: screen, black"},
	    {MIN "[mqtt]\nport = 0\n", "t.ini:7: [mqtt] port: 0: must be between 1 and 65535"},
	    {MIN "[mqtt]\ncertfile = /c.pem\n",
	     "t.ini: [mqtt] keyfile: required when certfile is set"},
	    {MIN "[printer]\nx = 1\n",
	     "t.ini:7: [printer] x: 1: unknown section (expected device, "
	     "mqtt, screen, theme, hours, health, audio, words, queue or checkin)"},
	    {"[device]\nid = D1\n",
	     "t.ini:2: [device] id: D1: must match [a-z0-9][a-z0-9-]{0,62} (lower-case letters, "
	     "digits, '-')"},
	    {MIN "[audio]\nlanguages = da, fr\n",
	     "t.ini: [audio] languages: no template_fr for language 'fr'"},
	    {MIN "[audio]\ntemplate_en = Number {ticket}\n",
	     "t.ini:7: [audio] languages: a template or desk word is set for 'en', which is not "
	     "in languages"},
	    {MIN "[audio]\ntemplate_da = Nummer\n",
	     "t.ini:7: [audio] template_da: Nummer: must contain {ticket}"},
	    {MIN "[audio]\nvolume = 101\n",
	     "t.ini:7: [audio] volume: 101: must be between 0 and 100"},
	    {MIN "[audio]\nquiet_hours = late\n",
	     "t.ini:7: [audio] quiet_hours: late: expected HH:MM-HH:MM or none"},
	    {MIN "[screen]\nstale_board_max_age = -1\n",
	     "t.ini:7: [screen] stale_board_max_age: -1: must be between 0 and 2592000"},
	    {MIN "[screen]\nwidth = 1280\n",
	     "t.ini: [screen] width: width and height must be given together"},
	    {"[device]\nid = d\ntenant = t\nsite = s\nareas = a, a\n",
	     "t.ini: [device] areas: 'a' listed twice"},
	    {MIN "[screen]\nlanguages = da, xx\n",
	     "t.ini: [screen] languages: no [words] newest_call_xx for 'xx'"},
	    {MIN "[screen]\nlanguages = da, da\n",
	     "t.ini:7: [screen] languages: da, da: 'da' listed twice"},
	    {MIN "[words]\nnewest_call_en = Latest\n",
	     "t.ini:7: [words] en: words are set for 'en', which is not in [screen] languages"},
	    {MIN "[words]\nnewest_en = Latest\n",
	     "t.ini:7: [words] newest_en: Latest: unknown key (expected WORD_LL, WORD one of "
	     "newest_call, previous_calls, desk, closed, opens_at, no_connection, waiting, "
	     "expected_wait, check_in_here, called_again, now, minutes, welcome, welcome_note)"},
	    {MIN "[audio]\nrepeat = 4\n", "t.ini:7: [audio] repeat: 4: must be between 1 and 3"},
	    {MIN "[queue]\nmax_age = 5\n",
	     "t.ini:7: [queue] max_age: 5: must be between 30 and 86400"},
	    {MIN "[queue]\nage = 50\n", "t.ini:7: [queue] age: 50: unknown key"},
	    {MIN "[checkin]\nurl = ftp://x\n", "t.ini:7: [checkin] url: ftp://x: expected an "
	                                       "http:// or https:// link without spaces"},
	    {MIN "[checkin]\ncaption = Hi\n",
	     "t.ini:7: [checkin] caption: Hi: unknown key (expected enabled, url or caption_LL)"},
	    {MIN "[checkin]\ncaption_en = Hi\n",
	     "t.ini:7: [words] en: words are set for 'en', which is not in [screen] languages"},
	    {MIN "[health]\ninterval = 1\n",
	     "t.ini:7: [health] interval: 1: must be between 5 and 3600"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct display_config *c = malloc(sizeof *c);
		char e[512];
		int n = load(cases[i].text, c, e, sizeof e);
		if (n == 0 || strcmp(e, cases[i].want))
			fail_msg("case %zu: got %d errors, first '%s', want '%s'", i, n, e,
			         cases[i].want);
		free(c);
	}
}

static void test_every_error_reported(void **state)
{
	struct display_config *c = malloc(sizeof *c);
	char e[512];
	int n = load("[device]\nid = d1\nbogus = 1\n[screen]\nrotate = 1\nhistory = -1\n", c, e,
	             sizeof e);
	/* bogus, rotate, history, tenant, site, areas */
	assert_int_equal(n, 6);
	free(c);
}

static void test_contrast(void **state)
{
	assert_true(fabs(display_contrast(0xffffff, 0x000000) - 21.0) < 0.01);
	assert_true(fabs(display_contrast(0x777777, 0x777777) - 1.0) < 0.01);
	struct display_config *c = malloc(sizeof *c);
	display_config_defaults(c);
	char w[512];
	/* The default theme passes AAA (7:1) for every text pair. */
	assert_int_equal(display_theme_warnings(&c->theme, w, sizeof w), 0);
	assert_true(display_contrast(c->theme.foreground, c->theme.background) >= 7);
	assert_true(display_contrast(c->theme.muted, c->theme.background) >= 7);
	assert_true(display_contrast(c->theme.background, c->theme.highlight) >= 7);
	assert_true(display_contrast(c->theme.background, c->theme.accent) >= 7);
	c->theme.muted = 0x404040;
	assert_int_equal(display_theme_warnings(&c->theme, w, sizeof w), 1);
	assert_non_null(strstr(w, "[theme] muted on background: contrast"));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal_defaults), cmocka_unit_test(test_full),
	    cmocka_unit_test(test_errors),           cmocka_unit_test(test_every_error_reported),
	    cmocka_unit_test(test_contrast),         cmocka_unit_test(test_shipped_languages),
	    cmocka_unit_test(test_screen_languages), cmocka_unit_test(test_unpaired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

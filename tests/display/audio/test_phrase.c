/* Phrase builder: a table of calls and the SSML each language gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audio_config.h"
#include "lang.h"
#include "phrase.h"

#define SA(x) "<say-as interpret-as=\"characters\">" x "</say-as>"

struct row {
	const char *lang, *ticket, *desk, *label, *want;
};

static const struct row rows[] = {
    {"da", "A042", "3", "", "Nummer " SA("A") " 42, skranke 3"},
    {"da", "A42", "3", "", "Nummer " SA("A") " 42, skranke 3"},
    {"da", "B7", "12", "", "Nummer " SA("B") " 7, skranke 12"},
    {"da", "AB105", "3", "", "Nummer " SA("AB") " 105, skranke 3"},
    {"da", "0", "1", "", "Nummer 0, skranke 1"},
    {"da", "000", "1", "", "Nummer 0, skranke 1"},
    {"da", "100", "1", "", "Nummer 100, skranke 1"},
    {"da", "A001", "3", "", "Nummer " SA("A") " 1, skranke 3"},
    {"da", "A0B07", "3", "", "Nummer " SA("A") " 0 " SA("B") " 7, skranke 3"},
    {"da", "ABC", "3", "", "Nummer " SA("ABC") ", skranke 3"},
    {"da", "A042", "03", "", "Nummer " SA("A") " 42, skranke 3"},
    {"da", "A042", "3", "Skranke 3", "Nummer " SA("A") " 42, skranke 3"},
    {"da", "A042", "7", "Ærø-skranken 7", "Nummer " SA("A") " 42, ærø-skranken 7"},
    {"da", "A042", "7", "Øst 2", "Nummer " SA("A") " 42, øst 2"},
    {"da", "A042", "7", "Åben skranke", "Nummer " SA("A") " 42, åben skranke"},
    {"da", "A042", "7", "Kørekort & pas", "Nummer " SA("A") " 42, kørekort &amp; pas"},
    {"da", "A042", "7", "ID <3>", "Nummer " SA("A") " 42, ID &lt;3&gt;"},
    {"da", "A042", "7", "Rum \"B\"", "Nummer " SA("A") " 42, rum &quot;B&quot;"},
    {"en", "A042", "3", "", "Number " SA("A") " 42, desk 3"},
    {"en", "AB105", "12", "", "Number " SA("AB") " 105, desk 12"},
    {"en", "A042", "3", "Desk 3", "Number " SA("A") " 42, desk 3"},
    {"de", "A042", "3", "", "Nummer " SA("A") " 42, Schalter 3"},
    {"sv", "A042", "3", "", "Nummer " SA("A") " 42, disk 3"},
    {"nb", "A042", "3", "", "Nummer " SA("A") " 42, skranke 3"},
    {"pl", "A042", "3", "", "Numer " SA("A") " 42, stanowisko 3"},
    {"uk", "A042", "3", "", "Номер а 42, вікно 3"},
    {"uk", "WB7", "12", "", "Номер дубль-ве бе 7, вікно 12"},
    {"tr", "C105", "3", "", "Numara " SA("C") " 105, gişe 3"},
    {"ar", "A042", "3", "", "الرقم " SA("A") " 42، الشباك 3"},
    {"ar", "B7", "3", "Skranke 3", "الرقم " SA("B") " 7، skranke 3"},
};

/* A recall says so, in each language. */
static const struct row recalls[] = {
    {"da", "A042", "3", "", "Nummer " SA("A") " 42 igen, skranke 3"},
    {"en", "A042", "3", "", "Number " SA("A") " 42 again, desk 3"},
    {"de", "A042", "3", "", "Nummer " SA("A") " 42 noch einmal, Schalter 3"},
    {"sv", "A042", "3", "", "Nummer " SA("A") " 42 igen, disk 3"},
    {"nb", "A042", "3", "", "Nummer " SA("A") " 42 igjen, skranke 3"},
    {"pl", "A042", "3", "", "Numer " SA("A") " 42 ponownie, stanowisko 3"},
    {"uk", "A042", "3", "", "Номер а 42 ще раз, вікно 3"},
    {"tr", "A042", "3", "", "Numara " SA("A") " 42 tekrar, gişe 3"},
    {"ar", "A042", "3", "", "الرقم " SA("A") " 42 مرة أخرى، الشباك 3"},
};

static struct proto_call mkcall(const char *ticket, const char *desk, const char *label)
{
	struct proto_call c = {0};
	snprintf(c.ticket, sizeof(c.ticket), "%s", ticket);
	snprintf(c.desk, sizeof(c.desk), "%s", desk);
	snprintf(c.desk_label, sizeof(c.desk_label), "%s", label);
	return c;
}

static void check_rows(const struct row *rows_, size_t n, enum proto_call_kind kind)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows_[i];
		const struct lang *l = lang_find(r->lang);
		assert_non_null(l);
		struct proto_call c = mkcall(r->ticket, r->desk, r->label);
		c.kind = kind;
		struct phrase_lang pl = {l->tmpl, l->desk_word, l->again, l};
		char out[PHRASE_MAX];
		assert_int_equal(phrase_build_lang(out, sizeof(out), &pl, &c), 0);
		if (strcmp(out, r->want) != 0)
			fail_msg("row %zu: got '%s', want '%s'", i, out, r->want);
	}
}

static void test_table(void **state)
{
	check_rows(rows, sizeof(rows) / sizeof(rows[0]), PROTO_KIND_CALL);
	check_rows(recalls, sizeof(recalls) / sizeof(recalls[0]), PROTO_KIND_RECALL);
	/* Every shipped language has its line in both tables. */
	for (int i = 0; i < lang_count(); i++) {
		bool in_rows = false, in_recalls = false;
		for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
			in_rows |= !strcmp(rows[k].lang, lang_at(i)->code);
		for (size_t k = 0; k < sizeof(recalls) / sizeof(recalls[0]); k++)
			in_recalls |= !strcmp(recalls[k].lang, lang_at(i)->code);
		if (!in_rows || !in_recalls)
			fail_msg("%s: no phrase rows", lang_at(i)->code);
	}
}

/* The citizen's language first, then the site's, the whole said repeat
 * times. */
static void test_call_parts(void **state)
{
	struct audio_config cfg;
	static const char *const langs[] = {"da", "en"};
	audio_config_defaults(&cfg);
	assert_true(audio_config_set_languages(&cfg, langs, 2));
	struct proto_call c = mkcall("A042", "3", "");
	struct audio_part parts[AUDIO_PARTS_MAX];
	static const struct {
		const char *lang;
		int repeat;
		const char *want; /* the parts' languages */
	} cases[] = {
	    {"", 1, "da en"},   {"uk", 1, "uk da en"},          {"en", 1, "en da"},
	    {"fr", 1, "da en"}, {"ar", 2, "ar da en ar da en"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(c.lang, sizeof(c.lang), "%s", cases[i].lang);
		cfg.repeat = cases[i].repeat;
		int n = audio_call_parts(&cfg, &c, parts);
		char got[64] = "";
		for (int k = 0; k < n; k++) {
			strcat(got, k ? " " : "");
			strcat(got, parts[k].lang);
			char out[PHRASE_MAX];
			assert_int_equal(phrase_build_lang(out, sizeof(out), &parts[k].pl, &c), 0);
		}
		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, got, cases[i].want);
	}
	/* The most there can be. */
	static const char *const four[] = {"da", "en", "de", "sv"};
	assert_true(audio_config_set_languages(&cfg, four, 4));
	cfg.repeat = AUDIO_REPEAT_MAX;
	snprintf(c.lang, sizeof(c.lang), "uk");
	assert_int_equal(audio_call_parts(&cfg, &c, parts), AUDIO_PARTS_MAX);
}

/* Every language the defaults configure gets a phrase with the ticket. */
static void test_every_configured_language(void **state)
{
	struct audio_config cfg;
	static const char *const langs[] = {"da", "en", "de", "sv"};
	audio_config_defaults(&cfg);
	assert_int_equal(cfg.nlanguages, 1);
	assert_string_equal(cfg.languages[0], "da");
	assert_true(audio_config_set_languages(&cfg, langs, 4));
	struct proto_call c = mkcall("A042", "3", "");
	for (int k = 0; k < cfg.nlanguages; k++) {
		char out[PHRASE_MAX];
		assert_int_equal(
		    phrase_build(out, sizeof(out), cfg.templates[k], cfg.desk_words[k], &c), 0);
		assert_non_null(strstr(out, SA("A") " 42"));
	}
	static const char *const bad[] = {"xx"};
	assert_false(audio_config_set_languages(&cfg, bad, 1));
	assert_int_equal(cfg.nlanguages, 4);
}

static void test_custom_template(void **state)
{
	struct proto_call c = mkcall("C9", "5", "");
	char out[PHRASE_MAX];
	assert_int_equal(phrase_build(out, sizeof(out), "{desk}: <{ticket}> & {x}", "Skranke", &c),
	                 0);
	/* {desk} at the start keeps its capital; unknown {x} is text. */
	assert_string_equal(out, "Skranke 5: &lt;" SA("C") " 9&gt; &amp; {x}");
	assert_int_equal(phrase_build(out, sizeof(out), "{ticket}{ticket}", "", &c), 0);
	assert_string_equal(out, SA("C") " 9" SA("C") " 9");
}

static void test_too_long(void **state)
{
	struct proto_call c = mkcall("AB105", "3", "");
	char out[40];
	assert_int_equal(phrase_build(out, sizeof(out), "Nummer {ticket}, {desk}", "skranke", &c),
	                 -1);
	assert_true(strlen(out) < sizeof(out));
	assert_int_equal(phrase_build(out, 0, "x", "", &c), -1);
}

static void test_template_check(void **state)
{
	assert_null(audio_template_check("Nummer {ticket}, {desk}"));
	assert_null(audio_template_check("{ticket}"));
	assert_null(audio_template_check("Nummer {ticket}{again}, {desk}"));
	assert_non_null(audio_template_check("Nummer {desk}"));
	assert_non_null(audio_template_check("Nummer {ticket} {skranke}"));
	assert_non_null(audio_template_check("Nummer <b>{ticket}</b>"));
	assert_non_null(audio_template_check(""));
}

static void test_quiet_hours(void **state)
{
	struct audio_config cfg;
	audio_config_defaults(&cfg);
	assert_false(audio_quiet_now(&cfg, 23 * 60));
	cfg.has_quiet = true;
	cfg.quiet_from_min = 22 * 60; /* 22:00-07:00 */
	cfg.quiet_to_min = 7 * 60;
	assert_true(audio_quiet_now(&cfg, 22 * 60));
	assert_true(audio_quiet_now(&cfg, 0));
	assert_true(audio_quiet_now(&cfg, 7 * 60 - 1));
	assert_false(audio_quiet_now(&cfg, 7 * 60));
	assert_false(audio_quiet_now(&cfg, 12 * 60));
	cfg.quiet_from_min = 12 * 60; /* 12:00-13:00 lunch */
	cfg.quiet_to_min = 13 * 60;
	assert_true(audio_quiet_now(&cfg, 12 * 60 + 30));
	assert_false(audio_quiet_now(&cfg, 13 * 60));
	assert_false(audio_quiet_now(&cfg, 11 * 60));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_call_parts),
	    cmocka_unit_test(test_every_configured_language),
	    cmocka_unit_test(test_custom_template),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_quiet_hours),
	    cmocka_unit_test(test_template_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

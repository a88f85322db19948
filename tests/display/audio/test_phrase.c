/* Phrase builder: a table of calls and the SSML each language gets. */
#include <setjmp.h>
#include <stdarg.h>
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
};

static struct proto_call mkcall(const char *ticket, const char *desk, const char *label)
{
	struct proto_call c = {0};
	snprintf(c.ticket, sizeof(c.ticket), "%s", ticket);
	snprintf(c.desk, sizeof(c.desk), "%s", desk);
	snprintf(c.desk_label, sizeof(c.desk_label), "%s", label);
	return c;
}

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		const struct lang *l = lang_find(r->lang);
		assert_non_null(l);
		struct proto_call c = mkcall(r->ticket, r->desk, r->label);
		char out[PHRASE_MAX];
		assert_int_equal(phrase_build(out, sizeof(out), l->tmpl, l->desk_word, &c), 0);
		if (strcmp(out, r->want) != 0)
			fail_msg("row %zu: got '%s', want '%s'", i, out, r->want);
	}
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
	    cmocka_unit_test(test_every_configured_language),
	    cmocka_unit_test(test_custom_template),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_quiet_hours),
	    cmocka_unit_test(test_template_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The language table: every shipped language, exactly as spoken today, and
 * the screen words where they exist. A new language adds a line here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lang.h"

static const struct {
	const char *code, *voice, *tmpl, *desk_word, *again;
	bool rtl;
} want[] = {
    {"da", "da", "Nummer {ticket}{again}, {desk}", "skranke", "igen", false},
    {"en", "en", "Number {ticket}{again}, {desk}", "desk", "again", false},
    {"de", "de", "Nummer {ticket}{again}, {desk}", "Schalter", "noch einmal", false},
    {"sv", "sv", "Nummer {ticket}{again}, {desk}", "disk", "igen", false},
    {"nb", "nb", "Nummer {ticket}{again}, {desk}", "skranke", "igjen", false},
    {"pl", "pl", "Numer {ticket}{again}, {desk}", "stanowisko", "ponownie", false},
    {"uk", "uk", "Номер {ticket}{again}, {desk}", "вікно", "ще раз", false},
    {"tr", "tr", "Numara {ticket}{again}, {desk}", "gişe", "tekrar", false},
    {"ar", "ar", "الرقم {ticket}{again}، {desk}", "الشباك", "مرة أخرى", true},
};

static void test_table(void **state)
{
	size_t n = sizeof want / sizeof want[0];
	assert_int_equal(lang_count(), (int)n);
	for (size_t i = 0; i < n; i++) {
		const struct lang *l = lang_find(want[i].code);
		assert_non_null(l);
		assert_ptr_equal(l, lang_at((int)i));
		assert_string_equal(l->voice, want[i].voice);
		assert_string_equal(l->tmpl, want[i].tmpl);
		assert_string_equal(l->desk_word, want[i].desk_word);
		assert_string_equal(l->again, want[i].again);
		assert_int_equal(l->rtl, want[i].rtl);
		for (int w = 0; w < LANG_WORD_COUNT; w++)
			if (!l->words[w] || !l->words[w][0])
				fail_msg("%s: on-screen word %s missing", l->code,
				         lang_word_key(w));
	}
	assert_null(lang_at((int)n));
	assert_null(lang_at(-1));
}

static void test_lookup(void **state)
{
	assert_null(lang_find("fr"));
	assert_null(lang_find(""));
	assert_string_equal(lang_voice("da"), "da");
	assert_string_equal(lang_voice("fr"), "fr"); /* configured with its own template */
	/* The screen's Danish, as the renderer writes it today. */
	assert_string_equal(lang_find("da")->words[LANG_NEWEST_CALL], "Nyeste kald");
	assert_string_equal(lang_find("da")->words[LANG_CLOSED], "Vi har lukket");
	assert_string_equal(lang_find("en")->words[LANG_PREVIOUS_CALLS], "Previous calls");
}

static void test_word_keys(void **state)
{
	for (int w = 0; w < LANG_WORD_COUNT; w++) {
		assert_non_null(lang_word_key(w));
		assert_int_equal(lang_word_from_key(lang_word_key(w)), w);
	}
	assert_int_equal(lang_word_from_key("check_in_here"), LANG_CHECK_IN_HERE);
	assert_int_equal(lang_word_from_key("nope"), -1);
	assert_null(lang_word_key(LANG_WORD_COUNT));
}

static void test_letter_names(void **state)
{
	char name[32];
	const struct lang *uk = lang_find("uk");
	assert_true(lang_letter_name(uk, 'A', name, sizeof name));
	assert_string_equal(name, "а");
	assert_true(lang_letter_name(uk, 'b', name, sizeof name));
	assert_string_equal(name, "бе");
	assert_true(lang_letter_name(uk, 'W', name, sizeof name));
	assert_string_equal(name, "дубль-ве");
	assert_true(lang_letter_name(uk, 'Z', name, sizeof name));
	assert_string_equal(name, "зет");
	assert_false(lang_letter_name(uk, '4', name, sizeof name));
	assert_false(lang_letter_name(lang_find("da"), 'A', name, sizeof name));
	assert_false(lang_letter_name(uk, 'W', name, 4)); /* does not fit */
	/* A table has exactly 26 names. */
	for (int i = 0; i < lang_count(); i++) {
		const char *t = lang_at(i)->letters;
		int spaces = 0;
		for (; t && *t; t++)
			spaces += *t == ' ';
		assert_true(!lang_at(i)->letters || spaces == 25);
	}
}

static void test_order(void **state)
{
	static const char codes[][8] = {"da", "en"};
	int out[3];
	assert_int_equal(lang_order("", codes, 2, out), 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	assert_int_equal(lang_order("en", codes, 2, out), 2);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0);
	assert_int_equal(lang_order("uk", codes, 2, out), 3);
	assert_int_equal(out[0], LANG_OWN_SHIPPED);
	assert_int_equal(out[1], 0);
	assert_int_equal(lang_order("fr", codes, 2, out), 2); /* not shipped, not configured */
	assert_int_equal(out[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),     cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_word_keys), cmocka_unit_test(test_letter_names),
	    cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

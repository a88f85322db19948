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
	const char *code, *voice, *tmpl, *desk_word;
	bool screen; /* has every on-screen word */
} want[] = {
    {"da", "da", "Nummer {ticket}, {desk}", "skranke", true},
    {"en", "en", "Number {ticket}, {desk}", "desk", true},
    {"de", "de", "Nummer {ticket}, {desk}", "Schalter", false},
    {"sv", "sv", "Nummer {ticket}, {desk}", "disk", false},
    {"nb", "nb", "Nummer {ticket}, {desk}", "skranke", false},
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
		const char *const screen[] = {l->newest_call, l->previous_calls, l->desk,
		                              l->closed,      l->opens_at,       l->no_connection,
		                              l->waiting,     l->expected_wait,  l->check_in_here};
		for (size_t w = 0; want[i].screen && w < sizeof screen / sizeof screen[0]; w++)
			if (!screen[w] || !screen[w][0])
				fail_msg("%s: on-screen word %zu missing", l->code, w);
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
	assert_string_equal(lang_find("da")->newest_call, "Nyeste kald");
	assert_string_equal(lang_find("da")->closed, "Vi har lukket");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The one entity table: the characters markup reserves, and those it does
 * not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "markup.h"

static void test_entities(void **state)
{
	(void)state;
	assert_string_equal(markup_entity('&'), "&amp;");
	assert_string_equal(markup_entity('<'), "&lt;");
	assert_string_equal(markup_entity('>'), "&gt;");
	assert_string_equal(markup_entity('"'), "&quot;");
	static const char plain[] = "Aa0 -_/'\xc3\xa6";
	for (const char *p = plain; *p; p++)
		assert_null(markup_entity(*p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The personal-data detector: a table of free texts and the kind each must
 * be taken for (PII_NONE: harmless). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pii.h"

static const struct {
	const char *text;
	enum pii_kind want;
} rows[] = {
    /* what a screen is for */
    {"", PII_NONE},
    {"Skranke 3", PII_NONE},
    {"Pas og kørekort", PII_NONE},
    {"A042", PII_NONE},
    {"AB105", PII_NONE},
    {"Vi lukker kl. 15 i dag. Husk at trække et nummer inden 14.45.", PII_NONE},
    {"Åbent 10:15-14:30", PII_NONE},
    {"Åbent 08.00 - 15.30, torsdag til 17.30", PII_NONE},
    {"Lokale 2.104, 1. sal", PII_NONE},
    {"Sundhedskort 2026", PII_NONE},
    {"Nummer 1000 til 1999", PII_NONE},
    {"Gebyr 1.234,50 kr.", PII_NONE},
    {"Ring 1-2-3", PII_NONE},
    {"Desk 12", PII_NONE},
    {"mail@", PII_NONE},
    {"@home", PII_NONE},
    {"a@b", PII_NONE},
    {"Følg os @aarhuskommune", PII_NONE},
    {"Sag 12345", PII_NONE},
    {"0123456", PII_NONE},
    {"123456789012", PII_NONE},      /* too long for either */
    {"Billet 3213991234", PII_NONE}, /* day 32: no date */
    {"Billet 0113991234", PII_NONE}, /* month 13 */
    {"Billet 3002991234", PII_NONE}, /* 30 February */
    {"Sagsnr. 1234-5678", PII_NONE}, /* a Danish number starts 2-9 */
    {"Ring 12345678", PII_NONE},
    {"Sæson 2025-2026", PII_NONE},
    {"Sæson 2025 2026", PII_NONE},
    {"Kø 4-6 og 8-9", PII_NONE},
    {"Lukket 24-12-2026", PII_NONE},
    {"Lukket 2026-12-24", PII_NONE},
    {"Lukket 24 12 2026", PII_NONE},
    {"Lukket 24.12.2026 kl. 12.00", PII_NONE},
    {"08:00-16:00", PII_NONE},
    {"25 % rabat +25", PII_NONE},
    {"Pris: 2.500,00 kr", PII_NONE},
    {"+4", PII_NONE},
    {"+45", PII_NONE},
    {"Tlf. +45 12", PII_NONE},
    /* CPR numbers */
    {"Jens Hansen 010101-1234", PII_CPR},
    {"0101011234", PII_CPR},
    {"010101-1234", PII_CPR},
    {"010101 1234", PII_CPR},
    {"cpr:311299-4321!", PII_CPR},
    {"290200-1234", PII_CPR},
    {"Skranke 3 (150785-2231)", PII_CPR},
    /* e-mail addresses */
    {"jens@example.dk", PII_EMAIL},
    {"Skriv til Jens.Hansen+pas@aarhus.kommune.dk", PII_EMAIL},
    {"x_y-z@sub.example.org.", PII_EMAIL},
    {"mail: a@b.co", PII_EMAIL},
    /* phone numbers */
    {"Ring 22345678", PII_PHONE},
    {"Ring 22 34 56 78", PII_PHONE},
    {"Ring 2234 5678", PII_PHONE},
    {"Ring 42-34-56-78", PII_PHONE},
    {"+45 12 34 56 78", PII_PHONE},
    {"+4512345678", PII_PHONE},
    {"0045 32345678", PII_PHONE},
    {"tlf +46 70 123 45 67", PII_PHONE},
    {"+1 202 555 0143", PII_PHONE},
    {"Mobil: 87 65 43 21.", PII_PHONE},
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum pii_kind k = pii_detect(rows[i].text, strlen(rows[i].text));
		if (k != rows[i].want)
			fail_msg("\"%s\": got %s, want %s", rows[i].text, pii_kind_name(k),
			         pii_kind_name(rows[i].want));
	}
}

static void test_names_and_reasons(void **state)
{
	assert_string_equal(pii_kind_name(PII_CPR), "cpr");
	assert_string_equal(pii_kind_name(PII_EMAIL), "email");
	assert_string_equal(pii_kind_name(PII_PHONE), "phone");
	assert_string_equal(pii_kind_reason(PII_CPR), "looks like a CPR number");
	assert_string_equal(pii_kind_reason(PII_EMAIL), "looks like an e-mail address");
	assert_string_equal(pii_kind_reason(PII_PHONE), "looks like a phone number");
}

/* Only len bytes are read: a CPR number past the end does not count. */
static void test_bounded(void **state)
{
	const char *s = "Skranke 3 010101-1234";
	assert_int_equal(pii_detect(s, 10), PII_NONE);
	assert_int_equal(pii_detect(s, strlen(s)), PII_CPR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_names_and_reasons),
	    cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

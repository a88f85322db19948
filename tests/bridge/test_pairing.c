/* Pairing codes: the alphabet, normalising what an operator types, expiry,
 * single use, and the rate limits, driven with a fixed clock and fixed
 * random bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pairing.h"

#define T0 1796126400000LL

/* Deterministic bytes: a linear congruential generator. */
static int counter_rnd(void *data, unsigned char *buf, size_t len)
{
	unsigned *n = data;
	for (size_t i = 0; i < len; i++) {
		*n = *n * 1103515245u + 12345u;
		buf[i] = (unsigned char)(*n >> 16);
	}
	return 0;
}

static int failing_rnd(void *data, unsigned char *buf, size_t len)
{
	return -1;
}

/* Only bytes above the last whole multiple of 25: no code can be made. */
static int biased_rnd(void *data, unsigned char *buf, size_t len)
{
	memset(buf, 255, len);
	return 0;
}

static void code_uses_the_alphabet(void **state)
{
	unsigned n = 0;
	for (int k = 0; k < 200; k++) {
		char code[PAIRING_CODE_MAX + 1];
		assert_int_equal(pairing_code_make(counter_rnd, &n, code), 0);
		assert_int_equal(strlen(code), 7);
		assert_int_equal(code[3], '-');
		for (int i = 0; i < 7; i++)
			if (i != 3)
				assert_non_null(strchr(PAIRING_ALPHABET, code[i]));
	}
	char code[PAIRING_CODE_MAX + 1];
	assert_int_equal(pairing_code_make(failing_rnd, NULL, code), -1);
	assert_int_equal(pairing_code_make(biased_rnd, NULL, code), -1);
	for (const char *bad = "0O1IL2Z5S8B"; *bad; bad++)
		assert_null(strchr(PAIRING_ALPHABET, *bad));
}

static void normalize_table(void **state)
{
	static const struct {
		const char *in, *want; /* want NULL: refused */
	} rows[] = {
	    {"K7F-3QD", "K7F-3QD"},  {"k7f3qd", "K7F-3QD"}, {" k7f 3qd ", "K7F-3QD"},
	    {"K7F--3QD", "K7F-3QD"}, {"K7F-3Q", NULL},      {"K7F-3QDA", NULL},
	    {"K0F-3QD", NULL},       {"KOF-3QD", NULL},     {"", NULL},
	    {"K7F-3QÆ", NULL},       {"K7F_3QD", NULL},     {"K1F-3QD", NULL},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[PAIRING_CODE_MAX + 1] = "";
		bool ok = pairing_code_normalize(rows[i].in, out);
		if (!rows[i].want) {
			assert_false(ok);
			continue;
		}
		assert_true(ok);
		assert_string_equal(out, rows[i].want);
	}
}

static void client_ids(void **state)
{
	assert_true(pairing_client_valid("0123456789abcdef"));
	assert_true(pairing_client_valid("0123456789abcdef0123456789abcdef"));
	assert_false(pairing_client_valid("0123456789abcde"));
	assert_false(pairing_client_valid("0123456789ABCDEF"));
	assert_false(pairing_client_valid("0123456789abcde+"));
	assert_false(pairing_client_valid("0123456789abcde#"));
	assert_false(pairing_client_valid("0123456789abcde/"));
	char longer[80];
	memset(longer, 'a', 65);
	longer[65] = '\0';
	assert_false(pairing_client_valid(longer));
}

static const char *offer(struct pairing *p, unsigned *n, const char *client, int64_t now,
                         enum pairing_offer_rc want)
{
	const struct pairing_pending *e = NULL;
	assert_int_equal(pairing_offer(p, client, "rpi-17", "192.0.2.7", now, counter_rnd, n, &e),
	                 want);
	return e ? e->code : NULL;
}

/* Starts a table with codes living ttl_s and copies the first screen's code into a. */
static void first_code(struct pairing *p, unsigned *n, int ttl_s, char a[8])
{
	pairing_init(p, ttl_s);
	snprintf(a, 8, "%s", offer(p, n, "aaaaaaaaaaaaaaaa", T0, PAIRING_OFFER_NEW));
}

static void offer_take_once(void **state)
{
	struct pairing p;
	unsigned n = 0;
	pairing_init(&p, 600);
	char a[8], b[8];
	snprintf(a, sizeof a, "%s", offer(&p, &n, "aaaaaaaaaaaaaaaa", T0, PAIRING_OFFER_NEW));
	snprintf(b, sizeof b, "%s", offer(&p, &n, "bbbbbbbbbbbbbbbb", T0, PAIRING_OFFER_NEW));
	assert_string_not_equal(a, b);
	/* Asking again gives the same code. */
	assert_string_equal(offer(&p, &n, "aaaaaaaaaaaaaaaa", T0 + 1000, PAIRING_OFFER_SAME), a);
	assert_int_equal(pairing_next_expiry(&p), T0 + 600000);

	struct pairing_pending got;
	char lower[8];
	for (int i = 0; i < 8; i++)
		lower[i] = (char)(a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i]);
	assert_int_equal(pairing_take(&p, lower, "aarhus", T0 + 2000, &got), PAIRING_TAKE_OK);
	assert_string_equal(got.client, "aaaaaaaaaaaaaaaa");
	assert_string_equal(got.hostname, "rpi-17");
	assert_string_equal(got.address, "192.0.2.7");
	/* Single use: the replay is refused like any wrong code. */
	assert_int_equal(pairing_take(&p, a, "aarhus", T0 + 3000, &got), PAIRING_TAKE_UNKNOWN);
	/* The other screen's code still works. */
	assert_int_equal(pairing_take(&p, b, "aarhus", T0 + 3000, &got), PAIRING_TAKE_OK);
	assert_string_equal(got.client, "bbbbbbbbbbbbbbbb");
	assert_int_equal(pairing_next_expiry(&p), -1);
}

static void codes_expire(void **state)
{
	struct pairing p;
	unsigned n = 0;
	char a[8];
	first_code(&p, &n, 60, a);
	struct pairing_pending got;
	assert_int_equal(pairing_expire(&p, T0 + 59999), 1);
	assert_int_equal(pairing_take(&p, a, "admin", T0 + 60000, &got), PAIRING_TAKE_UNKNOWN);
	/* The screen asks again after expiry: a new code. */
	const char *c2 = offer(&p, &n, "aaaaaaaaaaaaaaaa", T0 + 61000, PAIRING_OFFER_NEW);
	assert_string_not_equal(c2, a);
}

static void wrong_codes_are_rate_limited(void **state)
{
	struct pairing_pending got;
	struct pairing p;
	unsigned n = 0;
	char a[8];
	first_code(&p, &n, 600, a);
	for (int i = 0; i < 5; i++)
		assert_int_equal(pairing_take(&p, "XXX-XXX", "aarhus", T0 + i, &got),
		                 PAIRING_TAKE_UNKNOWN);
	/* Exhausted: even the right code waits. */
	assert_int_equal(pairing_take(&p, "XXX-XXX", "aarhus", T0 + 10, &got),
	                 PAIRING_TAKE_LIMITED);
	assert_int_equal(pairing_take(&p, a, "aarhus", T0 + 20, &got), PAIRING_TAKE_LIMITED);
	/* Someone else is not held up. */
	assert_int_equal(pairing_take(&p, "XXX-XXX", "samsoe", T0 + 20, &got),
	                 PAIRING_TAKE_UNKNOWN);
	/* One token back after 12 s. */
	assert_int_equal(pairing_take(&p, a, "aarhus", T0 + 12100, &got), PAIRING_TAKE_OK);
}

static void new_codes_are_rate_limited(void **state)
{
	struct pairing p;
	unsigned n = 0;
	pairing_init(&p, 600);
	char id[32];
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof id, "client%010d", i);
		offer(&p, &n, id, T0, PAIRING_OFFER_NEW);
	}
	offer(&p, &n, "clientxxxxxxxxxx", T0, PAIRING_OFFER_LIMITED);
	offer(&p, &n, "clientxxxxxxxxxx", T0 + 500, PAIRING_OFFER_NEW);
	/* Asking again for a live code costs nothing. */
	snprintf(id, sizeof id, "client%010d", 3);
	offer(&p, &n, id, T0 + 500, PAIRING_OFFER_SAME);
}

static void table_is_bounded(void **state)
{
	struct pairing p;
	unsigned n = 0;
	pairing_init(&p, 3600);
	char id[32];
	int64_t t = T0;
	for (int i = 0; i < PAIRING_PENDING_MAX; i++, t += 1000) {
		snprintf(id, sizeof id, "client%010d", i);
		offer(&p, &n, id, t, PAIRING_OFFER_NEW);
	}
	offer(&p, &n, "clientxxxxxxxxxx", t + 60000, PAIRING_OFFER_LIMITED);
	const struct pairing_pending *e;
	assert_int_equal(pairing_offer(&p, "clientyyyyyyyyyy", "", "", t, failing_rnd, NULL, &e),
	                 PAIRING_OFFER_LIMITED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(code_uses_the_alphabet),
	    cmocka_unit_test(normalize_table),
	    cmocka_unit_test(client_ids),
	    cmocka_unit_test(offer_take_once),
	    cmocka_unit_test(codes_expire),
	    cmocka_unit_test(wrong_codes_are_rate_limited),
	    cmocka_unit_test(new_codes_are_rate_limited),
	    cmocka_unit_test(table_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

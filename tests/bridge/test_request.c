/* HTTP request bodies: a table of bodies and the status and field each
 * must get (0 = accepted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pii.h"
#include "request.h"

struct row {
	const char *body;
	int status;
	const char *field;
};

static const struct row calls[] = {
    {"{\"ticket\":\"A042\",\"desk\":\"3\",\"area\":\"main\"}", 0, NULL},
    {"{\"ticket\":\"a42\",\"desk\":\"Skranke 3\"}", 0, NULL},
    {"{\"ticket\":\"B7\",\"desk\":\"4\",\"id\":\"q:981-x.y_z\",\"desk_label\":\"Skranke æøå\","
     "\"service\":\"Pas og kørekort\",\"future_field\":[1,2]}",
     0, NULL},
    {"", 400, "body"},
    {"[]", 400, NULL},
    {"\"x\"", 400, NULL},
    {"{\"ticket\":\"A1\",", 400, NULL},
    {"{\"ticket\":\"A1\",\"ticket\":\"A2\",\"desk\":\"1\"}", 400, NULL},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"x\":[[[[[[[[1]]]]]]]]}", 400, NULL},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"name\":\"Jens\"}", 422, "name"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"FirstName\":\"Jens\"}", 422, "FirstName"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"cpr\":\"0102031234\"}", 422, "cpr"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"Phone\":\"1\"}", 422, "Phone"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"e_mail\":\"a@b\"}", 422, "e_mail"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"home_address\":\"x\"}", 422, "home_address"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"birthdate\":\"x\"}", 422, "birthdate"},
    {"{\"desk\":\"1\"}", 422, "ticket"},
    {"{\"ticket\":1,\"desk\":\"1\"}", 422, "ticket"},
    {"{\"ticket\":\"\",\"desk\":\"1\"}", 422, "ticket"},
    {"{\"ticket\":\"A-1\",\"desk\":\"1\"}", 422, "ticket"},
    {"{\"ticket\":\"ABCDEFGHIJK\",\"desk\":\"1\"}", 422, "ticket"},
    {"{\"ticket\":\"Æ1\",\"desk\":\"1\"}", 422, "ticket"},
    {"{\"ticket\":\"A1\"}", 422, "desk"},
    {"{\"ticket\":\"A1\",\"desk\":\"\"}", 422, "desk"},
    {"{\"ticket\":\"A1\",\"desk\":\"1/2\"}", 422, "desk"},
    {"{\"ticket\":\"A1\",\"desk\":\"12345678901234567\"}", 422, "desk"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"area\":\"Main\"}", 422, "area"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"area\":\"\"}", 422, "area"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"area\":\"-x\"}", 422, "area"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"id\":\"\"}", 422, "id"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"id\":\"a b\"}", 422, "id"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"id\":7}", 422, "id"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"desk_label\":\"a\\u0007\"}", 422, "desk_label"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"service\":\"\\u0085\"}", 422, "service"},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"desk_label\":"
     "\"12345678901234567890123456789012345678901234567890123456789012345\"}",
     422, "desk_label"},
};

static void test_calls(void **state)
{
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		struct call_req r;
		struct request_error e = {0};
		int rc = request_parse_call(calls[i].body, strlen(calls[i].body), 4096, &r, &e);
		if (calls[i].status == 0) {
			if (rc != 0)
				fail_msg("row %zu: refused: %d %s: %s", i, e.status, e.field,
				         e.reason);
			continue;
		}
		if (rc == 0)
			fail_msg("row %zu: accepted, want %d", i, calls[i].status);
		if (e.status != calls[i].status ||
		    (calls[i].field && strcmp(e.field, calls[i].field) != 0))
			fail_msg("row %zu: got %d %s (%s), want %d %s", i, e.status, e.field,
			         e.reason, calls[i].status, calls[i].field);
		assert_non_null(e.metric);
	}
}

/* Personal data inside a free-text value: refused with the field and the
 * kind, never with the value itself. */
static const struct {
	const char *body;
	const char *field;
	enum pii_kind kind;
} personal_values[] = {
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"desk_label\":\"Jens Hansen 010101-1234\"}", "desk_label",
     PII_CPR},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"service\":\"jens@example.dk\"}", "service", PII_EMAIL},
    {"{\"ticket\":\"A1\",\"desk\":\"1\",\"service\":\"Ring +45 22 34 56 78\"}", "service",
     PII_PHONE},
    {"{\"ticket\":\"A1\",\"desk\":\"0101011234\"}", "desk", PII_CPR},
};

static void test_personal_values(void **state)
{
	for (size_t i = 0; i < sizeof personal_values / sizeof personal_values[0]; i++) {
		const char *b = personal_values[i].body;
		struct call_req r;
		struct request_error e = {0};
		if (request_parse_call(b, strlen(b), 4096, &r, &e) == 0)
			fail_msg("row %zu: accepted", i);
		assert_int_equal(e.status, 422);
		assert_string_equal(e.field, personal_values[i].field);
		assert_string_equal(e.metric, "personal-data");
		assert_int_equal(e.pii, personal_values[i].kind);
		assert_string_equal(e.reason, pii_kind_reason(personal_values[i].kind));
	}
	struct proto_notice n;
	struct request_error e = {0};
	const char *t = "{\"text\":\"Spørgsmål? Skriv til jens.hansen@aarhus.dk\"}";
	assert_int_equal(request_parse_notice(t, strlen(t), 4096, &n, &e), -1);
	assert_int_equal(e.status, 422);
	assert_string_equal(e.field, "text");
	assert_int_equal(e.pii, PII_EMAIL);
	assert_null(strstr(e.reason, "jens"));
	/* a key naming personal data is a personal-data refusal too */
	const char *k = "{\"text\":\"x\",\"name\":\"y\"}";
	assert_int_equal(request_parse_notice(k, strlen(k), 4096, &n, &e), -1);
	assert_string_equal(e.metric, "personal-data");
	assert_int_equal(e.pii, PII_NONE);
	/* ordinary signage text passes */
	const char *ok = "{\"text\":\"Åbent 10:15-14:30, billet A042 til skranke 3\"}";
	assert_int_equal(request_parse_notice(ok, strlen(ok), 4096, &n, &e), 0);
}

static void test_call_values(void **state)
{
	struct call_req r;
	struct request_error e;
	const char *b = "{\"ticket\":\"ab12\",\"desk\":\"3\"}";
	assert_int_equal(request_parse_call(b, strlen(b), 4096, &r, &e), 0);
	assert_string_equal(r.ticket, "AB12");
	assert_string_equal(r.area, "main");
	assert_string_equal(r.id, "");
	/* the limit applies */
	assert_int_equal(request_parse_call(b, strlen(b), 10, &r, &e), -1);
	assert_int_equal(e.status, 400);
	/* not NUL-terminated input is read only up to len */
	char buf[64];
	memcpy(buf, b, strlen(b));
	memset(buf + strlen(b), 'x', sizeof buf - strlen(b));
	assert_int_equal(request_parse_call(buf, strlen(b), 4096, &r, &e), 0);
}

static void test_notice_and_command(void **state)
{
	struct proto_notice n;
	struct request_error e;
	const char *ok = "{\"text\":\"Lukket kl. 12\",\"mode\":\"ticker\"}";
	assert_int_equal(request_parse_notice(ok, strlen(ok), 4096, &n, &e), 0);
	assert_string_equal(n.text, "Lukket kl. 12");
	assert_int_equal(n.mode, PROTO_NOTICE_TICKER);
	const char *bad[] = {"{\"text\":\"\"}", "{\"mode\":\"banner\"}",
	                     "{\"text\":\"x\",\"mode\":\"blink\"}",
	                     "{\"text\":\"x\",\"name\":\"y\"}"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(request_parse_notice(bad[i], strlen(bad[i]), 4096, &n, &e), -1);
		assert_int_equal(e.status, 422);
	}
	int cmd, level;
	const char *vol = "{\"cmd\":\"volume\",\"level\":40}";
	assert_int_equal(request_parse_command(vol, strlen(vol), 4096, &cmd, &level, &e), 0);
	assert_int_equal(cmd, PROTO_CMD_VOLUME);
	assert_int_equal(level, 40);
	const char *id = "{\"cmd\":\"identify\"}";
	assert_int_equal(request_parse_command(id, strlen(id), 4096, &cmd, &level, &e), 0);
	assert_int_equal(level, -1);
	const char *badc[] = {"{\"cmd\":\"volume\"}", "{\"cmd\":\"volume\",\"level\":101}",
	                      "{\"cmd\":\"volume\",\"level\":\"5\"}", "{\"cmd\":\"explode\"}",
	                      "{}"};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(
		    request_parse_command(badc[i], strlen(badc[i]), 4096, &cmd, &level, &e), -1);
		assert_int_equal(e.status, 422);
	}
}

static void test_queue(void **state)
{
	struct proto_queue q;
	struct request_error e;
	const char *ok = "{\"services\":[{\"name\":\"Pas og k\u00f8rekort\",\"waiting\":12,"
	                 "\"wait_min\":15},{\"name\":\"Sundhed\",\"waiting\":0}]}";
	assert_int_equal(request_parse_queue(ok, strlen(ok), 4096, &q, &e), 0);
	assert_int_equal(q.nservices, 2);
	assert_string_equal(q.services[0].name, "Pas og kørekort");
	assert_int_equal(q.services[0].waiting, 12);
	assert_int_equal(q.services[0].wait_min, 15);
	assert_int_equal(q.services[1].wait_min, -1);
	static const struct {
		const char *body, *field, *metric;
	} bad[] = {
	    {"{}", "services", "invalid-field"},
	    {"{\"services\":[{\"name\":\"Pas\",\"waiting\":-1}]}", "services[0].waiting",
	     "invalid-field"},
	    {"{\"services\":[{\"name\":\"Pas\",\"waiting\":1,\"cpr\":\"x\"}]}", "services[0].cpr",
	     "personal-data"},
	    {"{\"services\":[{\"name\":\"Pas\",\"waiting\":1,\"tickets\":[]}]}",
	     "services[0].tickets", "invalid-field"},
	    {"{\"services\":[],\"citizen\":1}", "citizen", "personal-data"},
	    {"{\"services\":[],\"area\":\"x\"}", "area", "invalid-field"},
	    {"{\"services\":7}", "services", "invalid-field"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(
		    request_parse_queue(bad[i].body, strlen(bad[i].body), 4096, &q, &e), -1);
		assert_int_equal(e.status, 422);
		assert_string_equal(e.field, bad[i].field);
		assert_string_equal(e.metric, bad[i].metric);
	}
}

static void test_pair(void **state)
{
	static const struct {
		const char *body;
		const char *field; /* NULL: accepted */
	} rows[] = {
	    {"{\"code\":\"k7f-3qd\",\"areas\":[\"main\",\"pas\"],\"label\":\"Dokk1\"}", NULL},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[\"main\"]}", NULL},
	    {"{\"areas\":[\"main\"]}", "code"},
	    {"{\"code\":\"\",\"areas\":[\"main\"]}", "code"},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[]}", "areas"},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[\"Main\"]}", "areas"},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[\"main\",\"main\"]}", "areas"},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\","
	     "\"h\",\"i\"]}",
	     "areas"},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[\"main\"],\"label\":\"a\\nb\"}", "label"},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[\"main\"],\"label\":\"ring 20304050\"}", "label"},
	    {"{\"code\":\"K7F-3QD\",\"areas\":[\"main\"],\"name\":\"Dokk1\"}", "name"},
	};
	struct pair_req r;
	struct request_error e;
	const char *keep = "{\"code\":\"K7F-3QD\"}";
	assert_int_equal(request_parse_pair(keep, strlen(keep), 4096, &r, &e), 0);
	assert_int_equal(r.nareas, 0);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&e, 0, sizeof e);
		int rc = request_parse_pair(rows[i].body, strlen(rows[i].body), 4096, &r, &e);
		if (!rows[i].field) {
			assert_int_equal(rc, 0);
			assert_string_equal(r.areas[0], "main");
			continue;
		}
		assert_int_equal(rc, -1);
		assert_string_equal(e.field, rows[i].field);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_calls),
	    cmocka_unit_test(test_call_values),
	    cmocka_unit_test(test_notice_and_command),
	    cmocka_unit_test(test_personal_values),
	    cmocka_unit_test(test_queue),
	    cmocka_unit_test(test_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

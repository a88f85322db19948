/* encode -> decode gives back the same struct for every payload type. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

#define T0 1796030102123LL /* 2026-11-30T09:15:02.123Z */

/* Structs are compared bytewise; static ones have zeroed padding. */

static void test_board(void **state)
{
	(void)state;
	struct proto_board *b = calloc(1, sizeof *b), *d = calloc(1, sizeof *d);
	struct proto_error err;
	b->seq = 9007199254740991LL;
	b->ts_ms = T0;
	for (int i = 0; i < PROTO_BOARD_CALLS_MAX; i++) {
		struct proto_call *c = &b->calls[i];
		snprintf(c->id, sizeof c->id, "call-%02d", i);
		snprintf(c->ticket, sizeof c->ticket, "A%03d", i);
		snprintf(c->desk, sizeof c->desk, "%d", i % 12 + 1);
		if (i % 2)
			snprintf(c->desk_label, sizeof c->desk_label, "Skranke %d \"ø\"", i);
		if (i % 3)
			strcpy(c->service, "Pas og kørekort / Sundhed");
		if (i % 4 == 1)
			strcpy(c->lang, "uk");
		c->kind = i % 5 ? PROTO_KIND_CALL : PROTO_KIND_RECALL;
		c->ts_ms = T0 - i * 1000;
	}
	b->ncalls = PROTO_BOARD_CALLS_MAX;
	char *s = proto_board_encode(b);
	assert_true(strlen(s) <= PROTO_BOARD_BYTES_MAX);
	assert_int_equal(proto_board_decode(s, strlen(s), d, &err), 0);
	assert_memory_equal(b, d, sizeof *b);
	free(s);
	/* the empty board */
	memset(b, 0, sizeof *b);
	b->seq = 1;
	b->ts_ms = T0;
	s = proto_board_encode(b);
	assert_string_equal(s,
	                    "{\"v\":1,\"seq\":1,\"ts\":\"2026-11-30T09:15:02.123Z\",\"calls\":[]}");
	assert_int_equal(proto_board_decode(s, strlen(s), d, &err), 0);
	assert_memory_equal(b, d, sizeof *b);
	free(s);
	free(b);
	free(d);
}

static void test_call(void **state)
{
	(void)state;
	static struct proto_call c = {.id = "c7f3a1",
	                              .ticket = "A042",
	                              .desk = "3",
	                              .desk_label = "Skranke 3",
	                              .kind = PROTO_KIND_CALL,
	                              .ts_ms = T0},
	                         d;
	struct proto_error err;
	char *s = proto_call_encode(&c);
	assert_string_equal(s,
	                    "{\"id\":\"c7f3a1\",\"ticket\":\"A042\",\"desk\":\"3\",\"desk_label\":"
	                    "\"Skranke 3\",\"kind\":\"call\",\"ts\":\"2026-11-30T09:15:02.123Z\"}");
	assert_int_equal(proto_call_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&c, &d, sizeof c);
	free(s);
}

static void test_notice(void **state)
{
	(void)state;
	static struct proto_notice n = {0}, d;
	struct proto_error err;
	memset(n.text, 'x', PROTO_NOTICE_MAX);
	const char *head = "Lukket i dag – åbner i morgen kl. 10 \\ \"";
	memcpy(n.text, head, strlen(head));
	n.mode = PROTO_NOTICE_TICKER;
	n.ts_ms = T0;
	char *s = proto_notice_encode(&n);
	assert_int_equal(proto_notice_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&n, &d, sizeof n);
	free(s);
	memset(&n, 0, sizeof n);
	n.cleared = true;
	s = proto_notice_encode(&n);
	assert_int_equal(proto_notice_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&n, &d, sizeof n);
	free(s);
}

static void test_queue(void **state)
{
	(void)state;
	struct proto_queue q = {.ts_ms = T0, .nservices = PROTO_QUEUE_SERVICES_MAX}, d;
	struct proto_error err;
	for (int i = 0; i < q.nservices; i++) {
		snprintf(q.services[i].name, sizeof q.services[i].name, "Pas og kørekort %d", i);
		q.services[i].waiting = i * 7;
		q.services[i].wait_min = i % 3 ? i * 5 : -1;
	}
	char *s = proto_queue_encode(&q);
	assert_true(strlen(s) <= PROTO_QUEUE_BYTES_MAX);
	assert_int_equal(proto_queue_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&q, &d, sizeof q);
	free(s);
}

static void test_status(void **state)
{
	(void)state;
	static struct proto_status st = {.state = PROTO_STATE_ONLINE,
	                                 .device = "hall-1",
	                                 .version = "0.1.0",
	                                 .started_ms = T0 - 3600000,
	                                 .ts_ms = T0,
	                                 .config_hash = "9f2c4e01aa55bb77",
	                                 .nareas = 2,
	                                 .session = "3f9a0c1d5e7b2468",
	                                 .conn = 5},
	                           d;
	struct proto_error err;
	strcpy(st.areas[0], "main");
	strcpy(st.areas[1], "pas");
	char *s = proto_status_encode(&st);
	assert_int_equal(proto_status_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&st, &d, sizeof st);
	free(s);
	static struct proto_status off = {.state = PROTO_STATE_OFFLINE, .device = "hall-1"};
	s = proto_status_encode(&off);
	assert_string_equal(s, "{\"v\":1,\"state\":\"offline\",\"device\":\"hall-1\"}");
	assert_int_equal(proto_status_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&off, &d, sizeof off);
	free(s);
}

/* A sequence of statuses one receiver sees, and which it applies: the Will
 * of connection 4 after the online of connection 5, a restart's new session
 * and the old session's late Will, statuses without the fields. */
static void test_status_order(void **state)
{
	(void)state;
	static const struct {
		const char *session;
		int64_t conn;
		bool applied;
	} seq[] =
	    {
	        {"aa", 4, true},  {"aa", 5, true},  {"aa", 4, false}, {"aa", 5, true},
	        {"bb", 1, true},  {"aa", 5, false}, {"aa", 9, false}, {"bb", 1, true},
	        {"", 0, true},    {"cc", 1, true},  {"dd", 1, true},  {"ee", 1, true},
	        {"bb", 2, false}, {"aa", 1, true}, /* only the last 3 replaced are kept */
	    };
	struct proto_status_order o = {0};
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		struct proto_status s = {.conn = seq[i].conn};
		strcpy(s.session, seq[i].session);
		if (proto_status_order_apply(&o, &s) != seq[i].applied)
			fail_msg("step %zu: want %s", i, seq[i].applied ? "applied" : "ignored");
	}
}

static void test_health(void **state)
{
	(void)state;
	struct proto_health h, d;
	struct proto_error err;
	proto_health_init(&h);
	strcpy(h.device, "hall-1");
	strcpy(h.version, "0.1.0");
	h.ts_ms = T0;
	h.uptime_s = 8130;
	h.width = 1080;
	h.height = 1920;
	h.rotate = 90;
	h.frames = 2214;
	h.last_frame_ms = 4.5;
	h.nboards = 2;
	strcpy(h.boards[0].area, "main");
	h.boards[0].seq = 42;
	h.boards[0].age_s = 28;
	strcpy(h.boards[1].area, "pas");
	h.boards[1].seq = 0;
	h.boards[1].age_s = -1;
	h.reconnects = 3;
	h.audio = PROTO_AUDIO_MUTED;
	h.volume = 0;
	h.announced = 37;
	h.announce_failed = 1;
	h.has_clock_offset = true;
	h.clock_offset_ms = -412;
	h.cpu_temp_c = 51.5;
	h.load1 = 0.25;
	h.rss_kb = 48212;
	h.disk_free_mb = 10240;
	h.undervoltage = 1;
	h.screen = PROTO_SCREEN_CLOSED;
	char *s = proto_health_encode(&h);
	assert_true(strlen(s) <= PROTO_HEALTH_BYTES_MAX);
	assert_int_equal(proto_health_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&h, &d, sizeof h);
	free(s);
	/* all unknown: the optional values stay unknown */
	proto_health_init(&h);
	strcpy(h.device, "pi");
	h.ts_ms = 0; /* the epoch is a valid, required timestamp */
	s = proto_health_encode(&h);
	assert_null(strstr(s, "cpu_temp_c"));
	assert_null(strstr(s, "clock_offset_ms"));
	assert_int_equal(proto_health_decode(s, strlen(s), &d, &err), 0);
	assert_true(isnan(d.cpu_temp_c));
	d.cpu_temp_c = h.cpu_temp_c;
	assert_memory_equal(&h, &d, sizeof h);
	free(s);
}

static void test_ack(void **state)
{
	(void)state;
	struct proto_ack *a = calloc(1, sizeof *a), *d = calloc(1, sizeof *d);
	struct proto_error err;
	strcpy(a->area, "main");
	a->seq = 42;
	a->shown_ms = T0;
	a->nids = PROTO_ACK_IDS_MAX;
	for (int i = 0; i < a->nids; i++)
		snprintf(a->ids[i], sizeof a->ids[i], "id-%d", i);
	char *s = proto_ack_encode(a);
	assert_int_equal(proto_ack_decode(s, strlen(s), d, &err), 0);
	assert_memory_equal(a, d, sizeof *a);
	free(s);
	memset(a, 0, sizeof *a);
	a->seq = 1;
	s = proto_ack_encode(a);
	assert_string_equal(
	    s, "{\"v\":1,\"seq\":1,\"shown_ts\":\"1970-01-01T00:00:00.000Z\",\"ids\":[]}");
	assert_int_equal(proto_ack_decode(s, strlen(s), d, &err), 0);
	assert_memory_equal(a, d, sizeof *a);
	free(s);
	free(a);
	free(d);
}

static void test_cmd(void **state)
{
	(void)state;
	struct proto_error err;
	for (int k = PROTO_CMD_IDENTIFY; k <= PROTO_CMD_RELOAD; k++) {
		struct proto_cmd c, d;
		memset(&c, 0, sizeof c); /* padding too: the structs are compared bytewise */
		strcpy(c.id, "cmd-1");
		c.cmd = (enum proto_cmd_kind)k;
		c.level = -1;
		if (k == PROTO_CMD_VOLUME)
			c.level = 40;
		if (k % 2)
			c.ts_ms = T0;
		char *s = proto_cmd_encode(&c);
		assert_int_equal(proto_cmd_decode(s, strlen(s), &d, &err), 0);
		assert_memory_equal(&c, &d, sizeof c);
		free(s);
	}
	static struct proto_cmd v = {.id = "x", .cmd = PROTO_CMD_VOLUME, .level = 100};
	char *s = proto_cmd_encode(&v);
	assert_string_equal(s, "{\"v\":1,\"id\":\"x\",\"cmd\":\"volume\",\"level\":100}");
	free(s);
}

static void test_cmd_result(void **state)
{
	(void)state;
	struct proto_error err;
	static struct proto_cmd_result
	    r = {.id = "cmd-7",
	         .cmd = "reload",
	         .ok = false,
	         .error = "display.ini:4: [screen] rotate: 45: expected one of: "
	                  "0, 90, 180, 270",
	         .ts_ms = T0},
	    d;
	char *s = proto_cmd_result_encode(&r);
	assert_int_equal(proto_cmd_result_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&r, &d, sizeof r);
	free(s);
	static struct proto_cmd_result ok = {
	    .id = "cmd-2", .cmd = "volume", .ok = true, .info = "volume 40"};
	s = proto_cmd_result_encode(&ok);
	assert_string_equal(s, "{\"v\":1,\"id\":\"cmd-2\",\"cmd\":\"volume\",\"ok\":true,"
	                       "\"info\":\"volume 40\"}");
	assert_int_equal(proto_cmd_result_decode(s, strlen(s), &d, &err), 0);
	assert_memory_equal(&ok, &d, sizeof ok);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_board),        cmocka_unit_test(test_call),
	    cmocka_unit_test(test_notice),       cmocka_unit_test(test_status),
	    cmocka_unit_test(test_status_order), cmocka_unit_test(test_health),
	    cmocka_unit_test(test_ack),          cmocka_unit_test(test_cmd),
	    cmocka_unit_test(test_queue),        cmocka_unit_test(test_cmd_result),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Topic build and parse: good names, bad names, wrong levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "topic.h"

struct tcase {
	const char *topic;
	int kind; /* -1: must fail */
	const char *tenant, *site, *area, *device;
	const char *reason; /* failing cases: substring of the reason */
};

#define GOOD(t, k, ten, site, area, dev)                                                           \
	{                                                                                          \
		t, k, ten, site, area, dev, NULL                                                   \
	}
#define FAIL(t, r)                                                                                 \
	{                                                                                          \
		t, -1, NULL, NULL, NULL, NULL, r                                                   \
	}
#define R   "callboard/v1/aarhus/dokk1/"
#define L63 "a23456789012345678901234567890123456789012345678901234567890123"

static const struct tcase cases[] = {
    GOOD(R "board/main", PROTO_TOPIC_BOARD, "aarhus", "dokk1", "main", ""),
    GOOD(R "notice", PROTO_TOPIC_NOTICE, "aarhus", "dokk1", "", ""),
    GOOD(R "queue/main", PROTO_TOPIC_QUEUE, "aarhus", "dokk1", "main", ""),
    GOOD(R "display/hall-1/status", PROTO_TOPIC_STATUS, "aarhus", "dokk1", "", "hall-1"),
    GOOD(R "display/hall-1/health", PROTO_TOPIC_HEALTH, "aarhus", "dokk1", "", "hall-1"),
    GOOD(R "display/hall-1/ack", PROTO_TOPIC_ACK, "aarhus", "dokk1", "", "hall-1"),
    GOOD(R "display/hall-1/cmd", PROTO_TOPIC_CMD, "aarhus", "dokk1", "", "hall-1"),
    GOOD(R "display/hall-1/cmd/result", PROTO_TOPIC_CMD_RESULT, "aarhus", "dokk1", "", "hall-1"),
    GOOD(R "display/hall-1/screenshot", PROTO_TOPIC_SCREENSHOT, "aarhus", "dokk1", "", "hall-1"),
    GOOD("callboard/v1/0/1-2/board/" L63, PROTO_TOPIC_BOARD, "0", "1-2", L63, ""),
    FAIL("callboard/v2/aarhus/dokk1/notice", "not under callboard/v1"),
    FAIL("queue/v1/aarhus/dokk1/notice", "not under callboard/v1"),
    FAIL("/callboard/v1/aarhus/dokk1/notice", "not under callboard/v1"),
    FAIL("callboard/v1/aarhus/dokk1", "not under callboard/v1"),
    FAIL("callboard/v1/Aarhus/dokk1/notice", "tenant 'Aarhus'"),
    FAIL("callboard/v1/-aarhus/dokk1/notice", "tenant '-aarhus'"),
    FAIL("callboard/v1/aarhus//notice", "site ''"),
    FAIL("callboard/v1/aarhus/dokk_1/notice", "site 'dokk_1'"),
    FAIL("callboard/v1/+/dokk1/notice", "tenant '+'"),
    FAIL(R "board", "unknown topic"),
    FAIL(R "board/", "area ''"),
    FAIL(R "board/Main", "area 'Main'"),
    FAIL(R "board/#", "area '#'"),
    FAIL(R "board/main/x", "unknown topic"),
    FAIL(R "notice/x", "unknown topic"),
    FAIL(R "queue", "unknown topic"),
    FAIL(R "queue/Main", "area 'Main'"),
    FAIL(R "notices", "unknown topic"),
    FAIL(R "display/hall-1", "unknown topic"),
    FAIL(R "display/Hall/status", "device 'Hall'"),
    FAIL(R "display/hall-1/unknown", "unknown topic"),
    FAIL(R "display/hall-1/cmd/other", "unknown topic"),
    FAIL(R "display/hall-1/status/x", "unknown topic"),
    FAIL(R "display/hall-1/result", "unknown topic"),
    FAIL(R "board/" L63 "4", "longer than 63"),
    FAIL(R "display/a/cmd/result/x/y", "more than 8 levels"),
    FAIL("", "not under callboard/v1"),
};

static void test_parse_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *c = &cases[i];
		struct proto_topic t;
		struct proto_error err = {{0}, {0}};
		int r = proto_topic_parse(c->topic, &t, &err);
		if (c->kind < 0) {
			if (r == 0 || strcmp(err.field, "topic") ||
			    !strstr(err.reason, c->reason)) {
				print_error("case %zu '%s': want fail '%s', got %d %s: %s\n", i,
				            c->topic, c->reason, r, err.field, err.reason);
				failures++;
			}
			continue;
		}
		if (r != 0 || (int)t.kind != c->kind || strcmp(t.tenant, c->tenant) ||
		    strcmp(t.site, c->site) || strcmp(t.area, c->area) ||
		    strcmp(t.device, c->device)) {
			print_error("case %zu '%s': r=%d kind=%d %s/%s/%s/%s (%s)\n", i, c->topic,
			            r, t.kind, t.tenant, t.site, t.area, t.device, err.reason);
			failures++;
			continue;
		}
		/* and it builds back to the same string */
		char buf[PROTO_TOPIC_MAX];
		int n = proto_topic_build(&t, buf, sizeof buf);
		if (n != (int)strlen(c->topic) || strcmp(buf, c->topic)) {
			print_error("case %zu: built '%s'\n", i, buf);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_parse_too_long(void **state)
{
	(void)state;
	char topic[400];
	snprintf(topic, sizeof topic, "callboard/v1/%s/%s/display/%s/cmd/result", L63, L63, L63);
	struct proto_topic t;
	struct proto_error err;
	assert_true(strlen(topic) < PROTO_TOPIC_MAX);
	assert_int_equal(proto_topic_parse(topic, &t, &err), 0);
	char big[PROTO_TOPIC_MAX + 10];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(proto_topic_parse(big, &t, &err), -1);
	assert_string_equal(err.field, "topic");
	assert_non_null(strstr(err.reason, "longer than 255 bytes"));
}

static void test_build(void **state)
{
	(void)state;
	char buf[PROTO_TOPIC_MAX];
	struct proto_topic t = {.kind = PROTO_TOPIC_CMD_RESULT,
	                        .tenant = "aarhus",
	                        .site = "dokk1",
	                        .device = "hall-1"};
	assert_int_equal(proto_topic_build(&t, buf, sizeof buf),
	                 (int)strlen("callboard/v1/aarhus/dokk1/display/hall-1/cmd/result"));
	assert_string_equal(buf, "callboard/v1/aarhus/dokk1/display/hall-1/cmd/result");
	/* a buffer one byte short fails rather than truncating */
	assert_int_equal(proto_topic_build(&t, buf, strlen(buf)), -1);

	struct proto_topic bad = t;
	strcpy(bad.tenant, "Aarhus");
	assert_int_equal(proto_topic_build(&bad, buf, sizeof buf), -1);
	bad = t;
	strcpy(bad.site, "");
	assert_int_equal(proto_topic_build(&bad, buf, sizeof buf), -1);
	bad = t;
	strcpy(bad.device, "hall/1");
	assert_int_equal(proto_topic_build(&bad, buf, sizeof buf), -1);
	bad = t;
	bad.kind = PROTO_TOPIC_BOARD;
	strcpy(bad.area, "+");
	assert_int_equal(proto_topic_build(&bad, buf, sizeof buf), -1);
	/* the notice needs neither area nor device */
	struct proto_topic n = {.kind = PROTO_TOPIC_NOTICE, .tenant = "kk", .site = "s1"};
	assert_true(proto_topic_build(&n, buf, sizeof buf) > 0);
	assert_string_equal(buf, "callboard/v1/kk/s1/notice");
}

static void test_payload_max(void **state)
{
	(void)state;
	assert_int_equal(proto_topic_payload_max(PROTO_TOPIC_BOARD), PROTO_BOARD_BYTES_MAX);
	assert_int_equal(proto_topic_payload_max(PROTO_TOPIC_NOTICE), PROTO_NOTICE_BYTES_MAX);
	assert_int_equal(proto_topic_payload_max(PROTO_TOPIC_HEALTH), PROTO_HEALTH_BYTES_MAX);
	assert_int_equal(proto_topic_payload_max(PROTO_TOPIC_SCREENSHOT),
	                 PROTO_SCREENSHOT_BYTES_MAX);
	assert_string_equal(proto_topic_kind_name(PROTO_TOPIC_CMD_RESULT), "cmd/result");
	assert_int_equal(proto_topic_payload_max(PROTO_TOPIC_QUEUE), PROTO_QUEUE_BYTES_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_parse_too_long),
	    cmocka_unit_test(test_build),
	    cmocka_unit_test(test_payload_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

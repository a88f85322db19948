/* Command dispatch with fake handlers, and the link's topic routing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "link.h"
#include "topic.h"

struct fake {
	struct proto_cmd_result last;
	int results;
	int volume;
	int identifies;
	int reloads;
	bool reload_fails;
	int shots;
	int64_t bridge_now; /* the bridge's clock as observed, -1 unknown */
};

static int fake_identify(void *data, const struct proto_cmd *c, struct proto_cmd_result *res)
{
	((struct fake *)data)->identifies++;
	snprintf(res->info, sizeof res->info, "showing for %d s", COMMANDS_IDENTIFY_S);
	return 0;
}

static int fake_volume(void *data, const struct proto_cmd *c, struct proto_cmd_result *res)
{
	((struct fake *)data)->volume = c->level;
	return 0;
}

static int fake_reload(void *data, const struct proto_cmd *c, struct proto_cmd_result *res)
{
	struct fake *f = data;
	f->reloads++;
	if (f->reload_fails) {
		snprintf(res->error, sizeof res->error,
		         "cfg.ini:3: [screen] rotate: 45: must be one of 0, 90\n180");
		return -1;
	}
	return 0;
}

/* Fails without saying why: the dispatcher names the command. */
static int fake_shot(void *data, const struct proto_cmd *c, struct proto_cmd_result *res)
{
	return ++((struct fake *)data)->shots == 1 ? 0 : -1;
}

static const struct commands_row rows[] = {
    {PROTO_CMD_IDENTIFY, fake_identify},
    {PROTO_CMD_VOLUME, fake_volume},
    {PROTO_CMD_RELOAD, fake_reload},
    {PROTO_CMD_SCREENSHOT, fake_shot},
};

static void run(struct fake *f, const char *payload, size_t len)
{
	struct proto_cmd_result r;
	commands_handle(rows, sizeof rows / sizeof rows[0], f, payload, len, 1764494102000,
	                f->bridge_now, &r);
	f->last = r;
	f->results++;
	/* Whatever we answer must itself be a valid result payload. */
	assert_true(r.ok || r.error[0]);
	char *s = proto_cmd_result_encode(&r);
	struct proto_cmd_result back;
	struct proto_error err;
	assert_int_equal(proto_cmd_result_decode(s, strlen(s), &back, &err), 0);
	free(s);
}

/* A command queued for a display that was away is refused once it is more
 * than a minute old by the bridge's clock; with no clock estimate yet, it
 * runs (a display with a wrong clock must not refuse everything). */
static void test_stale_command(void **state)
{
	const char *cmd = "{\"v\":1,\"id\":\"old1\",\"cmd\":\"identify\","
	                  "\"ts\":\"2026-11-30T09:00:00.000Z\"}";
	struct fake f = {0};
	f.bridge_now = 1796029200000LL + 61000; /* 09:01:01 */
	run(&f, cmd, strlen(cmd));
	assert_false(f.last.ok);
	assert_string_equal(f.last.id, "old1");
	assert_non_null(strstr(f.last.error, "ts:"));
	assert_int_equal(f.identifies, 0);
	f.bridge_now = 1796029200000LL + 30000; /* 30 s old: runs */
	run(&f, cmd, strlen(cmd));
	assert_true(f.last.ok);
	assert_int_equal(f.identifies, 1);
	f.bridge_now = -1; /* clock not known: runs */
	run(&f, cmd, strlen(cmd));
	assert_true(f.last.ok);
	assert_int_equal(f.identifies, 2);
}

static void test_table(void **state)
{
	static const struct {
		const char *payload;
		bool ok;
		const char *id;
		const char *error_has; /* substring of the error, or NULL */
	} cases[] = {
	    {"{\"v\":1,\"id\":\"c1\",\"cmd\":\"identify\"}", true, "c1", NULL},
	    {"{\"v\":1,\"id\":\"c2\",\"cmd\":\"volume\",\"level\":40}", true, "c2", NULL},
	    {"{\"v\":1,\"id\":\"c3\",\"cmd\":\"volume\",\"level\":101}", false, "c3", "level"},
	    {"{\"v\":1,\"id\":\"c4\",\"cmd\":\"volume\",\"level\":-1}", false, "c4", "level"},
	    {"{\"v\":1,\"id\":\"c5\",\"cmd\":\"volume\"}", false, "c5", "level"},
	    {"{\"v\":1,\"id\":\"c6\",\"cmd\":\"volume\",\"level\":\"50\"}", false, "c6", "level"},
	    {"{\"v\":1,\"id\":\"c7\",\"cmd\":\"self-destruct\"}", false, "c7", "cmd"},
	    {"{\"v\":1,\"cmd\":\"identify\"}", false, "unknown", "id"},
	    {"{\"v\":1,\"id\":\"bad id!\",\"cmd\":\"identify\"}", false, "unknown", "id"},
	    {"{\"v\":2,\"id\":\"c8\",\"cmd\":\"identify\"}", false, "c8", "v"},
	    {"{\"id\":\"c9\",\"cmd\":\"identify\"}", false, "c9", "v"},
	    {"not json", false, "unknown", NULL},
	    {"[1,2,3]", false, "unknown", NULL},
	    {"", false, "unknown", NULL},
	    {"{\"v\":1,\"id\":\"c10\",\"cmd\":\"announce-test\"}", false, "c10", "not supported"},
	    {"{\"v\":1,\"id\":\"c11\",\"cmd\":\"screenshot\"}", true, "c11", NULL},
	    {"{\"v\":1,\"id\":\"c12\",\"cmd\":\"reload\"}", true, "c12", NULL},
	};
	struct fake f = {0};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run(&f, cases[i].payload, strlen(cases[i].payload));
		if (f.last.ok != cases[i].ok || strcmp(f.last.id, cases[i].id) ||
		    (cases[i].error_has && !strstr(f.last.error, cases[i].error_has)))
			fail_msg("case %zu (%s): ok=%d id=%s error=%s", i, cases[i].payload,
			         f.last.ok, f.last.id, f.last.error);
		assert_true(f.last.ok || f.last.error[0]);
	}
	assert_int_equal(f.volume, 40);
	assert_int_equal(f.identifies, 1);
	assert_int_equal(f.shots, 1);
	assert_int_equal(f.reloads, 1);
}

static void test_reload_error_and_controls(void **state)
{
	struct fake f = {.reload_fails = true};
	const char *p = "{\"v\":1,\"id\":\"r1\",\"cmd\":\"reload\"}";
	run(&f, p, strlen(p));
	assert_false(f.last.ok);
	assert_non_null(strstr(f.last.error, "rotate"));
	assert_null(strchr(f.last.error, '\n')); /* control characters removed */
	assert_string_equal(f.last.cmd, "reload");
}

static void test_handler_fails_silently(void **state)
{
	struct fake f = {.shots = 1};
	const char *p = "{\"v\":1,\"id\":\"s1\",\"cmd\":\"screenshot\"}";
	run(&f, p, strlen(p));
	assert_false(f.last.ok);
	assert_string_equal(f.last.error, "screenshot: failed");
}

static void test_huge_and_binary(void **state)
{
	struct fake f = {0};
	size_t n = 100000;
	char *big = malloc(n);
	memset(big, 'a', n);
	memcpy(big, "{\"v\":1,\"id\":\"x\",\"cmd\":\"", 23);
	run(&f, big, n);
	assert_false(f.last.ok);
	assert_string_equal(f.last.id, "unknown");
	free(big);
	const char bin[] = "{\"v\":1,\"id\":\"b\xff\",\"cmd\":\"identify\"}";
	run(&f, bin, sizeof bin - 1);
	assert_false(f.last.ok);
	const char nul[] = "{\"v\":1,\"id\":\"n1\",\0\"cmd\":\"identify\"}";
	run(&f, nul, sizeof nul - 1);
	assert_false(f.last.ok);
}

static void test_salvage(void **state)
{
	char id[PROTO_ID_MAX + 1];
	commands_salvage_id("{\"id\":\"abc\"}", 12, id);
	assert_string_equal(id, "abc");
	commands_salvage_id("{\"id\":42}", 9, id);
	assert_string_equal(id, "unknown");
	commands_salvage_id("{\"id\":\"abc\"", 11, id);
	assert_string_equal(id, "unknown");
	commands_salvage_id(NULL, 0, id);
	assert_string_equal(id, "unknown");
}

static void test_route(void **state)
{
	struct link_params p = {.device = "tv-1", .tenant = "aarhus", .site = "dokk1", .nareas = 2};
	strcpy(p.areas[0], "main");
	strcpy(p.areas[1], "pas");
	static const struct {
		const char *topic;
		int kind;
		int area;
	} cases[] = {
	    {"callboard/v1/aarhus/dokk1/board/main", PROTO_TOPIC_BOARD, 0},
	    {"callboard/v1/aarhus/dokk1/board/pas", PROTO_TOPIC_BOARD, 1},
	    {"callboard/v1/aarhus/dokk1/board/other", -1, -1},
	    {"callboard/v1/aarhus/dokk1/queue/pas", PROTO_TOPIC_QUEUE, 1},
	    {"callboard/v1/aarhus/dokk1/queue/other", -1, -1},
	    {"callboard/v1/aarhus/dokk1/notice", PROTO_TOPIC_NOTICE, -1},
	    {"callboard/v1/aarhus/dokk1/display/tv-1/cmd", PROTO_TOPIC_CMD, -1},
	    {"callboard/v1/aarhus/dokk1/display/tv-2/cmd", -1, -1},
	    {"callboard/v1/aarhus/dokk1/display/tv-1/status", -1, -1},
	    {"callboard/v1/aarhus/other/board/main", -1, -1},
	    {"callboard/v1/odense/dokk1/notice", -1, -1},
	    {"callboard/v2/aarhus/dokk1/notice", -1, -1},
	    {"", -1, -1},
	    {"callboard/v1/aarhus/dokk1/board/main/x", -1, -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int area = -1;
		int kind = link_route(&p, cases[i].topic, &area);
		if (kind != cases[i].kind || area != cases[i].area)
			fail_msg("%s: kind %d area %d", cases[i].topic, kind, area);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_stale_command),
	    cmocka_unit_test(test_reload_error_and_controls),
	    cmocka_unit_test(test_handler_fails_silently),
	    cmocka_unit_test(test_huge_and_binary),
	    cmocka_unit_test(test_salvage),
	    cmocka_unit_test(test_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

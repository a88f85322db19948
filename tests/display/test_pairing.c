/* The paired identity kept on disk (mode, round trip, refusals) and the
 * waiting screen's steps, with a fixed clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pairing.h"

static char dir[] = "/tmp/cbpairing-XXXXXX";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void paired_reply(struct proto_enrol_reply *r)
{
	memset(r, 0, sizeof *r);
	r->state = PROTO_ENROL_PAIRED;
	snprintf(r->tenant, sizeof r->tenant, "aarhus");
	snprintf(r->site, sizeof r->site, "dokk1");
	snprintf(r->device, sizeof r->device, "screen-1");
	r->nareas = 2;
	snprintf(r->areas[0], sizeof r->areas[0], "main");
	snprintf(r->areas[1], sizeof r->areas[1], "pas");
	snprintf(r->name, sizeof r->name, "Borgerservice Dokk1");
	snprintf(r->username, sizeof r->username, "aarhus.dokk1.screen-1");
	snprintf(r->password, sizeof r->password, "pw-0123456789abcdef");
}

static void identity_round_trip(void **state)
{
	char path[256], err[256];
	pairing_identity_path(dir, path, sizeof path);
	struct pairing_identity a, b;
	unlink(path);
	assert_int_equal(pairing_identity_load(path, &b, err, sizeof err), 1);
	assert_int_equal(pairing_identity_new(&a), 0);
	assert_int_equal(strlen(a.client), 32);
	assert_int_equal(pairing_identity_save(path, &a), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(pairing_identity_load(path, &b, err, sizeof err), 0);
	assert_string_equal(b.client, a.client);
	assert_false(b.paired);

	a.paired = true;
	paired_reply(&a.id);
	assert_int_equal(pairing_identity_save(path, &a), 0);
	assert_int_equal(pairing_identity_load(path, &b, err, sizeof err), 0);
	assert_true(b.paired);
	assert_string_equal(b.id.password, "pw-0123456789abcdef");

	struct display_config *cfg = calloc(1, sizeof *cfg);
	display_config_defaults(cfg);
	pairing_identity_apply(&b, cfg);
	assert_string_equal(cfg->id, "screen-1");
	assert_string_equal(cfg->tenant, "aarhus");
	assert_int_equal(cfg->nareas, 2);
	assert_string_equal(cfg->areas[1], "pas");
	assert_string_equal(cfg->site_name, "Borgerservice Dokk1");
	assert_string_equal(cfg->mqtt.username, "aarhus.dokk1.screen-1");
	free(cfg);
	unlink(path);
}

static void bad_identity_files(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{}",
	    "{\"v\":1,\"client\":\"short\"}",
	    "{\"v\":1,\"client\":\"0123456789ABCDEF0123\"}",
	    "{\"v\":1,\"client\":\"0123456789abcdef0123\",\"paired\":{\"v\":1,\"state\":\"code\","
	    "\"code\":\"K7F-3QD\",\"expires_s\":600}}",
	    "{\"v\":1,\"client\":\"0123456789abcdef0123\",\"paired\":{\"v\":1,\"state\":\"paired\","
	    "\"tenant\":\"aarhus\",\"site\":\"dokk1\",\"device\":\"Screen\",\"areas\":[\"main\"],"
	    "\"username\":\"u\",\"password\":\"p\"}}",
	};
	char path[256], err[256];
	snprintf(path, sizeof path, "%s/bad.json", dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pairing_identity id;
		write_text(path, bad[i]);
		assert_int_equal(pairing_identity_load(path, &id, err, sizeof err), -1);
		assert_non_null(strstr(err, path));
	}
	unlink(path);
}

static void waiting_steps(void **state)
{
	struct pairing_wait w = {0};
	pairing_wait_link(&w, false, 1000);
	assert_int_equal(w.ask_at_mono, -1);
	assert_non_null(strstr(w.status, "Connecting"));
	pairing_wait_link(&w, true, 2000);
	assert_int_equal(w.ask_at_mono, 2000);
	pairing_wait_asked(&w, 2000);
	assert_int_equal(w.ask_at_mono, 62000);

	struct proto_enrol_reply r = {
	    .state = PROTO_ENROL_CODE, .code = "K7F-3QD", .expires_s = 600};
	assert_int_equal(pairing_wait_reply(&w, &r, 3000), PAIRING_SHOW);
	assert_string_equal(w.code, "K7F-3QD");
	/* Asked again in a minute (a restarted bridge has forgotten it)... */
	assert_int_equal(w.ask_at_mono, 3000 + 60000);
	/* ... or a little before a short-lived code expires. */
	struct proto_enrol_reply brief = {
	    .state = PROTO_ENROL_CODE, .code = "K7F-3QD", .expires_s = 30};
	assert_int_equal(pairing_wait_reply(&w, &brief, 3000), PAIRING_IGNORE);
	assert_int_equal(w.ask_at_mono, 3000 + 25000);
	assert_int_equal(pairing_wait_reply(&w, &r, 4000), PAIRING_IGNORE);

	struct proto_enrol_reply busy = {.state = PROTO_ENROL_REFUSED, .reason = "busy"};
	assert_int_equal(pairing_wait_reply(&w, &busy, 5000), PAIRING_SHOW);
	assert_string_equal(w.code, "");
	assert_int_equal(w.ask_at_mono, 20000);

	struct proto_enrol_reply done;
	paired_reply(&done);
	assert_int_equal(pairing_wait_reply(&w, &done, 6000), PAIRING_STORE);
	/* The connection lost: the code is gone from the screen. */
	assert_int_equal(pairing_wait_reply(&w, &r, 7000), PAIRING_SHOW);
	pairing_wait_link(&w, false, 8000);
	assert_string_equal(w.code, "");
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(identity_round_trip),
	    cmocka_unit_test(bad_identity_files),
	    cmocka_unit_test(waiting_steps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

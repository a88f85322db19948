/* Config helpers: every error reads "path:line: [section] key: value: reason". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfgparse.h"

struct demo {
	long port;
	bool tls;
	int rotate;
	char name[64];
	char title[32];
	char areas[8][64];
	int nareas;
	int keys;
};

static const char *const rotations[] = {"0", "90", "180", "270", NULL};

/* A small config schema as a display or bridge would write one. */
static void on_key(struct cfg_ctx *ctx, const char *section, const char *key, const char *value)
{
	struct demo *d = ctx->user;
	d->keys++;
	if (!strcmp(section, "mqtt") && !strcmp(key, "port"))
		cfg_int(ctx, section, key, value, 1, 65535, &d->port);
	else if (!strcmp(section, "mqtt") && !strcmp(key, "tls"))
		cfg_bool(ctx, section, key, value, &d->tls);
	else if (!strcmp(section, "screen") && !strcmp(key, "rotate"))
		cfg_enum(ctx, section, key, value, rotations, &d->rotate);
	else if (!strcmp(section, "device") && !strcmp(key, "id"))
		cfg_name(ctx, section, key, value, d->name, sizeof d->name);
	else if (!strcmp(section, "device") && !strcmp(key, "title"))
		cfg_str(ctx, section, key, value, d->title, sizeof d->title);
	else if (!strcmp(section, "device") && !strcmp(key, "areas"))
		d->nareas =
		    cfg_name_list(ctx, section, key, value, &d->areas[0][0], sizeof d->areas[0], 8);
	else
		cfg_error(ctx, section, key, value, "unknown key");
}

struct ccase {
	const char *text;
	const char *error; /* NULL: no error; else the exact first error */
};

/* The wanted error is the first reported, or any one for syntax errors. */
static const struct ccase cases[] = {
    {"[mqtt]\nport = 1883\ntls = yes\n[screen]\nrotate = 90\n[device]\nid = hall-1\n"
     "title = Borgerservice Dokk1\nareas = main, pas\n",
     NULL},
    {"# comment\n; another\n\n[mqtt]\nport=8883\n", NULL},
    {"[mqtt]\nport = 99999\n", "t.ini:2: [mqtt] port: 99999: must be between 1 and 65535"},
    {"[mqtt]\nport = 12abc\n", "t.ini:2: [mqtt] port: 12abc: not a whole number"},
    {"[mqtt]\nport =\n", "t.ini:2: [mqtt] port: : not a whole number"},
    {"[mqtt]\n\n# c\nport = 99999999999999999999\n",
     "t.ini:4: [mqtt] port: 99999999999999999999: not a whole number"},
    {"[mqtt]\ntls = maybe\n",
     "t.ini:2: [mqtt] tls: maybe: expected one of: true, false, yes, no, on, off, 1, 0"},
    {"[screen]\nrotate = 45\n", "t.ini:2: [screen] rotate: 45: expected one of: 0, 90, 180, 270"},
    {"[device]\nid = Hall 1\n",
     "t.ini:2: [device] id: Hall 1: must match [a-z0-9][a-z0-9-]{0,62} (lower-case letters, "
     "digits, '-')"},
    {"[device]\ntitle = 0123456789012345678901234567890123\n",
     "t.ini:2: [device] title: 0123456789012345678901234567890123: longer than 31 bytes"},
    {"[device]\nareas = main,,pas\n", "t.ini:2: [device] areas: main,,pas: empty item in list"},
    {"[device]\nareas = main, Pas\n",
     "t.ini:2: [device] areas: main, Pas: item 'Pas' must match [a-z0-9][a-z0-9-]{0,62}"},
    {"[device]\nareas = a,b,c,d,e,f,g,h,i\n",
     "t.ini:2: [device] areas: a,b,c,d,e,f,g,h,i: more than 8 items"},
    {"[mqtt]\nhost = broker\n", "t.ini:2: [mqtt] host: broker: unknown key"},
    {"[mqtt]\nport = 1883\nthis is not ini\n",
     "t.ini:3: syntax error (expected [section] or key = value)"},
    {"[mqtt\nport = 1883\n", "t.ini:1: syntax error (expected [section] or key = value)"},
};

static void test_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cfg_ctx ctx = {0};
		struct demo d = {0};
		int r = cfg_parse_string(&ctx, "t.ini", cases[i].text, on_key, &d);
		/* the wanted error among those reported (syntax errors come last) */
		const char *got = ctx.nerrors ? ctx.errors[0] : NULL;
		for (int e = 0; cases[i].error && e < ctx.nerrors && e < CFG_MAX_ERRORS; e++)
			if (!strcmp(ctx.errors[e], cases[i].error))
				got = ctx.errors[e];
		if (!cases[i].error ? (r != 0 || got)
		                    : (r != -1 || !got || strcmp(got, cases[i].error))) {
			print_error("case %zu: r=%d\n  want %s\n  got  %s\n", i, r,
			            cases[i].error ? cases[i].error : "(none)",
			            got ? got : "(none)");
			failures++;
		}
		cfg_ctx_free(&ctx);
	}
	assert_int_equal(failures, 0);
}

static void test_values(void **state)
{
	(void)state;
	struct cfg_ctx ctx = {0};
	struct demo d = {0};
	assert_int_equal(cfg_parse_string(&ctx, "t.ini", cases[0].text, on_key, &d), 0);
	assert_int_equal(d.port, 1883);
	assert_true(d.tls);
	assert_int_equal(d.rotate, 1);
	assert_string_equal(d.name, "hall-1");
	assert_string_equal(d.title, "Borgerservice Dokk1");
	assert_int_equal(d.nareas, 2);
	assert_string_equal(d.areas[0], "main");
	assert_string_equal(d.areas[1], "pas");
	cfg_ctx_free(&ctx);
}

static void test_direct_helpers(void **state)
{
	(void)state;
	struct cfg_ctx ctx = {.path = "x.ini", .line = 7};
	char out[16];
	/* a control character: the value itself is left out of the message */
	assert_false(cfg_str(&ctx, "device", "title", "a\x01z", out, sizeof out));
	assert_string_equal(ctx.errors[0], "x.ini:7: [device] title: contains a control character");
	cfg_error_noline(&ctx, "device", "id", "missing (required)");
	assert_string_equal(ctx.errors[1], "x.ini: [device] id: missing (required)");
	assert_false(cfg_name(&ctx, "device", "id",
	                      "a234567890123456789012345678901234567890123456789012345678901234",
	                      out, 100));
	assert_int_equal(ctx.nerrors, 3);
	long v;
	assert_true(cfg_int(&ctx, "s", "k", "-5", -10, 10, &v));
	assert_int_equal(v, -5);
	assert_int_equal(cfg_name_list(&ctx, "s", "k", "", out, 8, 2), -1);
	assert_string_equal(ctx.errors[3], "x.ini:7: [s] k: : empty list");
	/* more errors than are kept: counted, not stored, freed cleanly */
	for (int i = 0; i < CFG_MAX_ERRORS + 10; i++)
		cfg_error(&ctx, "s", "k", "v", "error %d", i);
	assert_int_equal(ctx.nerrors, 4 + CFG_MAX_ERRORS + 10);
	/* printed: every kept error a line, then the count of the rest */
	char *printed = NULL;
	size_t plen = 0;
	FILE *pf = open_memstream(&printed, &plen);
	assert_non_null(pf);
	cfg_print_errors(&ctx, pf);
	fclose(pf);
	assert_true(!strncmp(printed, "x.ini:7: [device] title: contains a control character\n",
	                     strlen("x.ini:7: [device] title: contains a control character\n")));
	assert_non_null(strstr(printed, "\nx.ini: [device] id: missing (required)\n"));
	assert_non_null(strstr(printed, "\nx.ini: 14 more errors\n"));
	free(printed);
	cfg_ctx_free(&ctx);
	assert_int_equal(ctx.nerrors, 0);
}

/* A list of any length, allocated: blanks trimmed, errors as cfg_name_list's. */
static void test_name_list_new(void **state)
{
	(void)state;
	struct cfg_ctx ctx = {.path = "x.ini", .line = 3};
	int n;
	char(*names)[8] = cfg_name_list_new(&ctx, "s", "k", "a , b,c", 8, &n);
	assert_non_null(names);
	assert_int_equal(n, 3);
	assert_string_equal(names[1], "b");
	assert_string_equal(names[2], "c");
	free(names);
	assert_null(cfg_name_list_new(&ctx, "s", "k", "a,,b", 8, &n));
	assert_int_equal(n, -1);
	assert_string_equal(ctx.errors[0], "x.ini:3: [s] k: a,,b: empty item in list");
	cfg_ctx_free(&ctx);
}

/* Lines longer than inih's line buffer: a comment, a list with blanks and
 * an inline comment, and a bad value reported whole on its own line, from a
 * string and from a file. */
static void test_long_lines(void **state)
{
	(void)state;
	char pad[401], text[2048];
	memset(pad, ' ', 300);
	pad[300] = '\0';
	snprintf(text, sizeof text, "# %s x\n[device]\nareas = main,%spas ; why\nid = hall-1\n",
	         pad, pad);
	struct cfg_ctx ctx = {0};
	struct demo d = {0};
	assert_int_equal(cfg_parse_string(&ctx, "t.ini", text, on_key, &d), 0);
	assert_int_equal(d.nareas, 2);
	assert_string_equal(d.areas[1], "pas");
	assert_string_equal(d.name, "hall-1");
	assert_int_equal(d.keys, 2);

	memset(pad, 'y', 400);
	pad[400] = '\0';
	snprintf(text, sizeof text, "[device]\n; c\ntitle = %s\nid = x\n", pad);
	char path[] = "/tmp/cbcfgXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	for (int pass = 0; pass < 2; pass++) {
		const char *name = pass ? path : "t.ini";
		int r = pass ? cfg_parse_file(&ctx, path, on_key, &d)
		             : cfg_parse_string(&ctx, name, text, on_key, &d);
		assert_int_equal(r, -1);
		char want[600];
		snprintf(want, sizeof want, "%s:3: [device] title: %s: longer than 31 bytes", name,
		         pad);
		assert_int_equal(ctx.nerrors, 1);
		assert_string_equal(ctx.errors[0], want);
		assert_string_equal(d.name, "x");
		cfg_ctx_free(&ctx);
	}
	unlink(path);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/cbcfgXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "[mqtt]\nport = 1883\n\n[screen]\nrotate = 45\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct cfg_ctx ctx = {0};
	struct demo d = {0};
	assert_int_equal(cfg_parse_file(&ctx, path, on_key, &d), -1);
	char want[128];
	snprintf(want, sizeof want, "%s:5: [screen] rotate: 45: expected one of: 0, 90, 180, 270",
	         path);
	assert_int_equal(ctx.nerrors, 1);
	assert_string_equal(ctx.errors[0], want);
	cfg_ctx_free(&ctx);
	char hash[17];
	assert_true(cfg_file_hash(path, hash));
	assert_int_equal(strlen(hash), 16);
	unlink(path);
	assert_false(cfg_file_hash(path, hash));
	assert_int_equal(cfg_parse_file(&ctx, path, on_key, &d), -1);
	assert_non_null(strstr(ctx.errors[0], ": cannot open: "));
	cfg_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),          cmocka_unit_test(test_values),
	    cmocka_unit_test(test_direct_helpers), cmocka_unit_test(test_name_list_new),
	    cmocka_unit_test(test_long_lines),     cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proto.h"

/* Read a whole file of at most max bytes; caller frees. */
char *cli_read_file(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char *buf = malloc(max + 1);
	if (!buf)
		abort();
	size_t n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		snprintf(why, whylen, "larger than %zu bytes", max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static const char *const types[] = {"board", "notice",     "status", "health", "ack",
                                    "cmd",   "cmd-result", "call",   "queue",  NULL};

int validate_payload(const char *type, const char *buf, size_t len, struct proto_error *err)
{
	if (!strcmp(type, "board")) {
		struct proto_board *b = malloc(sizeof *b);
		if (!b)
			abort();
		int r = proto_board_decode(buf, len, b, err);
		free(b);
		return r;
	}
	if (!strcmp(type, "notice")) {
		struct proto_notice n;
		return proto_notice_decode(buf, len, &n, err);
	}
	if (!strcmp(type, "queue")) {
		struct proto_queue q;
		return proto_queue_decode(buf, len, &q, err);
	}
	if (!strcmp(type, "status")) {
		struct proto_status s;
		return proto_status_decode(buf, len, &s, err);
	}
	if (!strcmp(type, "health")) {
		struct proto_health h;
		return proto_health_decode(buf, len, &h, err);
	}
	if (!strcmp(type, "ack")) {
		struct proto_ack *a = malloc(sizeof *a);
		if (!a)
			abort();
		int r = proto_ack_decode(buf, len, a, err);
		free(a);
		return r;
	}
	if (!strcmp(type, "cmd")) {
		struct proto_cmd c;
		return proto_cmd_decode(buf, len, &c, err);
	}
	if (!strcmp(type, "cmd-result")) {
		struct proto_cmd_result r;
		return proto_cmd_result_decode(buf, len, &r, err);
	}
	if (!strcmp(type, "call")) {
		struct proto_call c;
		return proto_call_decode(buf, len, &c, err);
	}
	snprintf(err->field, sizeof err->field, "TYPE");
	snprintf(err->reason, sizeof err->reason, "unknown payload type '%s'", type);
	return -2;
}

int cmd_validate(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: callboard validate TYPE FILE\n"
		       "  Check a payload against protocol v1 (see protocol/PROTOCOL.md).\n"
		       "  TYPE: board, notice, status, health, ack, cmd, cmd-result, call, queue\n"
		       "  Prints 'ok' and exits 0, or 'FILE: FIELD: reason' and exits 1.\n");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: callboard validate TYPE FILE (try --help)\n");
		return 2;
	}
	const char *type = argv[1], *path = argv[2];
	bool known = false;
	for (int i = 0; types[i]; i++)
		known |= !strcmp(types[i], type);
	if (!known) {
		fprintf(stderr,
		        "callboard validate: unknown TYPE '%s' (expected one of: board, notice, "
		        "status, health, ack, cmd, cmd-result, call, queue)\n",
		        type);
		return 2;
	}
	char why[256];
	size_t len;
	char *buf = cli_read_file(path, PROTO_SCREENSHOT_BYTES_MAX, &len, why, sizeof why);
	if (!buf) {
		printf("%s: payload: %s\n", path, why);
		return 1;
	}
	struct proto_error err = {0};
	int r = validate_payload(type, buf, len, &err);
	free(buf);
	if (r < 0) {
		printf("%s: %s: %s\n", path, err.field, err.reason);
		return 1;
	}
	printf("ok\n");
	return 0;
}

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

/* A decoder taking its result as void *, so one table holds them all. */
#define DECODER(fn, type)                                                                          \
	static int fn##_any(const char *buf, size_t len, void *out, struct proto_error *err)       \
	{                                                                                          \
		return fn(buf, len, (type *)out, err);                                             \
	}
DECODER(proto_board_decode, struct proto_board)
DECODER(proto_notice_decode, struct proto_notice)
DECODER(proto_status_decode, struct proto_status)
DECODER(proto_health_decode, struct proto_health)
DECODER(proto_ack_decode, struct proto_ack)
DECODER(proto_cmd_decode, struct proto_cmd)
DECODER(proto_cmd_result_decode, struct proto_cmd_result)
DECODER(proto_call_decode, struct proto_call)
DECODER(proto_queue_decode, struct proto_queue)

/* One row per payload type: its name, decoder and result size. */
static const struct payload_type {
	const char *name;
	int (*decode)(const char *buf, size_t len, void *out, struct proto_error *err);
	size_t size;
} types[] = {
    {"board", proto_board_decode_any, sizeof(struct proto_board)},
    {"notice", proto_notice_decode_any, sizeof(struct proto_notice)},
    {"status", proto_status_decode_any, sizeof(struct proto_status)},
    {"health", proto_health_decode_any, sizeof(struct proto_health)},
    {"ack", proto_ack_decode_any, sizeof(struct proto_ack)},
    {"cmd", proto_cmd_decode_any, sizeof(struct proto_cmd)},
    {"cmd-result", proto_cmd_result_decode_any, sizeof(struct proto_cmd_result)},
    {"call", proto_call_decode_any, sizeof(struct proto_call)},
    {"queue", proto_queue_decode_any, sizeof(struct proto_queue)},
    {NULL, NULL, 0},
};

static const struct payload_type *payload_type(const char *name)
{
	for (const struct payload_type *t = types; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int validate_payload(const char *type, const char *buf, size_t len, struct proto_error *err)
{
	const struct payload_type *t = payload_type(type);
	if (!t) {
		snprintf(err->field, sizeof err->field, "TYPE");
		snprintf(err->reason, sizeof err->reason, "unknown payload type '%s'", type);
		return -2;
	}
	void *out = malloc(t->size); /* a board or an ack is too large for the stack */
	if (!out)
		abort();
	int r = t->decode(buf, len, out, err);
	free(out);
	return r;
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
	if (!payload_type(type)) {
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

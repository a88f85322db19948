/* libFuzzer target for one protocol decoder, chosen at build time by
 * FUZZ_TYPE. Beyond "never crash", every accepted payload must survive a
 * round trip: encode(decode(x)) decodes again to the same struct, and a
 * second encode gives the same bytes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "topic.h"

#define FUZZ_BOARD      1
#define FUZZ_CALL       2
#define FUZZ_NOTICE     3
#define FUZZ_STATUS     4
#define FUZZ_HEALTH     5
#define FUZZ_ACK        6
#define FUZZ_CMD        7
#define FUZZ_CMD_RESULT 8
#define FUZZ_TOPIC      9

#ifndef FUZZ_TYPE
#error "build with -DFUZZ_TYPE=FUZZ_..."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "round trip broken: %s\n  first:  %s\n  second: %s\n", what, a ? a : "",
	        b ? b : "");
	abort();
}

#if FUZZ_TYPE == FUZZ_TOPIC
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char topic[PROTO_TOPIC_MAX + 64];
	if (size >= sizeof topic)
		return 0;
	memcpy(topic, data, size);
	topic[size] = '\0';
	struct proto_topic t, t2;
	struct proto_error err;
	if (proto_topic_parse(topic, &t, &err) < 0) {
		if (!err.field[0] || !err.reason[0])
			fail("error without field or reason", topic, "");
		return 0;
	}
	char built[PROTO_TOPIC_MAX];
	if (proto_topic_build(&t, built, sizeof built) < 0)
		fail("parsed topic does not build", topic, "");
	if (strcmp(built, topic))
		fail("built topic differs", topic, built);
	if (proto_topic_parse(built, &t2, &err) < 0 || memcmp(&t, &t2, sizeof t))
		fail("built topic parses differently", topic, built);
	(void)proto_topic_payload_max(t.kind);
	(void)proto_topic_kind_name(t.kind);
	return 0;
}
#else

#if FUZZ_TYPE == FUZZ_BOARD
typedef struct proto_board msg_t;
#define DECODE proto_board_decode
#define ENCODE proto_board_encode
#elif FUZZ_TYPE == FUZZ_CALL
typedef struct proto_call msg_t;
#define DECODE proto_call_decode
#define ENCODE proto_call_encode
#elif FUZZ_TYPE == FUZZ_NOTICE
typedef struct proto_notice msg_t;
#define DECODE proto_notice_decode
#define ENCODE proto_notice_encode
#elif FUZZ_TYPE == FUZZ_STATUS
typedef struct proto_status msg_t;
#define DECODE proto_status_decode
#define ENCODE proto_status_encode
#elif FUZZ_TYPE == FUZZ_HEALTH
typedef struct proto_health msg_t;
#define DECODE proto_health_decode
#define ENCODE proto_health_encode
#elif FUZZ_TYPE == FUZZ_ACK
typedef struct proto_ack msg_t;
#define DECODE proto_ack_decode
#define ENCODE proto_ack_encode
#elif FUZZ_TYPE == FUZZ_CMD
typedef struct proto_cmd msg_t;
#define DECODE proto_cmd_decode
#define ENCODE proto_cmd_encode
#elif FUZZ_TYPE == FUZZ_CMD_RESULT
typedef struct proto_cmd_result msg_t;
#define DECODE proto_cmd_result_decode
#define ENCODE proto_cmd_result_encode
#endif

/* The encoder rounds a few floating-point health values; compare those
 * with the rounding's tolerance and everything else byte for byte. */
static void normalise(msg_t *a, const msg_t *b)
{
#if FUZZ_TYPE == FUZZ_HEALTH
	if (fabs(a->last_frame_ms - b->last_frame_ms) <= 0.0005 + 1e-9 * fabs(a->last_frame_ms))
		a->last_frame_ms = b->last_frame_ms;
	if (fabs(a->cpu_temp_c - b->cpu_temp_c) <= 0.05 + 1e-9)
		a->cpu_temp_c = b->cpu_temp_c;
	if (fabs(a->load1 - b->load1) <= 0.005 + 1e-9 * fabs(a->load1))
		a->load1 = b->load1;
#else
	(void)a;
	(void)b;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Heap copies of the exact size let ASan catch a read past len. */
	char *buf = malloc(size ? size : 1);
	msg_t *m1 = calloc(1, sizeof *m1), *m2 = calloc(1, sizeof *m2), *m3 = calloc(1, sizeof *m3);
	if (!buf || !m1 || !m2 || !m3)
		abort();
	memcpy(buf, data, size);
	struct proto_error err = {{0}, {0}};
	char *e1 = NULL, *e2 = NULL;
	if (DECODE(buf, size, m1, &err) < 0) {
		if (!err.field[0] || !err.reason[0])
			fail("error without field or reason", err.field, err.reason);
		goto out;
	}
	e1 = ENCODE(m1);
	if (DECODE(e1, strlen(e1), m2, &err) < 0) {
		fprintf(stderr, "%s: %s\n", err.field, err.reason);
		fail("encoded payload does not decode", e1, "");
	}
	e2 = ENCODE(m2);
	if (strcmp(e1, e2))
		fail("second encoding differs", e1, e2);
	if (DECODE(e2, strlen(e2), m3, &err) < 0 || memcmp(m2, m3, sizeof *m2))
		fail("decode(encode) not stable", e1, e2);
	normalise(m1, m2);
	if (memcmp(m1, m2, sizeof *m1))
		fail("decoded and re-decoded structs differ", e1, e2);
out:
	free(e1);
	free(e2);
	free(m1);
	free(m2);
	free(m3);
	free(buf);
	return 0;
}
#endif

/* Request bodies of the HTTP API, parsed and validated without any I/O (so
 * tables and a fuzzer reach them): strict JSON objects, personal-data keys
 * refused, every field checked with the protocol's charsets, and every
 * free-text value (desk, desk_label, service, notice text) searched for
 * personal data with protocol/pii. A refusal names the field and the kind
 * of data, never the value. */
#ifndef CB_BRIDGE_REQUEST_H
#define CB_BRIDGE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "pii.h"
#include "proto.h"

/* Why a body was refused: HTTP status, field, reason, metrics label. */
struct request_error {
	int status; /* 400 or 422 */
	char field[96];
	char reason[200];
	const char *metric; /* static: "bad-json", "personal-data", "invalid-field" */
	enum pii_kind pii;  /* personal-data: the kind found in the value; PII_NONE
	                     * when a key names personal data */
};

struct call_req {
	char id[PROTO_ID_MAX + 1]; /* "" : the bridge makes one */
	char area[PROTO_NAME_MAX + 1];
	char ticket[PROTO_TICKET_MAX + 1];
	char desk[PROTO_DESK_MAX + 1];
	char desk_label[PROTO_LABEL_MAX + 1];
	char service[PROTO_SERVICE_MAX + 1];
	char lang[PROTO_LANG_MAX + 1]; /* "" : none chosen */
};

/* True when key (a top-level JSON key) names personal data. */
bool request_personal_key(const char *key);
/* POST .../calls: 0, or -1 with e filled. */
int request_parse_call(const char *body, size_t len, size_t limit, struct call_req *out,
                       struct request_error *e);
/* PUT .../notice: text and mode (ts is left 0). */
int request_parse_notice(const char *body, size_t len, size_t limit, struct proto_notice *out,
                         struct request_error *e);
/* PUT .../areas/{area}/queue: {"services":[{"name","waiting","wait_min"}]},
 * nothing else (no key that could carry personal data); out->ts_ms is
 * left 0. */
int request_parse_queue(const char *body, size_t len, size_t limit, struct proto_queue *out,
                        struct request_error *e);
/* POST .../commands: *cmd an enum proto_cmd_kind, *level 0-100 or -1. */
int request_parse_command(const char *body, size_t len, size_t limit, int *cmd, int *level,
                          struct request_error *e);

/* POST .../pair: the code shown on the screen, the areas it shows (1-8;
 * absent: nareas 0) and an optional "label" for its header (personal data
 * refused). */
struct pair_req {
	char code[16];
	int nareas;
	char areas[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
	char name[128]; /* the label */
};
int request_parse_pair(const char *body, size_t len, size_t limit, struct pair_req *out,
                       struct request_error *e);

#endif

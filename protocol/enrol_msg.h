/* Enrolment: how a screen without credentials asks to be paired and gets
 * its identity (PROTOCOL.md, "Enrolment"). A waiting screen connects with
 * the shared enrolment account and a random client id it keeps secret; it
 * may only write ENROL_ROOT/{client}/request and read .../{client}/reply.
 * The bridge answers with a code to show, then (once an operator approved
 * that code) with the screen's own identity and credential. Payloads are
 * JSON objects with "v":1, decoded here with bounds on every field. */
#ifndef CB_PROTO_ENROL_H
#define CB_PROTO_ENROL_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

#define PROTO_ENROL_ROOT       "callboard/v1/enrol"
#define PROTO_ENROL_BYTES_MAX  4096
#define PROTO_ENROL_CLIENT_MAX 64
#define PROTO_ENROL_TEXT_MAX   127
#define PROTO_ENROL_PASS_MAX   128
/* The shared account of waiting screens, unless configured otherwise. */
#define PROTO_ENROL_USER_DEFAULT "callboard-enrol"

/* Screen -> bridge, on ENROL_ROOT/{client}/request: who is asking. */
struct proto_enrol_request {
	char hostname[PROTO_ENROL_TEXT_MAX + 1];
	char address[PROTO_ENROL_TEXT_MAX + 1]; /* the screen's own IP address, "" unknown */
	char version[33];
};

enum proto_enrol_state {
	PROTO_ENROL_CODE,    /* show code until expires_s have passed */
	PROTO_ENROL_PAIRED,  /* the identity below is yours */
	PROTO_ENROL_REFUSED, /* not now (reason); ask again later */
};

/* Bridge -> screen, on ENROL_ROOT/{client}/reply. */
struct proto_enrol_reply {
	enum proto_enrol_state state;
	char code[16];                   /* CODE */
	int expires_s;                   /* CODE: seconds the code stays valid */
	char tenant[PROTO_NAME_MAX + 1]; /* PAIRED: the identity */
	char site[PROTO_NAME_MAX + 1];
	char device[PROTO_NAME_MAX + 1];
	int nareas;
	char areas[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
	char name[PROTO_ENROL_TEXT_MAX + 1]; /* header title, "" none */
	char username[3 * (PROTO_NAME_MAX + 1) + 1];
	char password[PROTO_ENROL_PASS_MAX + 1];
	char reason[PROTO_ENROL_TEXT_MAX + 1]; /* REFUSED */
};

/* Topic of kind "request" or "reply" for client into buf; -1 when client
 * is not [a-z0-9]{16,64} or buf is too small. */
int proto_enrol_topic(const char *client, const char *kind, char *buf, size_t len);
/* The client id of ENROL_ROOT/{client}/request (out has room for
 * PROTO_ENROL_CLIENT_MAX + 1); false for any other topic. */
bool proto_enrol_request_client(const char *topic, char *out);

/* Encoders return a malloc'ed JSON string the caller frees. */
char *proto_enrol_request_encode(const struct proto_enrol_request *r);
char *proto_enrol_reply_encode(const struct proto_enrol_reply *r);
/* Decoders: 0, or -1 with err naming the field. */
int proto_enrol_request_decode(const void *buf, size_t len, struct proto_enrol_request *r,
                               struct proto_error *err);
int proto_enrol_reply_decode(const void *buf, size_t len, struct proto_enrol_reply *r,
                             struct proto_error *err);

#endif

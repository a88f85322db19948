/* Call operations behind the HTTP API: each change is applied to the area's
 * board, bumps its seq and is written to the store inside the loop turn's
 * batch transaction; answers wait for calls_commit, and only committed
 * boards are published. */
#ifndef CB_BRIDGE_CALLS_H
#define CB_BRIDGE_CALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge.h"
#include "request.h"

enum calls_rc {
	CALLS_OK,
	CALLS_REPEAT,    /* same id and content: the earlier answer */
	CALLS_CONFLICT,  /* same id, other content */
	CALLS_NOT_FOUND, /* no such call on the board */
	CALLS_ERROR,     /* store failure */
};

/* A new call; id_out gets the call id, *seq the board seq it is on. */
enum calls_rc calls_add(struct bridge *b, const char *tenant, const char *site,
                        const struct call_req *r, char id_out[PROTO_ID_MAX + 1], int64_t *seq);
/* A recall of a call still on the board. */
enum calls_rc calls_recall(struct bridge *b, const char *tenant, const char *site, const char *id,
                           int64_t *seq);
/* Take a call off the board (CALLS_OK also when it already left it). */
enum calls_rc calls_cancel(struct bridge *b, const char *tenant, const char *site, const char *id,
                           int64_t *seq);
/* Set (payload non-empty) or clear (payload "") a site's notice. */
enum calls_rc calls_notice(struct bridge *b, const char *tenant, const char *site,
                           const char *payload);
/* Call cb(ctx, committed) once the open batch is committed or has failed;
 * with no batch open, at once with true. */
void calls_on_commit(struct bridge *b, void (*cb)(void *ctx, bool committed), void *ctx);
/* Commit the open batch (once per loop turn, before publishing): one fsync
 * for all of the turn's changes; then the waiting answers go out. */
void calls_commit(struct bridge *b);
/* Drop aged entries from every board and re-arm the expiry timer. */
void calls_expire(struct bridge *b);
/* Re-arm the expiry timer for the earliest entry to age off. */
void calls_arm_expiry(struct bridge *b);
/* Fill buf with 32 random hex characters. */
void calls_make_id(char buf[33]);

#endif

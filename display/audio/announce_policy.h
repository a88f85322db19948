/* Announce policy: which calls of a board are spoken. Pure: explicit time,
 * no audio, no espeak.
 *
 * Clock: a display without NTP may be minutes off. Call age is judged
 * against the bridge's clock as observed from boards (protocol/clock.h),
 * never against the local wall clock, once a live board (not the first of
 * its area since the link connected, which may be an old retained one) has
 * been seen. Until then the wall clock is the only guard against a stale
 * retained board, so both must agree the call is fresh. */
#ifndef CB_ANNOUNCE_H
#define CB_ANNOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "proto.h"

#define ANNOUNCE_SEEN_MAX 512 /* > 50 calls x 8 areas */

struct announce_key {
	char id[PROTO_ID_MAX + 1];
	enum proto_call_kind kind;
	int64_t ts_ms;
};

struct announce_area {
	char name[PROTO_NAME_MAX + 1];
	int64_t seq;
	bool since_connect; /* a board came since the link (re)connected */
};

struct announce_policy {
	int64_t window_ms;
	/* Calls already seen (announced or not): a ring, oldest overwritten. */
	struct announce_key seen[ANNOUNCE_SEEN_MAX];
	int nseen, seen_next;
	struct announce_area areas[PROTO_AREAS_MAX];
	int nareas;
	struct proto_clock clock; /* from every board's ts */
	bool hint_live;           /* the next board is known to be live (not retained) */
};

/* Reset the policy with an announce window in seconds. */
void announce_init(struct announce_policy *p, int window_s);
/* Judge board b of area: calls to speak go into out (oldest first, at most
 * max), their count is returned. steady_ms is a clock that does not jump
 * (CLOCK_MONOTONIC), wall_ms the local wall clock. Every call of the board
 * is marked seen, also when silenced (quiet hours, closed) or not fresh. A
 * board whose seq is not above the last one of its area is ignored. */
int announce_board(struct announce_policy *p, const char *area, const struct proto_board *b,
                   int64_t steady_ms, int64_t wall_ms, bool silenced, struct proto_call *out,
                   int max);
/* The next board is known to be live (the MQTT retain flag was not set), so
 * even the first board after a connect is a good clock sample. */
void announce_hint_live(struct announce_policy *p);
/* The link (re)connected: the next board of each area may be an old
 * retained one, so it gives no proof of a live clock sample. */
void announce_link_reset(struct announce_policy *p);
/* The observed offset of the local wall clock against the bridge (local
 * minus bridge, ms); false until a live board has been seen. */
bool announce_clock_offset(const struct announce_policy *p, int64_t *ms);

#endif

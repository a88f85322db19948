/* Announce policy: which calls of a board are spoken. Pure: explicit time,
 * no audio, no espeak.
 *
 * Clock: a display without NTP may be minutes off. Every board carries the
 * bridge's ts, so each board gives a sample s = local_steady_now - board.ts
 * = offset + delay (delay >= 0; a retained board also adds its age). The
 * minimum over recent samples is the best estimate of the offset, and the
 * bridge's "now" is local_steady_now - offset. Call age is judged against
 * that, never against the local wall clock, once a live board (not the
 * first of its area since the link connected, which may be an old
 * retained one) has been seen.
 * Until then the wall clock is the only guard against a stale retained
 * board, so both must agree the call is fresh. */
#ifndef CB_ANNOUNCE_H
#define CB_ANNOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

#define ANNOUNCE_SEEN_MAX    512 /* > 50 calls x 8 areas */
#define ANNOUNCE_SAMPLES_MAX 32

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
	/* s = steady_now - board.ts of recent boards (a ring). */
	int64_t samples[ANNOUNCE_SAMPLES_MAX];
	int nsamples, sample_next;
	bool live;                 /* a sample from a board that was not the first */
	bool hint_live;            /* the next board is known to be live (not retained) */
	int64_t wall_minus_steady; /* at the last board: for the health offset */
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

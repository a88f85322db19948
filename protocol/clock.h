/* The bridge's clock as a display observes it (PROTOCOL.md section 6).
 * Every board carries the bridge's ts, so each board gives a sample
 * s = local_steady_now - board.ts = offset + delay (delay >= 0; a retained
 * board also adds its age). The minimum over recent samples is the best
 * estimate of the offset, and the bridge's "now" is local_steady_now - that
 * minimum. The estimate counts as known ("live") once a board known to be
 * live (not a retained copy) has given a sample. Pure: explicit times. */
#ifndef CB_PROTO_CLOCK_H
#define CB_PROTO_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define PROTO_CLOCK_SAMPLES 32

struct proto_clock {
	int64_t samples[PROTO_CLOCK_SAMPLES]; /* steady_now - board.ts, a ring */
	int nsamples, next;
	bool live;                 /* a sample from a board known to be live */
	int64_t wall_minus_steady; /* at the last sample: for the wall-clock offset */
};

/* Take a board's ts (bridge clock) received at steady_ms (a clock that does
 * not jump) and wall_ms (the local wall clock); live: it was not a retained
 * copy. Once a live sample exists, samples that are not live are left out. */
void proto_clock_sample(struct proto_clock *c, int64_t ts_ms, int64_t steady_ms, int64_t wall_ms,
                        bool live);
/* The bridge's clock at steady_ms, from every sample so far; -1 with none. */
int64_t proto_clock_bridge_now(const struct proto_clock *c, int64_t steady_ms);
/* The local wall clock minus the bridge's (ms); false until a live sample. */
bool proto_clock_offset(const struct proto_clock *c, int64_t *ms);

#endif

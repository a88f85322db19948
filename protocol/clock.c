/* The bridge's clock from board timestamps. */
#include "clock.h"

static int64_t min_sample(const struct proto_clock *c)
{
	int64_t m = c->samples[0];
	for (int i = 1; i < c->nsamples; i++)
		if (c->samples[i] < m)
			m = c->samples[i];
	return m;
}

void proto_clock_sample(struct proto_clock *c, int64_t ts_ms, int64_t steady_ms, int64_t wall_ms,
                        bool live)
{
	/* A possibly old board (retained, or queued for us while we were away)
	 * says only that the bridge's clock is at least its ts: once live
	 * samples exist it adds nothing, and a burst of them (a persistent
	 * session handing over its queue) would push every good sample out of
	 * the ring and make the bridge's clock seem seconds late. */
	if (c->live && !live)
		return;
	c->samples[c->next] = steady_ms - ts_ms;
	c->next = (c->next + 1) % PROTO_CLOCK_SAMPLES;
	if (c->nsamples < PROTO_CLOCK_SAMPLES)
		c->nsamples++;
	c->live |= live;
	c->wall_minus_steady = wall_ms - steady_ms;
}

int64_t proto_clock_bridge_now(const struct proto_clock *c, int64_t steady_ms)
{
	return c->nsamples ? steady_ms - min_sample(c) : -1;
}

bool proto_clock_offset(const struct proto_clock *c, int64_t *ms)
{
	if (!c->live || c->nsamples == 0)
		return false;
	/* wall - bridge = wall - (steady - min) */
	*ms = c->wall_minus_steady + min_sample(c);
	return true;
}

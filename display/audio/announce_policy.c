#include <string.h>

#include "announce_policy.h"

void announce_init(struct announce_policy *p, int window_s)
{
	memset(p, 0, sizeof(*p));
	p->window_ms = (int64_t)window_s * 1000;
}

static bool seen(const struct announce_policy *p, const struct proto_call *c)
{
	for (int i = 0; i < p->nseen; i++) {
		const struct announce_key *k = &p->seen[i];
		if (k->ts_ms == c->ts_ms && k->kind == c->kind && strcmp(k->id, c->id) == 0)
			return true;
	}
	return false;
}

static void mark_seen(struct announce_policy *p, const struct proto_call *c)
{
	struct announce_key *k = &p->seen[p->seen_next];
	memcpy(k->id, c->id, sizeof(k->id));
	k->kind = c->kind;
	k->ts_ms = c->ts_ms;
	p->seen_next = (p->seen_next + 1) % ANNOUNCE_SEEN_MAX;
	if (p->nseen < ANNOUNCE_SEEN_MAX)
		p->nseen++;
}

/* The area's record; NULL when the area table is full. *first is set when
 * the area had no board before. */
static struct announce_area *area_get(struct announce_policy *p, const char *name, bool *first)
{
	for (int i = 0; i < p->nareas; i++) {
		if (strcmp(p->areas[i].name, name) == 0) {
			*first = false;
			return &p->areas[i];
		}
	}
	if (p->nareas == PROTO_AREAS_MAX)
		return NULL;
	struct announce_area *a = &p->areas[p->nareas++];
	memset(a, 0, sizeof(*a));
	strncpy(a->name, name, sizeof(a->name) - 1);
	*first = true;
	return a;
}

static bool fresh(int64_t age_ms, int64_t window_ms)
{
	return age_ms <= window_ms && age_ms >= -window_ms;
}

int announce_board(struct announce_policy *p, const char *area, const struct proto_board *b,
                   int64_t steady_ms, int64_t wall_ms, bool silenced, struct proto_call *out,
                   int max)
{
	bool first, hint = p->hint_live;
	p->hint_live = false;
	struct announce_area *a = area_get(p, area, &first);
	if (!a)
		return 0;
	if (!first && b->seq <= a->seq)
		return 0;
	a->seq = b->seq;
	bool retained = !a->since_connect && !hint;
	a->since_connect = true;

	proto_clock_sample(&p->clock, b->ts_ms, steady_ms, wall_ms, !retained);
	int64_t bridge_now = proto_clock_bridge_now(&p->clock, steady_ms);

	int n = 0;
	/* Newest first on the board: speak in the order they were made. */
	for (int i = b->ncalls - 1; i >= 0; i--) {
		const struct proto_call *c = &b->calls[i];
		if (seen(p, c))
			continue;
		mark_seen(p, c);
		if (silenced)
			continue;
		if (!fresh(bridge_now - c->ts_ms, p->window_ms))
			continue;
		if (!p->clock.live && !fresh(wall_ms - c->ts_ms, p->window_ms))
			continue;
		if (n < max)
			out[n++] = *c;
		else {
			/* Keep the newest: shift the oldest out. */
			memmove(out, out + 1, (size_t)(max - 1) * sizeof(*out));
			out[max - 1] = *c;
		}
	}
	return n;
}

void announce_hint_live(struct announce_policy *p)
{
	p->hint_live = true;
}

void announce_link_reset(struct announce_policy *p)
{
	for (int i = 0; i < p->nareas; i++)
		p->areas[i].since_connect = false;
}

bool announce_clock_offset(const struct announce_policy *p, int64_t *ms)
{
	return proto_clock_offset(&p->clock, ms);
}

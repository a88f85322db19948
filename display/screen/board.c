#include <stdio.h>
#include <string.h>

#include "board.h"

void board_init(struct board_model *m, const char areas[][PROTO_NAME_MAX + 1], int nareas,
                int highlight_ms)
{
	memset(m, 0, sizeof *m);
	if (nareas > PROTO_AREAS_MAX)
		nareas = PROTO_AREAS_MAX;
	m->nareas = nareas;
	for (int i = 0; i < nareas; i++)
		snprintf(m->areas[i].name, sizeof m->areas[i].name, "%s", areas[i]);
	m->highlight_ms = highlight_ms;
}

static int find_area(const struct board_model *m, const char *area)
{
	for (int i = 0; i < m->nareas; i++)
		if (!strcmp(m->areas[i].name, area))
			return i;
	return -1;
}

static bool seen(const struct board_model *m, const char *id)
{
	for (int i = 0; i < m->nmerged; i++)
		if (!strcmp(m->merged[i].call->id, id))
			return true;
	return false;
}

/* k-way merge: each board keeps its own order (newest first, as the bridge
 * sent it); across areas the call with the latest ts goes first. A call id
 * seen already (a recall's original entry) is listed once, at its newest. */
static void merge(struct board_model *m)
{
	int pos[PROTO_AREAS_MAX] = {0};
	m->nmerged = 0;
	for (;;) {
		int best = -1;
		for (int a = 0; a < m->nareas; a++) {
			const struct board_area *ar = &m->areas[a];
			if (!ar->has_board || pos[a] >= ar->board.ncalls)
				continue;
			if (best < 0 || ar->board.calls[pos[a]].ts_ms >
			                    m->areas[best].board.calls[pos[best]].ts_ms)
				best = a;
		}
		if (best < 0)
			break;
		const struct proto_call *c = &m->areas[best].board.calls[pos[best]++];
		if (seen(m, c->id))
			continue;
		m->merged[m->nmerged++] = (struct board_entry){.call = c, .area = best};
	}
}

static void take(struct board_model *m, struct board_area *ar, const struct proto_board *b,
                 int64_t now_ms, bool stored)
{
	ar->board = *b;
	ar->has_board = true;
	ar->stored = stored;
	ar->received_ms = now_ms;
	merge(m);
}

enum board_result board_apply(struct board_model *m, const char *area, const struct proto_board *b,
                              int64_t now_ms)
{
	int a = find_area(m, area);
	if (a < 0)
		return BOARD_UNKNOWN_AREA;
	struct board_area *ar = &m->areas[a];
	/* A stored board is a placeholder: anything from the broker wins. */
	bool shown = ar->has_board && !ar->stored;
	switch (proto_seq_judge(shown ? ar->board.seq : 0, ar->board.ts_ms, b->seq, b->ts_ms)) {
	case PROTO_SEQ_AHEAD:
		return BOARD_AHEAD;
	case PROTO_SEQ_STALE:
		return BOARD_STALE;
	case PROTO_SEQ_NEWER:
	case PROTO_SEQ_RESET:
		break;
	}
	take(m, ar, b, now_ms, false);

	const struct board_entry *top = board_top(m);
	if (!top) {
		m->top_id[0] = '\0';
		m->highlight_start_ms = 0;
		return BOARD_APPLIED;
	}
	const struct proto_call *c = top->call;
	bool same = !strcmp(c->id, m->top_id) && c->kind == m->top_kind && c->ts_ms == m->top_ts_ms;
	if (!same) {
		/* A call cancelled off the top uncovers an older one: no highlight for
		 * that; only a call newer than the one highlighted before is news. */
		bool newer = c->ts_ms > m->top_ts_ms;
		/* The first board after a start is news only when its call is fresh:
		 * a restart must not flash an old call as if it were just made. */
		if (m->top_id[0] == '\0')
			newer = now_ms - c->ts_ms < m->highlight_ms;
		snprintf(m->top_id, sizeof m->top_id, "%s", c->id);
		m->top_kind = c->kind;
		m->top_ts_ms = c->ts_ms;
		m->highlight_start_ms = newer ? now_ms : 0;
	}
	return BOARD_APPLIED;
}

/* The newest call as already seen: no highlight for it, now or when the
 * broker confirms it. */
static void top_seen(struct board_model *m)
{
	const struct board_entry *top = board_top(m);
	m->top_id[0] = '\0';
	m->top_ts_ms = 0;
	if (top) {
		snprintf(m->top_id, sizeof m->top_id, "%s", top->call->id);
		m->top_kind = top->call->kind;
		m->top_ts_ms = top->call->ts_ms;
	}
	m->highlight_start_ms = 0;
}

enum board_result board_apply_stored(struct board_model *m, const char *area,
                                     const struct proto_board *b, int64_t now_ms,
                                     int64_t max_age_ms)
{
	int a = find_area(m, area);
	if (a < 0)
		return BOARD_UNKNOWN_AREA;
	if (m->areas[a].has_board)
		return BOARD_STALE;
	if (proto_seq_judge(0, 0, b->seq, b->ts_ms) == PROTO_SEQ_AHEAD)
		return BOARD_AHEAD;
	if (now_ms - b->ts_ms > max_age_ms)
		return BOARD_TOO_OLD;
	take(m, &m->areas[a], b, now_ms, true);
	top_seen(m);
	return BOARD_APPLIED;
}

bool board_expire_stored(struct board_model *m, int64_t now_ms, int64_t max_age_ms)
{
	bool gone = false;
	for (int i = 0; i < m->nareas; i++) {
		struct board_area *ar = &m->areas[i];
		if (ar->stored && now_ms - ar->board.ts_ms >= max_age_ms) {
			ar->has_board = ar->stored = false;
			gone = true;
		}
	}
	if (gone) {
		merge(m);
		top_seen(m);
	}
	return gone;
}

bool board_unconfirmed(const struct board_model *m)
{
	for (int i = 0; i < m->nareas; i++)
		if (m->areas[i].stored)
			return true;
	return false;
}

int64_t board_seq(const struct board_model *m, const char *area)
{
	int a = find_area(m, area);
	return a >= 0 && m->areas[a].has_board ? m->areas[a].board.seq : 0;
}

const struct board_entry *board_top(const struct board_model *m)
{
	return m->nmerged ? &m->merged[0] : NULL;
}

int64_t board_highlight_elapsed(const struct board_model *m, int64_t now_ms)
{
	if (!m->nmerged || !m->highlight_start_ms)
		return -1;
	int64_t e = now_ms - m->highlight_start_ms;
	return e >= 0 && e < m->highlight_ms ? e : -1;
}

bool board_highlighted(const struct board_model *m, int64_t now_ms)
{
	return board_highlight_elapsed(m, now_ms) >= 0;
}

int board_visible_ids(const struct board_model *m, int n, char ids[][PROTO_ID_MAX + 1], int max)
{
	int k = 0;
	for (int i = 0; i < m->nmerged && i < n && k < max; i++)
		snprintf(ids[k++], PROTO_ID_MAX + 1, "%s", m->merged[i].call->id);
	return k;
}

/* The board model: the boards of the areas this screen shows, merged newest
 * first, and the highlight of the newest call. Pure C driven by explicit
 * time in ms; knows nothing of SDL, MQTT or files. */
#ifndef CB_BOARD_H
#define CB_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

#define BOARD_MERGED_MAX (PROTO_AREAS_MAX * PROTO_BOARD_CALLS_MAX)

struct board_area {
	char name[PROTO_NAME_MAX + 1];
	bool has_board;
	bool stored; /* the board came from disk and the broker has not confirmed it */
	int64_t received_ms;
	struct proto_board board; /* the last accepted board */
};

/* A call on the merged list with the area it came from. */
struct board_entry {
	const struct proto_call *call; /* points into areas[area].board */
	int area;
};

struct board_model {
	int nareas;
	struct board_area areas[PROTO_AREAS_MAX];
	int highlight_ms;

	int nmerged; /* newest first, one entry per call id */
	struct board_entry merged[BOARD_MERGED_MAX];

	/* The newest call being (or last) highlighted: id, kind and ts tell a
	 * recall from the call it repeats. */
	char top_id[PROTO_ID_MAX + 1];
	enum proto_call_kind top_kind;
	int64_t top_ts_ms;
	int64_t highlight_start_ms; /* 0: none yet */
};

enum board_result {
	BOARD_APPLIED = 1,
	BOARD_STALE = 0,         /* seq not greater than the one shown */
	BOARD_UNKNOWN_AREA = -1, /* not an area of this screen */
	BOARD_AHEAD = -2,        /* seq too far ahead of its ts (proto_seq_judge) */
	BOARD_TOO_OLD = -3,      /* a stored board older than the maximum age */
};

/* Start an empty model for the given areas. */
void board_init(struct board_model *m, const char areas[][PROTO_NAME_MAX + 1], int nareas,
                int highlight_ms);
/* Take a board for an area at local time now_ms when proto_seq_judge says
 * so (a newer seq, or a reset of a shown seq that was never clock-based).
 * A new newest call (or a recall) starts the highlight. */
enum board_result board_apply(struct board_model *m, const char *area, const struct proto_board *b,
                              int64_t now_ms);
/* Show a board kept on disk from before a restart, for an area that shows
 * nothing yet (else BOARD_STALE), unless its ts is more than max_age_ms
 * before now_ms. It is marked unconfirmed, starts no highlight, and the
 * first board from the broker replaces it whatever its seq. */
enum board_result board_apply_stored(struct board_model *m, const char *area,
                                     const struct proto_board *b, int64_t now_ms,
                                     int64_t max_age_ms);
/* Drop stored boards still unconfirmed whose ts is max_age_ms or more
 * before now_ms; true when one went. */
bool board_expire_stored(struct board_model *m, int64_t now_ms, int64_t max_age_ms);
/* True while some area shows a stored board the broker has not confirmed. */
bool board_unconfirmed(const struct board_model *m);
/* The seq shown for an area, 0 when none (or unknown area). */
int64_t board_seq(const struct board_model *m, const char *area);
/* The newest call, or NULL when the board is empty. Owned by the model. */
const struct board_entry *board_top(const struct board_model *m);
/* True while the newest call is highlighted at now_ms. */
bool board_highlighted(const struct board_model *m, int64_t now_ms);
/* Milliseconds since the highlight started (for the blink), -1 when none. */
int64_t board_highlight_elapsed(const struct board_model *m, int64_t now_ms);
/* Ids of the first n merged calls (the ones on screen) into ids; returns the count. */
int board_visible_ids(const struct board_model *m, int n, char ids[][PROTO_ID_MAX + 1], int max);

#endif

/* The board rules of one area, pure: no I/O, explicit time. Newest first;
 * a new call goes on top; the same ticket called again replaces its older
 * entry; a recall is a new entry on top; entries past max age drop off. */
#ifndef CB_BRIDGE_BOARD_H
#define CB_BRIDGE_BOARD_H

#include <stdint.h>

#include "proto.h"

struct board_entry {
	struct proto_call c;            /* c.id is this entry's id on the wire */
	char call_id[PROTO_ID_MAX + 1]; /* the API call it belongs to */
};

struct board {
	int64_t seq; /* last published-or-pending seq of this area; 0: none yet */
	int n;
	struct board_entry e[PROTO_BOARD_CALLS_MAX]; /* newest first */
};

/* Put a new call on top (c->id is its call id); drops older entries of the
 * same ticket and cuts the board to length. */
void board_call(struct board *b, const struct proto_call *c, int length);
/* Add a recall entry for call_id with entry id entry_id at now_ms.
 * Returns -1 when that call is not on the board. */
int board_recall(struct board *b, const char *call_id, const char *entry_id, int64_t now_ms,
                 int length);
/* Remove every entry of call_id; returns how many. */
int board_cancel(struct board *b, const char *call_id);
/* Drop entries older than max_age_ms at now_ms (0: never); returns how many. */
int board_expire(struct board *b, int64_t now_ms, int64_t max_age_ms);
/* When the oldest entry ages off (ms since epoch), INT64_MAX when never. */
int64_t board_next_expiry(const struct board *b, int64_t max_age_ms);
/* Index of the newest entry of call_id, or -1. */
int board_find(const struct board *b, const char *call_id);
/* The wire form with seq and ts. */
void board_to_proto(const struct board *b, int64_t ts_ms, struct proto_board *out);
/* Store form (entries with call ids): a malloc'ed JSON string the caller frees. */
char *board_entries_encode(const struct board *b);
/* Parse the store form into b's entries (b->seq untouched). 0 or -1. */
int board_entries_decode(struct board *b, const char *json);

#endif

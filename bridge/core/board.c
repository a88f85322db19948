#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "log.h"

static void remove_at(struct board *b, int i)
{
	memmove(&b->e[i], &b->e[i + 1], (size_t)(b->n - i - 1) * sizeof b->e[0]);
	b->n--;
}

static void drop_ticket(struct board *b, const char *ticket)
{
	for (int i = b->n - 1; i >= 0; i--)
		if (strcmp(b->e[i].c.ticket, ticket) == 0)
			remove_at(b, i);
}

static void push_front(struct board *b, const struct board_entry *e, int length)
{
	if (length < 1)
		length = 1;
	if (length > PROTO_BOARD_CALLS_MAX)
		length = PROTO_BOARD_CALLS_MAX;
	if (b->n >= length)
		b->n = length - 1;
	memmove(&b->e[1], &b->e[0], (size_t)b->n * sizeof b->e[0]);
	b->e[0] = *e;
	b->n++;
}

void board_call(struct board *b, const struct proto_call *c, int length)
{
	struct board_entry e;
	memset(&e, 0, sizeof e);
	e.c = *c;
	e.c.kind = PROTO_KIND_CALL;
	snprintf(e.call_id, sizeof e.call_id, "%s", c->id);
	drop_ticket(b, c->ticket);
	push_front(b, &e, length);
}

int board_find(const struct board *b, const char *call_id)
{
	for (int i = 0; i < b->n; i++)
		if (strcmp(b->e[i].call_id, call_id) == 0)
			return i;
	return -1;
}

int board_recall(struct board *b, const char *call_id, const char *entry_id, int64_t now_ms,
                 int length)
{
	int i = board_find(b, call_id);
	if (i < 0)
		return -1;
	struct board_entry e = b->e[i];
	e.c.kind = PROTO_KIND_RECALL;
	e.c.ts_ms = now_ms;
	snprintf(e.c.id, sizeof e.c.id, "%s", entry_id);
	drop_ticket(b, e.c.ticket);
	push_front(b, &e, length);
	return 0;
}

int board_cancel(struct board *b, const char *call_id)
{
	int n = 0;
	for (int i = b->n - 1; i >= 0; i--)
		if (strcmp(b->e[i].call_id, call_id) == 0) {
			remove_at(b, i);
			n++;
		}
	return n;
}

int board_expire(struct board *b, int64_t now_ms, int64_t max_age_ms)
{
	if (max_age_ms <= 0)
		return 0;
	int n = 0;
	for (int i = b->n - 1; i >= 0; i--)
		if (now_ms - b->e[i].c.ts_ms >= max_age_ms) {
			remove_at(b, i);
			n++;
		}
	return n;
}

int64_t board_next_expiry(const struct board *b, int64_t max_age_ms)
{
	if (max_age_ms <= 0)
		return INT64_MAX;
	int64_t t = INT64_MAX;
	for (int i = 0; i < b->n; i++)
		if (b->e[i].c.ts_ms + max_age_ms < t)
			t = b->e[i].c.ts_ms + max_age_ms;
	return t;
}

void board_to_proto(const struct board *b, int64_t ts_ms, struct proto_board *out)
{
	memset(out, 0, sizeof *out);
	out->seq = b->seq;
	out->ts_ms = ts_ms;
	out->ncalls = b->n;
	for (int i = 0; i < b->n; i++)
		out->calls[i] = b->e[i].c;
}

char *board_entries_encode(const struct board *b)
{
	json_t *arr = json_array();
	for (int i = 0; i < b->n; i++) {
		const struct board_entry *e = &b->e[i];
		json_t *o =
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id", e->c.id, "call_id",
		              e->call_id, "ticket", e->c.ticket, "desk", e->c.desk, "desk_label",
		              e->c.desk_label, "service", e->c.service, "kind",
		              proto_kind_name(e->c.kind), "ts", (json_int_t)e->c.ts_ms);
		if (!o)
			abort();
		if (e->c.lang[0])
			json_object_set_new(o, "lang", json_string(e->c.lang));
		json_array_append_new(arr, o);
	}
	char *s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (!s)
		abort();
	return s;
}

static bool copy_str(json_t *o, const char *key, char *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s || strlen(s) >= cap)
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

int board_entries_decode(struct board *b, const char *json)
{
	json_error_t jerr;
	json_t *arr = json_loads(json, 0, &jerr);
	int rc = -1;
	if (!json_is_array(arr) || json_array_size(arr) > PROTO_BOARD_CALLS_MAX)
		goto out;
	b->n = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct board_entry *e = &b->e[i];
		memset(e, 0, sizeof *e);
		char kind[16];
		if (!copy_str(o, "id", e->c.id, sizeof e->c.id) ||
		    !copy_str(o, "call_id", e->call_id, sizeof e->call_id) ||
		    !copy_str(o, "ticket", e->c.ticket, sizeof e->c.ticket) ||
		    !copy_str(o, "desk", e->c.desk, sizeof e->c.desk) ||
		    !copy_str(o, "desk_label", e->c.desk_label, sizeof e->c.desk_label) ||
		    !copy_str(o, "service", e->c.service, sizeof e->c.service) ||
		    !copy_str(o, "kind", kind, sizeof kind) ||
		    !json_is_integer(json_object_get(o, "ts")))
			goto out;
		/* Entries stored before calls carried a language have none. */
		if (json_object_get(o, "lang") && !copy_str(o, "lang", e->c.lang, sizeof e->c.lang))
			goto out;
		e->c.kind = strcmp(kind, "recall") == 0 ? PROTO_KIND_RECALL : PROTO_KIND_CALL;
		e->c.ts_ms = json_integer_value(json_object_get(o, "ts"));
		b->n++;
	}
	rc = 0;
out:
	json_decref(arr);
	return rc;
}

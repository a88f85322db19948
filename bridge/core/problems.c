#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "humantime.h"
#include "problems.h"

static const struct {
	const char *name;
	enum problem_severity severity;
} kinds[PROBLEM_KINDS] = {
    [PROBLEM_OFFLINE] = {"offline", PROBLEM_DOWN},
    [PROBLEM_STALE] = {"stale", PROBLEM_DOWN},
    [PROBLEM_UNKNOWN] = {"unknown", PROBLEM_DOWN},
    [PROBLEM_BEHIND] = {"behind", PROBLEM_FAILING},
    [PROBLEM_NO_OUTPUT] = {"no-output", PROBLEM_FAILING},
    [PROBLEM_SILENT] = {"silent", PROBLEM_FAILING},
    [PROBLEM_UNDERVOLTAGE] = {"under-voltage", PROBLEM_AT_RISK},
    [PROBLEM_CLOCK_OFF] = {"clock-off", PROBLEM_AT_RISK},
    [PROBLEM_HOT] = {"hot", PROBLEM_AT_RISK},
};

const char *problem_kind_name(enum problem_kind k)
{
	return (unsigned)k < PROBLEM_KINDS ? kinds[k].name : "?";
}

__attribute__((format(printf, 4, 5))) static void found(struct problem *out, int *n,
                                                        enum problem_kind k, const char *fmt, ...)
{
	struct problem *p = &out[(*n)++];
	p->kind = k;
	p->severity = kinds[k].severity;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof p->text, fmt, ap);
	va_end(ap);
}

/* offline, stale or unknown: the display is not working at all. */
static void state_rules(const struct registry_view *v, int64_t now, struct problem *out, int *n)
{
	char when[80] = "an unknown time";
	if (v->state == DEV_OFFLINE) {
		int64_t since = v->state_since_ms ? v->state_since_ms : v->last_seen_ms;
		if (since)
			human_when(when, sizeof when, since, now);
		found(out, n, PROBLEM_OFFLINE, "offline since %s", when);
	} else if (v->state == DEV_STALE) {
		if (v->last_seen_ms)
			human_when(when, sizeof when, v->last_seen_ms, now);
		found(out, n, PROBLEM_STALE, "stale: no health report, last heard from %s", when);
	} else if (v->state == DEV_UNKNOWN)
		found(out, n, PROBLEM_UNKNOWN, "state unknown");
}

/* The first area that shows an older board than the one published. */
static void behind_rule(const struct registry_view *v, struct problem *out, int *n)
{
	if (!v->behind)
		return;
	for (int i = 0; i < v->nacks; i++)
		if (v->acks[i].seq < v->acks[i].board_seq) {
			found(out, n, PROBLEM_BEHIND,
			      "behind: area %s still shows an older board (seq %lld, sent %lld)",
			      v->acks[i].area, (long long)v->acks[i].seq,
			      (long long)v->acks[i].board_seq);
			return;
		}
	found(out, n, PROBLEM_BEHIND, "behind: shows an older board");
}

/* From the last health report, while it is current. */
static void health_rules(const struct proto_health *h, bool site_open, struct problem *out, int *n)
{
	if (h->screen == PROTO_SCREEN_NO_OUTPUT && site_open)
		found(out, n, PROBLEM_NO_OUTPUT,
		      "no output: no screen connected during opening hours");
	if (h->audio == PROTO_AUDIO_NONE || h->audio == PROTO_AUDIO_ERROR)
		found(out, n, PROBLEM_SILENT, "silent: audio %s", proto_audio_name(h->audio));
	if (h->undervoltage == 1)
		found(out, n, PROBLEM_UNDERVOLTAGE, "under-voltage: check the power supply");
	if (h->has_clock_offset && llabs(h->clock_offset_ms) > PROBLEM_CLOCK_OFF_MS)
		found(out, n, PROBLEM_CLOCK_OFF, "clock off by %lld s",
		      (long long)(h->clock_offset_ms / 1000));
	if (!isnan(h->cpu_temp_c) && h->cpu_temp_c >= PROBLEM_HOT_C)
		found(out, n, PROBLEM_HOT, "CPU at %.0f \u00b0C", h->cpu_temp_c);
}

int problems_find(const struct registry_view *v, int64_t now_ms, bool site_open,
                  struct problem out[PROBLEMS_MAX])
{
	int n = 0;
	state_rules(v, now_ms, out, &n);
	behind_rule(v, out, &n);
	if (v->state == DEV_ONLINE && v->health)
		health_rules(v->health, site_open, out, &n);
	return n;
}

bool problems_has(const struct problem *list, int n, enum problem_kind k)
{
	for (int i = 0; i < n; i++)
		if (list[i].kind == k)
			return true;
	return false;
}

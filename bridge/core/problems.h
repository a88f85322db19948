/* What is wrong with a display, as facilities staff need to know it: the
 * rules that turn one display's state into a list of problems, each with
 * its kind, its severity and a line of text. The status page renders the
 * list; it decides nothing itself. Pure: no clock, no I/O, no config
 * lookup (the caller says whether the display's site is open). */
#ifndef CB_BRIDGE_PROBLEMS_H
#define CB_BRIDGE_PROBLEMS_H

#include <stdbool.h>
#include <stdint.h>

#include "registry_view.h"

enum problem_severity {
	PROBLEM_DOWN,    /* not working: offline, stale, state unknown */
	PROBLEM_FAILING, /* not doing its job: behind, no output, silent */
	PROBLEM_AT_RISK, /* will fail: power, clock, heat */
	PROBLEM_SEVERITIES
};

enum problem_kind {
	PROBLEM_OFFLINE,
	PROBLEM_STALE,
	PROBLEM_UNKNOWN,
	PROBLEM_BEHIND,       /* shows an older board than the broker confirmed */
	PROBLEM_NO_OUTPUT,    /* no screen connected during opening hours */
	PROBLEM_SILENT,       /* audio none or error */
	PROBLEM_UNDERVOLTAGE, /* the power supply is too weak */
	PROBLEM_CLOCK_OFF,    /* more than PROBLEM_CLOCK_OFF_MS from the bridge */
	PROBLEM_HOT,          /* CPU at PROBLEM_HOT_C or more */
	PROBLEM_KINDS
};

#define PROBLEM_CLOCK_OFF_MS 30000
#define PROBLEM_HOT_C        80.0
#define PROBLEMS_MAX         PROBLEM_KINDS /* at most one of each kind */

struct problem {
	enum problem_kind kind;
	enum problem_severity severity;
	char text[192]; /* "silent: audio none"; times in local time */
};

/* The problems of display v at now_ms (wall clock) into out, in the order
 * the page lists them; site_open: its site is within opening hours now.
 * Health rules apply to an online display only (older numbers are not
 * current). Returns how many. */
int problems_find(const struct registry_view *v, int64_t now_ms, bool site_open,
                  struct problem out[PROBLEMS_MAX]);
/* Whether one of the n problems in list is of kind k. */
bool problems_has(const struct problem *list, int n, enum problem_kind k);
/* The kind's name ("offline", "no-output", ...), for tests and logs. */
const char *problem_kind_name(enum problem_kind k);

#endif

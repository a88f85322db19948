/* Opening hours: a span per weekday plus exception dates. Pure: the caller
 * passes local broken-down time (schedule_local converts with the process
 * time zone), so DST and midnight handling are testable with plain input. */
#ifndef CB_SCHEDULE_H
#define CB_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_ctx;

#define SCHEDULE_EXCEPTIONS_MAX 64

/* One day's opening: from_min..to_min minutes after local midnight. When
 * to_min <= from_min the span runs past midnight into the next day. */
struct sched_day {
	bool closed;
	int from_min;
	int to_min; /* 1..1440 */
};

struct sched_exception {
	int year, mon, mday; /* mon 1-12 */
	struct sched_day day;
};

struct schedule {
	struct sched_day week[7]; /* 0 = Sunday, as struct tm */
	int nexceptions;
	struct sched_exception ex[SCHEDULE_EXCEPTIONS_MAX];
};

/* Local time as the model needs it. */
struct sched_time {
	int year, mon, mday; /* mon 1-12 */
	int wday;            /* 0 = Sunday */
	int min;             /* minutes after midnight, 0-1439 */
};

/* Every day open all day, no exceptions. */
void schedule_init(struct schedule *s);
/* True when the site is open at local time t. */
bool schedule_open(const struct schedule *s, const struct sched_time *t);
/* Convert ms since the epoch to local time with the process TZ (localtime_r). */
void schedule_local(int64_t ms, struct sched_time *out);
/* Parse "HH:MM-HH:MM" or "closed" into *day; false when malformed. */
bool schedule_parse_day(const char *value, struct sched_day *day);
/* Parse "YYYY-MM-DD" (a real calendar date); false when malformed. */
bool schedule_parse_date(const char *s, int *year, int *mon, int *mday);
/* Add or replace an exception date; false when the table is full. */
bool schedule_add_exception(struct schedule *s, int year, int mon, int mday,
                            const struct sched_day *day);
/* The weekday (0 = Sunday) named by the n bytes at name ("mon", any
 * case), or -1. */
int schedule_weekday(const char *name, size_t n);
/* One opening-hours config key (schedule_config.c): a weekday "mon".."sun"
 * or a date "YYYY-MM-DD", each = "HH:MM-HH:MM" or "closed". A bad value is
 * reported in ctx; false when key is neither, so the caller tries its own. */
bool schedule_config_key(struct cfg_ctx *ctx, struct schedule *s, const char *section,
                         const char *key, const char *value);

#endif

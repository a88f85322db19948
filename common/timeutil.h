/* Time: wall clock and monotonic milliseconds, RFC 3339 UTC timestamps. */
#ifndef CB_TIMEUTIL_H
#define CB_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t time_now_ms(void);
/* Milliseconds from CLOCK_MONOTONIC. */
int64_t time_mono_ms(void);
/* Format ms since epoch as "2026-11-30T09:15:02.123Z" (24 chars + NUL). */
void time_fmt_iso(int64_t ms, char *buf, size_t len);
/* True when year-mon-mday (mon 1-12) is a real Gregorian date. */
bool time_date_valid(int year, int mon, int mday);
/* Parse "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC only, 0-9 fraction digits).
 * Returns false on anything else. */
bool time_parse_iso(const char *s, int64_t *ms);

#endif

/* Times as people read them on the status page: durations ("3 min"),
 * local wall-clock times ("10:44:58", with the date when not today) and
 * both together ("10:44:58 (3 min ago)"). Pure: the caller passes now. */
#ifndef CB_BRIDGE_HUMANTIME_H
#define CB_BRIDGE_HUMANTIME_H

#include <stddef.h>
#include <stdint.h>

/* "12 s", "3 min", "2 h 5 min", "4 d 3 h" into out (negative: 0 s). */
void human_duration(char *out, size_t cap, int64_t seconds);
/* Local time of ms, "HH:MM:SS", or "YYYY-MM-DD HH:MM" when not on now's day. */
void human_clock(char *out, size_t cap, int64_t ms, int64_t now_ms);
/* "10:44:58 (3 min ago)": the clock of ms and how long before now. */
void human_when(char *out, size_t cap, int64_t ms, int64_t now_ms);

#endif

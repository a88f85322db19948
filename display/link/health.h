/* Health of the device: what the system says about itself (memory, load,
 * disk, temperature, under-voltage) gathered into struct proto_health,
 * plus the systemd readiness and watchdog pings. The parsers are pure and
 * take text; the collector reads files under a root ("" for the real one,
 * a temp folder with fake /proc and /sys in tests). */
#ifndef CB_DISPLAY_HEALTH_H
#define CB_DISPLAY_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct loop;

/* RSS in kB from /proc/self/statm text ("size resident ..."); -1 if bad. */
int64_t health_parse_statm(const char *text, long page_kb);
/* RSS in kB from the "VmRSS:" line of /proc/self/status text; -1 if bad. */
int64_t health_parse_status_rss(const char *text);
/* One-minute load from /proc/loadavg text; -1 if bad. */
double health_parse_loadavg(const char *text);
/* Degrees Celsius from a thermal_zone temp file (millidegrees); NAN if bad. */
double health_parse_thermal(const char *text);
/* 1 when an alarm file says "1", 0 for "0", -1 otherwise. */
int health_parse_alarm(const char *text);

/* Fill the system fields of h (cpu_temp_c, load1, rss_kb, disk_free_mb,
 * undervoltage) from files under root; disk_path is the file system whose
 * free space counts. Unknown values stay "unknown". */
void health_collect_system(struct proto_health *h, const char *root, const char *disk_path);

/* Tell systemd we are ready (no-op without NOTIFY_SOCKET). */
void health_notify_ready(void);
/* Tell systemd we are stopping. */
void health_notify_stopping(void);
/* When systemd asks for a watchdog, ping it from a loop timer at half the
 * interval, so a frozen loop stops the pings. Returns the interval in ms
 * used, or 0 when no watchdog is set. */
int health_watchdog_start(struct loop *loop);

#endif

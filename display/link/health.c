/* Device health: pure parsers of /proc and /sys text, a collector that reads
 * them under a root, and the systemd notify/watchdog glue. */
#define LOG_MODULE "health"
#include "health.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

int64_t health_parse_statm(const char *text, long page_kb)
{
	if (!text || page_kb <= 0)
		return -1;
	long long size = 0, resident = 0;
	if (sscanf(text, "%lld %lld", &size, &resident) != 2 || resident < 0)
		return -1;
	return (int64_t)resident * page_kb;
}

int64_t health_parse_status_rss(const char *text)
{
	if (!text)
		return -1;
	const char *p = strstr(text, "VmRSS:");
	if (!p || (p != text && p[-1] != '\n'))
		return -1;
	long long kb = -1;
	char unit[8] = "";
	if (sscanf(p + 6, "%lld %7s", &kb, unit) != 2 || kb < 0 || strcmp(unit, "kB") != 0)
		return -1;
	return kb;
}

double health_parse_loadavg(const char *text)
{
	if (!text)
		return -1;
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || errno || !isfinite(v) || v < 0 || (*end != ' ' && *end != '\n'))
		return -1;
	return v;
}

double health_parse_thermal(const char *text)
{
	if (!text)
		return NAN;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (end == text || errno || (*end && *end != '\n'))
		return NAN;
	double c = (double)v / 1000.0;
	if (c < -100 || c > 200) /* a broken sensor, not a temperature */
		return NAN;
	return c;
}

int health_parse_alarm(const char *text)
{
	if (!text)
		return -1;
	if ((text[0] == '0' || text[0] == '1') && (text[1] == '\0' || text[1] == '\n'))
		return text[0] - '0';
	return -1;
}

/* Read a small file under root into buf (NUL-terminated); false if absent. */
static bool read_small(const char *root, const char *rel, char *buf, size_t cap)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s%s", root, rel) >= (int)sizeof path)
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return n > 0;
}

static int64_t collect_rss(const char *root)
{
	char buf[4096];
	long page = sysconf(_SC_PAGESIZE);
	if (read_small(root, "/proc/self/statm", buf, sizeof buf)) {
		int64_t kb = health_parse_statm(buf, page > 0 ? page / 1024 : 4);
		if (kb >= 0)
			return kb;
	}
	if (read_small(root, "/proc/self/status", buf, sizeof buf))
		return health_parse_status_rss(buf);
	return -1;
}

/* The CPU's zone when its type says so, else the first readable zone. */
static double collect_temp(const char *root)
{
	char dirpath[4096];
	snprintf(dirpath, sizeof dirpath, "%s/sys/class/thermal", root);
	DIR *d = opendir(dirpath);
	if (!d)
		return NAN;
	double first = NAN, cpu = NAN;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "thermal_zone", 12) != 0 || strlen(e->d_name) > 64)
			continue;
		char rel[128], buf[64], type[64] = "";
		snprintf(rel, sizeof rel, "/sys/class/thermal/%s/temp", e->d_name);
		if (!read_small(root, rel, buf, sizeof buf))
			continue;
		double c = health_parse_thermal(buf);
		if (isnan(c))
			continue;
		snprintf(rel, sizeof rel, "/sys/class/thermal/%s/type", e->d_name);
		read_small(root, rel, type, sizeof type);
		if (isnan(cpu) &&
		    (strstr(type, "cpu") || strstr(type, "x86_pkg") || strstr(type, "soc")))
			cpu = c;
		if (isnan(first))
			first = c;
	}
	closedir(d);
	return isnan(cpu) ? first : cpu;
}

/* Raspberry Pi firmware reports under-voltage through the rpi_volt hwmon
 * device's in0_lcrit_alarm. */
static int collect_undervoltage(const char *root)
{
	char dirpath[4096];
	snprintf(dirpath, sizeof dirpath, "%s/sys/class/hwmon", root);
	DIR *d = opendir(dirpath);
	if (!d)
		return -1;
	int result = -1;
	struct dirent *e;
	while ((e = readdir(d)) && result < 0) {
		if (strncmp(e->d_name, "hwmon", 5) != 0 || strlen(e->d_name) > 64)
			continue;
		char rel[128], buf[64];
		snprintf(rel, sizeof rel, "/sys/class/hwmon/%s/name", e->d_name);
		if (!read_small(root, rel, buf, sizeof buf) || strncmp(buf, "rpi_volt", 8) != 0)
			continue;
		snprintf(rel, sizeof rel, "/sys/class/hwmon/%s/in0_lcrit_alarm", e->d_name);
		if (read_small(root, rel, buf, sizeof buf))
			result = health_parse_alarm(buf);
	}
	closedir(d);
	return result;
}

void health_collect_system(struct proto_health *h, const char *root, const char *disk_path)
{
	char buf[256];
	if (!root)
		root = "";
	h->rss_kb = collect_rss(root);
	if (read_small(root, "/proc/loadavg", buf, sizeof buf))
		h->load1 = health_parse_loadavg(buf);
	h->cpu_temp_c = collect_temp(root);
	h->undervoltage = collect_undervoltage(root);
	struct statvfs vfs;
	if (disk_path && statvfs(disk_path, &vfs) == 0)
		h->disk_free_mb =
		    (int64_t)((unsigned long long)vfs.f_bavail * vfs.f_frsize / (1024 * 1024));
}

void health_notify_ready(void)
{
	sd_notify(0, "READY=1");
}

void health_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

static void watchdog_ping(void *data)
{
	(void)data;
	sd_notify(0, "WATCHDOG=1");
}

int health_watchdog_start(struct loop *loop)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	int ms = (int)(usec / 2000);
	if (ms < 1)
		ms = 1;
	if (!loop_add_timer(loop, ms, ms, watchdog_ping, NULL)) {
		log_error("cannot add the watchdog timer");
		return 0;
	}
	log_info("systemd watchdog: pinging every %d ms", ms);
	return ms;
}

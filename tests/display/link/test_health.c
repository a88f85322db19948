/* Health parsers and the collector on a fake /proc and /sys tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "health.h"

static void test_statm(void **state)
{
	static const struct {
		const char *text;
		long page_kb;
		int64_t want;
	} cases[] = {
	    {"12345 678 90 1 0 300 0\n", 4, 678 * 4},
	    {"1 0 0 0 0 0 0", 4, 0},
	    {"100 200", 16, 3200},
	    {"", 4, -1},
	    {"abc def", 4, -1},
	    {"100", 4, -1},
	    {"100 -5", 4, -1},
	    {"100 5", 0, -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(health_parse_statm(cases[i].text, cases[i].page_kb),
		                 cases[i].want);
	assert_int_equal(health_parse_statm(NULL, 4), -1);
}

static void test_status_rss(void **state)
{
	static const struct {
		const char *text;
		int64_t want;
	} cases[] = {
	    {"Name:\tx\nVmPeak:\t 100 kB\nVmRSS:\t    5120 kB\nRssAnon: 1 kB\n", 5120},
	    {"VmRSS: 7 kB\n", 7},
	    {"Name:\tx\nVmHWM:\t100 kB\n", -1},
	    {"Name:\tx\nVmRSS:\tlots kB\n", -1},
	    {"Name:\tx\nVmRSS:\t12 MB\n", -1},
	    {"Name:\tXVmRSS: 5 kB\n", -1},
	    {"", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(health_parse_status_rss(cases[i].text), cases[i].want);
}

static void test_loadavg(void **state)
{
	assert_true(fabs(health_parse_loadavg("0.52 0.58 0.59 1/467 12345\n") - 0.52) < 1e-9);
	assert_true(fabs(health_parse_loadavg("12.00 1 1 1/1 1") - 12.0) < 1e-9);
	assert_true(health_parse_loadavg("") < 0);
	assert_true(health_parse_loadavg("x 1 1") < 0);
	assert_true(health_parse_loadavg("-1 1 1") < 0);
	assert_true(health_parse_loadavg("nan 1 1") < 0);
	assert_true(health_parse_loadavg("1.5x 1") < 0);
}

static void test_thermal(void **state)
{
	assert_true(fabs(health_parse_thermal("48312\n") - 48.312) < 1e-9);
	assert_true(fabs(health_parse_thermal("-5000") + 5.0) < 1e-9);
	assert_true(isnan(health_parse_thermal("")));
	assert_true(isnan(health_parse_thermal("hot\n")));
	assert_true(isnan(health_parse_thermal("48312 C")));
	assert_true(isnan(health_parse_thermal("999999999")));
	assert_true(isnan(health_parse_thermal(NULL)));
}

static void test_alarm(void **state)
{
	assert_int_equal(health_parse_alarm("1\n"), 1);
	assert_int_equal(health_parse_alarm("0"), 0);
	assert_int_equal(health_parse_alarm("2\n"), -1);
	assert_int_equal(health_parse_alarm("10"), -1);
	assert_int_equal(health_parse_alarm(""), -1);
}

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", root, rel);
	/* mkdir -p of the parent */
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_collect_fake_tree(void **state)
{
	snprintf(root, sizeof root, "/tmp/cb-health-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("/proc/self/statm", "1000 250 10 1 0 100 0\n");
	put("/proc/loadavg", "1.25 0.5 0.25 2/100 42\n");
	put("/sys/class/thermal/thermal_zone0/type", "acpitz\n");
	put("/sys/class/thermal/thermal_zone0/temp", "30000\n");
	put("/sys/class/thermal/thermal_zone1/type", "cpu-thermal\n");
	put("/sys/class/thermal/thermal_zone1/temp", "61500\n");
	put("/sys/class/hwmon/hwmon0/name", "cpu_thermal\n");
	put("/sys/class/hwmon/hwmon1/name", "rpi_volt\n");
	put("/sys/class/hwmon/hwmon1/in0_lcrit_alarm", "1\n");

	struct proto_health h;
	proto_health_init(&h);
	health_collect_system(&h, root, root);
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	assert_int_equal(h.rss_kb, 250 * page_kb);
	assert_true(fabs(h.load1 - 1.25) < 1e-9);
	assert_true(fabs(h.cpu_temp_c - 61.5) < 1e-9); /* the CPU zone, not the first */
	assert_int_equal(h.undervoltage, 1);
	assert_true(h.disk_free_mb >= 0);

	/* statm unreadable: falls back to status */
	put("/proc/self/statm", "garbage\n");
	put("/proc/self/status", "Name:\tx\nVmRSS:\t  4096 kB\n");
	put("/sys/class/hwmon/hwmon1/in0_lcrit_alarm", "0\n");
	health_collect_system(&h, root, root);
	assert_int_equal(h.rss_kb, 4096);
	assert_int_equal(h.undervoltage, 0);

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_collect_nothing(void **state)
{
	struct proto_health h;
	proto_health_init(&h);
	health_collect_system(&h, "/nonexistent-callboard-root", "/nonexistent-callboard-root");
	assert_int_equal(h.rss_kb, -1);
	assert_true(h.load1 < 0);
	assert_true(isnan(h.cpu_temp_c));
	assert_int_equal(h.undervoltage, -1);
	assert_int_equal(h.disk_free_mb, -1);
}

static void test_collect_real(void **state)
{
	struct proto_health h;
	proto_health_init(&h);
	health_collect_system(&h, "", "/");
	assert_true(h.rss_kb > 0);
	assert_true(h.load1 >= 0);
	assert_true(h.disk_free_mb >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_statm),           cmocka_unit_test(test_status_rss),
	    cmocka_unit_test(test_loadavg),         cmocka_unit_test(test_thermal),
	    cmocka_unit_test(test_alarm),           cmocka_unit_test(test_collect_fake_tree),
	    cmocka_unit_test(test_collect_nothing), cmocka_unit_test(test_collect_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

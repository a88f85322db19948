#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "humantime.h"

void human_duration(char *out, size_t cap, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, cap, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(out, cap, "%lld min", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, cap, "%lld h %lld min", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
	else
		snprintf(out, cap, "%lld d %lld h", (long long)(s / 86400),
		         (long long)(s % 86400 / 3600));
}

void human_clock(char *out, size_t cap, int64_t ms, int64_t now_ms)
{
	time_t t = (time_t)(ms / 1000), n = (time_t)(now_ms / 1000);
	struct tm tm, tn;
	localtime_r(&t, &tm);
	localtime_r(&n, &tn);
	bool today = tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday;
	strftime(out, cap, today ? "%H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
}

void human_when(char *out, size_t cap, int64_t ms, int64_t now_ms)
{
	char clock[32], ago[32];
	human_clock(clock, sizeof clock, ms, now_ms);
	human_duration(ago, sizeof ago, (now_ms - ms) / 1000);
	snprintf(out, cap, "%s (%s ago)", clock, ago);
}

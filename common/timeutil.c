#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_fmt_iso(int64_t ms, char *buf, size_t len)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)secs * 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool time_date_valid(int year, int mon, int mday)
{
	/* timegm normalises 2023-02-29 to 03-01: a date is real when it
	 * comes back unchanged. */
	struct tm tm = {.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = mday, .tm_hour = 12};
	if (mon < 1 || mon > 12 || mday < 1 || mday > 31 || timegm(&tm) == (time_t)-1)
		return false;
	return tm.tm_year == year - 1900 && tm.tm_mon == mon - 1 && tm.tm_mday == mday;
}

bool time_parse_iso(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, se;
	if (strlen(s) < 20)
		return false;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return false;
	if (y < 1970 || y > 9999 || !time_date_valid(y, mo, d) || h > 23 || mi > 59 || se > 60)
		return false;
	const char *p = s + 19;
	int frac = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				frac = frac * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return false;
		for (; n < 3; n++)
			frac *= 10;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return false;
	struct tm tm = {.tm_year = y - 1900,
	                .tm_mon = mo - 1,
	                .tm_mday = d,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = se == 60 ? 59 : se}; /* a leap second is held at :59 */
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return true;
}

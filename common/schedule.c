#include <stdio.h>
#include <string.h>
#include <time.h>

#include "schedule.h"
#include "timeutil.h"

void schedule_init(struct schedule *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < 7; i++)
		s->week[i] = (struct sched_day){.closed = false, .from_min = 0, .to_min = 1440};
}

static const struct sched_day *day_for(const struct schedule *s, int y, int m, int d, int wday)
{
	for (int i = 0; i < s->nexceptions; i++)
		if (s->ex[i].year == y && s->ex[i].mon == m && s->ex[i].mday == d)
			return &s->ex[i].day;
	return &s->week[wday];
}

bool schedule_open(const struct schedule *s, const struct sched_time *t)
{
	const struct sched_day *today = day_for(s, t->year, t->mon, t->mday, t->wday);
	if (!today->closed) {
		if (today->to_min > today->from_min) {
			if (t->min >= today->from_min && t->min < today->to_min)
				return true;
		} else if (t->min >= today->from_min) {
			return true; /* the evening part of a span past midnight */
		}
	}
	/* Yesterday's span may run past midnight into today. */
	struct tm yd = {
	    .tm_year = t->year - 1900, .tm_mon = t->mon - 1, .tm_mday = t->mday - 1, .tm_hour = 12};
	timegm(&yd); /* normalises day 0 to the last of the month before */
	const struct sched_day *prev =
	    day_for(s, yd.tm_year + 1900, yd.tm_mon + 1, yd.tm_mday, (t->wday + 6) % 7);
	return !prev->closed && prev->to_min <= prev->from_min && t->min < prev->to_min;
}

void schedule_local(int64_t ms, struct sched_time *out)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	out->year = tm.tm_year + 1900;
	out->mon = tm.tm_mon + 1;
	out->mday = tm.tm_mday;
	out->wday = tm.tm_wday;
	out->min = tm.tm_hour * 60 + tm.tm_min;
}

static bool parse_hm(const char *p, int *min)
{
	if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] == ':' &&
	      p[3] >= '0' && p[3] <= '9' && p[4] >= '0' && p[4] <= '9'))
		return false;
	int h = (p[0] - '0') * 10 + p[1] - '0';
	int m = (p[3] - '0') * 10 + p[4] - '0';
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return false;
	*min = h * 60 + m;
	return true;
}

bool schedule_parse_day(const char *v, struct sched_day *day)
{
	if (!strcmp(v, "closed")) {
		*day = (struct sched_day){.closed = true};
		return true;
	}
	int from, to;
	if (strlen(v) != 11 || v[5] != '-' || !parse_hm(v, &from) || !parse_hm(v + 6, &to))
		return false;
	if (from == 1440 || from == to)
		return false;
	*day = (struct sched_day){.closed = false, .from_min = from, .to_min = to};
	return true;
}

bool schedule_parse_date(const char *s, int *year, int *mon, int *mday)
{
	int y, m, d, n = 0;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	if (s[4] != '-' || s[7] != '-' || y < 1970 || !time_date_valid(y, m, d))
		return false;
	*year = y;
	*mon = m;
	*mday = d;
	return true;
}

bool schedule_add_exception(struct schedule *s, int year, int mon, int mday,
                            const struct sched_day *day)
{
	for (int i = 0; i < s->nexceptions; i++) {
		struct sched_exception *e = &s->ex[i];
		if (e->year == year && e->mon == mon && e->mday == mday) {
			e->day = *day;
			return true;
		}
	}
	if (s->nexceptions >= SCHEDULE_EXCEPTIONS_MAX)
		return false;
	s->ex[s->nexceptions++] = (struct sched_exception){year, mon, mday, *day};
	return true;
}

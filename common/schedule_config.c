/* Opening-hours keys as the display's [hours] and the bridge's
 * [site:TENANT/SITE] sections write them: one parser, one set of errors. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cfgparse.h"
#include "schedule.h"

int schedule_weekday(const char *name, size_t n)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(name, days[i], 3) == 0)
			return i;
	return -1;
}

bool schedule_config_key(struct cfg_ctx *ctx, struct schedule *s, const char *section,
                         const char *k, const char *v)
{
	struct sched_day day;
	int wday = schedule_weekday(k, strlen(k));
	if (wday >= 0) {
		if (!schedule_parse_day(v, &day))
			cfg_error(ctx, section, k, v, "expected HH:MM-HH:MM or closed");
		else
			s->week[wday] = day;
		return true;
	}
	if (!isdigit((unsigned char)k[0]))
		return false;
	int y, m, d;
	if (!schedule_parse_date(k, &y, &m, &d))
		cfg_error(ctx, section, k, v, "expected a date as YYYY-MM-DD");
	else if (!schedule_parse_day(v, &day))
		cfg_error(ctx, section, k, v, "expected HH:MM-HH:MM or closed");
	else if (!schedule_add_exception(s, y, m, d, &day))
		cfg_error(ctx, section, k, v, "more than %d exception dates",
		          SCHEDULE_EXCEPTIONS_MAX);
	return true;
}

#include <string.h>
#include <stdio.h>

#include "metrics.h"

const double metrics_lat_bounds[METRICS_LAT_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,   0.25,   0.5,   1,    5,     30};

void metrics_reject(struct metrics *m, const char *reason)
{
	for (int i = 0; i < METRICS_REASONS_MAX; i++) {
		if (!m->rejected[i].reason[0])
			snprintf(m->rejected[i].reason, sizeof m->rejected[i].reason, "%s", reason);
		if (strcmp(m->rejected[i].reason, reason) == 0) {
			m->rejected[i].n++;
			return;
		}
	}
}

void metrics_latency(struct metrics *m, double s)
{
	for (int i = 0; i < METRICS_LAT_BUCKETS; i++)
		if (s <= metrics_lat_bounds[i])
			m->lat_bucket[i]++;
	m->lat_count++;
	m->lat_sum += s;
}

/* Counters for /metrics and their Prometheus text. Plain numbers updated
 * from the loop thread. */
#ifndef CB_BRIDGE_METRICS_H
#define CB_BRIDGE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "pii.h"
#include "topic.h"

struct bridge;

#define METRICS_LAT_BUCKETS 12
#define METRICS_REASONS_MAX 16

struct metrics {
	uint64_t calls_accepted;
	uint64_t recalls_accepted;
	uint64_t cancels_accepted;
	struct {
		char reason[32];
		uint64_t n;
	} rejected[METRICS_REASONS_MAX];
	/* accept-to-publish latency in seconds */
	uint64_t lat_bucket[METRICS_LAT_BUCKETS];
	uint64_t lat_count;
	double lat_sum;
	uint64_t http_status[600];
	uint64_t boards_published;
	uint64_t publish_failures;
	uint64_t device_transitions;
	uint64_t device_transitions_to[4]; /* by the state entered (enum dev_state) */
	uint64_t statuses_stale;           /* older than the one applied: ignored */
	uint64_t webhooks_sent, webhooks_failed;
	uint64_t webhooks_dropped; /* oldest alerts pushed out of a full queue */
	/* bodies refused for personal data, by enum pii_kind of the value;
	 * [PII_NONE]: a key naming personal data */
	uint64_t personal_refused[PII_KINDS];
	/* Display messages the registry refused: for a site not configured, or
	 * for a new display on a site at max_devices_per_site. */
	uint64_t devices_refused_unknown_site, devices_refused_site_full;
	/* Retained display messages ignored, by topic kind. */
	uint64_t retained_ignored[PROTO_TOPIC_SCREENSHOT + 1];
};

/* Count a rejected call request by reason ("auth", "validation", ...). */
void metrics_reject(struct metrics *m, const char *reason);
/* Observe one accept-to-publish latency. */
void metrics_latency(struct metrics *m, double seconds);
/* Upper bounds of the latency buckets in seconds. */
extern const double metrics_lat_bounds[METRICS_LAT_BUCKETS];
/* The Prometheus text of b's counters, outbox, broker link and displays;
 * a malloc'ed string the caller frees, length in *len. */
char *metrics_render(struct bridge *b, size_t *len);

#endif

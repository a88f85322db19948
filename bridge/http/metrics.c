#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "lease.h"
#include "metrics.h"
#include "mqttc.h"
#include "registry.h"

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

/* Writes the HELP and TYPE lines that open a counter family. */
static void counter_head(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

/* Writes one sample of a counter family with a single label. */
static void counter_line(FILE *f, const char *name, const char *label, const char *value,
                         uint64_t n)
{
	fprintf(f, "%s{%s=\"%s\"} %llu\n", name, label, value, (unsigned long long)n);
}

char *metrics_render(struct bridge *br, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	if (!f)
		abort(); /* out of memory: fatal, as in xmalloc */
	struct metrics *m = &br->metrics;
	fprintf(f,
	        "# HELP callboard_calls_accepted_total Calls accepted (202).\n"
	        "# TYPE callboard_calls_accepted_total counter\n"
	        "callboard_calls_accepted_total %llu\n",
	        (unsigned long long)m->calls_accepted);
	fprintf(f,
	        "# HELP callboard_recalls_accepted_total Recalls accepted (202).\n"
	        "# TYPE callboard_recalls_accepted_total counter\n"
	        "callboard_recalls_accepted_total %llu\n"
	        "# HELP callboard_cancels_accepted_total Cancels accepted.\n"
	        "# TYPE callboard_cancels_accepted_total counter\n"
	        "callboard_cancels_accepted_total %llu\n",
	        (unsigned long long)m->recalls_accepted, (unsigned long long)m->cancels_accepted);
	fprintf(f, "# HELP callboard_calls_rejected_total Call requests refused, by reason.\n"
	           "# TYPE callboard_calls_rejected_total counter\n");
	for (int i = 0; i < METRICS_REASONS_MAX && m->rejected[i].reason[0]; i++)
		fprintf(f, "callboard_calls_rejected_total{reason=\"%s\"} %llu\n",
		        m->rejected[i].reason, (unsigned long long)m->rejected[i].n);
	fprintf(f, "# HELP callboard_personal_data_refused_total Bodies refused for personal data, "
	           "by kind (key: a key naming it).\n"
	           "# TYPE callboard_personal_data_refused_total counter\n");
	for (int k = 0; k < PII_KINDS; k++)
		fprintf(f, "callboard_personal_data_refused_total{kind=\"%s\"} %llu\n",
		        k == PII_NONE ? "key" : pii_kind_name(k),
		        (unsigned long long)m->personal_refused[k]);
	fprintf(f, "# HELP callboard_accept_to_publish_seconds From 202 to the broker's PUBACK.\n"
	           "# TYPE callboard_accept_to_publish_seconds histogram\n");
	for (int i = 0; i < METRICS_LAT_BUCKETS; i++)
		fprintf(f, "callboard_accept_to_publish_seconds_bucket{le=\"%g\"} %llu\n",
		        metrics_lat_bounds[i], (unsigned long long)m->lat_bucket[i]);
	fprintf(f,
	        "callboard_accept_to_publish_seconds_bucket{le=\"+Inf\"} %llu\n"
	        "callboard_accept_to_publish_seconds_sum %.6f\n"
	        "callboard_accept_to_publish_seconds_count %llu\n",
	        (unsigned long long)m->lat_count, m->lat_sum, (unsigned long long)m->lat_count);
	fprintf(
	    f,
	    "# HELP callboard_outbox_depth Boards and notices not yet confirmed by the broker.\n"
	    "# TYPE callboard_outbox_depth gauge\ncallboard_outbox_depth %d\n",
	    bridge_outbox_depth(br));
	fprintf(f,
	        "# HELP callboard_mqtt_connected 1 while connected to the broker, else 0.\n"
	        "# TYPE callboard_mqtt_connected gauge\ncallboard_mqtt_connected %d\n",
	        br->mqtt && mqttc_connected(br->mqtt) ? 1 : 0);
	lease_metrics(br, f);
	fprintf(f,
	        "# HELP callboard_boards_published_total Boards confirmed by the broker.\n"
	        "# TYPE callboard_boards_published_total counter\n"
	        "callboard_boards_published_total %llu\n"
	        "# HELP callboard_publish_refused_total Publishes the MQTT client refused "
	        "(disconnected or queue full).\n"
	        "# TYPE callboard_publish_refused_total counter\n"
	        "callboard_publish_refused_total %llu\n",
	        (unsigned long long)m->boards_published, (unsigned long long)m->publish_failures);
	fprintf(f, "# HELP callboard_devices Displays by site and state.\n"
	           "# TYPE callboard_devices gauge\n");
	for (int i = 0; i < br->cfg.ntenants; i++) {
		const struct cfg_tenant *t = &br->cfg.tenants[i];
		for (int j = 0; j < t->nsites; j++) {
			int counts[4], behind;
			registry_count(br->registry, t->name, t->sites[j].name, counts, &behind);
			for (int s = DEV_ONLINE; s <= DEV_STALE; s++)
				fprintf(f,
				        "callboard_devices{tenant=\"%s\",site=\"%s\",state=\"%s\"} "
				        "%d\n",
				        t->name, t->sites[j].name,
				        registry_state_name((enum dev_state)s), counts[s]);
			fprintf(
			    f, "callboard_devices{tenant=\"%s\",site=\"%s\",state=\"behind\"} %d\n",
			    t->name, t->sites[j].name, behind);
		}
	}
	counter_head(f, "callboard_device_transitions_total",
	             "Display state changes, by state entered.");
	for (int st = DEV_ONLINE; st <= DEV_STALE; st++)
		counter_line(f, "callboard_device_transitions_total", "to",
		             registry_state_name((enum dev_state)st), m->device_transitions_to[st]);
	fprintf(f,
	        "# HELP callboard_device_messages_refused_total Display messages refused: site not "
	        "configured, or a new display on a full site.\n"
	        "# TYPE callboard_device_messages_refused_total counter\n"
	        "callboard_device_messages_refused_total{reason=\"unknown-site\"} %llu\n"
	        "callboard_device_messages_refused_total{reason=\"site-full\"} %llu\n",
	        (unsigned long long)m->devices_refused_unknown_site,
	        (unsigned long long)m->devices_refused_site_full);
	counter_head(f, "callboard_retained_ignored_total",
	             "Retained display messages ignored and cleared, by kind.");
	for (int k = PROTO_TOPIC_HEALTH; k <= PROTO_TOPIC_SCREENSHOT; k++)
		if (k != PROTO_TOPIC_CMD)
			counter_line(f, "callboard_retained_ignored_total", "kind",
			             proto_topic_kind_name((enum proto_topic_kind)k),
			             m->retained_ignored[k]);
	fprintf(f,
	        "# HELP callboard_device_statuses_stale_total Display statuses older than the one "
	        "applied (a Will after the next connection's online): ignored.\n"
	        "# TYPE callboard_device_statuses_stale_total counter\n"
	        "callboard_device_statuses_stale_total %llu\n",
	        (unsigned long long)m->statuses_stale);
	fprintf(f,
	        "# HELP callboard_webhooks_total Webhook posts, by result.\n"
	        "# TYPE callboard_webhooks_total counter\n"
	        "callboard_webhooks_total{result=\"sent\"} %llu\n"
	        "callboard_webhooks_total{result=\"failed\"} %llu\n",
	        (unsigned long long)m->webhooks_sent, (unsigned long long)m->webhooks_failed);
	fprintf(f,
	        "# HELP callboard_webhooks_dropped_total Alerts dropped unsent: the oldest, when "
	        "the webhook queue was full.\n"
	        "# TYPE callboard_webhooks_dropped_total counter\n"
	        "callboard_webhooks_dropped_total %llu\n",
	        (unsigned long long)m->webhooks_dropped);
	counter_head(f, "callboard_http_responses_total", "HTTP responses by status.");
	for (int i = 100; i < 600; i++)
		if (m->http_status[i])
			fprintf(f, "callboard_http_responses_total{code=\"%d\"} %llu\n", i,
			        (unsigned long long)m->http_status[i]);
	if (fclose(f) != 0)
		abort();
	return out;
}

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mqttc.h"
#include "registry.h"
#include "statuspage.h"
#include "timeutil.h"

struct buf {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
}

/* HTML-escape s (names are already [a-z0-9-], but versions and audio states
 * come from displays: escape everything anyway). */
static void esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			put(b, "&lt;");
			break;
		case '>':
			put(b, "&gt;");
			break;
		case '&':
			put(b, "&amp;");
			break;
		case '"':
			put(b, "&quot;");
			break;
		case '\'':
			put(b, "&#39;");
			break;
		default:
			put(b, "%c", *s);
		}
	}
}

struct page {
	struct buf *b;
	struct bridge *br;
	char site[2 * PROTO_NAME_MAX + 2];
};

static void row(void *data, const struct registry_view *v)
{
	struct page *p = data;
	struct buf *b = p->b;
	char site[sizeof p->site];
	snprintf(site, sizeof site, "%s/%s", v->tenant, v->site);
	if (strcmp(site, p->site) != 0) {
		if (p->site[0])
			put(b, "</tbody></table>\n");
		snprintf(p->site, sizeof p->site, "%s", site);
		put(b, "<h2>");
		esc(b, site);
		put(b, "</h2>\n<table><thead><tr><th>Display</th><th>State</th><th>Last seen</th>"
		       "<th>Version</th><th>Temp.</th><th>Audio</th><th>Screenshot</th></tr>"
		       "</thead><tbody>\n");
	}
	const char *st = registry_state_name(v->state);
	put(b, "<tr><td>");
	esc(b, v->device);
	put(b, "</td><td><span class=\"s-%s\">%s</span>%s</td><td>", st, st,
	    v->behind ? " <span class=\"s-behind\">behind</span>" : "");
	if (v->last_seen_ms) {
		char ts[32];
		time_fmt_iso(v->last_seen_ms, ts, sizeof ts);
		ts[19] = '\0';
		esc(b, ts);
		put(b, " UTC");
	} else
		put(b, "never");
	put(b, "</td><td>");
	esc(b, v->version[0] ? v->version : "-");
	put(b, "</td><td>");
	if (isnan(v->temp_c))
		put(b, "-");
	else
		put(b, "%.1f &deg;C", v->temp_c);
	put(b, "</td><td>");
	esc(b, v->audio[0] ? v->audio : "-");
	put(b, "</td><td><a href=\"/status/screenshot/");
	esc(b, v->tenant);
	put(b, "/");
	esc(b, v->site);
	put(b, "/");
	esc(b, v->device);
	put(b, "\" target=\"_blank\">take screenshot</a></td></tr>\n");
}

char *statuspage_render(struct bridge *br, size_t *len)
{
	struct buf b = {0};
	put(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	        "<meta http-equiv=\"refresh\" content=\"10\">"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	        "<title>callboard displays</title><style>"
	        "body{font-family:sans-serif;margin:1.5em;color:#111;background:#fafafa}"
	        "table{border-collapse:collapse;width:100%%;margin-bottom:1.5em}"
	        "th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd}"
	        "th{background:#eee}"
	        "span[class^=s-]{padding:.1em .45em;border-radius:.3em;font-weight:bold}"
	        ".s-online{background:#cfeccf;color:#0a4d0a}"
	        ".s-offline{background:#f6d0d0;color:#7a0c0c}"
	        ".s-stale{background:#fde9bf;color:#6b4a00}"
	        ".s-unknown{background:#e4e4e4}"
	        ".s-behind{background:#fde9bf;color:#6b4a00}"
	        "</style></head><body>\n<h1>callboard displays</h1>\n");
	bool up = br->mqtt && mqttc_connected(br->mqtt);
	put(&b,
	    "<p>Broker: <span class=\"s-%s\">%s</span> &middot; boards waiting to be "
	    "published: %d &middot; refreshes every 10 s</p>\n",
	    up ? "online" : "offline", up ? "connected" : "disconnected", bridge_outbox_depth(br));
	struct page p = {&b, br, ""};
	registry_each(br->registry, row, &p);
	if (p.site[0])
		put(&b, "</tbody></table>\n");
	else
		put(&b, "<p>No display has reported yet.</p>\n");
	put(&b, "</body></html>\n");
	*len = b.len;
	return b.s;
}

char *metrics_render(struct bridge *br, size_t *len)
{
	struct buf b = {0};
	struct metrics *m = &br->metrics;
	put(&b,
	    "# HELP callboard_calls_accepted_total Calls accepted (202).\n"
	    "# TYPE callboard_calls_accepted_total counter\n"
	    "callboard_calls_accepted_total %llu\n",
	    (unsigned long long)m->calls_accepted);
	put(&b,
	    "# TYPE callboard_recalls_accepted_total counter\n"
	    "callboard_recalls_accepted_total %llu\n"
	    "# TYPE callboard_cancels_accepted_total counter\n"
	    "callboard_cancels_accepted_total %llu\n",
	    (unsigned long long)m->recalls_accepted, (unsigned long long)m->cancels_accepted);
	put(&b, "# HELP callboard_calls_rejected_total Call requests refused, by reason.\n"
	        "# TYPE callboard_calls_rejected_total counter\n");
	for (int i = 0; i < METRICS_REASONS_MAX && m->rejected[i].reason[0]; i++)
		put(&b, "callboard_calls_rejected_total{reason=\"%s\"} %llu\n",
		    m->rejected[i].reason, (unsigned long long)m->rejected[i].n);
	put(&b, "# HELP callboard_accept_to_publish_seconds From 202 to the broker's PUBACK.\n"
	        "# TYPE callboard_accept_to_publish_seconds histogram\n");
	for (int i = 0; i < METRICS_LAT_BUCKETS; i++)
		put(&b, "callboard_accept_to_publish_seconds_bucket{le=\"%g\"} %llu\n",
		    metrics_lat_bounds[i], (unsigned long long)m->lat_bucket[i]);
	put(&b,
	    "callboard_accept_to_publish_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "callboard_accept_to_publish_seconds_sum %.6f\n"
	    "callboard_accept_to_publish_seconds_count %llu\n",
	    (unsigned long long)m->lat_count, m->lat_sum, (unsigned long long)m->lat_count);
	put(&b,
	    "# HELP callboard_outbox_depth Boards and notices not yet confirmed by the broker.\n"
	    "# TYPE callboard_outbox_depth gauge\ncallboard_outbox_depth %d\n",
	    bridge_outbox_depth(br));
	put(&b, "# TYPE callboard_mqtt_connected gauge\ncallboard_mqtt_connected %d\n",
	    br->mqtt && mqttc_connected(br->mqtt) ? 1 : 0);
	put(&b,
	    "# TYPE callboard_boards_published_total counter\n"
	    "callboard_boards_published_total %llu\n"
	    "# TYPE callboard_publish_refused_total counter\n"
	    "callboard_publish_refused_total %llu\n",
	    (unsigned long long)m->boards_published, (unsigned long long)m->publish_failures);
	put(&b, "# HELP callboard_devices Displays by site and state.\n"
	        "# TYPE callboard_devices gauge\n");
	for (int i = 0; i < br->cfg.ntenants; i++) {
		const struct cfg_tenant *t = &br->cfg.tenants[i];
		for (int j = 0; j < t->nsites; j++) {
			int counts[4], behind;
			registry_count(br->registry, t->name, t->sites[j].name, counts, &behind);
			for (int s = DEV_ONLINE; s <= DEV_STALE; s++)
				put(&b,
				    "callboard_devices{tenant=\"%s\",site=\"%s\",state=\"%s\"} "
				    "%d\n",
				    t->name, t->sites[j].name,
				    registry_state_name((enum dev_state)s), counts[s]);
			put(&b,
			    "callboard_devices{tenant=\"%s\",site=\"%s\",state=\"behind\"} %d\n",
			    t->name, t->sites[j].name, behind);
		}
	}
	put(&b, "# HELP callboard_device_transitions_total Display state changes, by state "
	        "entered.\n# TYPE callboard_device_transitions_total counter\n");
	for (int st = DEV_ONLINE; st <= DEV_STALE; st++)
		put(&b, "callboard_device_transitions_total{to=\"%s\"} %llu\n",
		    registry_state_name((enum dev_state)st),
		    (unsigned long long)m->device_transitions_to[st]);
	put(&b,
	    "# TYPE callboard_webhooks_total counter\n"
	    "callboard_webhooks_total{result=\"sent\"} %llu\n"
	    "callboard_webhooks_total{result=\"failed\"} %llu\n",
	    (unsigned long long)m->webhooks_sent, (unsigned long long)m->webhooks_failed);
	put(&b, "# HELP callboard_http_responses_total HTTP responses by status.\n"
	        "# TYPE callboard_http_responses_total counter\n");
	for (int i = 100; i < 600; i++)
		if (m->http_status[i])
			put(&b, "callboard_http_responses_total{code=\"%d\"} %llu\n", i,
			    (unsigned long long)m->http_status[i]);
	*len = b.len;
	return b.s;
}

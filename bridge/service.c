#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#define LOG_MODULE "bridge"
#include "api.h"
#include "bridge.h"
#include "calls.h"
#include "discovery.h"
#include "enrol.h"
#include "http.h"
#include "lease.h"
#include "log.h"
#include "loop.h"
#include "mqttc.h"
#include "publisher.h"
#include "registry.h"
#include "service.h"
#include "store.h"
#include "timeutil.h"
#include "webhook.h"

#define IDEMPOTENCY_KEEP_MS (7 * 86400000LL)

static void on_signal(int signo, void *data)
{
	log_info("signal %d: stopping", signo);
	loop_quit(data);
}

static void on_connect(void *data)
{
	struct bridge *b = data;
	publisher_on_connect(b);
	discovery_on_connect(b->discovery);
}

static void on_disconnect(void *data)
{
	publisher_on_disconnect(data);
}

static void on_message(void *data, const char *topic, const void *payload, size_t len,
                       bool retained)
{
	struct bridge *b = data;
	if (!enrol_on_message(b->enrol, topic, payload, len))
		registry_on_message(b->registry, topic, payload, len, retained);
}

/* Once per loop turn: take in requests, commit them together (one fsync),
 * publish what changed, flush MQTT. */
static void on_idle(void *data)
{
	struct bridge *b = data;
	lease_refresh(b);
	http_run(b->http);
	calls_commit(b);
	publisher_flush(b);
	discovery_flush(b->discovery);
	if (b->mqtt)
		mqttc_flush(b->mqtt);
}

static void on_expiry(void *data)
{
	calls_expire(data);
}

static void on_housekeeping(void *data)
{
	struct bridge *b = data;
	int64_t now = time_now_ms();
	if (store_purge(b->store, now - (int64_t)b->cfg.stats_days * 86400000LL,
	                now - IDEMPOTENCY_KEEP_MS) < 0)
		log_warn("could not purge old statistics");
}

/* The watchdog ping comes from the loop itself, so a stuck loop is seen. */
static void on_watchdog(void *data)
{
	sd_notify(0, "WATCHDOG=1");
}

int service_run(const struct bridge_config *cfg)
{
	struct bridge *b = xcalloc(1, sizeof *b);
	int rc = 1;
	b->cfg = *cfg;
	b->started_ms = time_now_ms();
	signal(SIGPIPE, SIG_IGN);
	if (!(b->loop = loop_create()))
		goto out;
	loop_add_signal(b->loop, SIGTERM, on_signal, b->loop);
	loop_add_signal(b->loop, SIGINT, on_signal, b->loop);
	if (!(b->store = store_open(cfg->db_url[0] ? cfg->db_url : cfg->db_path)) ||
	    bridge_load(b) < 0)
		goto out;
	if (cfg->webhook[0] && !(b->webhook = webhook_create(b->loop, cfg->webhook, &b->metrics)))
		goto out;
	struct mqttc_callbacks cbs = {on_connect, on_disconnect, on_message};
	/* A persistent session (PROTOCOL.md section 2): what displays send
	 * while the bridge is away, a Last Will above all, waits in the broker
	 * for it, also where retained messages do not reach its wildcard
	 * subscriptions. */
	b->mqtt = mqttc_create(b->loop, &cfg->mqtt, bridge_client_id(cfg), false, &cbs, b);
	if (!b->mqtt)
		goto out;
	/* Screenshots are the largest messages the bridge takes. */
	mqttc_set_packet_max(b->mqtt, PROTO_PACKET_MAX);
	b->discovery = discovery_create(b); /* before the registry names displays */
	b->registry = registry_create(b);
	registry_subscribe(b->registry);
	b->enrol = enrol_create(b);
	enrol_subscribe(b->enrol);
	publisher_init(b);
	lease_start(b);
	b->expiry_timer = loop_add_timer(b->loop, 0, 0, on_expiry, b);
	calls_expire(b); /* boards may have aged while the bridge was down */
	on_housekeeping(b);
	calls_commit(b);
	b->housekeeping_timer = loop_add_timer(b->loop, 3600000, 3600000, on_housekeeping, b);
	struct http_limits limits = {(size_t)cfg->body_limit, (unsigned)cfg->per_ip_connections,
	                             (unsigned)cfg->request_timeout_s};
	b->http = http_start(b->loop, cfg->listen_host, cfg->listen_port, cfg->tls_cert,
	                     cfg->tls_key, &limits, api_handle, api_count_status, b);
	if (!b->http)
		goto out;
	if (mqttc_start(b->mqtt) < 0)
		goto out;
	uint64_t wd_us = 0;
	if (sd_watchdog_enabled(0, &wd_us) > 0 && wd_us >= 2000)
		loop_add_timer(b->loop, (int)(wd_us / 2000), (int)(wd_us / 2000), on_watchdog, b);
	loop_set_idle(b->loop, on_idle, b);
	sd_notify(0, "READY=1");
	log_info("callboard-bridge " CALLBOARD_VERSION " ready: %d tenants, %d areas",
	         cfg->ntenants, b->nareas);
	rc = loop_run(b->loop) < 0 ? 1 : 0;
	sd_notify(0, "STOPPING=1");
	calls_commit(b);
out:
	enrol_destroy(b->enrol);
	registry_destroy(b->registry);
	discovery_destroy(b->discovery);
	http_stop(b->http);
	if (b->mqtt) {
		publisher_flush(b);
		mqttc_disconnect(b->mqtt, 1000);
		mqttc_destroy(b->mqtt);
	}
	lease_stop(b);
	webhook_destroy(b->webhook);
	bridge_free_state(b);
	store_close(b->store);
	loop_destroy(b->loop);
	free(b);
	return rc;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "publisher"
#include "lease.h"
#include "log.h"
#include "loop.h"
#include "mqttc.h"
#include "publisher.h"
#include "store.h"
#include "timeutil.h"
#include "topic.h"

static struct loop_source *retry_timer;

static void on_retry(void *data)
{
	publisher_flush(data);
}

void publisher_init(struct bridge *b)
{
	retry_timer = loop_add_timer(b->loop, 0, 0, on_retry, b);
}

/* A retained board or notice (JSON, no expiry). */
static int publish_state(struct bridge *b, enum proto_topic_kind kind, const char *topic,
                         const char *json)
{
	/* Fencing: checked before every message, not once per flush. */
	if (!lease_may_publish(b))
		return -1;
	struct mqttc_props props = {proto_topic_expiry_s(kind, 0), proto_topic_content_type(kind)};
	return mqttc_publish(b->mqtt, topic, json, strlen(json), 1, true, &props);
}

static void arm_retry(void)
{
	if (retry_timer)
		loop_timer_arm(retry_timer, 100, 0);
}

/* The area's board or queue topic; false cannot happen (names were validated). */
static bool area_topic(const struct area *a, enum proto_topic_kind kind,
                       char topic[PROTO_TOPIC_MAX])
{
	struct proto_topic t = {.kind = kind};
	snprintf(t.tenant, sizeof t.tenant, "%s", a->tenant);
	snprintf(t.site, sizeof t.site, "%s", a->site);
	snprintf(t.area, sizeof t.area, "%s", a->name);
	return proto_topic_build(&t, topic, PROTO_TOPIC_MAX) >= 0;
}

/* The queue figures, retained; -1: try again later. */
static int send_queue(struct bridge *b, struct area *a)
{
	char topic[PROTO_TOPIC_MAX];
	if (!area_topic(a, PROTO_TOPIC_QUEUE, topic))
		return 0;
	if (publish_state(b, PROTO_TOPIC_QUEUE, topic, a->queue) < 0) {
		b->metrics.publish_failures++;
		return -1;
	}
	a->queue_due = false;
	return 0;
}

/* -1: the client refused (disconnected or in-flight cap): try again later. */
static int send_area(struct bridge *b, struct area *a)
{
	char topic[PROTO_TOPIC_MAX];
	if (!area_topic(a, PROTO_TOPIC_BOARD, topic))
		return 0;
	struct proto_board *pb = xmalloc(sizeof *pb);
	board_to_proto(&a->board, a->board_ts_ms ? a->board_ts_ms : time_now_ms(), pb);
	char *json = proto_board_encode(pb);
	free(pb);
	int rc = publish_state(b, PROTO_TOPIC_BOARD, topic, json);
	free(json);
	if (rc < 0) {
		b->metrics.publish_failures++;
		return -1;
	}
	b->metrics.boards_published++;
	a->sent_seq = a->board.seq;
	a->force = false;
	return 0;
}

static int send_notice(struct bridge *b, struct notice *n)
{
	struct proto_topic t = {.kind = PROTO_TOPIC_NOTICE};
	snprintf(t.tenant, sizeof t.tenant, "%s", n->tenant);
	snprintf(t.site, sizeof t.site, "%s", n->site);
	char topic[PROTO_TOPIC_MAX];
	if (proto_topic_build(&t, topic, sizeof topic) < 0)
		return 0;
	if (publish_state(b, PROTO_TOPIC_NOTICE, topic, n->payload) < 0) {
		b->metrics.publish_failures++;
		return -1;
	}
	n->sent_seq = n->seq;
	n->force = false;
	return 0;
}

/* With nothing in flight, everything sent so far is confirmed by the
 * broker: make that durable so a restart does not resend needlessly. */
static void confirm(struct bridge *b)
{
	if (mqttc_inflight(b->mqtt) != 0)
		return;
	bool any = false;
	for (int i = 0; i < b->nareas && !any; i++)
		any = b->areas[i]->sent_seq > b->areas[i]->published_seq;
	for (int i = 0; i < b->nnotices && !any; i++)
		any = b->notices[i]->sent_seq > b->notices[i]->published_seq;
	if (!any)
		return;
	int64_t now = time_mono_ms();
	if (store_begin(b->store) < 0)
		return;
	for (int i = 0; i < b->nareas; i++) {
		struct area *a = b->areas[i];
		if (a->sent_seq <= a->published_seq)
			continue;
		if (store_area_published(b->store, a->tenant, a->site, a->name, a->sent_seq) < 0)
			goto fail;
	}
	for (int i = 0; i < b->nnotices; i++) {
		struct notice *n = b->notices[i];
		if (n->sent_seq > n->published_seq &&
		    store_notice_published(b->store, n->tenant, n->site, n->sent_seq) < 0)
			goto fail;
	}
	if (store_commit(b->store) < 0)
		goto fail;
	for (int i = 0; i < b->nareas; i++) {
		struct area *a = b->areas[i];
		if (a->sent_seq <= a->published_seq)
			continue;
		a->published_seq = a->sent_seq;
		if (a->published_seq >= a->board.seq && a->pending_since_mono) {
			metrics_latency(&b->metrics,
			                (double)(now - a->pending_since_mono) / 1000.0);
			a->pending_since_mono = 0;
		}
	}
	for (int i = 0; i < b->nnotices; i++)
		if (b->notices[i]->sent_seq > b->notices[i]->published_seq)
			b->notices[i]->published_seq = b->notices[i]->sent_seq;
	return;
fail:
	store_rollback(b->store);
	log_warn_rl("could not record published seqs");
}

void publisher_flush(struct bridge *b)
{
	/* Never publish a board that is not committed yet, nor without the
	 * lease. */
	if (!b->mqtt || !mqttc_connected(b->mqtt) || b->batch_open || !lease_may_publish(b))
		return;
	if (b->outbox_dirty) {
		b->outbox_dirty = false;
		for (int i = 0; i < b->nareas; i++) {
			struct area *a = b->areas[i];
			bool due = a->force ||
			           (a->board.seq > a->published_seq && a->board.seq > a->sent_seq);
			if ((due && a->board.seq > 0 && send_area(b, a) < 0) ||
			    (a->queue && a->queue_due && send_queue(b, a) < 0)) {
				b->outbox_dirty = true;
				arm_retry();
				break;
			}
		}
		for (int i = 0; i < b->nnotices && !b->outbox_dirty; i++) {
			struct notice *n = b->notices[i];
			bool due = n->force || (n->seq > n->published_seq && n->seq > n->sent_seq);
			if (due && n->seq > 0 && send_notice(b, n) < 0) {
				b->outbox_dirty = true;
				arm_retry();
				break;
			}
		}
	}
	confirm(b);
}

void publisher_on_connect(struct bridge *b)
{
	for (int i = 0; i < b->nareas; i++) {
		b->areas[i]->force = true;
		b->areas[i]->queue_due = b->areas[i]->queue != NULL;
	}
	for (int i = 0; i < b->nnotices; i++)
		b->notices[i]->force = true;
	b->outbox_dirty = true;
	log_info("connected: publishing %d boards and %d notices (%d unconfirmed)", b->nareas,
	         b->nnotices, bridge_outbox_depth(b));
}

void publisher_on_disconnect(struct bridge *b)
{
	for (int i = 0; i < b->nareas; i++)
		b->areas[i]->sent_seq = b->areas[i]->published_seq;
	for (int i = 0; i < b->nnotices; i++)
		b->notices[i]->sent_seq = b->notices[i]->published_seq;
}

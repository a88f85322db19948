#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define LOG_MODULE "lease"
#include "lease.h"
#include "log.h"
#include "loop.h"
#include "publisher.h"
#include "store.h"
#include "timeutil.h"

struct lease {
	char holder[96];
	int64_t epoch;       /* held; 0 when following */
	int64_t seen_epoch;  /* the holder's, as last seen */
	int64_t valid_until; /* monotonic ms: publishing stops here */
	int64_t renewed;     /* monotonic ms of the last renewal, 0: none */
	bool reload_all;     /* change notices were missed */
	struct loop_source *timer;
	struct loop_source *watch; /* the change-notice socket */
};

static void on_change(void *data, const char *what)
{
	struct bridge *b = data;
	char t[PROTO_NAME_MAX + 1], s[PROTO_NAME_MAX + 1], a[PROTO_NAME_MAX + 1];
	b->stale = true;
	if (!what) { /* notices were missed: everything may have changed */
		for (int i = 0; i < b->nareas; i++)
			b->areas[i]->stale = true;
		for (int i = 0; i < b->nnotices; i++)
			b->notices[i]->stale = true;
		b->lease->reload_all = true; /* and areas new to us */
		return;
	}
	if (sscanf(what, "a/%63[^/]/%63[^/]/%63s", t, s, a) == 3 && proto_name_valid(t) &&
	    proto_name_valid(s) && proto_name_valid(a))
		bridge_area(b, t, s, a, true)->stale = true;
	else if (sscanf(what, "n/%63[^/]/%63s", t, s) == 2 && proto_name_valid(t) &&
	         proto_name_valid(s))
		bridge_notice(b, t, s, true)->stale = true;
}

static void watch(struct bridge *b);

static void on_readable(int fd, uint32_t events, void *data)
{
	struct bridge *b = data;
	if (store_listen(b->store, on_change, b) != 0)
		watch(b); /* lost or made again: a new socket */
}

/* Watch the change-notice socket (again, when it changed). */
static void watch(struct bridge *b)
{
	struct lease *l = b->lease;
	if (l->watch)
		loop_remove(b->loop, l->watch);
	l->watch = NULL;
	int fd = store_listen_fd(b->store);
	if (fd >= 0)
		l->watch = loop_add_fd(b->loop, fd, EPOLLIN, on_readable, b);
}

/* Every board and notice from the store; 0 or -1. */
static int reload(struct bridge *b)
{
	if (store_areas_load(b->store, bridge_apply_area, b) < 0 ||
	    store_notices_load(b->store, bridge_apply_notice, b) < 0)
		return -1;
	b->lease->reload_all = false;
	return 0;
}

/* Leadership taken: nothing older than the store may go out, so every
 * board and notice is read again, then all are republished. */
static void take_over(struct bridge *b, int64_t epoch)
{
	struct lease *l = b->lease;
	if (reload(b) < 0) {
		log_warn("lease epoch %lld: could not reload the boards; not publishing yet",
		         (long long)epoch);
		l->valid_until = 0;
		return;
	}
	l->epoch = l->seen_epoch = epoch;
	log_info("publishing: lease epoch %lld taken by %s", (long long)epoch, l->holder);
	publisher_on_connect(b);
}

static void step_down(struct bridge *b, int64_t their_epoch)
{
	struct lease *l = b->lease;
	if (l->epoch)
		log_info("not publishing: the lease went to epoch %lld", (long long)their_epoch);
	l->epoch = 0;
	l->valid_until = 0;
	l->seen_epoch = their_epoch;
	publisher_on_disconnect(b); /* resend everything should it come back */
}

static void on_tick(void *data)
{
	struct bridge *b = data;
	struct lease *l = b->lease;
	if (store_listen(b->store, on_change, b) != 0 || !l->watch)
		watch(b);
	int64_t t0 = time_mono_ms();
	bool lapsed = t0 >= l->valid_until;
	int64_t epoch = 0;
	int rc = store_lease(b->store, l->holder, l->epoch, LEASE_MS, &epoch);
	if (rc < 0)
		return; /* the lease runs out by itself */
	if (rc == 0) {
		step_down(b, epoch);
		return;
	}
	l->valid_until = t0 + LEASE_MS - LEASE_MARGIN_MS;
	l->renewed = t0;
	if (epoch != l->epoch || lapsed)
		take_over(b, epoch);
}

void lease_start(struct bridge *b)
{
	struct lease *l = xcalloc(1, sizeof *l);
	b->lease = l;
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	char rnd[9];
	proto_random_hex(rnd, 4);
	snprintf(l->holder, sizeof l->holder, "%s:%d:%s", host, (int)getpid(), rnd);
	if (!store_shared(b->store))
		return;
	l->timer = loop_add_timer(b->loop, LEASE_RENEW_MS, LEASE_RENEW_MS, on_tick, b);
	on_tick(b);
}

void lease_stop(struct bridge *b)
{
	struct lease *l = b->lease;
	if (!l)
		return;
	if (l->epoch)
		store_lease_drop(b->store, l->holder);
	if (l->watch)
		loop_remove(b->loop, l->watch);
	if (l->timer)
		loop_remove(b->loop, l->timer);
	free(l);
	b->lease = NULL;
}

bool lease_may_publish(const struct bridge *b)
{
	if (!store_shared(b->store))
		return true;
	const struct lease *l = b->lease;
	return l && l->epoch && time_mono_ms() < l->valid_until;
}

void lease_status(const struct bridge *b, struct lease_status *st)
{
	const struct lease *l = b->lease;
	memset(st, 0, sizeof *st);
	st->shared = store_shared(b->store);
	st->leader = lease_may_publish(b);
	st->epoch = st->shared ? (l ? l->seen_epoch : 0) : 1;
	st->age_ms = l && l->renewed ? time_mono_ms() - l->renewed : -1;
	st->holder = l ? l->holder : "";
}

void lease_refresh(struct bridge *b)
{
	if (!b->stale || b->batch_open)
		return;
	b->stale = false;
	if (b->lease && b->lease->reload_all && reload(b) < 0) {
		b->stale = true; /* try again next turn */
		return;
	}
	for (int i = 0; i < b->nareas; i++) {
		struct area *a = b->areas[i];
		if (!a->stale)
			continue;
		if (store_area_get(b->store, a->tenant, a->site, a->name, false, bridge_apply_area,
		                   b) < 0)
			b->stale = true;
		else
			a->stale = false;
	}
	for (int i = 0; i < b->nnotices; i++) {
		struct notice *n = b->notices[i];
		if (!n->stale)
			continue;
		if (store_notice_get(b->store, n->tenant, n->site, false, bridge_apply_notice, b) <
		    0)
			b->stale = true;
		else
			n->stale = false;
	}
}

const char *lease_role(const struct bridge *b)
{
	if (!store_shared(b->store))
		return "single";
	return lease_may_publish(b) ? "leader" : "follower";
}

json_t *lease_health(const struct bridge *b)
{
	struct lease_status st;
	lease_status(b, &st);
	return json_pack("{s:s,s:I,s:I,s:s}", "role", lease_role(b), "epoch", (json_int_t)st.epoch,
	                 "lease_age_ms", (json_int_t)st.age_ms, "holder", st.holder);
}

void lease_metrics(const struct bridge *b, FILE *f)
{
	struct lease_status st;
	lease_status(b, &st);
	fprintf(
	    f,
	    "# HELP callboard_publisher 1 when this bridge publishes boards (holds the lease, or "
	    "is the only bridge).\n# TYPE callboard_publisher gauge\ncallboard_publisher %d\n"
	    "# HELP callboard_lease_epoch The publisher lease's epoch, held or last seen.\n"
	    "# TYPE callboard_lease_epoch gauge\ncallboard_lease_epoch %lld\n"
	    "# HELP callboard_lease_age_seconds Since this bridge last renewed the lease "
	    "(-1: never).\n# TYPE callboard_lease_age_seconds gauge\n"
	    "callboard_lease_age_seconds %.3f\n",
	    st.leader ? 1 : 0, (long long)st.epoch,
	    st.age_ms < 0 ? -1.0 : (double)st.age_ms / 1000.0);
}

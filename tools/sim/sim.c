#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim.h"

/* Ticket letters follow the usual Borgerservice split; service times are
 * minutes at the desk (log-normal: most are short, a few take long). */
static const struct sim_service services[SIM_SERVICES] = {
    {'P', "Pas og kørekort", 0.30, 8.0, 0.45, false},
    {'S', "Sundhedskort og flytning", 0.25, 5.0, 0.50, false},
    {'G', "Generel henvendelse", 0.30, 4.0, 0.70, false},
    {'T', "Tidsbestilling", 0.15, 12.0, 0.35, true},
};

const struct sim_service *sim_services(void)
{
	return services;
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_range(struct sim_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * sim_rng_unit(r);
}

static double rng_exp(struct sim_rng *r, double rate)
{
	return -log(1.0 - sim_rng_unit(r)) / rate;
}

static double rng_normal(struct sim_rng *r)
{
	double u1 = 1.0 - sim_rng_unit(r), u2 = sim_rng_unit(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void sim_config_default(struct sim_config *c)
{
	memset(c, 0, sizeof *c);
	c->seed = 1;
	c->mode = SIM_MODE_DAY;
	c->nsites = 1;
	c->desks = 8;
	c->weekday = 1;
	c->open_min = 8 * 60;
	c->arrivals = 350;
	c->recall_p = 0.05;
	c->cancel_p = 0.015;
	c->rate = 10;
}

int sim_close_min(const struct sim_config *c)
{
	if (c->close_min > 0)
		return c->close_min;
	return c->weekday == 4 ? 17 * 60 + 30 : 15 * 60;
}

/* Arrivals per hour, relative: a morning peak once the doors have been open
 * a while, a dip at lunch, a second peak after lunch, a tail to closing. */
static const double hour_weight[24] = {
    [7] = 0.5,  [8] = 0.7,  [9] = 1.0,  [10] = 1.4, [11] = 1.5, [12] = 0.9,
    [13] = 1.3, [14] = 1.0, [15] = 0.8, [16] = 0.9, [17] = 0.7, [18] = 0.5,
};

double sim_intensity(const struct sim_config *c, int minute)
{
	if (minute < c->open_min || minute >= sim_close_min(c) || minute < 0 || minute >= 1440)
		return 0;
	return hour_weight[minute / 60] > 0 ? hour_weight[minute / 60] : 0.4;
}

int sim_desks_planned(const struct sim_config *c, int minute)
{
	int open = c->open_min, close = sim_close_min(c);
	if (minute < open - 10 || minute >= close)
		return 0;
	double frac;
	if (minute < open + 60)
		frac = 0.5;
	else if (minute < 10 * 60)
		frac = 0.8;
	else if (minute >= 12 * 60 && minute < 13 * 60)
		frac = 0.67; /* staggered lunch */
	else if (minute < 14 * 60)
		frac = 1.0;
	else if (minute < 15 * 60)
		frac = 0.67;
	else
		frac = 0.5; /* Thursday's long afternoon */
	int n = (int)lround(c->desks * frac);
	if (n < 1)
		n = 1;
	return n > c->desks ? c->desks : n;
}

/* Internal events, kept in a binary heap by (t, order of scheduling). */
enum ev_kind { EV_ARRIVAL, EV_STAFF, EV_DESK_FREE, EV_RECALL, EV_CANCEL, EV_SERVE };

struct ev {
	int64_t t;
	uint64_t order;
	enum ev_kind kind;
	int site, desk;
};

struct ticket {
	int service;
	long number;
};

/* A double-ended queue of tickets (cancelled calls go back to the front). */
struct tq {
	struct ticket *v;
	int cap, head, n;
};

enum desk_state { DESK_CLOSED, DESK_IDLE, DESK_BUSY };

struct desk {
	enum desk_state state;
	bool closing;
	struct ticket cur;
	long call_no;
};

struct site {
	struct tq booked, walkin;
	struct desk desks[SIM_DESKS_MAX];
	long next_number[SIM_SERVICES];
	long calls, arrivals;
	bool doors_closed;
};

#define OUT_MAX 64

struct sim {
	struct sim_config c;
	struct sim_rng rng;
	struct ev *heap;
	int nheap, capheap;
	uint64_t order;
	double lambda_max; /* arrivals per ms at the peak weight */
	double weight_max;
	struct site sites[SIM_SITES_MAX];
	struct sim_event out[OUT_MAX];
	int out_head, out_n;
	long calls; /* emitted, all sites */
	long load_i;
	bool done, truncated;
};

static void tq_grow(struct tq *q)
{
	int cap = q->cap ? q->cap * 2 : 32;
	struct ticket *v = xcalloc((size_t)cap, sizeof *v);
	for (int i = 0; i < q->n; i++)
		v[i] = q->v[(q->head + i) % q->cap];
	free(q->v);
	q->v = v;
	q->cap = cap;
	q->head = 0;
}

static void tq_push_back(struct tq *q, struct ticket t)
{
	if (q->n == q->cap)
		tq_grow(q);
	q->v[(q->head + q->n) % q->cap] = t;
	q->n++;
}

static void tq_push_front(struct tq *q, struct ticket t)
{
	if (q->n == q->cap)
		tq_grow(q);
	q->head = (q->head + q->cap - 1) % q->cap;
	q->v[q->head] = t;
	q->n++;
}

static bool tq_pop(struct tq *q, struct ticket *t)
{
	if (!q->n)
		return false;
	*t = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return true;
}

static bool ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void schedule(struct sim *s, int64_t t, enum ev_kind kind, int site, int desk)
{
	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? s->capheap * 2 : 64;
		s->heap = xrealloc(s->heap, (size_t)s->capheap * sizeof *s->heap);
	}
	struct ev e = {t, s->order++, kind, site, desk};
	int i = s->nheap++;
	while (i > 0 && ev_less(&e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
}

static bool pop_ev(struct sim *s, struct ev *out)
{
	if (!s->nheap)
		return false;
	*out = s->heap[0];
	struct ev last = s->heap[--s->nheap];
	int i = 0;
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		const struct ev *best = &last;
		if (l < s->nheap && ev_less(&s->heap[l], best)) {
			m = l;
			best = &s->heap[l];
		}
		if (r < s->nheap && ev_less(&s->heap[r], best))
			m = r;
		if (m == i)
			break;
		s->heap[i] = s->heap[m];
		i = m;
	}
	if (s->nheap)
		s->heap[i] = last;
	return true;
}

static void emit(struct sim *s, int64_t t, int site, enum sim_action a, int desk,
                 const struct ticket *tk, long call_no)
{
	if (s->out_n == OUT_MAX)
		abort(); /* cannot happen: one internal event emits a handful */
	struct sim_event *e = &s->out[(s->out_head + s->out_n++) % OUT_MAX];
	memset(e, 0, sizeof *e);
	e->t_ms = t;
	e->site = site;
	e->action = a;
	e->desk = desk;
	e->service = tk ? tk->service : -1;
	e->call_no = call_no;
	/* The modulo bounds the digits for -O3's format-truncation check; no
	 * run gets near 10^8 tickets. */
	if (tk)
		snprintf(e->ticket, sizeof e->ticket, "%c%03ld", services[tk->service].prefix,
		         tk->number % 100000000);
}

static int pick_service(struct sim *s)
{
	double u = sim_rng_unit(&s->rng), acc = 0;
	for (int i = 0; i < SIM_SERVICES; i++) {
		acc += services[i].share;
		if (u < acc)
			return i;
	}
	return SIM_SERVICES - 1;
}

static int64_t service_ms(struct sim *s, int service)
{
	const struct sim_service *sv = &services[service];
	double mu = log(sv->mean_min) - sv->sigma * sv->sigma / 2;
	double min = exp(mu + sv->sigma * rng_normal(&s->rng));
	if (min > sv->mean_min * 5)
		min = sv->mean_min * 5;
	if (min < 0.5)
		min = 0.5;
	return (int64_t)(min * 60000.0);
}

static int64_t secs(struct sim *s, double lo, double hi)
{
	return (int64_t)(rng_range(&s->rng, lo, hi) * 1000.0);
}

/* Booked appointments that have checked in go before walk-ins. */
static bool next_ticket(struct site *st, struct ticket *t)
{
	return tq_pop(&st->booked, t) || tq_pop(&st->walkin, t);
}

static int waiting(const struct site *st)
{
	return st->booked.n + st->walkin.n;
}

static bool count_reached(const struct sim *s)
{
	return s->c.count > 0 && s->calls >= s->c.count;
}

static void close_desk(struct sim *s, int64_t t, int site, int d)
{
	struct desk *dk = &s->sites[site].desks[d];
	dk->state = DESK_CLOSED;
	dk->closing = false;
	emit(s, t, site, SIM_DESK_CLOSE, d + 1, NULL, 0);
}

/* A desk that has nothing to do: call the next citizen, or close. */
static void desk_ready(struct sim *s, int64_t t, int site, int d)
{
	struct site *st = &s->sites[site];
	struct desk *dk = &st->desks[d];
	dk->state = DESK_IDLE;
	if (dk->closing) {
		close_desk(s, t, site, d);
		return;
	}
	struct ticket tk;
	if (count_reached(s) || !next_ticket(st, &tk)) {
		if (st->doors_closed)
			close_desk(s, t, site, d);
		return;
	}
	dk->state = DESK_BUSY;
	dk->cur = tk;
	dk->call_no = ++st->calls;
	s->calls++;
	emit(s, t, site, SIM_CALL, d + 1, &tk, dk->call_no);
	double u = sim_rng_unit(&s->rng);
	if (u < s->c.cancel_p)
		schedule(s, t + secs(s, 5, 20), EV_CANCEL, site, d);
	else if (u < s->c.cancel_p + s->c.recall_p)
		schedule(s, t + secs(s, 45, 90), EV_RECALL, site, d);
	else
		schedule(s, t + secs(s, 20, 60), EV_SERVE, site, d);
}

static void dispatch(struct sim *s, int64_t t, int site)
{
	struct site *st = &s->sites[site];
	for (int d = 0; d < s->c.desks && waiting(st) > 0; d++)
		if (st->desks[d].state == DESK_IDLE && !st->desks[d].closing)
			desk_ready(s, t, site, d);
}

static void staff(struct sim *s, int64_t t, int site)
{
	struct site *st = &s->sites[site];
	int minute = (int)(t / 60000);
	int want = sim_desks_planned(&s->c, minute);
	if (minute >= sim_close_min(&s->c))
		return; /* after closing, desks close as the queue empties */
	int open = 0;
	for (int d = 0; d < s->c.desks; d++)
		open += st->desks[d].state != DESK_CLOSED && !st->desks[d].closing;
	for (int d = 0; d < s->c.desks && open < want; d++) {
		struct desk *dk = &st->desks[d];
		if (dk->state != DESK_CLOSED && dk->closing) {
			dk->closing = false;
			open++;
		} else if (dk->state == DESK_CLOSED) {
			dk->state = DESK_IDLE;
			emit(s, t, site, SIM_DESK_OPEN, d + 1, NULL, 0);
			open++;
		}
	}
	/* Close from the highest number: idle desks now, busy ones when done. */
	for (int d = s->c.desks - 1; d >= 0 && open > want; d--) {
		struct desk *dk = &st->desks[d];
		if (dk->state == DESK_CLOSED || dk->closing)
			continue;
		if (dk->state == DESK_IDLE)
			close_desk(s, t, site, d);
		else
			dk->closing = true;
		open--;
	}
	dispatch(s, t, site);
	int64_t next = ((int64_t)minute / 15 + 1) * 15 * 60000;
	schedule(s, next, EV_STAFF, site, 0);
}

static void next_arrival(struct sim *s, int64_t t, int site)
{
	int64_t close_ms = (int64_t)sim_close_min(&s->c) * 60000;
	for (int guard = 0; guard < 100000; guard++) {
		t += (int64_t)ceil(rng_exp(&s->rng, s->lambda_max));
		if (t >= close_ms)
			break;
		double w = sim_intensity(&s->c, (int)(t / 60000));
		if (sim_rng_unit(&s->rng) * s->weight_max < w) {
			schedule(s, t, EV_ARRIVAL, site, 0);
			return;
		}
	}
	/* At closing the doors shut: desks with nothing to do go home. */
	schedule(s, close_ms, EV_DESK_FREE, site, -1);
}

static void arrival(struct sim *s, int64_t t, int site)
{
	struct site *st = &s->sites[site];
	struct ticket tk;
	tk.service = pick_service(s);
	tk.number = ++st->next_number[tk.service];
	st->arrivals++;
	tq_push_back(services[tk.service].booked ? &st->booked : &st->walkin, tk);
	dispatch(s, t, site);
	next_arrival(s, t, site);
}

static void handle(struct sim *s, const struct ev *e)
{
	struct site *st = &s->sites[e->site];
	struct desk *dk = e->desk >= 0 ? &st->desks[e->desk] : NULL;
	switch (e->kind) {
	case EV_ARRIVAL:
		arrival(s, e->t, e->site);
		break;
	case EV_STAFF:
		staff(s, e->t, e->site);
		break;
	case EV_DESK_FREE:
		if (!dk) { /* doors closed: idle desks go home when the queue is empty */
			st->doors_closed = true;
			for (int d = 0; d < s->c.desks; d++)
				if (st->desks[d].state == DESK_IDLE && !waiting(st))
					close_desk(s, e->t, e->site, d);
			break;
		}
		desk_ready(s, e->t, e->site, e->desk);
		break;
	case EV_SERVE:
		schedule(s, e->t + service_ms(s, dk->cur.service), EV_DESK_FREE, e->site, e->desk);
		break;
	case EV_RECALL:
		emit(s, e->t, e->site, SIM_RECALL, e->desk + 1, &dk->cur, dk->call_no);
		if (sim_rng_unit(&s->rng) < 0.7)
			schedule(s, e->t + secs(s, 15, 45), EV_SERVE, e->site, e->desk);
		else /* gone home: the desk waits a minute, then calls the next */
			schedule(s, e->t + 60000, EV_DESK_FREE, e->site, e->desk);
		break;
	case EV_CANCEL:
		emit(s, e->t, e->site, SIM_CANCEL, e->desk + 1, &dk->cur, dk->call_no);
		/* Called by mistake: the citizen keeps their place at the front. */
		tq_push_front(services[dk->cur.service].booked ? &st->booked : &st->walkin,
		              dk->cur);
		schedule(s, e->t + secs(s, 30, 120), EV_DESK_FREE, e->site, e->desk);
		break;
	}
}

struct sim *sim_new(const struct sim_config *c, char *why, int whylen)
{
	const char *bad = NULL;
	if (c->nsites < 1 || c->nsites > SIM_SITES_MAX)
		bad = "sites must be 1..16";
	else if (c->desks < 1 || c->desks > SIM_DESKS_MAX)
		bad = "desks must be 1..32";
	else if (c->weekday < 1 || c->weekday > 5)
		bad = "weekday must be Monday..Friday (closed at weekends)";
	else if (c->open_min < 6 * 60 || c->open_min > 12 * 60)
		bad = "opening must be between 06:00 and 12:00";
	else if (sim_close_min(c) <= c->open_min + 60 || sim_close_min(c) > 20 * 60)
		bad = "closing must be at least an hour after opening and by 20:00";
	else if (!(c->arrivals >= 1 && c->arrivals <= 100000))
		bad = "arrivals must be 1..100000 per site";
	else if (!(c->recall_p >= 0 && c->cancel_p >= 0 && c->recall_p + c->cancel_p <= 0.5))
		bad = "recall and cancel rates must be >= 0 and together at most 50%";
	else if (c->mode == SIM_MODE_LOAD && !(c->rate > 0 && c->rate <= 100000))
		bad = "rate must be above 0 and at most 100000/s";
	else if (c->count < 0 || c->end_ms < 0)
		bad = "count and duration must not be negative";
	if (bad) {
		snprintf(why, (size_t)whylen, "%s", bad);
		return NULL;
	}
	struct sim *s = xcalloc(1, sizeof *s);
	s->c = *c;
	sim_rng_seed(&s->rng, c->seed);
	if (c->mode == SIM_MODE_LOAD)
		return s;
	double total = 0;
	for (int m = 0; m < 1440; m++) {
		double w = sim_intensity(c, m);
		total += w;
		if (w > s->weight_max)
			s->weight_max = w;
	}
	/* Expected arrivals per ms at weight 1, scaled to the peak for thinning. */
	s->lambda_max = c->arrivals / (total * 60000.0) * s->weight_max;
	for (int i = 0; i < c->nsites; i++) {
		schedule(s, (int64_t)(c->open_min - 10) * 60000, EV_STAFF, i, 0);
		next_arrival(s, (int64_t)c->open_min * 60000, i);
	}
	return s;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	for (int i = 0; i < SIM_SITES_MAX; i++) {
		free(s->sites[i].booked.v);
		free(s->sites[i].walkin.v);
	}
	free(s->heap);
	free(s);
}

static bool load_next(struct sim *s, struct sim_event *ev)
{
	if (count_reached(s))
		return false;
	long i = s->load_i++;
	int64_t t = (int64_t)((double)i * 1000.0 / s->c.rate);
	if (s->c.end_ms > 0 && t > s->c.end_ms)
		return false;
	int site = (int)(i % s->c.nsites);
	struct site *st = &s->sites[site];
	struct ticket tk;
	tk.service = pick_service(s);
	tk.number = ++st->next_number[tk.service];
	int desk = (int)((i / s->c.nsites) % s->c.desks) + 1;
	s->calls++;
	emit(s, t, site, SIM_CALL, desk, &tk, ++st->calls);
	*ev = s->out[s->out_head];
	s->out_head = (s->out_head + 1) % OUT_MAX;
	s->out_n--;
	return true;
}

bool sim_next(struct sim *s, struct sim_event *ev)
{
	if (s->done)
		return false;
	if (s->c.mode == SIM_MODE_LOAD)
		return (s->done = !load_next(s, ev)) == false;
	while (!s->out_n) {
		struct ev e;
		if (count_reached(s) || !pop_ev(s, &e)) {
			s->truncated = count_reached(s);
			s->done = true;
			return false;
		}
		if (s->c.end_ms > 0 && e.t > s->c.end_ms) {
			s->truncated = true;
			s->done = true;
			return false;
		}
		handle(s, &e);
	}
	*ev = s->out[s->out_head];
	s->out_head = (s->out_head + 1) % OUT_MAX;
	s->out_n--;
	return true;
}

bool sim_truncated(const struct sim *s)
{
	return s->truncated || s->c.mode == SIM_MODE_LOAD;
}

int sim_open_desks(const struct sim *s, int site)
{
	int n = 0;
	for (int d = 0; d < s->c.desks; d++)
		n += s->sites[site].desks[d].state != DESK_CLOSED;
	return n;
}

int sim_waiting(const struct sim *s, int site)
{
	return waiting(&s->sites[site]);
}

static int tq_count(const struct tq *q, int service)
{
	int n = 0;
	for (int i = 0; i < q->n; i++)
		n += q->v[(q->head + i) % q->cap].service == service;
	return n;
}

int sim_waiting_service(const struct sim *s, int site, int service)
{
	const struct site *st = &s->sites[site];
	return tq_count(&st->booked, service) + tq_count(&st->walkin, service);
}

int sim_wait_min(const struct sim *s, int site, int service)
{
	int desks = sim_open_desks(s, site);
	if (desks == 0)
		return -1;
	/* Booked citizens go first; a walk-in waits behind everyone. */
	int ahead = services[service].booked ? s->sites[site].booked.n : waiting(&s->sites[site]);
	double mean = 0;
	for (int i = 0; i < SIM_SERVICES; i++)
		mean += services[i].share * services[i].mean_min;
	return (int)lround(ahead * mean / desks);
}

long sim_arrivals(const struct sim *s, int site)
{
	return s->sites[site].arrivals;
}

const char *sim_action_name(enum sim_action a)
{
	switch (a) {
	case SIM_CALL:
		return "call";
	case SIM_RECALL:
		return "recall";
	case SIM_CANCEL:
		return "cancel";
	case SIM_DESK_OPEN:
		return "open";
	case SIM_DESK_CLOSE:
		return "close";
	}
	return "?";
}

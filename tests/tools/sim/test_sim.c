/* The simulator model: determinism, rates over a day, ticket format and
 * order, desk bounds, run bounds, config checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

#define EV_MAX 20000

static int run_all(const struct sim_config *c, struct sim_event *evs)
{
	char why[128];
	struct sim *s = sim_new(c, why, sizeof why);
	assert_non_null(s);
	int n = 0;
	while (n < EV_MAX && sim_next(s, &evs[n]))
		n++;
	assert_true(n < EV_MAX);
	sim_free(s);
	return n;
}

static bool same_events(const struct sim_event *a, const struct sim_event *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i].t_ms != b[i].t_ms || a[i].site != b[i].site ||
		    a[i].action != b[i].action || strcmp(a[i].ticket, b[i].ticket) ||
		    a[i].desk != b[i].desk || a[i].service != b[i].service ||
		    a[i].call_no != b[i].call_no)
			return false;
	return true;
}

static void test_rng_known_value(void **state)
{
	struct sim_rng r;
	sim_rng_seed(&r, 0);
	assert_true(sim_rng_next(&r) == 0xe220a8397b1dcdafULL);
	for (int i = 0; i < 1000; i++) {
		double u = sim_rng_unit(&r);
		assert_true(u >= 0 && u < 1);
	}
}

static void test_same_seed_same_events(void **state)
{
	struct sim_config c;
	sim_config_default(&c);
	c.seed = 42;
	c.nsites = 2;
	struct sim_event *a = calloc(EV_MAX, sizeof *a), *b = calloc(EV_MAX, sizeof *b);
	int na = run_all(&c, a), nb = run_all(&c, b);
	assert_int_equal(na, nb);
	assert_true(na > 300);
	assert_true(same_events(a, b, na));
	c.seed = 43;
	nb = run_all(&c, b);
	assert_true(na != nb || !same_events(a, b, na));
	free(a);
	free(b);
}

/* Over ten days, calls, recalls and cancellations are near the configured
 * rates (wide margins: this checks the model, not luck). */
static void test_rates_over_a_day(void **state)
{
	struct sim_event *evs = calloc(EV_MAX, sizeof *evs);
	long arrivals = 0, calls = 0, recalls = 0, cancels = 0, morning = 0, first_hour = 0;
	for (int seed = 1; seed <= 10; seed++) {
		struct sim_config c;
		sim_config_default(&c);
		c.seed = (uint64_t)seed;
		char why[128];
		struct sim *s = sim_new(&c, why, sizeof why);
		int n = 0;
		while (n < EV_MAX && sim_next(s, &evs[n]))
			n++;
		arrivals += sim_arrivals(s, 0);
		assert_int_equal(sim_waiting(s, 0), 0); /* everyone was served */
		sim_free(s);
		for (int i = 0; i < n; i++) {
			calls += evs[i].action == SIM_CALL;
			recalls += evs[i].action == SIM_RECALL;
			cancels += evs[i].action == SIM_CANCEL;
			int h = (int)(evs[i].t_ms / 3600000);
			if (evs[i].action == SIM_CALL && (h == 10 || h == 11))
				morning++;
			if (evs[i].action == SIM_CALL && h == 8)
				first_hour++;
		}
	}
	assert_true(arrivals > 3500 * 0.9 && arrivals < 3500 * 1.1);
	/* Every arrival is called at least once. */
	assert_true(calls >= arrivals);
	double rp = (double)recalls / (double)calls, cp = (double)cancels / (double)calls;
	assert_true(rp > 0.03 && rp < 0.07);
	assert_true(cp > 0.005 && cp < 0.03);
	/* The mid-morning peak: two busy hours beat the first hour by far. */
	assert_true(morning > 2 * first_hour);
	free(evs);
}

static void test_tickets_format_and_order(void **state)
{
	struct sim_config c;
	sim_config_default(&c);
	c.seed = 7;
	c.nsites = 3;
	struct sim_event *evs = calloc(EV_MAX, sizeof *evs);
	int n = run_all(&c, evs);
	long last[SIM_SITES_MAX][SIM_SERVICES] = {{0}};
	for (int i = 0; i < n; i++) {
		const struct sim_event *e = &evs[i];
		if (e->action == SIM_DESK_OPEN || e->action == SIM_DESK_CLOSE) {
			assert_string_equal(e->ticket, "");
			continue;
		}
		size_t len = strlen(e->ticket);
		assert_true(len >= 4);
		assert_int_equal(strspn(e->ticket + 1, "0123456789"), len - 1);
		assert_int_equal(e->ticket[0], sim_services()[e->service].prefix);
		long num = strtol(e->ticket + 1, NULL, 10);
		if (e->action == SIM_CALL) {
			/* A ticket is called for the first time in number order;
			 * called again (after a cancel) it is not newer. */
			assert_true(num <= last[e->site][e->service] + 1);
			if (num > last[e->site][e->service])
				last[e->site][e->service] = num;
		}
	}
	free(evs);
}

static void test_desks_bounded(void **state)
{
	for (int desks = 1; desks <= 12; desks += 5) {
		struct sim_config c;
		sim_config_default(&c);
		c.desks = desks;
		c.arrivals = 45.0 * desks; /* a site staffed for its citizens */
		c.weekday = 4;
		char why[128];
		struct sim *s = sim_new(&c, why, sizeof why);
		assert_non_null(s);
		bool open[SIM_DESKS_MAX + 1] = {false};
		int nopen = 0, maxopen = 0;
		struct sim_event e;
		int64_t last_t = 0, last_call = 0;
		while (sim_next(s, &e)) {
			assert_true(e.t_ms >= last_t); /* time order */
			last_t = e.t_ms;
			assert_true(e.desk >= 1 && e.desk <= desks);
			if (e.action == SIM_DESK_OPEN) {
				assert_false(open[e.desk]);
				open[e.desk] = true;
				nopen++;
			} else if (e.action == SIM_DESK_CLOSE) {
				assert_true(open[e.desk]);
				open[e.desk] = false;
				nopen--;
			} else {
				assert_true(open[e.desk]); /* calls come from open desks */
			}
			if (e.action == SIM_CALL)
				last_call = e.t_ms;
			if (nopen > maxopen)
				maxopen = nopen;
			assert_true(sim_open_desks(s, 0) <= desks);
			assert_true(nopen <= desks);
		}
		assert_int_equal(maxopen, desks); /* the peak staffs every desk */
		assert_int_equal(nopen, 0);       /* everyone goes home */
		/* Thursday is open to 17:30: calls go on past 15:00, and end by 19:00. */
		assert_true(last_call > 15 * 3600000LL);
		assert_true(last_t < 19 * 3600000LL);
		sim_free(s);
	}
}

/* The queue figures the simulator sends: per service they add up to all
 * who wait, and the wait grows with the queue. */
static void test_queue_figures(void **state)
{
	struct sim_config c;
	sim_config_default(&c);
	char why[128];
	struct sim *s = sim_new(&c, why, sizeof why);
	assert_non_null(s);
	struct sim_event e;
	int most = 0, most_wait = 0, checked = 0;
	while (sim_next(s, &e)) {
		int sum = 0;
		for (int i = 0; i < SIM_SERVICES; i++)
			sum += sim_waiting_service(s, 0, i);
		assert_int_equal(sum, sim_waiting(s, 0));
		int wait = sim_wait_min(s, 0, 2); /* a walk-in service */
		assert_true(wait >= -1);
		if (sim_open_desks(s, 0) == 0)
			assert_int_equal(wait, -1);
		if (sum > most && wait >= 0) {
			most = sum;
			most_wait = wait;
		}
		checked++;
	}
	assert_true(checked > 100);
	assert_true(most > 0 && most_wait > 0);
	sim_free(s);
}

static void test_bounds(void **state)
{
	struct sim_config c;
	sim_config_default(&c);
	c.count = 25;
	struct sim_event *evs = calloc(EV_MAX, sizeof *evs);
	int n = run_all(&c, evs), calls = 0;
	for (int i = 0; i < n; i++)
		calls += evs[i].action == SIM_CALL;
	assert_int_equal(calls, 25);
	sim_config_default(&c);
	c.end_ms = 9 * 3600000LL;
	n = run_all(&c, evs);
	assert_true(n > 0);
	assert_true(evs[n - 1].t_ms <= 9 * 3600000LL);
	free(evs);
}

static void test_load_mode(void **state)
{
	struct sim_config c;
	sim_config_default(&c);
	c.mode = SIM_MODE_LOAD;
	c.rate = 50;
	c.count = 100;
	c.nsites = 2;
	struct sim_event *evs = calloc(EV_MAX, sizeof *evs);
	int n = run_all(&c, evs);
	assert_int_equal(n, 100);
	for (int i = 0; i < n; i++) {
		assert_int_equal(evs[i].action, SIM_CALL);
		assert_int_equal(evs[i].t_ms, (int64_t)i * 20);
		assert_int_equal(evs[i].site, i % 2);
	}
	free(evs);
}

static void test_intensity_and_plan(void **state)
{
	struct sim_config c;
	sim_config_default(&c);
	assert_true(sim_intensity(&c, 7 * 60 + 59) == 0);
	assert_true(sim_intensity(&c, 8 * 60) > 0);
	assert_true(sim_intensity(&c, 15 * 60) == 0); /* Monday closes 15:00 */
	assert_true(sim_intensity(&c, 11 * 60) > sim_intensity(&c, 8 * 60));
	assert_true(sim_intensity(&c, 13 * 60) > sim_intensity(&c, 12 * 60));
	c.weekday = 4;
	assert_int_equal(sim_close_min(&c), 17 * 60 + 30);
	assert_true(sim_intensity(&c, 17 * 60) > 0);
	for (int m = 0; m < 1440; m++) {
		int d = sim_desks_planned(&c, m);
		assert_true(d >= 0 && d <= c.desks);
	}
	assert_int_equal(sim_desks_planned(&c, 11 * 60), c.desks);
	assert_int_equal(sim_desks_planned(&c, 18 * 60), 0);
}

static void test_config_rejected(void **state)
{
	static const struct {
		const char *field;
		int sites, desks, weekday, open, close;
		double arrivals, recall, cancel;
	} bad[] = {
	    {"sites", 0, 6, 1, 480, 0, 350, 0.05, 0.01},
	    {"sites", 17, 6, 1, 480, 0, 350, 0.05, 0.01},
	    {"desks", 1, 0, 1, 480, 0, 350, 0.05, 0.01},
	    {"desks", 1, 33, 1, 480, 0, 350, 0.05, 0.01},
	    {"weekday", 1, 6, 6, 480, 0, 350, 0.05, 0.01},
	    {"weekday", 1, 6, 0, 480, 0, 350, 0.05, 0.01},
	    {"opening", 1, 6, 1, 300, 0, 350, 0.05, 0.01},
	    {"closing", 1, 6, 1, 600, 630, 350, 0.05, 0.01},
	    {"arrivals", 1, 6, 1, 480, 0, 0, 0.05, 0.01},
	    {"recall", 1, 6, 1, 480, 0, 350, 0.4, 0.2},
	    {"recall", 1, 6, 1, 480, 0, 350, -0.1, 0.01},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sim_config c;
		sim_config_default(&c);
		c.nsites = bad[i].sites;
		c.desks = bad[i].desks;
		c.weekday = bad[i].weekday;
		c.open_min = bad[i].open;
		c.close_min = bad[i].close;
		c.arrivals = bad[i].arrivals;
		c.recall_p = bad[i].recall;
		c.cancel_p = bad[i].cancel;
		char why[128] = "";
		assert_null(sim_new(&c, why, sizeof why));
		assert_non_null(strstr(why, bad[i].field));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng_known_value),
	    cmocka_unit_test(test_same_seed_same_events),
	    cmocka_unit_test(test_rates_over_a_day),
	    cmocka_unit_test(test_tickets_format_and_order),
	    cmocka_unit_test(test_desks_bounded),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_load_mode),
	    cmocka_unit_test(test_intensity_and_plan),
	    cmocka_unit_test(test_config_rejected),
	    cmocka_unit_test(test_queue_figures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

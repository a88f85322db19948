/* callboard sim: drive the simulator model (tools/sim) in accelerated real
 * time against the bridge, or print its events with --dry-run. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "sim.h"
#include "timeutil.h"

static const char sim_usage[] =
    "usage: callboard sim [options]\n"
    "  Simulate a Borgerservice day (or a fixed-rate load) and send its calls,\n"
    "  recalls and cancellations to the bridge.\n"
    "  --site T/S       a site to simulate; repeat for several (default aarhus/dokk1)\n"
    "  --seed N         PRNG seed: the same seed gives the same day (default 1)\n"
    "  --speed X        time acceleration (default 60: a day in about 8 minutes)\n"
    "  --day DAY        mon, tue, wed, thu (open until 17:30) or fri (default mon)\n"
    "  --open HH:MM     opening time (default 08:00)\n"
    "  --close HH:MM    closing time (default 15:00, Thursday 17:30)\n"
    "  --desks N        desks per site, Skranke 1..N (default 8)\n"
    "  --arrivals N     expected citizens per site per day (default 350)\n"
    "  --recall-rate P  share of calls recalled, 0..0.5 (default 0.05)\n"
    "  --cancel-rate P  share of calls cancelled, 0..0.5 (default 0.015)\n"
    "  --area A         board area (default main)\n"
    "  --rate N[/s]     load mode: N calls per second, round robin over sites/desks\n"
    "  --count M        stop after M calls\n"
    "  --duration S     stop after S real seconds (S x speed simulated)\n"
    "  --dry-run        print the events (time, site, action, ticket, desk); no bridge\n"
    "  --quiet          print nothing but errors and the summary\n"
    "  --url URL        bridge URL (default $CALLBOARD_URL or " CLIENT_DEFAULT_URL ")\n"
    "  --token TOKEN    bearer token (default $CALLBOARD_TOKEN)\n"
    "  --cafile FILE    for https: the bridge's CA (default $CALLBOARD_CAFILE)\n"
    "The run ends after the simulated day(s), or after --count/--duration.\n"
    "Exit codes: 0 ok, 1 a request failed, 2 bad usage.\n";

enum {
	O_SITE = 1000,
	O_SEED,
	O_SPEED,
	O_DAY,
	O_OPEN,
	O_CLOSE,
	O_DESKS,
	O_ARRIVALS,
	O_RECALL,
	O_CANCEL,
	O_AREA,
	O_RATE,
	O_COUNT,
	O_DURATION,
	O_DAYS,
	O_DRY,
	O_QUIET,
	O_URL,
	O_TOKEN,
	O_CAFILE
};

static const struct option sim_options[] = {
    {"site", required_argument, NULL, O_SITE},
    {"seed", required_argument, NULL, O_SEED},
    {"speed", required_argument, NULL, O_SPEED},
    {"day", required_argument, NULL, O_DAY},
    {"open", required_argument, NULL, O_OPEN},
    {"close", required_argument, NULL, O_CLOSE},
    {"desks", required_argument, NULL, O_DESKS},
    {"arrivals", required_argument, NULL, O_ARRIVALS},
    {"recall-rate", required_argument, NULL, O_RECALL},
    {"cancel-rate", required_argument, NULL, O_CANCEL},
    {"area", required_argument, NULL, O_AREA},
    {"rate", required_argument, NULL, O_RATE},
    {"count", required_argument, NULL, O_COUNT},
    {"duration", required_argument, NULL, O_DURATION},
    {"days", required_argument, NULL, O_DAYS},
    {"dry-run", no_argument, NULL, O_DRY},
    {"quiet", no_argument, NULL, O_QUIET},
    {"url", required_argument, NULL, O_URL},
    {"token", required_argument, NULL, O_TOKEN},
    {"cafile", required_argument, NULL, O_CAFILE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool num(const char *opt, const char *v, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= min && d <= max)) {
		fprintf(stderr, "callboard sim: --%s: '%s': must be a number %g..%g\n", opt, v, min,
		        max);
		return false;
	}
	*out = d;
	return true;
}

static bool hhmm(const char *opt, const char *v, int *out)
{
	int h, m;
	char tail;
	if (sscanf(v, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59) {
		fprintf(stderr, "callboard sim: --%s: '%s': expected HH:MM\n", opt, v);
		return false;
	}
	*out = h * 60 + m;
	return true;
}

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", NULL};

static void fmt_time(const struct sim_config *c, int64_t t, char *buf, size_t cap)
{
	if (c->mode == SIM_MODE_LOAD) {
		snprintf(buf, cap, "+%lld.%03lld", (long long)(t / 1000), (long long)(t % 1000));
		return;
	}
	long s = (long)(t / 1000);
	snprintf(buf, cap, "%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

static void sleep_until(int64_t due_mono)
{
	for (;;) {
		int64_t left = due_mono - time_mono_ms();
		if (left <= 0)
			return;
		struct timespec ts = {left / 1000, (left % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
}

/* What the command line asks for. */
struct sim_args {
	struct sim_config cfg;
	char sites[SIM_SITES_MAX][2][64];
	const char *area;
	double speed, duration;
	long ndays;
	bool dry, quiet;
	const char *url, *token, *cafile; /* NULL: from the environment */
};

struct sim_run {
	const struct sim_args *a;
	struct client cl;
	char run_id[24];
	long day;
	double rate_scale;
	long calls, recalls, cancels, failed;
};

/* method on the site's path + suffix with body (taken; NULL: none); 0 with
 * *resp (the caller frees it), or -1 after saying the bridge is unreachable. */
static int send_body(struct sim_run *r, const char *method, const char *tenant, const char *site,
                     const char *suffix, json_t *body, struct http_response *resp)
{
	char path[512], why[256];
	client_site_path(path, sizeof path, tenant, site, suffix);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	int rc = http_request(&r->cl.u, method, path, r->cl.token, text, text ? strlen(text) : 0,
	                      r->cl.timeout_ms, resp, why, sizeof why);
	free(text);
	if (rc < 0)
		fprintf(stderr, "callboard sim: cannot reach the bridge at %s: %s\n", r->cl.url,
		        why);
	return rc < 0 ? -1 : 0;
}

/* Send one event; 0 ok, 1 refused by the bridge (counted), -1 unreachable. */
static int post_event(struct sim_run *r, const struct sim_event *ev, long long *seq)
{
	char id[96], suffix[160];
	snprintf(id, sizeof id, "sim-%s-%ld-%d-%ld", r->run_id, r->day, ev->site, ev->call_no);
	const char *tenant = r->a->sites[ev->site][0], *site = r->a->sites[ev->site][1];
	json_t *body = NULL;
	const char *method = "POST";
	if (ev->action == SIM_CALL) {
		char desk[16], label[32];
		snprintf(desk, sizeof desk, "%d", ev->desk);
		snprintf(label, sizeof label, "Skranke %d", ev->desk);
		body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "ticket", ev->ticket,
		                 "desk", desk, "area", r->a->area, "desk_label", label, "service",
		                 sim_services()[ev->service].name);
		snprintf(suffix, sizeof suffix, "/calls");
	} else if (ev->action == SIM_RECALL) {
		snprintf(suffix, sizeof suffix, "/calls/%s/recall", id);
	} else {
		method = "DELETE";
		snprintf(suffix, sizeof suffix, "/calls/%s", id);
	}
	struct http_response resp;
	if (send_body(r, method, tenant, site, suffix, body, &resp) < 0)
		return -1;
	if (resp.status < 200 || resp.status > 299) {
		json_error_t je;
		json_t *j = json_loadb(resp.body, resp.len, 0, &je);
		const char *err = json_string_value(json_object_get(j, "error"));
		const char *field = json_string_value(json_object_get(j, "field"));
		fprintf(stderr, "callboard sim: %s %s/%s %s: %d %s%s%s\n",
		        sim_action_name(ev->action), tenant, site, ev->ticket, resp.status,
		        field ? field : "", field ? ": " : "", err ? err : "");
		json_decref(j);
		http_response_free(&resp);
		r->failed++;
		return 1;
	}
	json_error_t je;
	json_t *j = json_loadb(resp.body, resp.len, 0, &je);
	json_t *s = json_object_get(j, "seq");
	*seq = json_is_integer(s) ? (long long)json_integer_value(s) : -1;
	json_decref(j);
	http_response_free(&resp);
	return 0;
}

/* The queue figures of a site, as the backend would send them every
 * minute: 0 ok, 1 refused (counted), -1 unreachable. */
static int post_queue(struct sim_run *r, const struct sim *s, int site)
{
	json_t *list = json_array();
	for (int i = 0; i < SIM_SERVICES; i++) {
		json_t *o = json_pack("{s:s, s:i}", "name", sim_services()[i].name, "waiting",
		                      sim_waiting_service(s, site, i));
		int wait = sim_wait_min(s, site, i);
		if (wait >= 0)
			json_object_set_new(o, "wait_min", json_integer(wait < 1440 ? wait : 1440));
		json_array_append_new(list, o);
	}
	char suffix[160];
	snprintf(suffix, sizeof suffix, "/areas/%s/queue", r->a->area);
	struct http_response resp;
	if (send_body(r, "PUT", r->a->sites[site][0], r->a->sites[site][1], suffix,
	              json_pack("{s:o}", "services", list), &resp) < 0)
		return -1;
	bool ok = resp.status >= 200 && resp.status <= 299;
	if (!ok) {
		fprintf(stderr, "callboard sim: queue %s/%s: %d\n", r->a->sites[site][0],
		        r->a->sites[site][1], resp.status);
		r->failed++;
	}
	http_response_free(&resp);
	return ok ? 0 : 1;
}

/* One simulated day (or the load run): 0, or 1 when the bridge is unreachable. */
static int run_day(struct sim_run *run, const struct sim_config *cfg, int64_t t0, int64_t *last_t,
                   bool *truncated)
{
	char why[200];
	struct sim *s = sim_new(cfg, why, sizeof why);
	if (!s) {
		fprintf(stderr, "callboard sim: %s\n", why);
		return 1;
	}
	int64_t start = time_mono_ms();
	int64_t next_queue = -1; /* simulated ms of the next queue figures */
	int ret = 0;
	struct sim_event ev;
	while (sim_next(s, &ev)) {
		char ts[24], site[130];
		*last_t = ev.t_ms;
		fmt_time(cfg, ev.t_ms, ts, sizeof ts);
		snprintf(site, sizeof site, "%s/%s", run->a->sites[ev.site][0],
		         run->a->sites[ev.site][1]);
		bool desk_ev = ev.action == SIM_DESK_OPEN || ev.action == SIM_DESK_CLOSE;
		run->calls += ev.action == SIM_CALL;
		run->recalls += ev.action == SIM_RECALL;
		run->cancels += ev.action == SIM_CANCEL;
		if (run->a->dry) {
			printf("%s %s %-6s %-5s %d\n", ts, site, sim_action_name(ev.action),
			       desk_ev ? "-" : ev.ticket, ev.desk);
			continue;
		}
		sleep_until(start + (int64_t)((double)(ev.t_ms - t0) / run->rate_scale));
		/* A modelled day also sends the queue figures, once a simulated minute. */
		if (cfg->mode == SIM_MODE_DAY && ev.t_ms >= next_queue) {
			next_queue = ev.t_ms - ev.t_ms % 60000 + 60000;
			for (int i = 0; i < cfg->nsites && ret == 0; i++)
				if (post_queue(run, s, i) < 0)
					ret = 1;
			if (ret)
				break;
		}
		long long seq = -1;
		if (!desk_ev && post_event(run, &ev, &seq) < 0) {
			ret = 1;
			break;
		}
		if (!run->a->quiet) {
			printf("%s %s %-6s %-5s %d", ts, site, sim_action_name(ev.action),
			       desk_ev ? "-" : ev.ticket, ev.desk);
			if (seq >= 0)
				printf(" seq=%lld", seq);
			printf("\n");
			fflush(stdout);
		}
	}
	*truncated = sim_truncated(s);
	sim_free(s);
	return ret;
}

static bool site_arg(struct sim_args *a, const char *v)
{
	struct sim_config *cfg = &a->cfg;
	if (cfg->nsites == 1 && !a->sites[0][0][0])
		cfg->nsites = 0; /* the first --site replaces the default */
	if (cfg->nsites == SIM_SITES_MAX) {
		fprintf(stderr, "callboard sim: at most %d sites\n", SIM_SITES_MAX);
		return false;
	}
	char why[256];
	if (!cli_split_target(v, 2, a->sites[cfg->nsites], why, sizeof why)) {
		fprintf(stderr, "callboard sim: --site %s\n", why);
		return false;
	}
	cfg->nsites++;
	return true;
}

static bool seed_arg(const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long s = strtoull(v, &end, 10);
	if (errno || *end || end == v || v[0] == '-') {
		fprintf(stderr, "callboard sim: --seed: '%s': must be a number\n", v);
		return false;
	}
	*out = s;
	return true;
}

static bool day_arg(const char *v, int *weekday)
{
	int i = 0;
	while (day_names[i] && strcmp(day_names[i], v))
		i++;
	if (!day_names[i]) {
		fprintf(stderr,
		        "callboard sim: --day: '%s': expected mon, tue, wed, thu or fri (closed "
		        "at weekends)\n",
		        v);
		return false;
	}
	*weekday = i + 1;
	return true;
}

static bool rate_arg(const char *v, double *rate)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", v);
	char *slash = strstr(buf, "/s");
	if (slash && slash[2] == '\0')
		*slash = '\0';
	return num("rate", buf, 0.001, 100000, rate);
}

/* One flag into a; false after printing why. */
static bool sim_flag(struct sim_args *a, int c, const char *v)
{
	struct sim_config *cfg = &a->cfg;
	double d;
	switch (c) {
	case O_SITE:
		return site_arg(a, v);
	case O_SEED:
		return seed_arg(v, &cfg->seed);
	case O_SPEED:
		return num("speed", v, 0.01, 100000, &a->speed);
	case O_DAY:
		return day_arg(v, &cfg->weekday);
	case O_OPEN:
		return hhmm("open", v, &cfg->open_min);
	case O_CLOSE:
		return hhmm("close", v, &cfg->close_min);
	case O_DESKS:
		if (!num("desks", v, 1, SIM_DESKS_MAX, &d))
			return false;
		cfg->desks = (int)d;
		return true;
	case O_ARRIVALS:
		return num("arrivals", v, 1, 100000, &cfg->arrivals);
	case O_RECALL:
		return num("recall-rate", v, 0, 0.5, &cfg->recall_p);
	case O_CANCEL:
		return num("cancel-rate", v, 0, 0.5, &cfg->cancel_p);
	case O_AREA:
		if (!proto_name_valid(v)) {
			fprintf(stderr,
			        "callboard sim: --area: '%s': must match [a-z0-9][a-z0-9-]*\n", v);
			return false;
		}
		a->area = v;
		return true;
	case O_RATE:
		cfg->mode = SIM_MODE_LOAD;
		return rate_arg(v, &cfg->rate);
	case O_COUNT:
		if (!num("count", v, 1, 1e9, &d))
			return false;
		cfg->count = (long)d;
		return true;
	case O_DURATION:
		return num("duration", v, 0.001, 1e7, &a->duration);
	case O_DAYS:
		if (!num("days", v, 0, 1e6, &d))
			return false;
		a->ndays = (long)d;
		return true;
	case O_DRY:
		a->dry = true;
		return true;
	case O_QUIET:
		a->quiet = true;
		return true;
	case O_URL:
		a->url = v;
		return true;
	case O_TOKEN:
		a->token = v;
		return true;
	case O_CAFILE:
		a->cafile = v;
		return true;
	}
	return false;
}

/* Parse the flags into a, with the defaults they leave. -1 to go on, or
 * the exit code: 0 after --help, 2 after printing a usage error. */
static int sim_parse_args(int argc, char **argv, struct sim_args *a)
{
	memset(a, 0, sizeof *a);
	sim_config_default(&a->cfg);
	a->area = "main";
	a->speed = 60;
	a->ndays = 1;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", sim_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(sim_usage, stdout);
			return 0;
		}
		if (c == ':' || c == '?') {
			fprintf(stderr, "callboard sim: %s '%s' (try --help)\n",
			        c == ':' ? "missing value for" : "unknown option",
			        argv[optind - 1]);
			return 2;
		}
		if (!sim_flag(a, c, optarg))
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "callboard sim: unexpected argument '%s' (try --help)\n",
		        argv[optind]);
		return 2;
	}
	if (!a->sites[0][0][0]) {
		strcpy(a->sites[0][0], "aarhus");
		strcpy(a->sites[0][1], "dokk1");
	}
	if (a->cfg.mode == SIM_MODE_LOAD) {
		if (!a->cfg.count && !a->duration)
			a->cfg.count = 1000; /* a load run is always bounded */
		a->ndays = 1;
	}
	char why[200];
	struct sim *probe = sim_new(&a->cfg, why, sizeof why);
	if (!probe) {
		fprintf(stderr, "callboard sim: %s\n", why);
		return 2;
	}
	sim_free(probe);
	return -1;
}

/* Run the days a asks for; the exit code. */
static int sim_run_days(const struct sim_args *a)
{
	static struct sim_run run;
	memset(&run, 0, sizeof run);
	run.a = a;
	run.rate_scale = a->cfg.mode == SIM_MODE_LOAD ? 1.0 : a->speed;
	if (!a->dry) {
		if (!client_init(&run.cl, "sim", a->url, a->token, a->cafile))
			return 2;
		snprintf(run.run_id, sizeof run.run_id, "%llx", (unsigned long long)time_now_ms());
	}
	/* --count and --duration bound the whole run, over every day. */
	int64_t budget_ms = a->duration > 0 ? (int64_t)(a->duration * 1000.0 * run.rate_scale) : 0;
	long count_left = a->cfg.count;
	const struct sim_config *first = &a->cfg;
	int ret = 0;
	int64_t started = time_mono_ms();
	for (long day = 0; ret == 0 && (a->ndays == 0 || day < a->ndays); day++) {
		struct sim_config dc = *first;
		dc.seed = first->seed + (uint64_t)day;
		dc.weekday = (int)((first->weekday - 1 + day) % 5) + 1;
		dc.count = count_left;
		int64_t t0 = dc.mode == SIM_MODE_LOAD ? 0 : (int64_t)(dc.open_min - 10) * 60000;
		dc.end_ms = budget_ms > 0 ? t0 + budget_ms : 0;
		run.day = day;
		if (a->ndays != 1 && !a->quiet)
			printf("# day %ld: %s, seed %llu\n", day + 1, day_names[dc.weekday - 1],
			       (unsigned long long)dc.seed);
		long calls_before = run.calls;
		int64_t last_t = t0;
		bool truncated = false;
		ret = run_day(&run, &dc, t0, &last_t, &truncated);
		if (truncated)
			break; /* --count or --duration reached */
		if (dc.count > 0) {
			count_left -= run.calls - calls_before;
			if (count_left <= 0)
				break;
		}
		if (budget_ms > 0) {
			budget_ms -= last_t - t0;
			if (budget_ms <= 0)
				break;
		}
	}
	fprintf(stderr, "callboard sim: %ld calls, %ld recalls, %ld cancellations%s", run.calls,
	        run.recalls, run.cancels, a->dry ? " (dry run)" : "");
	if (!a->dry) {
		double secs = (double)(time_mono_ms() - started) / 1000.0;
		fprintf(stderr, ", %ld refused by the bridge; %.1f s, %.1f requests/s", run.failed,
		        secs,
		        secs > 0 ? (double)(run.calls + run.recalls + run.cancels) / secs : 0.0);
	}
	fprintf(stderr, "\n");
	return run.failed ? 1 : ret;
}

int cmd_sim(int argc, char **argv)
{
	struct sim_args a;
	int rc = sim_parse_args(argc, argv, &a);
	return rc >= 0 ? rc : sim_run_days(&a);
}

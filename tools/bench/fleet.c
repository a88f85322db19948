/* fleet: N simulated screens against a running broker and bridge, on one
 * event loop, one TCP connection each (see fleet_screen.h). Three phases:
 *
 *   connect  every screen connects (at most --inflight waiting for CONNACK),
 *            says online, subscribes; until the bridge's GET /v1/devices
 *            shows every screen online
 *   fan-out  --rounds times: one call per site over HTTP; the time from the
 *            202 to the board's arrival at each screen of the site
 *   storm    every connection dropped without DISCONNECT (the broker sends
 *            the Wills) and reconnected at once; until the bridge shows every
 *            screen online, then 10 s more to see none fall back to offline
 *
 * and the CPU time and peak RSS of the broker and the bridge (--broker-pid,
 * --bridge-pid) from /proc. Prints three markdown table rows, tagged T1, T2
 * and T3 and a tab (tools/bench/bench_fleet.sh makes the tables), and a
 * summary on stderr.
 *
 *   fleet --mqtt-port P --http-port P --token T --admin A --screens 1000
 *         [--tenant fleet] [--per-site 10] [--rounds 3] [--inflight 100]
 *         [--broker-pid PID] [--bridge-pid PID]
 */
#include <curl/curl.h>
#include <getopt.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#define LOG_MODULE "fleet"
#include "fleet_probe.h"
#include "fleet_screen.h"
#include "log.h"
#include "loop.h"

#define CHECK_MS        50
#define CONNECT_LIMIT_S 600
#define ROUND_LIMIT_S   30
#define SETTLE_S        10

enum phase { PH_CONNECT, PH_FANOUT, PH_STORM, PH_METRICS, PH_DONE, PH_COUNT };

struct proc_use {
	int pid;
	double cpu_s[PH_COUNT]; /* at the start of each phase */
	long peak_rss_kb;
};

struct fleet {
	struct loop *loop;
	struct fleet_screens fs;
	struct fleet_probe probe;
	int rounds, round;
	enum phase phase;
	bool probe_busy;
	int64_t t0_us;        /* the phase's start */
	int64_t ramp_us;      /* every screen up and subscribed; 0 not yet */
	int64_t registry_us;  /* the bridge showed every screen online; 0 not yet */
	int64_t round_end_us; /* the round's calls done: boards due by then + limit */
	double *lat_ms;       /* owned: 202 -> board, every screen of every round */
	double *sent_ms;      /* owned: POST sent -> board, the same */
	size_t nlat;
	long missed; /* screens without their round's board */
	/* results */
	double connect_ramp_s, connect_registry_s, connect_p50_ms, connect_p99_ms;
	double storm_ramp_s, storm_registry_s, storm_p50_ms, storm_p99_ms;
	int storm_online_min, storm_online_end;
	double stale, offline; /* from /metrics at the end */
	struct proc_use broker, bridge;
	int rc;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted values (0 when there are none). */
static double quantile(const double *v, size_t n, double q)
{
	if (!n)
		return 0;
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

/* Keep the peak RSS; with start, the CPU time at the start of phase at. */
static void sample(struct proc_use *u, enum phase at, bool start)
{
	double cpu;
	long rss;
	if (u->pid > 0 && fleet_proc_sample(u->pid, &cpu, &rss)) {
		if (start)
			u->cpu_s[at] = cpu;
		if (rss > u->peak_rss_kb)
			u->peak_rss_kb = rss;
	}
}

static void run_probe(struct fleet *f, enum probe_job job, int64_t limit_us, int64_t settle_us)
{
	f->probe.job = job;
	f->probe.deadline_us = fleet_now_us() + limit_us;
	f->probe.settle_us = settle_us;
	f->probe.not_before_us = 0;
	f->probe_busy = true;
	fleet_probe_start(&f->probe);
}

static void enter(struct fleet *f, enum phase ph)
{
	for (enum phase p = f->phase + 1; p <= ph; p++) {
		sample(&f->broker, p, true);
		sample(&f->bridge, p, true);
	}
	f->phase = ph;
	f->t0_us = fleet_now_us();
	f->ramp_us = f->registry_us = 0;
	if (ph == PH_DONE)
		loop_quit(f->loop);
}

static void start_round(struct fleet *f)
{
	fleet_screens_mark(&f->fs);
	f->round_end_us = 0;
	run_probe(f, PROBE_CALLS, ROUND_LIMIT_S * 1000000LL, 0);
}

/* Each screen's latency from its site's 202 to its board; 0 when the board
 * came before the 202 was read (the bridge publishes in the turn it answers). */
static void finish_round(struct fleet *f)
{
	const struct fleet_probe *p = &f->probe;
	for (int i = 0; i < f->fs.n; i++) {
		const struct screen *s = &f->fs.s[i];
		if (!s->board_seq || s->board_seq < p->seq[s->site] || !p->seq[s->site]) {
			f->missed++;
			continue;
		}
		double ms = (double)(s->board_us - p->t202_us[s->site]) / 1000.0;
		f->sent_ms[f->nlat] = (double)(s->board_us - p->sent_us[s->site]) / 1000.0;
		f->lat_ms[f->nlat++] = ms > 0 ? ms : 0;
	}
}

/* p50 and p99 of the screens' last connect call to CONNACK, in ms. */
static void connect_times(const struct fleet *f, double *p50, double *p99)
{
	double *v = xcalloc((size_t)f->fs.n, sizeof *v);
	size_t n = 0;
	for (int i = 0; i < f->fs.n; i++)
		if (f->fs.s[i].up_us)
			v[n++] = (double)(f->fs.s[i].up_us - f->fs.s[i].start_us) / 1000.0;
	qsort(v, n, sizeof *v, cmp_double);
	*p50 = quantile(v, n, 0.5);
	*p99 = quantile(v, n, 0.99);
	free(v);
}

static void connect_done(struct fleet *f)
{
	connect_times(f, &f->connect_p50_ms, &f->connect_p99_ms);
	f->connect_ramp_s = (double)(f->ramp_us - f->t0_us) / 1e6;
	f->connect_registry_s = (double)(f->registry_us - f->t0_us) / 1e6;
	fprintf(stderr, "connect: %d screens up in %.2f s, bridge shows all online at %.2f s\n",
	        f->fs.n, f->connect_ramp_s, f->connect_registry_s);
	enter(f, PH_FANOUT);
	f->round = 0;
	start_round(f);
}

/* The probe thread finished a job. */
static void on_probe(int fd, uint32_t ev, void *data)
{
	struct fleet *f = data;
	uint64_t n;
	if (read(fd, &n, sizeof n) != sizeof n)
		return;
	f->probe_busy = false;
	int64_t now = fleet_now_us();
	switch (f->phase) {
	case PH_CONNECT:
	case PH_STORM:
		f->registry_us = f->probe.all_online_us ? f->probe.all_online_us : -1;
		if (f->registry_us < 0) {
			fprintf(stderr, "the bridge never showed every screen online (%d of %d)\n",
			        f->probe.online_last, f->fs.n);
			f->rc = 1;
		}
		break;
	case PH_FANOUT:
		f->round_end_us = now;
		break;
	case PH_METRICS:
		f->stale = f->probe.stale_total;
		f->offline = f->probe.offline_total;
		enter(f, PH_DONE);
		break;
	default:
		break;
	}
}

/* Advance the phase whose condition is met. */
static void on_check(void *data)
{
	struct fleet *f = data;
	int64_t now = fleet_now_us();
	struct fleet_screens *fs = &f->fs;
	sample(&f->broker, f->phase, false);
	sample(&f->bridge, f->phase, false);
	if ((f->phase == PH_CONNECT || f->phase == PH_STORM) && !f->ramp_us &&
	    fs->subscribed == fs->n) {
		f->ramp_us = now;
		if (f->phase == PH_STORM)
			run_probe(f, PROBE_ONLINE, CONNECT_LIMIT_S * 1000000LL,
			          SETTLE_S * 1000000LL);
	}
	if (f->phase == PH_CONNECT && f->ramp_us && f->registry_us && !f->probe_busy)
		connect_done(f);
	else if (f->phase == PH_CONNECT && now - f->t0_us > CONNECT_LIMIT_S * 1000000LL) {
		fprintf(stderr, "connect: %d of %d up after %d s\n", fs->up, fs->n,
		        CONNECT_LIMIT_S);
		f->rc = 1;
		enter(f, PH_DONE);
	} else if (f->phase == PH_FANOUT && f->round_end_us &&
	           (fleet_screens_marked_boards(fs) == fs->n ||
	            now - f->round_end_us > ROUND_LIMIT_S * 1000000LL)) {
		finish_round(f);
		if (++f->round < f->rounds) {
			start_round(f);
			return;
		}
		enter(f, PH_STORM);
		fleet_screens_drop_all(fs);
	} else if (f->phase == PH_STORM && f->registry_us && !f->probe_busy) {
		f->storm_ramp_s = (double)(f->ramp_us - f->t0_us) / 1e6;
		f->storm_registry_s =
		    f->registry_us > 0 ? (double)(f->registry_us - f->t0_us) / 1e6 : -1;
		connect_times(f, &f->storm_p50_ms, &f->storm_p99_ms);
		f->storm_online_min = f->probe.online_min_after;
		f->storm_online_end = f->probe.online_last;
		fprintf(stderr,
		        "storm: reconnected in %.2f s, bridge shows all online at %.2f s, "
		        "%d online %d s later (fewest %d)\n",
		        f->storm_ramp_s, f->storm_registry_s, f->storm_online_end, SETTLE_S,
		        f->storm_online_min);
		enter(f, PH_METRICS);
		run_probe(f, PROBE_METRICS, 60 * 1000000LL, 0);
	}
}

static void raise_nofile(int need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < (rlim_t)need)
		fprintf(stderr, "open files limited to %llu: raise ulimit -n for %d screens\n",
		        (unsigned long long)rl.rlim_cur, need - 64);
}

static void cpu_cell(char *out, size_t len, const struct proc_use *u)
{
	if (u->pid <= 0) {
		snprintf(out, len, "-");
		return;
	}
	snprintf(out, len, "%.1f / %.1f / %.1f", u->cpu_s[PH_FANOUT] - u->cpu_s[PH_CONNECT],
	         u->cpu_s[PH_STORM] - u->cpu_s[PH_FANOUT],
	         u->cpu_s[PH_METRICS] - u->cpu_s[PH_STORM]);
}

static void report(struct fleet *f)
{
	qsort(f->lat_ms, f->nlat, sizeof *f->lat_ms, cmp_double);
	qsort(f->sent_ms, f->nlat, sizeof *f->sent_ms, cmp_double);
	int n = f->fs.n;
	printf("T1\t| %d | %.2f | %.0f / %.0f | %.2f | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | "
	       "%ld |\n",
	       n, f->connect_ramp_s, f->connect_p50_ms, f->connect_p99_ms, f->connect_registry_s,
	       quantile(f->lat_ms, f->nlat, 0.5), quantile(f->lat_ms, f->nlat, 0.99),
	       f->nlat ? f->lat_ms[f->nlat - 1] : 0, quantile(f->sent_ms, f->nlat, 0.5),
	       quantile(f->sent_ms, f->nlat, 0.99), f->nlat ? f->sent_ms[f->nlat - 1] : 0,
	       f->missed);
	printf("T2\t| %d | %.2f | %.0f / %.0f | %.2f | %d / %d | %.0f | %.0f |\n", n,
	       f->storm_ramp_s, f->storm_p50_ms, f->storm_p99_ms, f->storm_registry_s,
	       f->storm_online_min, f->storm_online_end, f->offline, f->stale);
	char bc[64], rc[64];
	cpu_cell(bc, sizeof bc, &f->broker);
	cpu_cell(rc, sizeof rc, &f->bridge);
	printf("T3\t| %d | %s | %.0f | %s | %.0f |\n", n, bc, f->broker.peak_rss_kb / 1024.0, rc,
	       f->bridge.peak_rss_kb / 1024.0);
	fprintf(stderr,
	        "fan-out: %zu boards, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %ld missed; "
	        "late statuses ignored by the bridge: %.0f; lost %ld, refused %ld, HTTP errors "
	        "%ld\n",
	        f->nlat, quantile(f->lat_ms, f->nlat, 0.5), quantile(f->lat_ms, f->nlat, 0.99),
	        f->nlat ? f->lat_ms[f->nlat - 1] : 0, f->missed, f->stale, f->fs.lost,
	        f->fs.refused, f->probe.http_errors);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: fleet --mqtt-port P --http-port P --token T --admin A --screens N\n"
	             "             [--tenant fleet] [--per-site 10] [--rounds 3] [--inflight 100]\n"
	             "             [--broker-pid PID] [--bridge-pid PID]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"mqtt-port", required_argument, NULL, 'm'},
	    {"http-port", required_argument, NULL, 'h'},
	    {"token", required_argument, NULL, 't'},
	    {"admin", required_argument, NULL, 'a'},
	    {"screens", required_argument, NULL, 'n'},
	    {"tenant", required_argument, NULL, 'T'},
	    {"per-site", required_argument, NULL, 's'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"inflight", required_argument, NULL, 'i'},
	    {"broker-pid", required_argument, NULL, 'B'},
	    {"bridge-pid", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	static struct fleet f = {.rounds = 3};
	int mqtt_port = 0, http_port = 0, screens = 0, per_site = 10, inflight = 100;
	const char *token = NULL, *admin = NULL, *tenant = "fleet";
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mqtt_port = atoi(optarg);
			break;
		case 'h':
			http_port = atoi(optarg);
			break;
		case 't':
			token = optarg;
			break;
		case 'a':
			admin = optarg;
			break;
		case 'n':
			screens = atoi(optarg);
			break;
		case 'T':
			tenant = optarg;
			break;
		case 's':
			per_site = atoi(optarg);
			break;
		case 'r':
			f.rounds = atoi(optarg);
			break;
		case 'i':
			inflight = atoi(optarg);
			break;
		case 'B':
			f.broker.pid = atoi(optarg);
			break;
		case 'P':
			f.bridge.pid = atoi(optarg);
			break;
		case 'H':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!mqtt_port || !http_port || !token || !admin || screens < 1 || per_site < 1 ||
	    f.rounds < 1 || inflight < 1) {
		usage(stderr);
		return 2;
	}
	raise_nofile(screens + 64);
	mosquitto_lib_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int nsites = (screens + per_site - 1) / per_site;
	f.loop = loop_create();
	f.lat_ms = xcalloc((size_t)screens * (size_t)f.rounds, sizeof *f.lat_ms);
	f.sent_ms = xcalloc((size_t)screens * (size_t)f.rounds, sizeof *f.sent_ms);
	if (!f.loop ||
	    fleet_screens_init(&f.fs, f.loop, "127.0.0.1", mqtt_port, tenant, screens, per_site) <
	        0 ||
	    fleet_probe_init(&f.probe, http_port, token, admin, tenant, nsites, screens) < 0 ||
	    !loop_add_fd(f.loop, f.probe.done_fd, EPOLLIN, on_probe, &f) ||
	    !loop_add_timer(f.loop, CHECK_MS, CHECK_MS, on_check, &f)) {
		fprintf(stderr, "fleet: setup failed\n");
		return 1;
	}
	f.fs.inflight_max = inflight;
	sample(&f.broker, PH_CONNECT, true);
	sample(&f.bridge, PH_CONNECT, true);
	f.t0_us = fleet_now_us();
	fleet_screens_connect_all(&f.fs);
	run_probe(&f, PROBE_ONLINE, CONNECT_LIMIT_S * 1000000LL, 0);
	loop_run(f.loop);
	if (f.phase == PH_DONE)
		report(&f);
	fleet_probe_free(&f.probe);
	fleet_screens_free(&f.fs);
	loop_destroy(f.loop);
	free(f.lat_ms);
	free(f.sent_ms);
	curl_global_cleanup();
	mosquitto_lib_cleanup();
	return f.rc;
}

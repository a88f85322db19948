/* The bridge as tools/bench/fleet sees it over HTTP (libcurl): the registry
 * (GET /v1/devices), calls posted one per site, a counter from /metrics;
 * and the CPU time and RSS of a process from /proc.
 *
 * The HTTP side runs one job at a time in its own thread, so that a
 * multi-megabyte GET /v1/devices never stalls the screens' event loop (the
 * delay would show up as connect and fan-out time). The loop hands a job
 * over with fleet_probe_start and learns of its end through done_fd, an
 * eventfd it watches; the results are read after that, never during. */
#ifndef CB_FLEET_PROBE_H
#define CB_FLEET_PROBE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum probe_job {
	PROBE_IDLE,
	PROBE_ONLINE,  /* poll until every screen is online, then settle_us more */
	PROBE_CALLS,   /* one call per site, in site order */
	PROBE_METRICS, /* read two counters from /metrics */
	PROBE_QUIT,
};

struct fleet_probe {
	/* set once */
	char base[128]; /* http://127.0.0.1:PORT */
	const char *token, *admin, *tenant;
	int nsites, nscreens;
	int done_fd; /* eventfd: a job has finished */
	/* the job and its parameters, written before fleet_probe_start */
	enum probe_job job;
	int64_t deadline_us;   /* give up at (CLOCK_MONOTONIC, us) */
	int64_t settle_us;     /* PROBE_ONLINE: keep watching after all were online */
	int64_t not_before_us; /* PROBE_ONLINE: a snapshot counts from this time */
	/* results, read after done_fd fired */
	int64_t all_online_us; /* first snapshot with every screen online; 0 never */
	int online_last;       /* screens online in the last snapshot */
	int online_min_after;  /* fewest online in a snapshot after all_online_us */
	int64_t *sent_us;      /* owned, per site: when its call was sent */
	int64_t *t202_us;      /* owned, per site: when its call's 202 arrived */
	int64_t *seq;          /* owned, per site: the seq the 202 gave */
	double stale_total;    /* statuses the registry ignored as older */
	double offline_total;  /* transitions to offline (Wills applied) */
	long http_errors;
	/* private */
	pthread_t thread;
	int job_pipe[2];
	void *curl;
};

/* Start the probe thread. 0, or -1 (libcurl or thread setup failed). */
int fleet_probe_init(struct fleet_probe *p, int port, const char *token, const char *admin,
                     const char *tenant, int nsites, int nscreens);
/* Hand the job set in p->job (and its parameters) to the thread. */
void fleet_probe_start(struct fleet_probe *p);
/* Stop the thread and free what fleet_probe_init made. */
void fleet_probe_free(struct fleet_probe *p);

/* CPU time (user + system, seconds) and RSS (kB) of pid; false if gone. */
bool fleet_proc_sample(int pid, double *cpu_s, long *rss_kb);

#endif

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define LOG_MODULE "fleet"
#include "fleet_probe.h"
#include "fleet_screen.h"
#include "log.h"

#define POLL_EVERY_US 250000 /* or back to back when a GET takes longer */

struct body {
	char *s; /* owned */
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *data)
{
	struct body *b = data;
	b->s = xrealloc(b->s, b->len + size * n + 1);
	memcpy(b->s + b->len, ptr, size * n);
	b->len += size * n;
	b->s[b->len] = '\0';
	return size * n;
}

/* One request on the thread's keep-alive handle; the HTTP status, or -1.
 * *out (the body) is the caller's to free. */
static long request(struct fleet_probe *p, const char *path, const char *token, const char *post,
                    struct body *out)
{
	CURL *c = p->curl;
	char url[512], auth[256];
	snprintf(url, sizeof url, "%s%s", p->base, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	if (post)
		h = curl_slist_append(h, "Content-Type: application/json");
	*out = (struct body){0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	else
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	long code = -1;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	else
		log_warn_rl("%s: %s", path, curl_easy_strerror(rc));
	return code;
}

/* Screens of our tenant the registry shows online, over every page of
 * /v1/devices (1,000 a page); -1 when unreadable. */
static int count_online(struct fleet_probe *p)
{
	char path[512] = "/v1/devices?limit=1000";
	int n = 0;
	for (;;) {
		struct body b;
		if (request(p, path, p->token, NULL, &b) != 200) {
			free(b.s);
			p->http_errors++;
			return -1;
		}
		json_error_t err;
		json_t *root = json_loadb(b.s, b.len, 0, &err);
		free(b.s);
		json_t *list = json_object_get(root, "devices"), *d;
		size_t i;
		json_array_foreach(list, i, d)
		{
			const char *st = json_string_value(json_object_get(d, "status"));
			n += st && strcmp(st, "online") == 0;
		}
		const char *next = json_string_value(json_object_get(root, "next"));
		char *cursor = next ? curl_easy_escape(p->curl, next, 0) : NULL;
		if (cursor)
			snprintf(path, sizeof path, "/v1/devices?limit=1000&after=%s", cursor);
		curl_free(cursor);
		json_decref(root);
		if (!next)
			return n;
	}
}

static void job_online(struct fleet_probe *p)
{
	p->all_online_us = 0;
	p->online_min_after = p->nscreens;
	for (;;) {
		int64_t t = fleet_now_us();
		int n = count_online(p);
		if (n >= 0)
			p->online_last = n;
		if (p->all_online_us && n >= 0 && n < p->online_min_after)
			p->online_min_after = n;
		if (!p->all_online_us && n == p->nscreens && t >= p->not_before_us)
			p->all_online_us = t;
		int64_t now = fleet_now_us();
		if (now >= p->deadline_us ||
		    (p->all_online_us && now >= p->all_online_us + p->settle_us))
			return;
		int64_t wait = POLL_EVERY_US - (now - t);
		if (wait > 0)
			usleep((useconds_t)wait);
	}
}

static void job_calls(struct fleet_probe *p)
{
	for (int i = 0; i < p->nsites; i++) {
		char path[128], json[128];
		snprintf(path, sizeof path, "/v1/sites/%s/s-%04d/calls", p->tenant, i + 1);
		snprintf(json, sizeof json,
		         "{\"ticket\":\"A%03d\",\"desk\":\"%d\",\"area\":\"main\"}", i % 1000,
		         i % 9 + 1);
		struct body b;
		p->sent_us[i] = fleet_now_us();
		long code = request(p, path, p->token, json, &b);
		p->t202_us[i] = fleet_now_us();
		p->seq[i] = 0;
		if (code == 202) {
			json_error_t err;
			json_t *root = json_loadb(b.s, b.len, 0, &err);
			p->seq[i] = json_integer_value(json_object_get(root, "seq"));
			json_decref(root);
		} else {
			p->http_errors++;
			log_warn_rl("%s: answer %ld", path, code);
		}
		free(b.s);
	}
}

/* The value of a metric line "name value" in text; -1 when absent. */
static double metric(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *at = strstr(text, name); at; at = strstr(at + 1, name))
		if ((at == text || at[-1] == '\n') && at[n] == ' ')
			return strtod(at + n + 1, NULL);
	return -1;
}

static void job_metrics(struct fleet_probe *p)
{
	struct body b;
	p->stale_total = p->offline_total = -1;
	if (request(p, "/metrics", p->admin, NULL, &b) == 200) {
		p->stale_total = metric(b.s, "callboard_device_statuses_stale_total");
		p->offline_total =
		    metric(b.s, "callboard_device_transitions_total{to=\"offline\"}");
	} else {
		p->http_errors++;
	}
	free(b.s);
}

static void *run(void *data)
{
	struct fleet_probe *p = data;
	char cmd;
	while (read(p->job_pipe[0], &cmd, 1) == 1) {
		switch (p->job) {
		case PROBE_ONLINE:
			job_online(p);
			break;
		case PROBE_CALLS:
			job_calls(p);
			break;
		case PROBE_METRICS:
			job_metrics(p);
			break;
		case PROBE_QUIT:
			return NULL;
		case PROBE_IDLE:
			break;
		}
		uint64_t one = 1;
		if (write(p->done_fd, &one, sizeof one) != sizeof one)
			log_warn("eventfd write failed");
	}
	return NULL;
}

int fleet_probe_init(struct fleet_probe *p, int port, const char *token, const char *admin,
                     const char *tenant, int nsites, int nscreens)
{
	memset(p, 0, sizeof *p);
	snprintf(p->base, sizeof p->base, "http://127.0.0.1:%d", port);
	p->token = token;
	p->admin = admin;
	p->tenant = tenant;
	p->nsites = nsites;
	p->nscreens = nscreens;
	p->sent_us = xcalloc((size_t)nsites, sizeof *p->sent_us);
	p->t202_us = xcalloc((size_t)nsites, sizeof *p->t202_us);
	p->seq = xcalloc((size_t)nsites, sizeof *p->seq);
	p->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->done_fd < 0 || pipe(p->job_pipe) < 0 || !(p->curl = curl_easy_init()))
		return -1;
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	if (pthread_create(&p->thread, NULL, run, p) != 0)
		return -1;
	return 0;
}

void fleet_probe_start(struct fleet_probe *p)
{
	char cmd = 1;
	if (write(p->job_pipe[1], &cmd, 1) != 1)
		log_error("cannot hand a job to the probe thread");
}

void fleet_probe_free(struct fleet_probe *p)
{
	p->job = PROBE_QUIT;
	fleet_probe_start(p);
	pthread_join(p->thread, NULL);
	curl_easy_cleanup(p->curl);
	close(p->job_pipe[0]);
	close(p->job_pipe[1]);
	close(p->done_fd);
	free(p->sent_us);
	free(p->t202_us);
	free(p->seq);
}

bool fleet_proc_sample(int pid, double *cpu_s, long *rss_kb)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after the command name, which may hold spaces: field 3 on */
	const char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return false;
	*cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return false;
	*rss_kb = 0;
	while (fgets(buf, sizeof buf, f))
		if (sscanf(buf, "VmRSS: %ld kB", rss_kb) == 1)
			break;
	fclose(f);
	return true;
}

/* bench_bridge: a load generator for callboard-bridge's call API. N client
 * threads, each with one keep-alive HTTP/1.1 connection over a plain
 * socket, POST calls back to back for a fixed time; prints accepted calls
 * per second and the accept latency (request sent -> 202 read) p50/p99.
 *
 *   bench_bridge --port 8080 --token T --site aarhus/dokk1 --clients 8 --seconds 10
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	int port;
	const char *token;
	const char *site;
	int clients;
	double seconds;
	int areas;
};

struct worker {
	const struct opts *o;
	int index;
	double *lat; /* owned: latencies in ms */
	size_t n, cap;
	long errors;
	pthread_t thread;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one response; returns its status or -1. Handles Content-Length only
 * (the bridge always sends it). */
static int read_response(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		char *cl = strcasestr(buf, "Content-Length:");
		size_t body = cl ? strtoul(cl + 15, NULL, 10) : 0;
		if (len >= (size_t)(end + 4 - buf) + body) {
			int status = 0;
			sscanf(buf, "HTTP/1.%*d %d", &status);
			return status;
		}
		if (len + 1 >= cap)
			return -1;
	}
}

static void *run(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	char tenant[64], site[64];
	sscanf(o->site, "%63[^/]/%63s", tenant, site);
	int fd = connect_to(o->port);
	if (fd < 0) {
		w->errors++;
		return NULL;
	}
	char req[1024], body[256], resp[4096];
	double end = now_s() + o->seconds;
	unsigned seq = 0;
	while (now_s() < end) {
		int blen = snprintf(body, sizeof body,
		                    "{\"ticket\":\"B%u\",\"desk\":\"%d\",\"area\":\"bench-%d\"}",
		                    (unsigned)(w->index * 100000 + (seq++ % 100000)),
		                    w->index % 20 + 1, w->index % o->areas);
		int rlen = snprintf(req, sizeof req,
		                    "POST /v1/sites/%s/%s/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		                    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		                    "Content-Length: %d\r\n\r\n%s",
		                    tenant, site, o->token, blen, body);
		double t0 = now_s();
		if (send(fd, req, (size_t)rlen, MSG_NOSIGNAL) != rlen) {
			w->errors++;
			break;
		}
		int status = read_response(fd, resp, sizeof resp);
		double t1 = now_s();
		if (status != 202) {
			w->errors++;
			if (status < 0) {
				close(fd);
				if ((fd = connect_to(o->port)) < 0)
					break;
			}
			continue;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
			if (!w->lat)
				abort();
		}
		w->lat[w->n++] = (t1 - t0) * 1000.0;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct opts o = {
	    .port = 8080, .token = "", .site = "", .clients = 8, .seconds = 10, .areas = 4};
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			o.port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--token") == 0)
			o.token = argv[i + 1];
		else if (strcmp(argv[i], "--site") == 0)
			o.site = argv[i + 1];
		else if (strcmp(argv[i], "--clients") == 0)
			o.clients = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seconds") == 0)
			o.seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--areas") == 0)
			o.areas = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!o.token[0] || !strchr(o.site, '/') || o.clients < 1 || o.clients > 1024 ||
	    o.areas < 1) {
		fprintf(stderr, "usage: bench_bridge --port P --token T --site TENANT/SITE "
		                "[--clients N] [--seconds S] [--areas A]\n");
		return 2;
	}
	struct worker *w = calloc((size_t)o.clients, sizeof *w);
	double t0 = now_s();
	for (int i = 0; i < o.clients; i++) {
		w[i].o = &o;
		w[i].index = i;
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	size_t total = 0;
	long errors = 0;
	for (int i = 0; i < o.clients; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].n;
		errors += w[i].errors;
	}
	double elapsed = now_s() - t0;
	double *all = malloc((total ? total : 1) * sizeof *all);
	size_t k = 0;
	for (int i = 0; i < o.clients; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, total, sizeof *all, cmp_d);
	double p50 = total ? all[total / 2] : 0, p99 = total ? all[(size_t)(total * 0.99)] : 0;
	printf("clients=%d seconds=%.1f accepted=%zu errors=%ld calls_per_s=%.0f p50_ms=%.2f "
	       "p99_ms=%.2f\n",
	       o.clients, elapsed, total, errors, (double)total / elapsed, p50, p99);
	free(all);
	free(w);
	return errors && !total ? 1 : 0;
}

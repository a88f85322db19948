#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "timeutil.h"

static enum log_level max_level = LOG_LVL_INFO;
static int journal = -1;

void log_set_level(enum log_level level)
{
	max_level = level;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERROR:
		return "error";
	case LOG_LVL_WARN:
		return "warn";
	case LOG_LVL_INFO:
		return "info";
	case LOG_LVL_DEBUG:
		return "debug";
	}
	return "?";
}

void log_write(enum log_level level, const char *module, const char *file, int line,
               const char *fmt, ...)
{
	if (level > max_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (journal) {
		fprintf(stderr, "<%d>%s: %s (%s:%d)\n", (int)level, module, msg, base, line);
	} else {
		char ts[32];
		time_fmt_iso(time_now_ms(), ts, sizeof ts);
		fprintf(stderr, "%s %s %s: %s (%s:%d)\n", ts, level_name(level), module, msg, base,
		        line);
	}
}

bool log_ratelimit_ok(struct log_ratelimit *rl, const char *module)
{
	int64_t now = time_mono_ms();
	if (rl->window_start_ms == 0 || now - rl->window_start_ms >= rl->interval_ms) {
		if (rl->suppressed)
			log_write(LOG_LVL_WARN, module, __FILE__, __LINE__,
			          "%u similar messages suppressed", rl->suppressed);
		rl->window_start_ms = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}

static void oom(size_t n)
{
	fprintf(stderr, "out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom(strlen(s));
	return p;
}

void xgrow(void *arr, int *cap, int n, size_t size)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 8;
	*(void **)arr = xrealloc(*(void **)arr, (size_t)*cap * size);
}

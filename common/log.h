/* Logging: levels, module/file/line prefixes, journal-friendly output and
 * rate limiting for errors that can repeat (a bad payload every second). */
#ifndef CB_LOG_H
#define CB_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

#ifndef LOG_MODULE
#define LOG_MODULE "main"
#endif

/* Set the most verbose level printed (default INFO). */
void log_set_level(enum log_level level);
/* Print one line to stderr; with a journal on stderr, a <N> level prefix. */
void log_write(enum log_level level, const char *module, const char *file, int line,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A rate limit: at most `burst` lines per `interval_ms`; counts suppressed. */
struct log_ratelimit {
	int64_t window_start_ms;
	int interval_ms;
	int burst;
	int printed;
	unsigned suppressed;
};
#define LOG_RATELIMIT_INIT(interval, n)                                                            \
	{                                                                                          \
		0, (interval), (n), 0, 0                                                           \
	}
/* True when a line may be printed now; reports suppressed lines once. */
bool log_ratelimit_ok(struct log_ratelimit *rl, const char *module);

#define log_error(...) log_write(LOG_LVL_ERROR, LOG_MODULE, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LVL_WARN, LOG_MODULE, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LVL_INFO, LOG_MODULE, __FILE__, __LINE__, __VA_ARGS__)
#ifdef CB_DEBUG_LOG
#define log_debug(...) log_write(LOG_LVL_DEBUG, LOG_MODULE, __FILE__, __LINE__, __VA_ARGS__)
#else
#define log_debug(...) ((void)0)
#endif

/* Rate-limited warning: one static limiter per call site, 5 lines per 10 s. */
#define log_warn_rl(...)                                                                           \
	do {                                                                                       \
		static struct log_ratelimit rl_ = LOG_RATELIMIT_INIT(10000, 5);                    \
		if (log_ratelimit_ok(&rl_, LOG_MODULE))                                            \
			log_warn(__VA_ARGS__);                                                     \
	} while (0)

/* Allocation failure is not recoverable in these daemons: log and abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Room for element n of the array *arr (elements of size bytes, *cap of
 * them): when n has reached *cap, *cap doubles (from 8) and *arr moves. */
void xgrow(void *arr, int *cap, int n, size_t size);

#endif

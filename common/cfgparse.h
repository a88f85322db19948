/* INI parsing on top of inih with line numbers and error collection.
 * Every error reads "path:line: [section] key: value: reason". */
#ifndef CB_CFGPARSE_H
#define CB_CFGPARSE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#define CFG_MAX_ERRORS 64

struct cfg_ctx {
	const char *path;
	int line;
	int nerrors;
	char *errors[CFG_MAX_ERRORS]; /* owned; freed by cfg_ctx_free */
	void *user;
};

/* Called for each key; returns nothing: report problems with cfg_error. */
typedef void (*cfg_key_cb)(struct cfg_ctx *ctx, const char *section, const char *key,
                           const char *value);

/* Parse path calling cb per key. Returns 0 when the file was read and no
 * error was reported, -1 otherwise; errors are in ctx->errors. */
int cfg_parse_file(struct cfg_ctx *ctx, const char *path, cfg_key_cb cb, void *user);
/* Same on an in-memory string (name is used as the path in errors). */
int cfg_parse_string(struct cfg_ctx *ctx, const char *name, const char *text, cfg_key_cb cb,
                     void *user);
/* Record an error for the current line. */
void cfg_error(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Record an error not tied to a line (a missing required key). */
void cfg_error_noline(struct cfg_ctx *ctx, const char *section, const char *key, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
/* Free the collected errors (the ctx itself belongs to the caller). */
void cfg_ctx_free(struct cfg_ctx *ctx);
/* Print every kept error to out, a line each, then how many more were
 * counted but not kept. */
void cfg_print_errors(const struct cfg_ctx *ctx, FILE *out);

/* Value helpers: report an error and return false when the value is bad. */
bool cfg_int(struct cfg_ctx *ctx, const char *section, const char *key, const char *value, long min,
             long max, long *out);
bool cfg_bool(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
              bool *out);
/* names is NULL-terminated; the error lists the accepted values. */
bool cfg_enum(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
              const char *const *names, int *out);
/* Copy a string of at most cap-1 bytes with no control characters. */
bool cfg_str(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
             char *out, int cap);
/* Check a topic-safe name: [a-z0-9][a-z0-9-]{0,62}. */
bool cfg_name(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
              char *out, int cap);
/* Split a comma-separated list of names into out[max][cap]; returns count or -1. */
int cfg_name_list(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
                  char *out, int cap, int max);
/* The same for a list of any length: an array of *count names of cap bytes
 * each (at least one; caller frees), or NULL and -1 after the error. */
void *cfg_name_list_new(struct cfg_ctx *ctx, const char *section, const char *key,
                        const char *value, int cap, int *count);

/* FNV-1a 64-bit hash of a file's bytes as 16 hex chars; false if unreadable. */
bool cfg_file_hash(const char *path, char out[17]);

#endif

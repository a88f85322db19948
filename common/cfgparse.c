#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "log.h"

struct reader_state {
	FILE *file;
	const char *text;
	struct cfg_ctx *ctx;
	cfg_key_cb cb;
	char *line; /* owned: the current line, whole, however long */
	size_t cap;
	const char *long_value; /* in line: the value inih was not given, or NULL */
};

/* Keep one error message, formatted. */
__attribute__((format(printf, 2, 3))) static void add_error(struct cfg_ctx *ctx, const char *fmt,
                                                            ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	if (ctx->nerrors < CFG_MAX_ERRORS)
		ctx->errors[ctx->nerrors] = msg;
	else
		free(msg);
	ctx->nerrors++;
}

/* "path[:line]: [section] key: [value: ]reason", the line when at_line. */
__attribute__((format(printf, 6, 0))) static void key_error(struct cfg_ctx *ctx, bool at_line,
                                                            const char *section, const char *key,
                                                            const char *value, const char *fmt,
                                                            va_list ap)
{
	char reason[256], line[16] = "";
	vsnprintf(reason, sizeof reason, fmt, ap);
	if (at_line)
		snprintf(line, sizeof line, ":%d", ctx->line);
	add_error(ctx, "%s%s: [%s] %s: %s%s%s", ctx->path, line, section, key, value ? value : "",
	          value ? ": " : "", reason);
}

void cfg_error(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
               const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	key_error(ctx, true, section, key, value, fmt, ap);
	va_end(ap);
}

void cfg_error_noline(struct cfg_ctx *ctx, const char *section, const char *key, const char *fmt,
                      ...)
{
	va_list ap;
	va_start(ap, fmt);
	key_error(ctx, false, section, key, NULL, fmt, ap);
	va_end(ap);
}

void cfg_ctx_free(struct cfg_ctx *ctx)
{
	int n = ctx->nerrors < CFG_MAX_ERRORS ? ctx->nerrors : CFG_MAX_ERRORS;
	for (int i = 0; i < n; i++)
		free(ctx->errors[i]);
	ctx->nerrors = 0;
}

void cfg_print_errors(const struct cfg_ctx *ctx, FILE *out)
{
	int n = ctx->nerrors < CFG_MAX_ERRORS ? ctx->nerrors : CFG_MAX_ERRORS;
	for (int i = 0; i < n; i++)
		fprintf(out, "%s\n", ctx->errors[i]);
	if (ctx->nerrors > n)
		fprintf(out, "%s: %d more errors\n", ctx->path, ctx->nerrors - n);
}

/* The next whole line (with its newline) into st->line; false at the end. */
static bool next_line(struct reader_state *st)
{
	if (st->file)
		return getline(&st->line, &st->cap, st->file) >= 0;
	if (!*st->text)
		return false;
	size_t n = strcspn(st->text, "\n");
	n += st->text[n] == '\n';
	if (n + 1 > st->cap) {
		st->cap = n + 1;
		st->line = xrealloc(st->line, st->cap);
	}
	memcpy(st->line, st->text, n);
	st->line[n] = '\0';
	st->text += n;
	return true;
}

/* The value of a key = value line as inih would give it: after the first
 * '=' or ':', without surrounding blanks or an inline " ; comment".
 * Cuts line in place. */
static const char *line_value(char *sep)
{
	char *v = sep + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (char *p = v; *p; p++)
		if (*p == ';' && p > v && (p[-1] == ' ' || p[-1] == '\t'))
			*p = '\0';
	size_t n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	return v;
}

/* inih asks for one line per call, so counting calls gives line numbers.
 * Its line buffer is fixed (INI_MAX_LINE in the distribution's build): a
 * longer key = value line reaches it as "key =" and the handler takes the
 * value from st->long_value; a longer comment reaches it as ";". */
static char *read_line(char *buf, int size, void *stream)
{
	struct reader_state *st = stream;
	if (!next_line(st))
		return NULL;
	st->ctx->line++;
	st->long_value = NULL;
	size_t n = strlen(st->line);
	if (n < (size_t)size) {
		memcpy(buf, st->line, n + 1);
		return buf;
	}
	char *start = st->line + strspn(st->line, " \t");
	char *sep = start + strcspn(start, "=:");
	if (*start == ';' || *start == '#') {
		snprintf(buf, (size_t)size, ";\n");
	} else if (*start != '[' && *sep && sep - st->line + 3 < size) {
		snprintf(buf, (size_t)size, "%.*s=\n", (int)(sep - st->line), st->line);
		st->long_value = line_value(sep);
	} else {
		snprintf(buf, (size_t)size, "%s", st->line); /* cut: inih says what is wrong */
	}
	return buf;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct reader_state *st = user;
	st->cb(st->ctx, section, name, st->long_value ? st->long_value : value);
	return 1;
}

static int run(struct cfg_ctx *ctx, struct reader_state *st, void *user)
{
	ctx->line = 0;
	ctx->user = user;
	ini_allow_multiline = false;
	int r = ini_parse_stream(read_line, st, handler, st);
	free(st->line);
	if (r > 0) {
		ctx->line = r;
		add_error(ctx, "%s:%d: syntax error (expected [section] or key = value)", ctx->path,
		          r);
	}
	return ctx->nerrors ? -1 : 0;
}

int cfg_parse_file(struct cfg_ctx *ctx, const char *path, cfg_key_cb cb, void *user)
{
	ctx->path = path;
	FILE *f = fopen(path, "r");
	if (!f) {
		add_error(ctx, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct reader_state st = {.file = f, .ctx = ctx, .cb = cb};
	int r = run(ctx, &st, user);
	fclose(f);
	return r;
}

int cfg_parse_string(struct cfg_ctx *ctx, const char *name, const char *text, cfg_key_cb cb,
                     void *user)
{
	ctx->path = name;
	struct reader_state st = {.text = text, .ctx = ctx, .cb = cb};
	return run(ctx, &st, user);
}

bool cfg_int(struct cfg_ctx *ctx, const char *section, const char *key, const char *value, long min,
             long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (!*value || *end || errno) {
		cfg_error(ctx, section, key, value, "not a whole number");
		return false;
	}
	if (v < min || v > max) {
		cfg_error(ctx, section, key, value, "must be between %ld and %ld", min, max);
		return false;
	}
	*out = v;
	return true;
}

bool cfg_bool(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
              bool *out)
{
	if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1") ||
	    !strcmp(value, "on")) {
		*out = true;
		return true;
	}
	if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0") ||
	    !strcmp(value, "off")) {
		*out = false;
		return true;
	}
	cfg_error(ctx, section, key, value, "expected one of: true, false, yes, no, on, off, 1, 0");
	return false;
}

bool cfg_enum(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
              const char *const *names, int *out)
{
	char list[256] = "";
	for (int i = 0; names[i]; i++) {
		if (!strcmp(value, names[i])) {
			*out = i;
			return true;
		}
		if (i)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, names[i], sizeof list - strlen(list) - 1);
	}
	cfg_error(ctx, section, key, value, "expected one of: %s", list);
	return false;
}

bool cfg_str(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
             char *out, int cap)
{
	size_t n = strlen(value);
	if (n >= (size_t)cap) {
		cfg_error(ctx, section, key, value, "longer than %d bytes", cap - 1);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c < 0x20 || c == 0x7f) {
			cfg_error(ctx, section, key, NULL, "contains a control character");
			return false;
		}
	}
	memcpy(out, value, n + 1);
	return true;
}

static bool name_ok(const char *s, size_t n)
{
	if (n < 1 || n > 63)
		return false;
	if (!(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-')
			return false;
	}
	return true;
}

bool cfg_name(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
              char *out, int cap)
{
	size_t n = strlen(value);
	if (!name_ok(value, n) || n >= (size_t)cap) {
		cfg_error(ctx, section, key, value,
		          "must match [a-z0-9][a-z0-9-]{0,62} (lower-case letters, digits, '-')");
		return false;
	}
	memcpy(out, value, n + 1);
	return true;
}

int cfg_name_list(struct cfg_ctx *ctx, const char *section, const char *key, const char *value,
                  char *out, int cap, int max)
{
	int count = 0;
	const char *p = value;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != ',')
			p++;
		const char *end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t n = (size_t)(end - start);
		if (n == 0) {
			cfg_error(ctx, section, key, value, "empty item in list");
			return -1;
		}
		if (count >= max) {
			cfg_error(ctx, section, key, value, "more than %d items", max);
			return -1;
		}
		if (!name_ok(start, n) || n >= (size_t)cap) {
			cfg_error(ctx, section, key, value,
			          "item '%.*s' must match [a-z0-9][a-z0-9-]{0,62}", (int)n, start);
			return -1;
		}
		memcpy(out + (size_t)count * cap, start, n);
		out[(size_t)count * cap + n] = '\0';
		count++;
		if (*p == ',')
			p++;
	}
	if (count == 0) {
		cfg_error(ctx, section, key, value, "empty list");
		return -1;
	}
	return count;
}

void *cfg_name_list_new(struct cfg_ctx *ctx, const char *section, const char *key,
                        const char *value, int cap, int *count)
{
	/* As many names as the value has: one more than its commas. */
	int max = 1;
	for (const char *p = value; *p; p++)
		max += *p == ',';
	char *out = xcalloc((size_t)max, (size_t)cap);
	*count = cfg_name_list(ctx, section, key, value, out, cap, max);
	if (*count < 0) {
		free(out);
		return NULL;
	}
	return out;
}

bool cfg_file_hash(const char *path, char out[17])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	uint64_t h = 1469598103934665603ULL;
	int c;
	while ((c = fgetc(f)) != EOF) {
		h ^= (unsigned char)c;
		h *= 1099511628211ULL;
	}
	fclose(f);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
	return true;
}

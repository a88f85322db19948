/* Strict JSON input for the decoders: size, UTF-8, depth and duplicate-key
 * checks, then typed field getters that name the field on error. Internal. */
#ifndef CB_JSON_IN_H
#define CB_JSON_IN_H

#include <jansson.h>
#include <stdbool.h>

#include "proto.h"

enum jin_charset {
	JIN_TEXT,   /* any text without control characters */
	JIN_ID,     /* [A-Za-z0-9._:-] */
	JIN_TICKET, /* [A-Z0-9] */
	JIN_DESK,   /* [A-Za-z0-9 ._-] */
	JIN_NAME,   /* [a-z0-9][a-z0-9-]* */
	JIN_HEX,    /* [0-9a-f] */
};

void jin_fail(struct proto_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Load an object payload of at most max bytes; NULL with err on failure.
 * Also checks "v". The caller json_decref()s the result. */
json_t *jin_load(const char *buf, size_t len, size_t max, struct proto_error *err);
/* Same, checking "v" only when check_v. */
json_t *jin_load_ex(const char *buf, size_t len, size_t max, bool check_v, struct proto_error *err);
/* Load buf as jin_load_ex does, read it with fields (false with err on a
 * bad field) and release it: 0, or -1 with err. out is fields' own. */
typedef bool (*jin_fields_fn)(json_t *root, void *out, struct proto_error *err);
int jin_decode(const char *buf, size_t len, size_t max, bool check_v, jin_fields_fn fields,
               void *out, struct proto_error *err);

/* Getters: return false with err filled when the field is bad. An absent
 * optional field leaves the default and returns true. `path` prefixes the
 * key in error messages ("calls[3]"), or NULL at top level. */
bool jin_str(json_t *obj, const char *path, const char *key, bool required, enum jin_charset cs,
             size_t max, char *out, struct proto_error *err);
bool jin_int(json_t *obj, const char *path, const char *key, bool required, int64_t min,
             int64_t max, int64_t *out, struct proto_error *err);
bool jin_num(json_t *obj, const char *path, const char *key, bool required, double min, double max,
             double *out, struct proto_error *err);
bool jin_bool(json_t *obj, const char *path, const char *key, bool required, bool *out,
              struct proto_error *err);
bool jin_ts(json_t *obj, const char *path, const char *key, bool required, int64_t *out,
            struct proto_error *err);
/* names is NULL-terminated; *out is the index. */
bool jin_enum(json_t *obj, const char *path, const char *key, bool required,
              const char *const *names, int *out, struct proto_error *err);
/* The array at key (NULL when absent and not required), of at most max
 * items (named `items` in the error); false with err when it is not. */
bool jin_array(json_t *obj, const char *key, bool required, size_t max, const char *items,
               json_t **out, struct proto_error *err);
/* Compose "path.key" or "path[i]". */
void jin_path(char *buf, size_t len, const char *path, const char *key, int index);

/* An optional array of at most max names ([a-z0-9][a-z0-9-]*) into out. */
bool jin_name_list(json_t *root, const char *key, int max, char (*out)[PROTO_NAME_MAX + 1],
                   int *count, struct proto_error *err);

bool jin_charset_ok(const char *s, enum jin_charset cs);

/* A new message object holding its "v"; the caller owns it. */
json_t *jin_object(void);
/* Set key to ms as an RFC 3339 string, always / only when ms > 0. */
void jin_set_ts(json_t *o, const char *key, int64_t ms);
void jin_set_ts_opt(json_t *o, const char *key, int64_t ms);
/* Set key to s unless s is empty. */
void jin_set_str_opt(json_t *o, const char *key, const char *s);

/* Dump compact; aborts on allocation failure. Steals obj. */
char *jin_dump(json_t *obj);

#endif

/* The status page's pairing form (GET and POST /status/pair): an operator
 * types the code a screen shows and the identity it is to have, in a
 * browser, with the admin token or a tenant's as the Basic password. The
 * form is its own page (the status page reloads every 10 s). Rendering and
 * form parsing only; api.c checks access and enrol.c pairs. */
#ifndef CB_BRIDGE_PAIRPAGE_H
#define CB_BRIDGE_PAIRPAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"
#include "request.h"

/* A submitted form. */
struct pairpage_form {
	char tenant[PROTO_NAME_MAX + 1], site[PROTO_NAME_MAX + 1], device[PROTO_NAME_MAX + 1];
	struct pair_req req; /* code, areas (0: the kept ones), label */
};

/* The page: the form, and above it msg (NULL: none; ok says whether it is
 * a success). A malloc'ed string the caller frees, length in *len. */
char *pairpage_render(const char *msg, bool ok, size_t *len);
/* Parse an application/x-www-form-urlencoded body (code, target
 * TENANT/SITE/DEVICE, areas "a, b", label). false with why. */
bool pairpage_parse(const char *body, size_t len, struct pairpage_form *out, char *why,
                    size_t whylen);

#endif

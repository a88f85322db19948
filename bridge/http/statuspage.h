/* The HTML status page for facilities staff: every display, its problems
 * first (decided by problems.h), per site. */
#ifndef CB_BRIDGE_STATUSPAGE_H
#define CB_BRIDGE_STATUSPAGE_H

#include <stddef.h>

#include "bridge.h"

/* The status page of tenant's sites (NULL: every tenant); only_site
 * "tenant/site" shows that site's displays alone (NULL: all, or an index of
 * sites when there are very many). A malloc'ed string the caller frees,
 * length in *len. */
char *statuspage_render(struct bridge *b, const char *tenant, const char *only_site, size_t *len);

#endif

/* Text renderings of the bridge's state: the HTML status page for
 * facilities staff and the Prometheus metrics. */
#ifndef CB_BRIDGE_STATUSPAGE_H
#define CB_BRIDGE_STATUSPAGE_H

#include <stddef.h>

#include "bridge.h"

/* The status page; only_site "tenant/site" shows that site's displays
 * alone (NULL: all, or an index of sites when there are very many). A
 * malloc'ed string the caller frees, length in *len. */
char *statuspage_render(struct bridge *b, const char *only_site, size_t *len);
/* Prometheus text; a malloc'ed string the caller frees. */
char *metrics_render(struct bridge *b, size_t *len);

#endif

/* Alert webhook: HTTP/1.1 POST of a JSON body to one http:// URL, over a
 * non-blocking socket on the loop (no TLS: point it at a local relay).
 * Posts queue (capped at 64); each gets one attempt with a 5 s timeout. */
#ifndef CB_BRIDGE_WEBHOOK_H
#define CB_BRIDGE_WEBHOOK_H

#include <stdint.h>

struct loop;
struct webhook;
struct metrics;

/* Parse url (http://host[:port][/path]; host resolved now). NULL on error. */
struct webhook *webhook_create(struct loop *loop, const char *url, struct metrics *m);
void webhook_destroy(struct webhook *w);
/* Queue one POST of json (copied). */
void webhook_post(struct webhook *w, const char *json);

#endif

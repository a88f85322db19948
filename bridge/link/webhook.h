/* Alert webhook: HTTP POST of a JSON body to one http:// URL, through
 * libcurl's multi interface driven from the bridge's loop (curl's sockets
 * and its timer are loop sources like any other; DNS runs on libcurl's
 * resolver thread, so the loop never blocks). Posts wait in a queue
 * (capped at 64: when full the oldest is dropped and counted); at most 8
 * are in flight at once, each attempt with a 5 s timeout. A network error
 * or a 5xx answer is tried again after about 1 s, then 2 s (3 attempts in
 * all); a 4xx answer is final. An alert waiting out its backoff is back in
 * the queue (in posting order) and frees its place in flight. */
#ifndef CB_BRIDGE_WEBHOOK_H
#define CB_BRIDGE_WEBHOOK_H

#include <stdint.h>

struct loop;
struct webhook;
struct metrics;

/* A webhook posting to url (checked with url_parse) on loop, counting into
 * m. NULL on error; the caller owns it: free with webhook_destroy. */
struct webhook *webhook_create(struct loop *loop, const char *url, struct metrics *m);
/* Abandon the posts in flight and queued, and free w. */
void webhook_destroy(struct webhook *w);
/* Queue one POST of json (copied). */
void webhook_post(struct webhook *w, const char *json);

#endif

/* The device registry: every display seen on the configured sites, fed by
 * their status, health, ack, cmd/result and screenshot messages. States:
 * online, offline (status or Last Will), stale (no health for 3 intervals).
 * Also tracks display commands waiting for their result. */
#ifndef CB_BRIDGE_REGISTRY_H
#define CB_BRIDGE_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "registry_view.h"

/* Called once with the HTTP status and a malloc'ed body the callee owns
 * (JSON, or PNG bytes when content_type says so). */
typedef void (*registry_cmd_cb)(void *ctx, int status, const char *content_type, char *body,
                                size_t len);

struct registry;

/* Create the registry, load it from the store and start its timers. */
struct registry *registry_create(struct bridge *b);
void registry_destroy(struct registry *r);
/* Subscribe to the device topics of every configured site. */
void registry_subscribe(struct registry *r);
/* An MQTT message for the registry (any topic; others are ignored);
 * retained: delivered from the broker's retained store. */
void registry_on_message(struct registry *r, const char *topic, const void *payload, size_t len,
                         bool retained);
enum registry_png {
	REGISTRY_PNG_NO,    /* answer with the result */
	REGISTRY_PNG_WAIT,  /* answer with the result once the PNG arrived too */
	REGISTRY_PNG_SERVE, /* answer with the PNG bytes */
};

/* Send a command and call cb with its result, or 504 after the timeout.
 * -1 (cb not called) when it could not be sent. */
int registry_command(struct registry *r, const char *tenant, const char *site, const char *device,
                     int cmd, int level, enum registry_png png, registry_cmd_cb cb, void *ctx);
/* Which devices a page of the list holds. */
struct registry_page_req {
	const char *tenant; /* NULL: every tenant */
	const char *site;   /* NULL: every site of tenant (needs tenant) */
	const char *after;  /* "tenant/site/device" of the previous page's last, or NULL */
	int limit;
};

/* Split "tenant/site" (n 2) or "tenant/site/device" (n 3) into valid
 * names; false when s is not of that shape. */
bool registry_key_split(const char *s, char (*parts)[PROTO_NAME_MAX + 1], int n);
/* Up to q->limit devices in key order as a new JSON array in *devices (the
 * caller's reference); next gets the cursor for the next page, "" at the
 * end. -1 when q->after is not a device key. */
int registry_page(struct registry *r, const struct registry_page_req *q, json_t **devices,
                  char *next, size_t next_cap);
/* The latest screenshot of a device, or NULL. Owned by the registry. */
const unsigned char *registry_screenshot(struct registry *r, const char *tenant, const char *site,
                                         const char *device, size_t *len);
/* Count devices of a site by state and behind (for metrics and page). */
void registry_count(struct registry *r, const char *tenant, const char *site, int counts[4],
                    int *behind);
const char *registry_state_name(enum dev_state s);

/* Call cb for every device of tenant (NULL: all), sorted by tenant, site,
 * device. */
void registry_each(struct registry *r, const char *tenant,
                   void (*cb)(void *data, const struct registry_view *v), void *data);

#endif

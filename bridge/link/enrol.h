/* Pairing screens with a code, the bridge's side: answers the enrolment
 * requests of waiting screens with a code (bridge/core/pairing.c keeps them, in
 * memory), and when an operator approves a code for TENANT/SITE/DEVICE
 * gives that screen its own broker account through the broker's admin API
 * (mosquitto's dynamic security plugin, bridge/core/dynsec.c) over the bridge's
 * own MQTT connection, then hands the screen its identity on its private
 * reply topic. Unpairing deletes the account, which disconnects the screen.
 * Active only with [pairing] admin = dynsec. */
#ifndef CB_BRIDGE_ENROL_H
#define CB_BRIDGE_ENROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "bridge.h"

struct enrol;

/* Called once with an HTTP status and a JSON body (stolen by the callee). */
typedef void (*enrol_done_fn)(void *ctx, int status, json_t *body);

/* Create for b (NULL when pairing is off: every call below accepts NULL). */
struct enrol *enrol_create(struct bridge *b);
void enrol_destroy(struct enrol *e);
/* Subscribe to enrolment requests and the admin API's responses. */
void enrol_subscribe(struct enrol *e);
/* An MQTT message; true when it was for us. */
bool enrol_on_message(struct enrol *e, const char *topic, const void *payload, size_t len);

/* The approval of code by who (a tenant's name or "admin"), for a
 * configured site. Answers through done: 200 paired, 404 no such code
 * (wrong, expired or used: never which), 429 too many wrong codes, 503 the
 * broker is away or pairing is off, 502/504 the admin API failed or did
 * not answer. nareas 0 or name "": those kept from the device's last
 * pairing (a replaced screen keeps its settings); name "" then shows the
 * site's name. */
void enrol_pair(struct enrol *e, const char *who, const char *code, const char *tenant,
                const char *site, const char *device, const char (*areas)[PROTO_NAME_MAX + 1],
                int nareas, const char *name, enrol_done_fn done, void *ctx);
/* Delete a display's account: 200, or an error as above. */
void enrol_unpair(struct enrol *e, const char *tenant, const char *site, const char *device,
                  enrol_done_fn done, void *ctx);

#endif

/* Mosquitto's dynamic security plugin, as JSON: the topic rights of a
 * display, the bridge and the enrolment account in its ACL form, and the
 * command batches that give a paired screen its own account (and take it
 * away again) through $CONTROL/dynamic-security/v1. Pure text building and
 * parsing; bridge/link/enrol.c sends and waits, `callboard broker-config
 * --dynsec` writes the initial file with the same rights. Another broker's
 * admin API would get a module of its own beside this one. */
#ifndef CB_BRIDGE_DYNSEC_H
#define CB_BRIDGE_DYNSEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

#define DYNSEC_TOPIC          "$CONTROL/dynamic-security/v1"
#define DYNSEC_RESPONSE_TOPIC "$CONTROL/dynamic-security/v1/response"
#define DYNSEC_USER_MAX       (3 * (PROTO_NAME_MAX + 1))
#define DYNSEC_ROLE_BRIDGE    "callboard-bridge"
#define DYNSEC_ROLE_ADMIN     "callboard-dynsec-admin"

/* A display's account name, "tenant.site.device" (as broker-config's). */
void dynsec_username(const char *tenant, const char *site, const char *device,
                     char out[DYNSEC_USER_MAX + 1]);
/* Its role name, "callboard-display-" + the account name. */
void dynsec_rolename(const char *username, char *out, size_t cap);

/* ACL arrays (new references) in the plugin's form: reads become
 * subscribePattern + publishClientReceive, writes publishClientSend. */
json_t *dynsec_display_acls(const char *tenant, const char *site, const char *device,
                            const char (*areas)[PROTO_NAME_MAX + 1], int nareas);
/* Append the bridge's rights on one site to acls. */
void dynsec_bridge_site_acls(json_t *acls, const char *tenant, const char *site);
/* The bridge's rights that span sites: enrolment requests and replies. */
json_t *dynsec_bridge_acls(void);
/* The administration of the plugin itself ($CONTROL/dynamic-security/#). */
json_t *dynsec_admin_acls(void);

/* The batch that (re)creates a display's account with password and its
 * role; an old account of the same name is deleted first (a replaced
 * screen), which also disconnects it. Commands carry corr ":N" as their
 * correlation data. Caller frees. */
char *dynsec_pair_commands(const char *tenant, const char *site, const char *device,
                           const char (*areas)[PROTO_NAME_MAX + 1], int nareas,
                           const char *password, const char *corr);
/* The batch that deletes a display's account and role. Caller frees. */
char *dynsec_unpair_commands(const char *tenant, const char *site, const char *device,
                             const char *corr);

enum dynsec_answer {
	DYNSEC_NOT_OURS, /* another request's response, or not a response */
	DYNSEC_DONE,     /* every command of batch corr succeeded */
	DYNSEC_FAILED,   /* one failed: err says which and why */
};

/* Read a response payload for batch corr. Deleting what does not exist is
 * no failure (unpairing twice, pairing the first time). */
enum dynsec_answer dynsec_parse_response(const void *payload, size_t len, const char *corr,
                                         char *err, size_t errlen);

#endif

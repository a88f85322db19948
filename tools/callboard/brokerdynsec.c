/* broker-config --dynsec: the initial dynamic-security.json of mosquitto's
 * dynamic security plugin. It holds the same accounts and rights as the
 * static passwd and acl (the bridge, every display of the devices file),
 * plus the bridge's right to administer the plugin (it creates paired
 * screens' accounts at run time).
 *
 * The shared enrolment account is not in it: a waiting screen may reach
 * only the topics named by its own client id, and mosquitto 2.0's plugin
 * has no %c patterns. So that one account lives in a password file and an
 * ACL file with `pattern` lines, which mosquitto consults for the clients
 * the plugin does not know. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brokercfg.h"
#include "dynsec.h"
#include "enrol_msg.h"

/* A client with a PBKDF2 hash as the plugin stores it; NULL on failure.
 * A display's account is bound to its client id (the username), so that no
 * display credential can take over another client's session by its id. */
static json_t *client(const char *user, const char *password, const unsigned char salt[12],
                      json_t *roles, bool bind_id)
{
	char h[256];
	/* "$7$101$<salt>$<hash>": the same hash as mosquitto_passwd's, in parts. */
	if (!bc_hash_password(password, salt, h, sizeof h)) {
		json_decref(roles);
		return NULL;
	}
	char *s = h + strlen("$7$101$"), *dollar = strchr(s, '$');
	if (!dollar) {
		json_decref(roles);
		return NULL;
	}
	*dollar = '\0';
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:o}", "username", user, "password", dollar + 1,
	                      "salt", s, "iterations", 101, "roles", roles);
	if (bind_id)
		json_object_set_new(o, "clientid", json_string(user));
	return o;
}

static json_t *role(const char *name, json_t *acls)
{
	return json_pack("{s:s,s:o}", "rolename", name, "acls", acls);
}

static json_t *role_refs(const char *a, const char *b)
{
	json_t *r = json_pack("[{s:s}]", "rolename", a);
	if (b)
		json_array_append_new(r, json_pack("{s:s}", "rolename", b));
	return r;
}

char *bc_enrol_acl(void)
{
	char *s = NULL;
	if (asprintf(&s,
	             "# The shared account of screens waiting to be paired: each reaches\n"
	             "# only the enrolment topics of its own client id.\n"
	             "user %s\n"
	             "pattern write " PROTO_ENROL_ROOT "/%%c/request\n"
	             "pattern read " PROTO_ENROL_ROOT "/%%c/reply\n",
	             PROTO_ENROL_USER_DEFAULT) < 0)
		abort();
	return s;
}

char *bc_dynsec_json(const struct bc_config *c, bc_salt_fn salt_of, void *data)
{
	json_t *clients = json_array(), *roles = json_array();
	unsigned char salt[12];
	bool ok = true;

	json_t *bridge = json_array();
	for (int i = 0; i < c->ntenants; i++)
		for (int k = 0; k < c->tenants[i].nsites; k++)
			dynsec_bridge_site_acls(bridge, c->tenants[i].name, c->tenants[i].sites[k]);
	json_t *enrolment = dynsec_bridge_acls();
	json_array_extend(bridge, enrolment);
	json_decref(enrolment);
	json_array_append_new(roles, role(DYNSEC_ROLE_BRIDGE, bridge));
	json_array_append_new(roles, role(DYNSEC_ROLE_ADMIN, dynsec_admin_acls()));
	ok = ok && salt_of(data, salt) &&
	     json_array_append_new(clients, client(c->bridge_user, c->bridge_password, salt,
	                                           role_refs(DYNSEC_ROLE_BRIDGE, DYNSEC_ROLE_ADMIN),
	                                           false)) == 0;
	for (int i = 0; ok && i < c->ndisplays; i++) {
		const struct bc_display *d = &c->displays[i];
		char rn[DYNSEC_USER_MAX + 32];
		dynsec_rolename(d->username, rn, sizeof rn);
		json_array_append_new(
		    roles, role(rn, dynsec_display_acls(
		                        d->tenant, d->site, d->device,
		                        (const char(*)[PROTO_NAME_MAX + 1]) d->areas, d->nareas)));
		ok = salt_of(data, salt) &&
		     json_array_append_new(clients, client(d->username, d->password, salt,
		                                           role_refs(rn, NULL), true)) == 0;
	}
	/* Nothing is sent or subscribed that a role does not name; receiving
	 * is then limited by the subscriptions (and the file ACL's patterns
	 * need it open for the enrolment account). */
	json_t *root = json_pack("{s:{s:b,s:b,s:b,s:b},s:o,s:o,s:[]}", "defaultACLAccess",
	                         "publishClientSend", 0, "publishClientReceive", 1, "subscribe", 0,
	                         "unsubscribe", 1, "clients", clients, "roles", roles, "groups");
	char *s = ok ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return s;
}

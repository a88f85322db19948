/* Dynamic security JSON: ACLs and command batches. */
#include "dynsec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrol_msg.h"
#include "topic.h"

void dynsec_username(const char *tenant, const char *site, const char *device,
                     char out[DYNSEC_USER_MAX + 1])
{
	snprintf(out, DYNSEC_USER_MAX + 1, "%s.%s.%s", tenant, site, device);
}

void dynsec_rolename(const char *username, char *out, size_t cap)
{
	snprintf(out, cap, "callboard-display-%s", username);
}

static void acl(json_t *acls, const char *type, const char *topic)
{
	json_array_append_new(
	    acls, json_pack("{s:s,s:s,s:b}", "acltype", type, "topic", topic, "allow", 1));
}

static void read_acl(json_t *acls, const char *topic)
{
	acl(acls, "subscribePattern", topic);
	acl(acls, "publishClientReceive", topic);
}

json_t *dynsec_display_acls(const char *tenant, const char *site, const char *device,
                            const char (*areas)[PROTO_NAME_MAX + 1], int nareas)
{
	json_t *acls = json_array();
	struct proto_topic t = {0};
	char topic[PROTO_TOPIC_MAX];
	snprintf(t.tenant, sizeof t.tenant, "%s", tenant);
	snprintf(t.site, sizeof t.site, "%s", site);
	snprintf(t.device, sizeof t.device, "%s", device);
	t.kind = PROTO_TOPIC_BOARD;
	for (int i = 0; i < nareas; i++) {
		snprintf(t.area, sizeof t.area, "%s", areas[i]);
		if (proto_topic_build(&t, topic, sizeof topic) > 0)
			read_acl(acls, topic);
	}
	static const enum proto_topic_kind reads[] = {PROTO_TOPIC_NOTICE, PROTO_TOPIC_CMD};
	static const enum proto_topic_kind writes[] = {PROTO_TOPIC_STATUS, PROTO_TOPIC_HEALTH,
	                                               PROTO_TOPIC_ACK, PROTO_TOPIC_CMD_RESULT,
	                                               PROTO_TOPIC_SCREENSHOT};
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		t.kind = reads[i];
		if (proto_topic_build(&t, topic, sizeof topic) > 0)
			read_acl(acls, topic);
	}
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		t.kind = writes[i];
		if (proto_topic_build(&t, topic, sizeof topic) > 0)
			acl(acls, "publishClientSend", topic);
	}
	return acls;
}

void dynsec_bridge_site_acls(json_t *acls, const char *tenant, const char *site)
{
	char root[PROTO_TOPIC_MAX], topic[PROTO_TOPIC_MAX + 32];
	snprintf(root, sizeof root, PROTO_TOPIC_ROOT "/%s/%s", tenant, site);
	static const char *const rw[] = {"board/+", "notice"};
	for (size_t i = 0; i < sizeof rw / sizeof rw[0]; i++) {
		snprintf(topic, sizeof topic, "%s/%s", root, rw[i]);
		read_acl(acls, topic);
		acl(acls, "publishClientSend", topic);
	}
	snprintf(topic, sizeof topic, "%s/display/+/cmd", root);
	acl(acls, "publishClientSend", topic);
	static const char *const reads[] = {"status", "health", "ack", "cmd/result", "screenshot"};
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		snprintf(topic, sizeof topic, "%s/display/+/%s", root, reads[i]);
		read_acl(acls, topic);
	}
}

json_t *dynsec_bridge_acls(void)
{
	json_t *acls = json_array();
	read_acl(acls, PROTO_ENROL_ROOT "/+/request");
	acl(acls, "publishClientSend", PROTO_ENROL_ROOT "/+/reply");
	return acls;
}

json_t *dynsec_admin_acls(void)
{
	json_t *acls = json_array();
	acl(acls, "publishClientSend", "$CONTROL/dynamic-security/#");
	read_acl(acls, "$CONTROL/dynamic-security/#");
	return acls;
}

static void command(json_t *cmds, json_t *c, const char *corr)
{
	char id[128];
	snprintf(id, sizeof id, "%s:%zu", corr, json_array_size(cmds));
	json_object_set_new(c, "correlationData", json_string(id));
	json_array_append_new(cmds, c);
}

static char *dump(json_t *cmds)
{
	json_t *o = json_pack("{s:o}", "commands", cmds);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		abort();
	return s;
}

/* Delete the account and the role of a display (first steps of both). */
static json_t *delete_commands(const char *user, const char *role, const char *corr)
{
	json_t *cmds = json_array();
	command(cmds, json_pack("{s:s,s:s}", "command", "deleteClient", "username", user), corr);
	command(cmds, json_pack("{s:s,s:s}", "command", "deleteRole", "rolename", role), corr);
	return cmds;
}

char *dynsec_pair_commands(const char *tenant, const char *site, const char *device,
                           const char (*areas)[PROTO_NAME_MAX + 1], int nareas,
                           const char *password, const char *corr)
{
	char user[DYNSEC_USER_MAX + 1], role[DYNSEC_USER_MAX + 32];
	dynsec_username(tenant, site, device, user);
	dynsec_rolename(user, role, sizeof role);
	json_t *cmds = delete_commands(user, role, corr);
	command(cmds,
	        json_pack("{s:s,s:s,s:o}", "command", "createRole", "rolename", role, "acls",
	                  dynsec_display_acls(tenant, site, device, areas, nareas)),
	        corr);
	command(cmds,
	        json_pack("{s:s,s:s,s:s,s:s,s:[{s:s}]}", "command", "createClient", "username",
	                  user, "clientid", user, "password", password, "roles", "rolename", role),
	        corr);
	return dump(cmds);
}

char *dynsec_unpair_commands(const char *tenant, const char *site, const char *device,
                             const char *corr)
{
	char user[DYNSEC_USER_MAX + 1], role[DYNSEC_USER_MAX + 32];
	dynsec_username(tenant, site, device, user);
	dynsec_rolename(user, role, sizeof role);
	return dump(delete_commands(user, role, corr));
}

enum dynsec_answer dynsec_parse_response(const void *payload, size_t len, const char *corr,
                                         char *err, size_t errlen)
{
	json_t *root = json_loadb(payload, len, 0, NULL);
	json_t *rs = json_object_get(root, "responses");
	enum dynsec_answer rc = DYNSEC_NOT_OURS;
	size_t cl = strlen(corr);
	for (size_t i = 0; json_is_array(rs) && i < json_array_size(rs); i++) {
		json_t *r = json_array_get(rs, i);
		const char *id = json_string_value(json_object_get(r, "correlationData"));
		const char *cmd = json_string_value(json_object_get(r, "command"));
		const char *e = json_string_value(json_object_get(r, "error"));
		if (!id || strncmp(id, corr, cl) || id[cl] != ':')
			continue;
		if (rc == DYNSEC_NOT_OURS)
			rc = DYNSEC_DONE;
		bool deleting = cmd && !strncmp(cmd, "delete", 6);
		if (e && !(deleting && strstr(e, "not found")) && rc == DYNSEC_DONE) {
			snprintf(err, errlen, "%s: %s", cmd ? cmd : "?", e);
			rc = DYNSEC_FAILED;
		}
	}
	json_decref(root);
	return rc;
}

/* The dynamic security JSON: a display's rights, the pairing and unpairing
 * batches, and reading the plugin's responses (a table of payloads). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dynsec.h"

static const char areas[2][PROTO_NAME_MAX + 1] = {"main", "pas"};

static bool has_acl(json_t *acls, const char *type, const char *topic)
{
	size_t i;
	json_t *a;
	json_array_foreach(acls, i, a)
	{
		if (!strcmp(json_string_value(json_object_get(a, "acltype")), type) &&
		    !strcmp(json_string_value(json_object_get(a, "topic")), topic) &&
		    json_is_true(json_object_get(a, "allow")))
			return true;
	}
	return false;
}

static void display_rights(void **state)
{
	json_t *acls = dynsec_display_acls("aarhus", "dokk1", "screen-1", areas, 2);
	const char *root = "callboard/v1/aarhus/dokk1";
	char t[256];
	snprintf(t, sizeof t, "%s/board/pas", root);
	assert_true(has_acl(acls, "subscribePattern", t));
	assert_true(has_acl(acls, "publishClientReceive", t));
	assert_false(has_acl(acls, "publishClientSend", t));
	snprintf(t, sizeof t, "%s/display/screen-1/cmd", root);
	assert_true(has_acl(acls, "subscribePattern", t));
	snprintf(t, sizeof t, "%s/display/screen-1/cmd/result", root);
	assert_true(has_acl(acls, "publishClientSend", t));
	snprintf(t, sizeof t, "%s/display/screen-1/status", root);
	assert_true(has_acl(acls, "publishClientSend", t));
	/* 2 boards + notice + cmd read twice each, 5 writes. */
	assert_int_equal(json_array_size(acls), 13);
	json_decref(acls);

	json_t *bridge = dynsec_bridge_acls();
	assert_true(has_acl(bridge, "subscribePattern", "callboard/v1/enrol/+/request"));
	assert_true(has_acl(bridge, "publishClientSend", "callboard/v1/enrol/+/reply"));
	assert_int_equal(json_array_size(bridge), 3);
	json_decref(bridge);
}

static void pair_batch(void **state)
{
	char *s =
	    dynsec_pair_commands("aarhus", "dokk1", "screen-1", areas, 2, "pw-123456789012", "p7");
	json_t *root = json_loads(s, 0, NULL);
	json_t *cmds = json_object_get(root, "commands");
	assert_int_equal(json_array_size(cmds), 4);
	static const char *const want[] = {"deleteClient", "deleteRole", "createRole",
	                                   "createClient"};
	for (size_t i = 0; i < 4; i++) {
		json_t *c = json_array_get(cmds, i);
		char id[16];
		snprintf(id, sizeof id, "p7:%zu", i);
		assert_string_equal(json_string_value(json_object_get(c, "command")), want[i]);
		assert_string_equal(json_string_value(json_object_get(c, "correlationData")), id);
	}
	json_t *client = json_array_get(cmds, 3);
	assert_string_equal(json_string_value(json_object_get(client, "username")),
	                    "aarhus.dokk1.screen-1");
	assert_string_equal(json_string_value(json_object_get(client, "password")),
	                    "pw-123456789012");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(client, "roles"), 0), "rolename")),
	                    "callboard-display-aarhus.dokk1.screen-1");
	json_decref(root);
	free(s);

	s = dynsec_unpair_commands("aarhus", "dokk1", "screen-1", "u1");
	assert_non_null(strstr(s, "\"deleteClient\""));
	assert_non_null(strstr(s, "\"deleteRole\""));
	assert_null(strstr(s, "create"));
	free(s);
}

static void responses(void **state)
{
	static const struct {
		const char *payload;
		enum dynsec_answer want;
		const char *err;
	} rows[] = {
	    {"{\"responses\":[{\"command\":\"deleteClient\",\"correlationData\":\"p7:0\","
	     "\"error\":\"Client not found\"},{\"command\":\"createClient\",\"correlationData\":"
	     "\"p7:1\"}]}",
	     DYNSEC_DONE, ""},
	    {"{\"responses\":[{\"command\":\"createClient\",\"correlationData\":\"p7:3\","
	     "\"error\":\"Client already exists\"}]}",
	     DYNSEC_FAILED, "createClient: Client already exists"},
	    {"{\"responses\":[{\"command\":\"createClient\",\"correlationData\":\"p71:0\"}]}",
	     DYNSEC_NOT_OURS, ""},
	    {"{\"responses\":[{\"command\":\"createClient\"}]}", DYNSEC_NOT_OURS, ""},
	    {"not json", DYNSEC_NOT_OURS, ""},
	    {"{\"responses\":{}}", DYNSEC_NOT_OURS, ""},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char err[128] = "";
		assert_int_equal(dynsec_parse_response(rows[i].payload, strlen(rows[i].payload),
		                                       "p7", err, sizeof err),
		                 rows[i].want);
		assert_string_equal(err, rows[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(display_rights),
	    cmocka_unit_test(pair_batch),
	    cmocka_unit_test(responses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

bool client_init(struct client *c, const char *cmd, const char *url, const char *token,
                 const char *cafile)
{
	memset(c, 0, sizeof *c);
	c->cmd = cmd;
	c->url = url ? url : getenv("CALLBOARD_URL");
	if (!c->url || !*c->url)
		c->url = CLIENT_DEFAULT_URL;
	c->token = token ? token : getenv("CALLBOARD_TOKEN");
	c->timeout_ms = 30000;
	char why[160];
	if (!http_url_parse(c->url, &c->u, why, sizeof why)) {
		fprintf(stderr, "callboard %s: bridge URL '%s': %s\n", cmd, c->url, why);
		return false;
	}
	c->u.cafile = cafile ? cafile : getenv("CALLBOARD_CAFILE");
	return true;
}

static void print_error(struct client *c, const struct http_response *r)
{
	json_error_t je;
	json_t *j = r->len ? json_loadb(r->body, r->len, 0, &je) : NULL;
	const char *msg = NULL, *field = NULL;
	if (json_is_object(j)) {
		msg = json_string_value(json_object_get(j, "error"));
		field = json_string_value(json_object_get(j, "field"));
	}
	if (msg && field && *field)
		fprintf(stderr, "callboard %s: %d %s: %s\n", c->cmd, r->status, field, msg);
	else if (msg)
		fprintf(stderr, "callboard %s: %d: %s\n", c->cmd, r->status, msg);
	else
		fprintf(stderr, "callboard %s: %d: %.200s\n", c->cmd, r->status,
		        r->len ? r->body : "(no body)");
	if (r->status == 401 && (!c->token || !*c->token))
		fprintf(stderr, "callboard %s: no token given: use --token or CALLBOARD_TOKEN\n",
		        c->cmd);
	json_decref(j);
}

int client_do(struct client *c, const char *method, const char *path, json_t *body,
              struct http_response *resp)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	char why[256];
	int r = http_request(&c->u, method, path, c->token, text, text ? strlen(text) : 0,
	                     c->timeout_ms, resp, why, sizeof why);
	free(text);
	if (r < 0) {
		fprintf(stderr, "callboard %s: cannot reach the bridge at %s: %s\n", c->cmd, c->url,
		        why);
		return 1;
	}
	if (resp->status < 200 || resp->status > 299) {
		print_error(c, resp);
		http_response_free(resp);
		return 1;
	}
	return 0;
}

json_t *client_json(struct client *c, const struct http_response *resp)
{
	json_error_t je;
	json_t *j = json_loadb(resp->body, resp->len, 0, &je);
	if (!j)
		fprintf(stderr, "callboard %s: the bridge answered with bad JSON: %s\n", c->cmd,
		        je.text);
	return j;
}

bool client_site_path(char *buf, size_t cap, const char *tenant, const char *site,
                      const char *suffix)
{
	char t[200], s[200];
	if (!url_escape(tenant, t, sizeof t) || !url_escape(site, s, sizeof s))
		return false;
	int n = snprintf(buf, cap, "/v1/sites/%s/%s%s", t, s, suffix);
	return n > 0 && (size_t)n < cap;
}

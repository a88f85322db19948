/* The bridge API from the CLI: URL and token from flags or environment,
 * JSON bodies, and errors printed the same way by every subcommand. */
#ifndef CB_CLIENT_H
#define CB_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

#include "http.h"

#define CLIENT_DEFAULT_URL "http://127.0.0.1:8080"

struct client {
	const char *cmd;   /* "call", for messages: "callboard call: ..." */
	const char *url;   /* as given, for messages */
	const char *token; /* NULL: none */
	struct http_url u;
	int timeout_ms;
};

/* Fill c from --url/--token/--cafile values (NULL: take CALLBOARD_URL,
 * CALLBOARD_TOKEN, CALLBOARD_CAFILE or the default). false after printing why. */
bool client_init(struct client *c, const char *cmd, const char *url, const char *token,
                 const char *cafile);
/* One request with an optional JSON body (not consumed). Returns 0 on a 2xx
 * answer (resp filled, caller frees), 1 after printing the error. */
int client_do(struct client *c, const char *method, const char *path, json_t *body,
              struct http_response *resp);
/* The JSON body of a response; NULL after printing why. Caller decrefs. */
json_t *client_json(struct client *c, const struct http_response *resp);
/* "/v1/sites/T/S" + suffix into buf with names escaped; false if too long. */
bool client_site_path(char *buf, size_t cap, const char *tenant, const char *site,
                      const char *suffix);

#endif

/* The HTTP API: a route table (method, path, access, handler), bearer-token
 * auth per tenant, JSON in and out. API.md documents every endpoint. */
#ifndef CB_BRIDGE_API_H
#define CB_BRIDGE_API_H

#include "bridge.h"
#include "http.h"

/* The http_handler for the bridge (data is the struct bridge). */
int api_handle(void *data, struct http_req *req, struct http_resp *resp);
/* The http_status_cb counting responses by status. */
void api_count_status(void *data, int status);

#endif

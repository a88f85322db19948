/* The CLI's HTTP client for the bridge API, on libcurl: plain HTTP or HTTPS
 * (certificate and host name verified), one blocking request at a time,
 * bounded in time and size. URLs are parsed by common/url. */
#ifndef CB_HTTP_H
#define CB_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "url.h"

#define HTTP_BODY_MAX (8 * 1024 * 1024)

struct http_url {
	struct url url;
	char prefix[512];   /* path before /v1/..., without a trailing slash */
	const char *cafile; /* https: trust this CA (not owned); NULL: the system's */
};

struct http_response {
	int status;
	char content_type[128];
	char *body; /* NUL-terminated, owned: free with http_response_free */
	size_t len;
};

/* Parse "http[s]://host[:port][/prefix]". false with a reason in why. */
bool http_url_parse(const char *url, struct http_url *u, char *why, size_t whylen);
/* The full URL of path under u into buf; false when buf is too small. */
bool http_url_for(const struct http_url *u, const char *path, char *buf, size_t cap);
/* Send one request (body may be NULL) and read the whole response.
 * token: a bearer token or NULL. 0, or -1 with a reason in why (connection
 * refused, timeout, certificate not trusted). */
int http_request(const struct http_url *u, const char *method, const char *path, const char *token,
                 const char *body, size_t body_len, int timeout_ms, struct http_response *resp,
                 char *why, size_t whylen);
/* Free the body of a response filled by http_request. */
void http_response_free(struct http_response *r);

#endif

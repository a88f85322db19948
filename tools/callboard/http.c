#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"

bool http_url_parse(const char *url, struct http_url *u, char *why, size_t whylen)
{
	memset(u, 0, sizeof *u);
	if (!url_parse(url, true, &u->url, why, whylen))
		return false;
	if (strchr(u->url.path, '?')) {
		snprintf(why, whylen, "a query does not belong in the bridge URL");
		return false;
	}
	size_t n = strlen(u->url.path);
	while (n > 0 && u->url.path[n - 1] == '/')
		n--;
	memcpy(u->prefix, u->url.path, n);
	u->prefix[n] = '\0';
	return true;
}

bool http_url_for(const struct http_url *u, const char *path, char *buf, size_t cap)
{
	return url_format(&u->url, u->prefix, path, buf, cap);
}

/* The response body as it arrives, bounded. */
static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	struct http_response *r = data;
	n *= size;
	if (n > HTTP_BODY_MAX - r->len)
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	r->body = xrealloc(r->body, r->len + n + 1);
	memcpy(r->body + r->len, p, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Why a transfer failed, in the words the CLI has always used. */
static void explain(CURL *e, CURLcode rc, const struct http_url *u, const char *errbuf,
                    int timeout_ms, char *why, size_t whylen)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	long oserr = 0;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
		snprintf(why, whylen, "%s", oserr ? strerror((int)oserr) : detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(why, whylen, "no response within %d ms", timeout_ms);
		break;
	case CURLE_WRITE_ERROR:
		snprintf(why, whylen, "response larger than %d bytes", HTTP_BODY_MAX);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(why, whylen, "cannot load the CA file %s", u->cafile);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		/* libcurl names both faults alike; its text tells a wrong name. */
		snprintf(why, whylen, "TLS: the server's certificate is not trusted: %s%s%s",
		         strstr(detail, "target host name") ? "host name mismatch: " : "", detail,
		         u->cafile ? "" : " (give the bridge's CA with --cafile)");
		break;
	default:
		snprintf(why, whylen, "%s", detail);
	}
}

int http_request(const struct http_url *u, const char *method, const char *path, const char *token,
                 const char *body, size_t body_len, int timeout_ms, struct http_response *resp,
                 char *why, size_t whylen)
{
	memset(resp, 0, sizeof *resp);
	char url[2048], auth[1100], errbuf[CURL_ERROR_SIZE] = "";
	if (!http_url_for(u, path, url, sizeof url)) {
		snprintf(why, whylen, "request URL too long");
		return -1;
	}
	CURL *e = curl_easy_init();
	if (!e)
		abort();
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json, image/png");
	h = curl_slist_append(h, body ? "Content-Type: application/json" : "Content-Type:");
	h = curl_slist_append(h, "Expect:");
	if (token && *token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, ""); /* the bridge is reached directly */
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "callboard/" CALLBOARD_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (u->cafile && *u->cafile)
		curl_easy_setopt(e, CURLOPT_CAINFO, u->cafile);
	if (strcmp(method, "GET")) {
		/* Every other method carries a body, if only an empty one. */
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, resp);
	CURLcode rc = curl_easy_perform(e);
	if (rc == CURLE_OK) {
		long status = 0;
		char *ct = NULL;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
		resp->status = (int)status;
		snprintf(resp->content_type, sizeof resp->content_type, "%s", ct ? ct : "");
		if (!resp->body)
			resp->body = xcalloc(1, 1);
	} else {
		explain(e, rc, u, errbuf, timeout_ms, why, whylen);
		http_response_free(resp);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return rc == CURLE_OK ? 0 : -1;
}

void http_response_free(struct http_response *r)
{
	free(r->body);
	r->body = NULL;
}

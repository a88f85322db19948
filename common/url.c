#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

/* Copy v (libcurl's, freed here) into out; false when it does not fit. */
static bool take(char *v, char *out, size_t cap)
{
	size_t n = strlen(v);
	bool fits = n < cap;
	if (fits)
		memcpy(out, v, n + 1);
	curl_free(v);
	return fits;
}

static bool copy_part(CURLU *h, CURLUPart part, unsigned flags, char *out, size_t cap)
{
	char *v = NULL;
	return curl_url_get(h, part, &v, flags) == CURLUE_OK && take(v, out, cap);
}

/* The reason for a libcurl URL error, in the words our messages use. */
static const char *reason(CURLUcode rc)
{
	switch (rc) {
	case CURLUE_NO_HOST:
		return "no host";
	case CURLUE_BAD_PORT_NUMBER:
		return "bad port (1..65535)";
	case CURLUE_BAD_IPV6:
		return "bad IPv6 address in [ ]";
	case CURLUE_BAD_HOSTNAME:
		return "bad host name";
	default:
		return curl_url_strerror(rc);
	}
}

bool url_parse(const char *s, bool allow_tls, struct url *u, char *why, size_t whylen)
{
	memset(u, 0, sizeof *u);
	u->tls = allow_tls && !strncasecmp(s, "https://", 8);
	if (!u->tls && strncasecmp(s, "http://", 7)) {
		snprintf(why, whylen, "must start with http://%s", allow_tls ? " or https://" : "");
		return false;
	}
	CURLU *h = curl_url();
	if (!h) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	bool ok = false;
	char port[8], query[512] = "";
	CURLUcode rc = curl_url_set(h, CURLUPART_URL, s, 0);
	if (rc != CURLUE_OK) {
		snprintf(why, whylen, "%s", reason(rc));
		goto out;
	}
	char *user = NULL;
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		curl_free(user);
		snprintf(why, whylen, "a user name does not belong in the URL");
		goto out;
	}
	if (!copy_part(h, CURLUPART_HOST, 0, u->host, sizeof u->host) ||
	    !copy_part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT, port, sizeof port) ||
	    !copy_part(h, CURLUPART_PATH, 0, u->path, sizeof u->path)) {
		snprintf(why, whylen, "too long");
		goto out;
	}
	if (u->host[0] == '[') { /* curl keeps the brackets of an IPv6 host */
		size_t n = strlen(u->host);
		memmove(u->host, u->host + 1, n - 2);
		u->host[n - 2] = '\0';
	}
	u->port = atoi(port);
	if (u->port < 1 || u->port > 65535) {
		snprintf(why, whylen, "%s", reason(CURLUE_BAD_PORT_NUMBER));
		goto out;
	}
	if (copy_part(h, CURLUPART_QUERY, 0, query, sizeof query) &&
	    strlen(u->path) + 1 + strlen(query) >= sizeof u->path) {
		snprintf(why, whylen, "too long");
		goto out;
	}
	if (query[0]) {
		strcat(u->path, "?");
		strcat(u->path, query);
	}
	ok = true;
out:
	curl_url_cleanup(h);
	return ok;
}

bool url_format(const struct url *u, const char *path, const char *suffix, char *buf, size_t cap)
{
	bool v6 = strchr(u->host, ':') != NULL;
	int n = snprintf(buf, cap, "%s://%s%s%s:%d%s%s", u->tls ? "https" : "http", v6 ? "[" : "",
	                 u->host, v6 ? "]" : "", u->port, path, suffix);
	return n > 0 && (size_t)n < cap;
}

bool url_escape(const char *s, char *out, size_t cap)
{
	char *e = curl_easy_escape(NULL, s, 0);
	if (!e)
		abort();
	return take(e, out, cap);
}

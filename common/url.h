/* The one parser for the http:// and https:// URLs callboard is given (the
 * CLI's bridge URL, the bridge's alert webhook): libcurl's URL API underneath,
 * so every program accepts the same forms and names the same faults. */
#ifndef CB_URL_H
#define CB_URL_H

#include <stdbool.h>
#include <stddef.h>

struct url {
	bool tls;       /* https:// */
	char host[256]; /* an IPv6 address without its brackets */
	int port;       /* the default for the scheme when none is given */
	char path[512]; /* "/" at least, with "?query" when one is given */
};

/* Parse "http[s]://host[:port][/path]" into u (https only when allow_tls).
 * false with a reason in why. */
bool url_parse(const char *s, bool allow_tls, struct url *u, char *why, size_t whylen);
/* Write "scheme://host:port" + path + suffix into buf (IPv6 hosts in
 * brackets); false when buf is too small. */
bool url_format(const struct url *u, const char *path, const char *suffix, char *buf, size_t cap);
/* Percent-encode s as one path segment (all but A-Z a-z 0-9 - . _ ~) into
 * out; false when out is too small. */
bool url_escape(const char *s, char *out, size_t cap);

#endif

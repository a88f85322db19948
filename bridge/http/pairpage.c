/* The pairing form. */
#include "pairpage.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pii.h"

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

char *pairpage_render(const char *msg, bool ok, size_t *len)
{
	char *s = NULL;
	FILE *f = open_memstream(&s, len);
	if (!f)
		abort();
	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<title>Pair a screen</title><style>body{font-family:sans-serif;margin:2em}"
	      "label{display:block;margin:.6em 0}input{font-size:1.1em}"
	      ".ok{color:#176b2c}.bad{color:#a4161a}</style></head><body>\n"
	      "<h1>Pair a screen / Tilslut en skærm</h1>\n",
	      f);
	if (msg) {
		fprintf(f, "<p class=\"%s\">", ok ? "ok" : "bad");
		esc(f, msg);
		fputs("</p>\n", f);
	}
	fputs("<form method=\"post\" action=\"/status/pair\">\n"
	      "<label>Code on the screen <input name=\"code\" required size=\"8\" "
	      "autocomplete=\"off\" placeholder=\"K7F-3QD\"></label>\n"
	      "<label>Device <input name=\"target\" required size=\"40\" "
	      "placeholder=\"aarhus/dokk1/screen-1\"></label>\n"
	      "<label>Areas <input name=\"areas\" size=\"30\" placeholder=\"main, pas\"> "
	      "(empty: those of its last pairing)</label>\n"
	      "<label>Name in its header <input name=\"label\" size=\"40\" "
	      "placeholder=\"Borgerservice Dokk1\"></label>\n"
	      "<button type=\"submit\">Pair</button></form>\n"
	      "<p><a href=\"/\">Status page</a></p></body></html>\n",
	      f);
	fclose(f);
	return s;
}

/* The value of key in the decoded form into out; false when absent or too long. */
static bool field(const char *body, size_t len, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	const char *p = body, *end = body + len;
	out[0] = '\0';
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if ((size_t)(stop - p) > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			char raw[1024];
			size_t n = (size_t)(stop - p) - kl - 1;
			if (n >= sizeof raw)
				return false;
			memcpy(raw, p + kl + 1, n);
			raw[n] = '\0';
			for (char *c = raw; *c; c++)
				if (*c == '+')
					*c = ' ';
			int dl = 0;
			char *d = curl_easy_unescape(NULL, raw, (int)n, &dl);
			bool ok = d && (size_t)dl < cap && !memchr(d, '\0', (size_t)dl);
			if (ok)
				memcpy(out, d, (size_t)dl + 1);
			curl_free(d);
			return ok;
		}
		p = stop + 1;
	}
	return false;
}

bool pairpage_parse(const char *body, size_t len, struct pairpage_form *out, char *why,
                    size_t whylen)
{
	memset(out, 0, sizeof *out);
	char target[256], areas[600];
	if (!field(body, len, "code", out->req.code, sizeof out->req.code) || !out->req.code[0]) {
		snprintf(why, whylen, "the code shown on the screen is required");
		return false;
	}
	char *parts[3] = {out->tenant, out->site, out->device};
	int n = 0;
	if (field(body, len, "target", target, sizeof target))
		for (char *save = NULL, *t = strtok_r(target, "/ ", &save); t && n < 3;
		     t = strtok_r(NULL, "/ ", &save))
			snprintf(parts[n++], PROTO_NAME_MAX + 1, "%s", t);
	if (n != 3 || !proto_name_valid(out->tenant) || !proto_name_valid(out->site) ||
	    !proto_name_valid(out->device)) {
		snprintf(why, whylen, "the device is TENANT/SITE/DEVICE, names in [a-z0-9-]");
		return false;
	}
	field(body, len, "areas", areas, sizeof areas);
	for (char *save = NULL, *t = strtok_r(areas, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		if (out->req.nareas == PROTO_AREAS_MAX || !proto_name_valid(t)) {
			snprintf(why, whylen, "areas: at most 8 names in [a-z0-9-]");
			return false;
		}
		snprintf(out->req.areas[out->req.nareas++], PROTO_NAME_MAX + 1, "%s", t);
	}
	char label[256];
	if (field(body, len, "label", label, sizeof label) && label[0]) {
		if (strlen(label) >= sizeof out->req.name ||
		    !proto_text_valid(label, strlen(label))) {
			snprintf(why, whylen, "the name is at most 127 bytes of text");
			return false;
		}
		enum pii_kind k = pii_detect(label, strlen(label));
		if (k != PII_NONE) {
			snprintf(why, whylen, "name: %s", pii_kind_reason(k));
			return false;
		}
		snprintf(out->req.name, sizeof out->req.name, "%s", label);
	}
	return true;
}

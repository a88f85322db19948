/* Identity file and waiting screen state. */
#define LOG_MODULE "pairing"
#include "pairing.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define IDENTITY_BYTES_MAX 8192
/* Ask again this often, with or without an answer; and a little before
 * the code expires, so the screen never shows a dead one. */
#define ASK_AGAIN_MS    60000
#define RENEW_BEFORE_MS 5000

void pairing_identity_path(const char *dir, char *out, size_t n)
{
	snprintf(out, n, "%s/identity.json", dir);
}

int pairing_identity_new(struct pairing_identity *id)
{
	unsigned char b[16];
	memset(id, 0, sizeof *id);
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return -1;
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(id->client + 2 * i, 3, "%02x", b[i]);
	return 0;
}

int pairing_identity_load(const char *path, struct pairing_identity *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	json_error_t je;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char buf[IDENTITY_BYTES_MAX];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	json_t *root = len < sizeof buf ? json_loadb(buf, len, 0, &je) : NULL;
	const char *client = json_string_value(json_object_get(root, "client"));
	json_t *paired = json_object_get(root, "paired");
	int rc = -1;
	char cbuf[256];
	if (!client || proto_enrol_topic(client, "reply", cbuf, sizeof cbuf) < 0) {
		snprintf(err, errlen, "%s: client: missing or not [a-z0-9]{16,64}", path);
		goto out;
	}
	snprintf(out->client, sizeof out->client, "%s", client);
	if (paired) {
		char *s = json_dumps(paired, JSON_COMPACT);
		struct proto_error pe = {0};
		int d = s ? proto_enrol_reply_decode(s, strlen(s), &out->id, &pe) : -1;
		free(s);
		if (d < 0 || out->id.state != PROTO_ENROL_PAIRED) {
			snprintf(err, errlen, "%s: paired.%s: %s", path, pe.field,
			         pe.reason[0] ? pe.reason : "not a paired identity");
			goto out;
		}
		out->paired = true;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int pairing_identity_save(const char *path, const struct pairing_identity *id)
{
	json_t *root = json_pack("{s:i,s:s}", "v", 1, "client", id->client);
	if (id->paired) {
		char *s = proto_enrol_reply_encode(&id->id);
		json_object_set_new(root, "paired", json_loads(s, 0, NULL));
		free(s);
	}
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		abort();
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		rc = 0;
	else
		unlink(tmp);
out:
	free(text);
	return rc;
}

void pairing_identity_apply(const struct pairing_identity *id, struct display_config *cfg)
{
	const struct proto_enrol_reply *r = &id->id;
	snprintf(cfg->id, sizeof cfg->id, "%s", r->device);
	snprintf(cfg->tenant, sizeof cfg->tenant, "%s", r->tenant);
	snprintf(cfg->site, sizeof cfg->site, "%s", r->site);
	cfg->nareas = r->nareas;
	memcpy(cfg->areas, r->areas, sizeof cfg->areas);
	snprintf(cfg->site_name, sizeof cfg->site_name, "%s", r->name[0] ? r->name : r->site);
	/* The bridge refuses accounts longer than the [mqtt] field holds. */
	snprintf(cfg->mqtt.username, sizeof cfg->mqtt.username, "%.*s",
	         (int)sizeof cfg->mqtt.username - 1, r->username);
	snprintf(cfg->mqtt.password, sizeof cfg->mqtt.password, "%s", r->password);
}

void pairing_wait_link(struct pairing_wait *w, bool up, int64_t now_mono)
{
	if (up) {
		w->ask_at_mono = now_mono;
		if (!w->code[0])
			snprintf(w->status, sizeof w->status, "Henter kode … / Getting a code …");
	} else {
		w->ask_at_mono = -1;
		w->code[0] = '\0';
		snprintf(w->status, sizeof w->status,
		         "Forbinder til serveren … / Connecting to the server …");
	}
}

void pairing_wait_asked(struct pairing_wait *w, int64_t now_mono)
{
	w->ask_at_mono = now_mono + ASK_AGAIN_MS;
}

enum pairing_step pairing_wait_reply(struct pairing_wait *w, const struct proto_enrol_reply *r,
                                     int64_t now_mono)
{
	switch (r->state) {
	case PROTO_ENROL_CODE: {
		/* Asking again each minute costs the bridge nothing (the same
		 * code) and brings a new one after a bridge restart, which
		 * forgets pending codes. */
		int64_t renew = (int64_t)r->expires_s * 1000 - RENEW_BEFORE_MS;
		if (renew > ASK_AGAIN_MS)
			renew = ASK_AGAIN_MS;
		w->ask_at_mono = now_mono + (renew > 1000 ? renew : 1000);
		bool same = !strcmp(w->code, r->code);
		snprintf(w->code, sizeof w->code, "%s", r->code);
		snprintf(w->status, sizeof w->status, "Koden gælder i %d min / valid for %d min",
		         (r->expires_s + 59) / 60, (r->expires_s + 59) / 60);
		return same ? PAIRING_IGNORE : PAIRING_SHOW;
	}
	case PROTO_ENROL_PAIRED:
		return PAIRING_STORE;
	case PROTO_ENROL_REFUSED:
		w->code[0] = '\0';
		w->ask_at_mono = now_mono + ASK_AGAIN_MS / 4;
		snprintf(w->status, sizeof w->status, "Prøver igen … / Trying again … (%s)",
		         r->reason);
		return PAIRING_SHOW;
	}
	return PAIRING_IGNORE;
}

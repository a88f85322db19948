/* A display paired with a code: the identity it keeps and the waiting
 * screen's state, without MQTT or SDL (daemon_pairing.c wires them).
 *
 * The identity file (DIR/identity.json in [device] state_dir, mode 0600,
 * replaced atomically) holds the random client id the screen uses on the
 * enrolment account, a secret only this device and the broker know, and
 * once paired the identity the bridge handed over: tenant, site, device,
 * areas, header name, broker username and password. A restart reads it
 * and connects as itself; unpairing forgets the credential but keeps the
 * client id. */
#ifndef CB_DISPLAY_PAIRING_H
#define CB_DISPLAY_PAIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "enrol_msg.h"

struct pairing_identity {
	char client[PROTO_ENROL_CLIENT_MAX + 1]; /* 32 hex digits */
	bool paired;
	struct proto_enrol_reply id; /* PAIRED reply, when paired */
};

/* "DIR/identity.json" into out. */
void pairing_identity_path(const char *dir, char *out, size_t n);
/* Read path: 0, 1 when there is no file yet, -1 (err says why) when it is
 * unreadable or invalid. */
int pairing_identity_load(const char *path, struct pairing_identity *out, char *err, size_t errlen);
/* Write it (mode 0600, atomically). 0, or -1 with errno set. */
int pairing_identity_save(const char *path, const struct pairing_identity *id);
/* A fresh identity with a new random client id. 0, or -1 without random bytes. */
int pairing_identity_new(struct pairing_identity *id);
/* Put the paired identity into cfg: id, tenant, site, areas, name, and
 * the broker account. */
void pairing_identity_apply(const struct pairing_identity *id, struct display_config *cfg);

/* The waiting screen: what it shows and when it asks again. */
struct pairing_wait {
	char code[16];       /* "" while none */
	char status[256];    /* the line under the code */
	int64_t ask_at_mono; /* send a request at this time (0: now, -1: no) */
};

enum pairing_step {
	PAIRING_SHOW,   /* the view changed: redraw */
	PAIRING_STORE,  /* paired: store the identity and become the display */
	PAIRING_IGNORE, /* nothing to do */
};

/* The broker connection came up (or went): ask now, or show that. */
void pairing_wait_link(struct pairing_wait *w, bool up, int64_t now_mono);
/* A request went out at now_mono: ask again in a minute if no answer. */
void pairing_wait_asked(struct pairing_wait *w, int64_t now_mono);
/* A reply came at now_mono. */
enum pairing_step pairing_wait_reply(struct pairing_wait *w, const struct proto_enrol_reply *r,
                                     int64_t now_mono);

#endif

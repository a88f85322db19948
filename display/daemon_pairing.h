/* A display without a configured identity ([device] left out, see
 * display_config.unpaired): shows the pairing screen and waits on the
 * shared enrolment account until an operator pairs its code, then stores
 * the identity (display/pairing.c) and runs as that display through
 * daemon_link. When the broker later refuses that account (unpaired, or
 * replaced by other hardware), it forgets the credential and waits for a
 * code again. A restart after pairing goes straight to the display. */
#ifndef CB_DAEMON_PAIRING_H
#define CB_DAEMON_PAIRING_H

struct daemon;
struct daemon_audio;
struct daemon_pairing;

/* Start on d (whose config is unpaired); audio as for daemon_link_attach.
 * The caller owns the result; NULL on failure (logged). */
struct daemon_pairing *daemon_pairing_attach(struct daemon *d, struct daemon_audio *audio);
/* Disconnect cleanly (the display's offline status when paired). */
void daemon_pairing_stop(struct daemon_pairing *p);
void daemon_pairing_destroy(struct daemon_pairing *p);

#endif

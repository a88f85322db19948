/* The daemon's audio side: the announcer wired to the daemon's boards,
 * opening hours, link state and config, and to the remote commands. */
#ifndef CB_DAEMON_AUDIO_H
#define CB_DAEMON_AUDIO_H

#include "daemon.h"
#include "daemon_link.h"

struct daemon_audio;

/* Create the announcer for d's [audio] config and listen to d. NULL when
 * audio is disabled in the config. The caller owns the result. */
struct daemon_audio *daemon_audio_attach(struct daemon *d);
/* Callbacks for daemon_link_attach (volume, announce-test, health fields). */
extern const struct daemon_link_audio daemon_audio_link_hooks;
void daemon_audio_destroy(struct daemon_audio *s);

#endif

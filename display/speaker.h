/* The daemon's audio side: the announcer wired to the daemon's boards,
 * opening hours, link state and config, and to the remote commands. */
#ifndef CB_SPEAKER_H
#define CB_SPEAKER_H

#include "daemon.h"
#include "remote.h"

struct speaker;

/* Create the announcer for d's [audio] config and listen to d. NULL when
 * audio is disabled in the config. The caller owns the result. */
struct speaker *speaker_attach(struct daemon *d);
/* Callbacks for remote_attach (volume, announce-test, health fields). */
extern const struct remote_audio speaker_remote;
void speaker_destroy(struct speaker *s);

#endif

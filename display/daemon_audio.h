/* The daemon's audio side: the announcer wired to the daemon's boards,
 * opening hours, link state and config, and what the remote commands and
 * health reports ask of it. Every function below takes NULL (audio disabled
 * in [audio]) and then answers for a display without announcements. */
#ifndef CB_DAEMON_AUDIO_H
#define CB_DAEMON_AUDIO_H

#include <stddef.h>

#include "daemon.h"

struct daemon_audio;

/* Create the announcer for d's [audio] config and listen to d. NULL when
 * audio is disabled in the config. The caller owns the result. */
struct daemon_audio *daemon_audio_attach(struct daemon *d);
/* The volume command: 0, or -1 with err filled (audio disabled). */
int daemon_audio_volume(struct daemon_audio *s, int level, char *err, size_t errlen);
/* The announce-test command: 0, or -1 with err filled (disabled, no device). */
int daemon_audio_test(struct daemon_audio *s, char *err, size_t errlen);
/* Fill the audio fields of h: audio, volume, announced, announce_failed. */
void daemon_audio_health(struct daemon_audio *s, struct proto_health *h);
void daemon_audio_destroy(struct daemon_audio *s);

#endif

/* The daemon's remote side in one place: the MQTT link (boards, notice and
 * link state go to the daemon, acks follow its frames), health reports on
 * a timer, remote commands (the table in daemon_commands.c) and the
 * systemd notify/watchdog. */
#ifndef CB_DAEMON_LINK_H
#define CB_DAEMON_LINK_H

#include <stddef.h>

#include "commands.h"

struct daemon;
struct daemon_audio;
struct daemon_link;
struct link;
struct pairing_identity;

/* Wire the remote side into d and start it (connect, health timer, systemd
 * watchdog). audio is the announcer's side, NULL when [audio] is disabled;
 * not owned. The caller owns the result (daemon_link_stop, then
 * daemon_link_destroy); NULL on failure (logged). */
struct daemon_link *daemon_link_attach(struct daemon *d, struct daemon_audio *audio);
/* Call cb(data) when the broker refuses this display's account (it was
 * unpaired); cb must not destroy r (defer that to the next loop turn). */
void daemon_link_set_refused(struct daemon_link *r, void (*cb)(void *data), void *data);
/* A paired display: a reload takes the identity from id (not owned, kept
 * valid by the caller) instead of the file, which has none. */
void daemon_link_set_identity(struct daemon_link *r, const struct pairing_identity *id);
/* STOPPING=1, status offline, clean disconnect. */
void daemon_link_stop(struct daemon_link *r);
/* Free r and its link (after daemon_link_stop for a clean offline). */
void daemon_link_destroy(struct daemon_link *r);

/* For the command handlers: the daemon, the audio side (NULL when
 * disabled) and the MQTT link; all owned elsewhere. */
struct daemon *daemon_link_daemon(const struct daemon_link *r);
struct daemon_audio *daemon_link_audio(const struct daemon_link *r);
struct link *daemon_link_mqtt(const struct daemon_link *r);
/* Re-read the config file and apply it to the daemon and the link; on any
 * error keep the old one. 0 (info says which config), or -1 with err. */
int daemon_link_reload(struct daemon_link *r, char *info, size_t infolen, char *err, size_t errlen);

/* The display's command table (daemon_commands.c): one row per command;
 * the handlers take the daemon_link as data. */
extern const struct commands_row daemon_commands[];
extern const size_t daemon_ncommands;

#endif

/* The outbox: sends the latest board of every area whose seq the broker has
 * not confirmed, every changed queue and notice; republishes everything after a
 * (re)connect, since a restarted broker may have lost its retained
 * messages. Only the latest board per area is sent: boards are state. */
#ifndef CB_BRIDGE_PUBLISHER_H
#define CB_BRIDGE_PUBLISHER_H

#include "bridge.h"

/* Create the retry timer; call once after the loop exists. */
void publisher_init(struct bridge *b);
/* Publish what is pending and record confirmations (once per loop turn). */
void publisher_flush(struct bridge *b);
/* The client connected: republish every board, queue and notice. */
void publisher_on_connect(struct bridge *b);
/* The client lost its connection: unconfirmed sends are pending again. */
void publisher_on_disconnect(struct bridge *b);

#endif

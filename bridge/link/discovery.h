/* Home Assistant MQTT discovery, optional ([monitoring] homeassistant =
 * true; off by default). For every display the bridge knows it publishes,
 * retained, the config messages that make Home Assistant (or any tool that
 * reads them) show four entities of one device: online (a binary sensor on
 * the display's status topic), CPU temperature and audio state (from its
 * health), and the seq of the last board it showed (from its acks). The
 * entities read callboard's own topics, so Home Assistant needs a broker
 * account that may read them (`callboard broker-config`'s [monitor:NAME]).
 *
 * Topics: homeassistant/{binary_sensor|sensor}/callboard-{tenant}/
 * {site}_{device}_{entity}/config (names never contain '_', so the parts are
 * unambiguous; one tenant's configs sit below one node id, which the broker
 * ACL can grant). Sent after every (re)connect, paced to half the MQTT
 * client's in-flight limit. */
#ifndef CB_BRIDGE_DISCOVERY_H
#define CB_BRIDGE_DISCOVERY_H

struct bridge;
struct discovery;

/* The discovery publisher of b, or NULL when b's config turns it off. */
struct discovery *discovery_create(struct bridge *b);
void discovery_destroy(struct discovery *d);
/* A display became known (d may be NULL: nothing to do). Copies the names. */
void discovery_add(struct discovery *d, const char *tenant, const char *site, const char *device);
/* Connected: every display's configs are due again (the broker may have
 * lost its retained messages). */
void discovery_on_connect(struct discovery *d);
/* Publish what is due, as far as the in-flight limit allows (once per loop
 * turn). */
void discovery_flush(struct discovery *d);

#endif

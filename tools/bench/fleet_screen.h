/* The simulated screens of tools/bench/fleet: one libmosquitto client and
 * one TCP connection each, all driven from one event loop through
 * mosquitto_socket / loop_read / loop_write / loop_misc (no library thread).
 * A screen speaks the display's side of the protocol: client id of its own,
 * a minimal offline Will carrying session and conn, a retained online status
 * on connect, health every interval, its site's board subscribed (QoS 1)
 * and acked. Payloads come from the protocol codec. */
#ifndef CB_FLEET_SCREEN_H
#define CB_FLEET_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "topic.h"

struct loop;
struct loop_source;
struct mosquitto;

enum screen_state { SCREEN_DOWN, SCREEN_CONNECTING, SCREEN_UP };

struct screen {
	struct fleet_screens *fs;
	int site; /* index: site s-%04d */
	char device[PROTO_NAME_MAX + 1];
	char t_status[PROTO_TOPIC_MAX], t_health[PROTO_TOPIC_MAX], t_ack[PROTO_TOPIC_MAX];
	char t_board[PROTO_TOPIC_MAX];
	struct mosquitto *mosq;  /* owned */
	struct loop_source *src; /* its socket in the loop; NULL when down */
	uint32_t events;         /* watched on src */
	enum screen_state state;
	bool queued;      /* waiting in fs->pending to connect */
	bool subscribed;  /* SUBACK for this connection */
	int64_t conn;     /* connections made (the Will is for conn + 1) */
	int64_t start_us; /* this connection's connect call */
	int64_t up_us;    /* its CONNACK; 0 before */
	int64_t next_health_us;
	int64_t mark_us;   /* boards after this mark are recorded */
	int64_t board_seq; /* first board after the mark; 0 none */
	int64_t board_us;
};

/* Every screen and the connect queue. */
struct fleet_screens {
	struct loop *loop;
	const char *host;
	int port;
	int keepalive_s;
	int health_s;
	int inflight_max; /* connects waiting for CONNACK at once */
	char tenant[PROTO_NAME_MAX + 1];
	char session[PROTO_SESSION_MAX + 1];
	int n;
	struct screen *s; /* owned, n of them */
	int *pending;     /* owned: indexes of screens to connect, a ring */
	int pending_head, pending_len;
	int inflight;   /* connecting */
	int up;         /* SCREEN_UP */
	int subscribed; /* up and subscribed */
	long lost;      /* connections lost unasked */
	long refused;   /* CONNACKs refused */
	struct loop_source *tick;
};

/* Set up n screens (n / per_site per site, tenant's sites s-0001...), not
 * connected yet. 0, or -1 when libmosquitto cannot make a client. */
int fleet_screens_init(struct fleet_screens *fs, struct loop *loop, const char *host, int port,
                       const char *tenant, int n, int per_site);
/* Queue every screen that is down for connecting, inflight_max at a time. */
void fleet_screens_connect_all(struct fleet_screens *fs);
/* Drop every connection without DISCONNECT (the broker sends the Wills),
 * then queue all to reconnect at once. */
void fleet_screens_drop_all(struct fleet_screens *fs);
/* Record, from now on, each screen's first board. */
void fleet_screens_mark(struct fleet_screens *fs);
/* Screens that got a board since the mark. */
int fleet_screens_marked_boards(const struct fleet_screens *fs);
/* Disconnect cleanly and free everything fleet_screens_init made. */
void fleet_screens_free(struct fleet_screens *fs);
/* Microseconds of CLOCK_MONOTONIC. */
int64_t fleet_now_us(void);

#endif

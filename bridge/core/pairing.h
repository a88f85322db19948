/* Pairing codes, pure: the codes a screen shows while it waits to be paired
 * (six characters from an alphabet without look-alikes, shown as K7F-3QD),
 * their expiry and single use, and the rate limits of the requests that make
 * them and of the attempts that try them. No MQTT, no clock, no randomness
 * of its own: the caller passes the time and the random bytes, so the unit
 * tests can drive every case.
 *
 * Pending codes live in memory only: they expire after minutes, and a bridge
 * restart merely makes each waiting screen ask for a new one. */
#ifndef CB_BRIDGE_PAIRING_H
#define CB_BRIDGE_PAIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Without the look-alikes 0 O 1 I L 2 Z 5 S 8 B. */
#define PAIRING_ALPHABET    "ACDEFGHJKMNPQRTUVWXY34679"
#define PAIRING_CODE_CHARS  6
#define PAIRING_CODE_MAX    (PAIRING_CODE_CHARS + 1) /* with the '-' */
#define PAIRING_PENDING_MAX 256
#define PAIRING_CLIENT_MAX  64 /* a waiting screen's client id: [a-z0-9]{16,64} */
#define PAIRING_HOST_MAX    63
#define PAIRING_ADDR_MAX    45
#define PAIRING_TTL_DEFAULT 600
#define PAIRING_BUCKETS_MAX 64

/* A token bucket: rate tokens per second up to burst. */
struct pairing_bucket {
	char key[PROTO_NAME_MAX + 1]; /* whose: a tenant, "admin" or "" for all */
	double tokens;
	int64_t last_ms;
};

struct pairing_pending {
	char code[PAIRING_CODE_MAX + 1]; /* "K7F-3QD"; "" when the slot is free */
	char client[PAIRING_CLIENT_MAX + 1];
	char hostname[PAIRING_HOST_MAX + 1];
	char address[PAIRING_ADDR_MAX + 1];
	int64_t expires_ms;
};

struct pairing {
	int ttl_ms;
	struct pairing_pending pending[PAIRING_PENDING_MAX];
	struct pairing_bucket offers;                      /* new codes, for everyone */
	struct pairing_bucket misses[PAIRING_BUCKETS_MAX]; /* wrong codes, per principal */
};

/* Empty table whose codes live ttl_s seconds. */
void pairing_init(struct pairing *p, int ttl_s);

/* Fill the random bytes a code needs: 0, or -1 (then no code is made). */
typedef int (*pairing_random_fn)(void *data, unsigned char *buf, size_t len);

/* A code from random bytes (rejection sampling keeps the characters
 * uniform); out gets "XXX-XXX". 0, or -1 when rnd failed. */
int pairing_code_make(pairing_random_fn rnd, void *data, char out[PAIRING_CODE_MAX + 1]);
/* What an operator typed, made canonical: case and spaces do not matter,
 * the '-' is optional. false when it cannot be a code. */
bool pairing_code_normalize(const char *in, char out[PAIRING_CODE_MAX + 1]);
/* A waiting screen's client id: [a-z0-9], 16 to 64 characters. */
bool pairing_client_valid(const char *client);

enum pairing_offer_rc {
	PAIRING_OFFER_NEW,     /* a fresh code for this client */
	PAIRING_OFFER_SAME,    /* the client's live code again (a repeated request) */
	PAIRING_OFFER_LIMITED, /* too many new codes lately, or the table is full */
	PAIRING_OFFER_ERROR,   /* no random bytes */
};

/* A screen (client) asks for a code at now_ms. *out points at its entry
 * (owned by p, valid until the next call that changes p). */
enum pairing_offer_rc pairing_offer(struct pairing *p, const char *client, const char *hostname,
                                    const char *address, int64_t now_ms, pairing_random_fn rnd,
                                    void *data, const struct pairing_pending **out);

enum pairing_take_rc {
	PAIRING_TAKE_OK,      /* *out holds the entry; the code is gone from the table */
	PAIRING_TAKE_UNKNOWN, /* wrong, expired or already used: the same answer for all */
	PAIRING_TAKE_LIMITED, /* this principal tried too many wrong codes lately */
};

/* Use a code typed by principal who (tenant name or "admin") at now_ms:
 * single use, so a replay is UNKNOWN. Every live entry is compared, so the
 * time does not tell how close a guess was. */
enum pairing_take_rc pairing_take(struct pairing *p, const char *code, const char *who,
                                  int64_t now_ms, struct pairing_pending *out);
/* Forget expired codes; returns how many are still live. */
int pairing_expire(struct pairing *p, int64_t now_ms);
/* Earliest expiry among live codes, or -1 when none. */
int64_t pairing_next_expiry(const struct pairing *p);

/* Take one token from b (rate per second, up to burst) at now_ms. */
bool pairing_bucket_take(struct pairing_bucket *b, double rate, double burst, int64_t now_ms);

#endif

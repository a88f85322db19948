/* Pairing codes: generation, expiry, single use, rate limits. */
#include "pairing.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* New codes: 2 a second on average, 20 at once (a site powering up). */
#define OFFER_RATE  2.0
#define OFFER_BURST 20.0
/* Wrong codes: 5 a minute per principal, then refused until tokens return. */
#define MISS_RATE  (5.0 / 60.0)
#define MISS_BURST 5.0

void pairing_init(struct pairing *p, int ttl_s)
{
	memset(p, 0, sizeof *p);
	p->ttl_ms = (ttl_s > 0 ? ttl_s : PAIRING_TTL_DEFAULT) * 1000;
	p->offers.tokens = OFFER_BURST;
	p->offers.last_ms = -1;
}

int pairing_code_make(pairing_random_fn rnd, void *data, char out[PAIRING_CODE_MAX + 1])
{
	const size_t n = sizeof PAIRING_ALPHABET - 1;
	/* Bytes at or above the largest multiple of n are dropped: uniform. */
	const unsigned limit = 256 - 256 % (unsigned)n;
	int got = 0;
	for (int round = 0; round < 16 && got < PAIRING_CODE_CHARS; round++) {
		unsigned char buf[16];
		if (rnd(data, buf, sizeof buf) < 0)
			return -1;
		for (size_t i = 0; i < sizeof buf && got < PAIRING_CODE_CHARS; i++) {
			if (buf[i] >= limit)
				continue;
			int pos = got < 3 ? got : got + 1;
			out[pos] = PAIRING_ALPHABET[buf[i] % n];
			got++;
		}
	}
	if (got < PAIRING_CODE_CHARS)
		return -1;
	out[3] = '-';
	out[PAIRING_CODE_MAX] = '\0';
	return 0;
}

bool pairing_code_normalize(const char *in, char out[PAIRING_CODE_MAX + 1])
{
	int got = 0;
	for (const char *s = in; *s; s++) {
		if (*s == '-' || *s == ' ')
			continue;
		int ch = toupper((unsigned char)*s);
		if (got == PAIRING_CODE_CHARS || !ch || !strchr(PAIRING_ALPHABET, ch))
			return false;
		out[got < 3 ? got : got + 1] = (char)ch;
		got++;
	}
	if (got != PAIRING_CODE_CHARS)
		return false;
	out[3] = '-';
	out[PAIRING_CODE_MAX] = '\0';
	return true;
}

bool pairing_client_valid(const char *client)
{
	size_t n = strlen(client);
	if (n < 16 || n > PAIRING_CLIENT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((client[i] >= 'a' && client[i] <= 'z') ||
		      (client[i] >= '0' && client[i] <= '9')))
			return false;
	return true;
}

bool pairing_bucket_take(struct pairing_bucket *b, double rate, double burst, int64_t now_ms)
{
	if (b->last_ms < 0 || now_ms < b->last_ms) {
		b->tokens = burst;
	} else {
		b->tokens += (double)(now_ms - b->last_ms) / 1000.0 * rate;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_ms = now_ms;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

int pairing_expire(struct pairing *p, int64_t now_ms)
{
	int live = 0;
	for (int i = 0; i < PAIRING_PENDING_MAX; i++) {
		struct pairing_pending *e = &p->pending[i];
		if (!e->code[0])
			continue;
		if (now_ms >= e->expires_ms)
			memset(e, 0, sizeof *e);
		else
			live++;
	}
	return live;
}

int64_t pairing_next_expiry(const struct pairing *p)
{
	int64_t next = -1;
	for (int i = 0; i < PAIRING_PENDING_MAX; i++)
		if (p->pending[i].code[0] && (next < 0 || p->pending[i].expires_ms < next))
			next = p->pending[i].expires_ms;
	return next;
}

static struct pairing_pending *by_code(struct pairing *p, const char *code)
{
	struct pairing_pending *found = NULL;
	for (int i = 0; i < PAIRING_PENDING_MAX; i++) {
		unsigned char d = 0;
		for (int k = 0; k < PAIRING_CODE_MAX; k++)
			d |= (unsigned char)(p->pending[i].code[k] ^ code[k]);
		if (d == 0 && p->pending[i].code[0])
			found = &p->pending[i];
	}
	return found;
}

enum pairing_offer_rc pairing_offer(struct pairing *p, const char *client, const char *hostname,
                                    const char *address, int64_t now_ms, pairing_random_fn rnd,
                                    void *data, const struct pairing_pending **out)
{
	pairing_expire(p, now_ms);
	struct pairing_pending *free_slot = NULL;
	for (int i = 0; i < PAIRING_PENDING_MAX; i++) {
		struct pairing_pending *e = &p->pending[i];
		if (e->code[0] && !strcmp(e->client, client)) {
			snprintf(e->hostname, sizeof e->hostname, "%s", hostname);
			snprintf(e->address, sizeof e->address, "%s", address);
			*out = e;
			return PAIRING_OFFER_SAME;
		}
		if (!e->code[0] && !free_slot)
			free_slot = e;
	}
	if (!free_slot || !pairing_bucket_take(&p->offers, OFFER_RATE, OFFER_BURST, now_ms))
		return PAIRING_OFFER_LIMITED;
	char code[PAIRING_CODE_MAX + 1];
	/* 25^6 codes and at most 256 live: a clash is rare, eight in a row
	 * means the random source is broken. */
	int tries = 0;
	do {
		if (tries++ == 8 || pairing_code_make(rnd, data, code) < 0)
			return PAIRING_OFFER_ERROR;
	} while (by_code(p, code));
	memcpy(free_slot->code, code, sizeof code);
	snprintf(free_slot->client, sizeof free_slot->client, "%s", client);
	snprintf(free_slot->hostname, sizeof free_slot->hostname, "%s", hostname);
	snprintf(free_slot->address, sizeof free_slot->address, "%s", address);
	free_slot->expires_ms = now_ms + p->ttl_ms;
	*out = free_slot;
	return PAIRING_OFFER_NEW;
}

static struct pairing_bucket *miss_bucket(struct pairing *p, const char *who)
{
	struct pairing_bucket *oldest = &p->misses[0];
	for (int i = 0; i < PAIRING_BUCKETS_MAX; i++) {
		struct pairing_bucket *b = &p->misses[i];
		if (b->key[0] && !strcmp(b->key, who))
			return b;
		if (b->last_ms < oldest->last_ms)
			oldest = b;
	}
	/* A new principal takes the least recently used slot. */
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->key, sizeof oldest->key, "%s", who);
	oldest->last_ms = -1;
	return oldest;
}

enum pairing_take_rc pairing_take(struct pairing *p, const char *code, const char *who,
                                  int64_t now_ms, struct pairing_pending *out)
{
	struct pairing_bucket *b = miss_bucket(p, who);
	/* Spent tokens return with time; an exhausted principal waits, right
	 * code or not, so guessing cannot go faster than MISS_RATE. */
	if (b->last_ms >= 0 && b->tokens < 1.0) {
		double back = (double)(now_ms - b->last_ms) / 1000.0 * MISS_RATE;
		if (b->tokens + back < 1.0)
			return PAIRING_TAKE_LIMITED;
	}
	pairing_expire(p, now_ms);
	char canon[PAIRING_CODE_MAX + 1];
	struct pairing_pending *e = pairing_code_normalize(code, canon) ? by_code(p, canon) : NULL;
	if (!e) {
		pairing_bucket_take(b, MISS_RATE, MISS_BURST, now_ms);
		return PAIRING_TAKE_UNKNOWN;
	}
	*out = *e;
	memset(e, 0, sizeof *e);
	return PAIRING_TAKE_OK;
}

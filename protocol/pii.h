/* Personal data in free text: a screen in a waiting room shows ticket
 * numbers and desks, never people. pii_detect looks through one text for
 * a Danish CPR number (DDMMYY-NNNN or DDMMYYNNNN with a real day and month),
 * an e-mail address, or a phone number (8 Danish digits, alone or after
 * +45 / 0045, or an international +NN number). It errs towards letting
 * ordinary signage text through: ticket numbers (A042), times (10:15),
 * prices and year spans are not personal data. Pure; no allocation. */
#ifndef CB_PII_H
#define CB_PII_H

#include <stddef.h>

enum pii_kind {
	PII_NONE,
	PII_CPR,
	PII_EMAIL,
	PII_PHONE,
};
#define PII_KINDS 4

/* The first kind of personal data found in the len bytes of text (no NUL
 * needed), or PII_NONE. */
enum pii_kind pii_detect(const char *text, size_t len);
/* Short name for metrics labels: "none", "cpr", "email", "phone" (static). */
const char *pii_kind_name(enum pii_kind k);
/* Reason for an error message, e.g. "looks like a CPR number" (static). */
const char *pii_kind_reason(enum pii_kind k);

#endif

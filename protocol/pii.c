#include <stdbool.h>
#include <string.h>

#include "pii.h"

static const char *const names[PII_KINDS] = {"none", "cpr", "email", "phone"};
static const char *const reasons[PII_KINDS] = {"no personal data", "looks like a CPR number",
                                               "looks like an e-mail address",
                                               "looks like a phone number"};

const char *pii_kind_name(enum pii_kind k)
{
	return k >= 0 && k < PII_KINDS ? names[k] : "none";
}

const char *pii_kind_reason(enum pii_kind k)
{
	return k >= 0 && k < PII_KINDS ? reasons[k] : reasons[0];
}

static bool digit(const char *s, size_t len, size_t i)
{
	return i < len && s[i] >= '0' && s[i] <= '9';
}

static bool alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* A day that exists in that month of some year (29 February included). */
static bool plausible_date(int day, int month)
{
	static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

/* DDMMYY, an optional '-' or space, NNNN, at i (a digit run's start). */
static bool cpr_at(const char *s, size_t len, size_t i)
{
	for (size_t k = 0; k < 6; k++)
		if (!digit(s, len, i + k))
			return false;
	size_t j = i + 6;
	if (j < len && (s[j] == '-' || s[j] == ' '))
		j++;
	for (size_t k = 0; k < 4; k++)
		if (!digit(s, len, j + k))
			return false;
	return !digit(s, len, j + 4) && plausible_date(num2(s + i), num2(s + i + 2));
}

/* A run of digit groups at i separated by single spaces or dashes: the
 * digits (at most 16 kept), the number of groups and their sizes. */
struct run {
	char d[16];
	int nd;
	int ngroups;
	int sizes[16];
	bool dash;
};

static void read_run(const char *s, size_t len, size_t i, struct run *r)
{
	memset(r, 0, sizeof *r);
	for (;;) {
		int n = 0;
		while (digit(s, len, i)) {
			if (r->nd < (int)sizeof r->d)
				r->d[r->nd] = s[i];
			r->nd++;
			n++;
			i++;
		}
		if (r->ngroups < 16)
			r->sizes[r->ngroups] = n;
		r->ngroups++;
		if (i + 1 < len && (s[i] == ' ' || s[i] == '-') && digit(s, len, i + 1)) {
			r->dash |= s[i] == '-';
			i++;
			continue;
		}
		return;
	}
}

static bool year(const char *d)
{
	return (d[0] == '1' && d[1] == '9') || (d[0] == '2' && d[1] == '0');
}

/* Eight digits of a Danish number (first digit 2-9) as written: 12345678,
 * 1234 5678, 12 34 56 78 (also with dashes). Not a year span 2025-2026. */
static bool danish(const struct run *r, int from)
{
	if (r->nd - from != 8 || r->d[from] < '2')
		return false;
	int g = r->ngroups - (from ? 1 : 0);
	const int *sz = r->sizes + (from ? 1 : 0);
	if (g == 1)
		return true;
	if (g == 2 && sz[0] == 4 && sz[1] == 4)
		return !r->dash && !(year(r->d + from) && year(r->d + from + 4));
	if (g == 4)
		return sz[0] == 2 && sz[1] == 2 && sz[2] == 2 && sz[3] == 2;
	return false;
}

static bool phone_at(const char *s, size_t len, size_t i, bool plus)
{
	struct run r;
	read_run(s, len, i, &r);
	if (plus) /* +45 12345678, +1 202 555 0143: a country code, then the rest */
		return r.d[0] != '0' && r.nd >= 8 && r.nd <= 15;
	if (r.nd >= 4 && r.d[0] == '0' && r.d[1] == '0' && r.sizes[0] == 4 && r.ngroups > 1 &&
	    r.d[2] == '4' && r.d[3] == '5')
		return danish(&r, 4);
	return danish(&r, 0);
}

static bool local_char(char c)
{
	return alnum(c) || (c && strchr("._%+-", c));
}

/* name@domain.tld around the '@' at i. */
static bool email_at(const char *s, size_t len, size_t i)
{
	if (i == 0 || !local_char(s[i - 1]))
		return false;
	size_t j = i + 1, last_dot = 0;
	if (j >= len || !alnum(s[j]))
		return false;
	while (j < len && (alnum(s[j]) || s[j] == '.' || s[j] == '-')) {
		if (s[j] == '.' && j + 1 < len && alnum(s[j + 1]))
			last_dot = j;
		j++;
	}
	if (!last_dot)
		return false;
	int letters = 0;
	for (size_t k = last_dot + 1; k < len && alnum(s[k]); k++)
		letters += !digit(s, len, k);
	return letters >= 2;
}

enum pii_kind pii_detect(const char *s, size_t len)
{
	enum pii_kind found = PII_NONE;
	for (size_t i = 0; i < len && found != PII_CPR; i++) {
		bool start =
		    digit(s, len, i) && (i == 0 || (!digit(s, len, i - 1) && s[i - 1] != '+'));
		if (start && cpr_at(s, len, i))
			found = PII_CPR;
		else if (found == PII_NONE && s[i] == '@' && email_at(s, len, i))
			found = PII_EMAIL;
		else if (found == PII_NONE && start && phone_at(s, len, i, false))
			found = PII_PHONE;
		else if (found == PII_NONE && s[i] == '+' && digit(s, len, i + 1) &&
		         (i == 0 || !alnum(s[i - 1])) && phone_at(s, len, i + 1, true))
			found = PII_PHONE;
	}
	return found;
}

/* The phrase builder. espeak-ng reads "A" in a sentence as a word (the
 * Danish/English article) and "042" digit by digit; spelling the letters
 * with say-as and stripping leading zeros gives "A" and "toogfyrre". */
#include <string.h>

#include "markup.h"
#include "phrase.h"

static int append(char *out, size_t outlen, const char *s, size_t n)
{
	size_t len = strlen(out);
	if (len + n + 1 > outlen)
		return -1;
	memcpy(out + len, s, n);
	out[len + n] = '\0';
	return 0;
}

static int escape_n(char *out, size_t outlen, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *rep = markup_entity(text[i]);
		if (rep ? append(out, outlen, rep, strlen(rep)) : append(out, outlen, &text[i], 1))
			return -1;
	}
	return 0;
}

int phrase_escape(char *out, size_t outlen, const char *text)
{
	return escape_n(out, outlen, text, strlen(text));
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A digit run without its leading zeros ("007" -> "7", "0" -> "0"). */
static int append_number(char *out, size_t outlen, const char *s, size_t n)
{
	while (n > 1 && s[0] == '0') {
		s++;
		n--;
	}
	return append(out, outlen, s, n);
}

/* A letter run by the names in l's table: "а бе". */
static int append_letter_names(char *out, size_t outlen, const struct lang *l, const char *s,
                               size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[64];
		if (!lang_letter_name(l, s[i], name, sizeof name))
			return -1;
		if ((i && append(out, outlen, " ", 1)) || phrase_escape(out, outlen, name))
			return -1;
	}
	return 0;
}

int phrase_ticket(char *out, size_t outlen, const char *ticket, const struct lang *letters)
{
	static const char open[] = "<say-as interpret-as=\"characters\">";
	static const char close[] = "</say-as>";
	const char *p = ticket;
	int first = 1;
	while (*p) {
		size_t n = 0;
		if (is_alpha(*p)) {
			while (is_alpha(p[n]))
				n++;
			if (!first && append(out, outlen, " ", 1))
				return -1;
			if (letters && letters->letters) {
				if (append_letter_names(out, outlen, letters, p, n))
					return -1;
			} else if (append(out, outlen, open, sizeof(open) - 1) ||
			           escape_n(out, outlen, p, n) ||
			           append(out, outlen, close, sizeof(close) - 1)) {
				return -1;
			}
		} else if (is_digit(*p)) {
			while (is_digit(p[n]))
				n++;
			if ((!first && append(out, outlen, " ", 1)) ||
			    append_number(out, outlen, p, n))
				return -1;
		} else {
			/* Not in the ticket charset; say nothing for it. */
			p++;
			continue;
		}
		first = 0;
		p += n;
	}
	return 0;
}

/* Desk text: digit runs lose leading zeros, the rest is escaped. */
static int append_desk(char *out, size_t outlen, const char *desk)
{
	const char *p = desk;
	while (*p) {
		size_t n = 0;
		if (is_digit(*p)) {
			while (is_digit(p[n]))
				n++;
			if (append_number(out, outlen, p, n))
				return -1;
		} else {
			while (p[n] && !is_digit(p[n]))
				n++;
			if (escape_n(out, outlen, p, n))
				return -1;
		}
		p += n;
	}
	return 0;
}

int phrase_desk(char *out, size_t outlen, const struct proto_call *call, const char *desk_word,
                int mid_sentence)
{
	const char *label = call->desk_label;
	if (label[0]) {
		const unsigned char *u = (const unsigned char *)label;
		/* "Skranke 3" mid-sentence reads better as "skranke 3"; an
		 * acronym ("ID 3") keeps its capitals. */
		if (mid_sentence && u[0] >= 'A' && u[0] <= 'Z' && !(u[1] >= 'A' && u[1] <= 'Z')) {
			char c = (char)(u[0] - 'A' + 'a');
			if (append(out, outlen, &c, 1))
				return -1;
			label += 1;
		} else if (mid_sentence && u[0] == 0xc3 &&
		           (u[1] == 0x86 || u[1] == 0x98 || u[1] == 0x85) &&
		           !(u[2] >= 'A' && u[2] <= 'Z')) {
			/* Æ, Ø, Å -> æ, ø, å */
			char c[2] = {(char)0xc3, (char)(u[1] + 0x20)};
			if (append(out, outlen, c, 2))
				return -1;
			label += 2;
		}
		return phrase_escape(out, outlen, label);
	}
	if (desk_word && desk_word[0]) {
		if (phrase_escape(out, outlen, desk_word) || append(out, outlen, " ", 1))
			return -1;
	}
	return append_desk(out, outlen, call->desk);
}

int phrase_build(char *out, size_t outlen, const char *tmpl, const char *desk_word,
                 const struct proto_call *call)
{
	struct phrase_lang pl = {.tmpl = tmpl, .desk_word = desk_word};
	return phrase_build_lang(out, outlen, &pl, call);
}

int phrase_build_lang(char *out, size_t outlen, const struct phrase_lang *pl,
                      const struct proto_call *call)
{
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	const char *tmpl = pl->tmpl;
	const char *p = tmpl;
	while (*p) {
		if (strncmp(p, "{ticket}", 8) == 0) {
			if (phrase_ticket(out, outlen, call->ticket, pl->letters))
				return -1;
			p += 8;
		} else if (strncmp(p, "{again}", 7) == 0) {
			/* Said only for a recall, after a space: "Nummer A 42 igen". */
			if (call->kind == PROTO_KIND_RECALL && pl->again && pl->again[0] &&
			    (append(out, outlen, " ", 1) || phrase_escape(out, outlen, pl->again)))
				return -1;
			p += 7;
		} else if (strncmp(p, "{desk}", 6) == 0) {
			if (phrase_desk(out, outlen, call, pl->desk_word, p != tmpl))
				return -1;
			p += 6;
		} else {
			const char *next = p + 1;
			while (*next && *next != '{')
				next++;
			if (escape_n(out, outlen, p, (size_t)(next - p)))
				return -1;
			p = next;
		}
	}
	return 0;
}

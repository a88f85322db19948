/* Phrase builder: the SSML text spoken for a call, from a per-language
 * template. Pure: no espeak, no files. */
#ifndef CB_PHRASE_H
#define CB_PHRASE_H

#include <stddef.h>

#include "lang.h"
#include "proto.h"

/* Longest phrase we build (bytes, with the NUL). */
#define PHRASE_MAX 1024

/* Append text to out with &<>" escaped for SSML. Returns 0, or -1 when it
 * does not fit (out stays NUL-terminated). */
int phrase_escape(char *out, size_t outlen, const char *text);
/* How one language says a call. */
struct phrase_lang {
	const char *tmpl;           /* "{ticket}", "{again}" and "{desk}" are replaced */
	const char *desk_word;      /* before a desk number without a label */
	const char *again;          /* {again} of a recall: " igen"; NULL or "": nothing */
	const struct lang *letters; /* its letter names (lang_letter_name); NULL: spelled */
};

/* The ticket as SSML: letter runs spelled as characters (or by the names
 * in letters, when it has a table), digit runs read as numbers with
 * leading zeros dropped ("A042" -> A 42). 0 or -1. */
int phrase_ticket(char *out, size_t outlen, const char *ticket, const struct lang *letters);
/* The desk as spoken: the label when set (first letter lower-cased when
 * mid-sentence), else "<desk_word> <desk>" with leading zeros dropped.
 * Escaped for SSML. 0 or -1. */
int phrase_desk(char *out, size_t outlen, const struct proto_call *call, const char *desk_word,
                int mid_sentence);
/* The whole phrase: pl->tmpl with "{ticket}", "{again}" and "{desk}"
 * replaced, the rest escaped. Returns 0, or -1 when it does not fit outlen. */
int phrase_build_lang(char *out, size_t outlen, const struct phrase_lang *pl,
                      const struct proto_call *call);
/* phrase_build_lang with letters spelled and no recall word. */
int phrase_build(char *out, size_t outlen, const char *tmpl, const char *desk_word,
                 const struct proto_call *call);

#endif

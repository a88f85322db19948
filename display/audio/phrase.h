/* Phrase builder: the SSML text spoken for a call, from a per-language
 * template. Pure: no espeak, no files. */
#ifndef CB_PHRASE_H
#define CB_PHRASE_H

#include <stddef.h>

#include "proto.h"

/* Longest phrase we build (bytes, with the NUL). */
#define PHRASE_MAX 1024

/* Append text to out with &<>" escaped for SSML. Returns 0, or -1 when it
 * does not fit (out stays NUL-terminated). */
int phrase_escape(char *out, size_t outlen, const char *text);
/* The ticket as SSML: letter runs spelled as characters, digit runs read
 * as numbers with leading zeros dropped ("A042" -> A 42). 0 or -1. */
int phrase_ticket(char *out, size_t outlen, const char *ticket);
/* The desk as spoken: the label when set (first letter lower-cased when
 * mid-sentence), else "<desk_word> <desk>" with leading zeros dropped.
 * Escaped for SSML. 0 or -1. */
int phrase_desk(char *out, size_t outlen, const struct proto_call *call, const char *desk_word,
                int mid_sentence);
/* The whole phrase: tmpl with "{ticket}" and "{desk}" replaced, the rest
 * escaped. Returns 0, or -1 when it does not fit outlen. */
int phrase_build(char *out, size_t outlen, const char *tmpl, const char *desk_word,
                 const struct proto_call *call);

#endif

/* The language table. Spoken templates and desk words are what the
 * announcements say today; keep them stable, the audio tests expect them. */
#include <stddef.h>
#include <string.h>

#include "lang.h"

static const struct lang langs[] = {
    {
        .code = "da",
        .voice = "da",
        .tmpl = "Nummer {ticket}, {desk}",
        .desk_word = "skranke",
        .newest_call = "Nyeste kald",
        .previous_calls = "Tidligere kald",
        .desk = "Skranke",
        .closed = "Vi har lukket",
        .opens_at = "åbner kl.",
        .no_connection = "Ingen forbindelse",
        .waiting = "venter",
        .expected_wait = "Forventet ventetid",
        .check_in_here = "Tjek ind her",
    },
    {
        .code = "en",
        .voice = "en",
        .tmpl = "Number {ticket}, {desk}",
        .desk_word = "desk",
        .newest_call = "Newest call",
        .previous_calls = "Previous calls",
        .desk = "Desk",
        .closed = "We are closed",
        .opens_at = "opens at",
        .no_connection = "No connection",
        .waiting = "waiting",
        .expected_wait = "Expected wait",
        .check_in_here = "Check in here",
    },
    {.code = "de", .voice = "de", .tmpl = "Nummer {ticket}, {desk}", .desk_word = "Schalter"},
    {.code = "sv", .voice = "sv", .tmpl = "Nummer {ticket}, {desk}", .desk_word = "disk"},
    {.code = "nb", .voice = "nb", .tmpl = "Nummer {ticket}, {desk}", .desk_word = "skranke"},
};

#define NLANGS ((int)(sizeof langs / sizeof langs[0]))

const struct lang *lang_find(const char *code)
{
	for (int i = 0; i < NLANGS; i++)
		if (strcmp(code, langs[i].code) == 0)
			return &langs[i];
	return NULL;
}

const char *lang_voice(const char *code)
{
	const struct lang *l = lang_find(code);
	return l ? l->voice : code;
}

int lang_count(void)
{
	return NLANGS;
}

const struct lang *lang_at(int i)
{
	return i >= 0 && i < NLANGS ? &langs[i] : NULL;
}

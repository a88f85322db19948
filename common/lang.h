/* The languages callboard ships: one row per language code with the
 * espeak-ng voice, the spoken template, desk word and recall word, how a
 * ticket's letters are read, and the words the screen shows. Adding a
 * language is a new row in lang.c (and its line in tests/common/test_lang.c);
 * the display's config, its screen and its announcements read the defaults
 * from here. A language without a row is added by config alone: [audio]
 * template_LL / desk_word_LL / again_LL for speech and [words] KEY_LL for
 * the screen (KEY as lang_word_key() names them). */
#ifndef CB_LANG_H
#define CB_LANG_H

#include <stdbool.h>

/* The words on screen, one slot each; lang_word_key() names them in config. */
enum lang_word {
	LANG_NEWEST_CALL,    /* "Nyeste kald" */
	LANG_PREVIOUS_CALLS, /* "Tidligere kald" */
	LANG_DESK,           /* "Skranke" 3 */
	LANG_CLOSED,         /* "Vi har lukket" */
	LANG_OPENS_AT,       /* "åbner kl." 8 */
	LANG_NO_CONNECTION,  /* "Ingen forbindelse" */
	LANG_WAITING,        /* 12 "venter" */
	LANG_EXPECTED_WAIT,  /* "Forventet ventetid" */
	LANG_CHECK_IN_HERE,  /* "Tjek ind her" */
	LANG_CALLED_AGAIN,   /* "Kaldt igen": the newest call is a recall */
	LANG_NOW,            /* "NU": the badge while the newest call is highlighted */
	LANG_MINUTES,        /* 15 "min." */
	LANG_WELCOME,        /* "Velkommen": no call yet */
	LANG_WELCOME_NOTE,   /* "Dit nummer vises her, når det bliver kaldt" */
	LANG_NOT_CONFIRMED,  /* "Ikke bekræftet": a board kept from before a restart */
	LANG_WORD_COUNT
};

struct lang {
	const char *code;      /* ISO 639-1, as in [audio] languages: "da" */
	const char *voice;     /* espeak-ng voice name */
	const char *tmpl;      /* spoken: "{ticket}", "{again}" and "{desk}" are replaced */
	const char *desk_word; /* spoken before a desk number: "skranke 3" */
	const char *again;     /* spoken for {again} when the call is a recall: "igen" */
	/* How the Latin letters of a ticket are read: NULL lets espeak-ng
	 * spell them (say-as characters); else 26 space-separated names for
	 * A to Z, for a voice that would spell them in English. */
	const char *letters;
	bool rtl;                           /* written right to left */
	const char *words[LANG_WORD_COUNT]; /* every slot set */
};

/* The row for code ("da"), or NULL when no such language is shipped.
 * Static storage. */
const struct lang *lang_find(const char *code);
/* The espeak-ng voice for code: its row's, else code itself (a language
 * configured with its own template). Static storage or code. */
const char *lang_voice(const char *code);
/* How many languages are shipped; lang_at(i) is the i-th row (static). */
int lang_count(void);
const struct lang *lang_at(int i);
/* The config key of a screen word ("newest_call"); static storage. */
const char *lang_word_key(enum lang_word w);
/* The word for a config key, or -1 when there is none. */
int lang_word_from_key(const char *key);
/* The name of letter c (A-Z or a-z) in l's letter table, copied to out
 * (at most outlen bytes with the NUL); false when l spells letters itself
 * or c is not a Latin letter. */
bool lang_letter_name(const struct lang *l, char c, char *out, unsigned outlen);

/* In lang_order's output: own's shipped row (lang_find(own)). */
#define LANG_OWN_SHIPPED (-1)
/* The order languages are used in for a call in the citizen's language
 * own ("": none): own first, then the n configured codes without it. out
 * gets indexes into codes, or LANG_OWN_SHIPPED when own is not configured
 * but shipped (a language neither configured nor shipped is left out).
 * Returns how many (at most n + 1). */
int lang_order(const char *own, const char codes[][8], int n, int *out);

#endif

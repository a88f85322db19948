/* The languages callboard ships: one row per language code with the
 * espeak-ng voice, the spoken template and desk word, and the words the
 * screen shows. Adding a language is a new row in lang.c (and its line in
 * tests/common/test_lang.c); the display's config and its announcements
 * read the defaults from here, and [audio] template_LANG / desk_word_LANG
 * still override them or add a language that has no row. */
#ifndef CB_LANG_H
#define CB_LANG_H

struct lang {
	const char *code;      /* as in [audio] languages: "da" */
	const char *voice;     /* espeak-ng voice name */
	const char *tmpl;      /* spoken: "{ticket}" and "{desk}" are replaced */
	const char *desk_word; /* spoken before a desk number: "skranke 3" */
	/* On-screen words; NULL where a language has no text yet. */
	const char *newest_call;    /* "Nyeste kald" */
	const char *previous_calls; /* "Tidligere kald" */
	const char *desk;           /* "Skranke" 3 */
	const char *closed;         /* "Vi har lukket" */
	const char *opens_at;       /* "åbner kl." 8 */
	const char *no_connection;  /* "Ingen forbindelse" */
	const char *waiting;        /* 12 "venter" */
	const char *expected_wait;  /* "Forventet ventetid" */
	const char *check_in_here;  /* "Tjek ind her" */
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

#endif

/* The language table. Spoken templates and desk words are what the
 * announcements say today ({again} adds the recall word); keep them stable,
 * the audio tests expect them.
 *
 * How espeak-ng reads them (checked with espeak-ng -x, phonemes):
 * every voice reads the digit runs as cardinals ("42" is "toogfyrre",
 * "сорок два", "kırk iki", "اثنان وأربعون"); the phrase builder drops
 * leading zeros. Letters are spelled by each voice in its own language,
 * except uk and ar, which switch to English letter names ("eI" for A).
 * Arabic listeners read Latin ticket letters by their English names, so ar
 * keeps them; uk gets the Ukrainian names of the Latin letters instead. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lang.h"

static const char *const word_keys[LANG_WORD_COUNT] = {
    [LANG_NEWEST_CALL] = "newest_call",
    [LANG_PREVIOUS_CALLS] = "previous_calls",
    [LANG_DESK] = "desk",
    [LANG_CLOSED] = "closed",
    [LANG_OPENS_AT] = "opens_at",
    [LANG_NO_CONNECTION] = "no_connection",
    [LANG_WAITING] = "waiting",
    [LANG_EXPECTED_WAIT] = "expected_wait",
    [LANG_CHECK_IN_HERE] = "check_in_here",
    [LANG_CALLED_AGAIN] = "called_again",
    [LANG_NOW] = "now",
    [LANG_MINUTES] = "minutes",
    [LANG_WELCOME] = "welcome",
    [LANG_WELCOME_NOTE] = "welcome_note",
    [LANG_NOT_CONFIRMED] = "not_confirmed",
};

/* One row's words, in enum lang_word order. */
#define WORDS(newest, previous, desk, closed, opens, noconn, waiting, wait, checkin, again, now,   \
              min, welcome, note, unconfirmed)                                                     \
	{                                                                                          \
		newest, previous, desk, closed, opens, noconn, waiting, wait, checkin, again, now, \
		    min, welcome, note, unconfirmed                                                \
	}

static const struct lang langs[] = {
    {.code = "da",
     .voice = "da",
     .tmpl = "Nummer {ticket}{again}, {desk}",
     .desk_word = "skranke",
     .again = "igen",
     .words = WORDS("Nyeste kald", "Tidligere kald", "Skranke", "Vi har lukket", "åbner kl.",
                    "Ingen forbindelse", "venter", "Forventet ventetid", "Tjek ind her",
                    "Kaldt igen", "NU", "min.", "Velkommen",
                    "Dit nummer vises her, når det bliver kaldt", "Ikke bekræftet")},
    {.code = "en",
     .voice = "en",
     .tmpl = "Number {ticket}{again}, {desk}",
     .desk_word = "desk",
     .again = "again",
     .words =
         WORDS("Newest call", "Previous calls", "Desk", "We are closed", "opens at",
               "No connection", "waiting", "Expected wait", "Check in here", "Called again", "NOW",
               "min", "Welcome", "Your number is shown here when it is called", "Not confirmed")},
    {.code = "de",
     .voice = "de",
     .tmpl = "Nummer {ticket}{again}, {desk}",
     .desk_word = "Schalter",
     .again = "noch einmal",
     .words = WORDS("Neuester Aufruf", "Frühere Aufrufe", "Schalter", "Wir haben geschlossen",
                    "öffnet um", "Keine Verbindung", "warten", "Erwartete Wartezeit",
                    "Hier einchecken", "Erneut aufgerufen", "JETZT", "Min.", "Willkommen",
                    "Ihre Nummer erscheint hier, wenn sie aufgerufen wird", "Nicht bestätigt")},
    {.code = "sv",
     .voice = "sv",
     .tmpl = "Nummer {ticket}{again}, {desk}",
     .desk_word = "disk",
     .again = "igen",
     .words = WORDS("Senaste uppropet", "Tidigare upprop", "Disk", "Vi har stängt", "öppnar kl.",
                    "Ingen anslutning", "väntar", "Förväntad väntetid", "Checka in här",
                    "Uppropad igen", "NU", "min", "Välkommen",
                    "Ditt nummer visas här när det ropas upp", "Inte bekräftat")},
    {.code = "nb",
     .voice = "nb",
     .tmpl = "Nummer {ticket}{again}, {desk}",
     .desk_word = "skranke",
     .again = "igjen",
     .words = WORDS("Nyeste opprop", "Tidligere opprop", "Skranke", "Vi har stengt", "åpner kl.",
                    "Ingen forbindelse", "venter", "Forventet ventetid", "Sjekk inn her",
                    "Ropt opp igjen", "NÅ", "min", "Velkommen",
                    "Nummeret ditt vises her når det blir ropt opp", "Ikke bekreftet")},
    {.code = "pl",
     .voice = "pl",
     .tmpl = "Numer {ticket}{again}, {desk}",
     .desk_word = "stanowisko",
     .again = "ponownie",
     .words = WORDS("Ostatnie wywołanie", "Poprzednie wywołania", "Stanowisko", "Zamknięte",
                    "otwarcie o", "Brak połączenia", "czeka", "Przewidywany czas oczekiwania",
                    "Zamelduj się tutaj", "Wywołano ponownie", "TERAZ", "min", "Witamy",
                    "Twój numer pojawi się tutaj, gdy zostanie wywołany", "Niepotwierdzone")},
    {.code = "uk",
     .voice = "uk",
     .tmpl = "Номер {ticket}{again}, {desk}",
     .desk_word = "вікно",
     .again = "ще раз",
     .letters = "а бе це де е еф же аш і йот ка ель ем ен о пе ку ер ес те у ве дубль-ве ікс "
                "ігрек зет",
     .words = WORDS("Останній виклик", "Попередні виклики", "Вікно", "Ми зачинені",
                    "відкриваємося о", "Немає зʼєднання", "очікують", "Очікуваний час",
                    "Зареєструйтеся тут", "Викликано повторно", "ЗАРАЗ", "хв", "Ласкаво просимо",
                    "Ваш номер зʼявиться тут, коли його викличуть", "Не підтверджено")},
    {.code = "tr",
     .voice = "tr",
     .tmpl = "Numara {ticket}{again}, {desk}",
     .desk_word = "gişe",
     .again = "tekrar",
     .words = WORDS("Son çağrı", "Önceki çağrılar", "Gişe", "Kapalıyız", "açılış saati",
                    "Bağlantı yok", "bekliyor", "Tahmini bekleme süresi", "Buradan giriş yapın",
                    "Tekrar çağrıldı", "ŞİMDİ", "dk", "Hoş geldiniz",
                    "Numaranız çağrıldığında burada gösterilir", "Onaylanmadı")},
    {.code = "ar",
     .voice = "ar",
     .tmpl = "الرقم {ticket}{again}، {desk}",
     .desk_word = "الشباك",
     .again = "مرة أخرى",
     .rtl = true,
     .words = WORDS("آخر نداء", "النداءات السابقة", "الشباك", "نحن مغلقون", "يفتح الساعة",
                    "لا يوجد اتصال", "في الانتظار", "وقت الانتظار المتوقع", "سجّل وصولك هنا",
                    "نداء مرة أخرى", "الآن", "دقيقة", "أهلاً وسهلاً", "سيظهر رقمك هنا عند النداء",
                    "غير مؤكد")},
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

const char *lang_word_key(enum lang_word w)
{
	return w >= 0 && w < LANG_WORD_COUNT ? word_keys[w] : NULL;
}

int lang_word_from_key(const char *key)
{
	for (int i = 0; i < LANG_WORD_COUNT; i++)
		if (!strcmp(key, word_keys[i]))
			return i;
	return -1;
}

bool lang_letter_name(const struct lang *l, char c, char *out, unsigned outlen)
{
	int idx = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' : -1;
	if (!l || !l->letters || idx < 0)
		return false;
	const char *p = l->letters;
	for (int i = 0; i < idx && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return false;
	size_t n = strcspn(p, " ");
	if (n >= outlen)
		return false;
	snprintf(out, outlen, "%.*s", (int)n, p);
	return true;
}

int lang_order(const char *own, const char codes[][8], int n, int *out)
{
	int m = 0, at = -1;
	for (int k = 0; k < n; k++)
		if (own[0] && !strcmp(codes[k], own))
			at = k;
	if (at >= 0)
		out[m++] = at;
	else if (own[0] && lang_find(own))
		out[m++] = LANG_OWN_SHIPPED;
	for (int k = 0; k < n; k++)
		if (k != at)
			out[m++] = k;
	return m;
}

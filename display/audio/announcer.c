#define LOG_MODULE "announce"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "announce_policy.h"
#include "announcer.h"
#include "audio_out.h"
#include "lang.h"
#include "log.h"
#include "loop.h"
#include "phrase.h"
#include "timeutil.h"
#include "tts.h"
#include "wav.h"

#define POLL_MS  100   /* while something plays: has it finished? */
#define RETRY_MS 60000 /* device check: lost? none? try again */

/* One announcement: chime, then the phrase in each language. */
struct item {
	uint64_t id;
	char ticket[PROTO_TICKET_MAX + 1];
	double t0_ms; /* board received (monotonic) */
	int nparts;
	struct pcm speech[AUDIO_PARTS_MAX]; /* owned */
	bool ready[AUDIO_PARTS_MAX];
	bool failed;
	bool started; /* chime queued */
	int next_part;
	bool written;     /* every part queued */
	uint64_t end_pos; /* device byte position of its end */
	struct item *next;
};

struct announcer {
	struct loop *loop;
	struct audio_config cfg;
	struct pcm chime; /* at the speech rate, full scale */
	struct announce_policy policy;
	struct tts *tts;
	struct audio_out *out;
	struct loop_source *poll, *retry;
	bool polling;
	struct item *head;
	uint64_t next_id;
	bool silenced;
	bool quiet;      /* inside quiet hours: speak at cfg.quiet_volume */
	bool tts_broken; /* the last synthesis failed */
	struct announcer_stats st;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The parts of an announcement, shared by the live path and the one-shot
 * WAV so both make the same samples. */
static void part_chime(struct pcm *dst, const struct pcm *chime, int volume)
{
	if (chime->n)
		pcm_append_gain(dst, chime, volume);
	pcm_append_silence(dst, ANNOUNCER_PAUSE_CHIME_MS);
}

static void part_speech(struct pcm *dst, int k, const struct pcm *speech, int volume)
{
	if (k > 0)
		pcm_append_silence(dst, ANNOUNCER_PAUSE_LANG_MS);
	if (speech && speech->n)
		pcm_append_gain(dst, speech, volume);
}

static void part_end(struct pcm *dst)
{
	pcm_append_silence(dst, ANNOUNCER_GAP_MS);
}

static int load_chime(const char *path, struct pcm *out, char *err, size_t errlen)
{
	if (!path || !path[0])
		path = audio_default_chime();
	return wav_read(path, tts_rate(), out, err, errlen);
}

static void item_free(struct item *it)
{
	for (int i = 0; i < AUDIO_PARTS_MAX; i++)
		pcm_free(&it->speech[i]);
	free(it);
}

/* Free an announcement that will not play, with its speech not made yet. */
static void item_drop(struct announcer *a, struct item *it)
{
	if (a->tts)
		tts_cancel(a->tts, it->id);
	item_free(it);
}

static void set_polling(struct announcer *a, bool on)
{
	if (on == a->polling || !a->poll)
		return;
	loop_timer_arm(a->poll, on ? POLL_MS : 0, on ? POLL_MS : 0);
	a->polling = on;
}

/* The volume of what is queued now. */
static int volume_now(const struct announcer *a)
{
	return a->quiet ? a->cfg.quiet_volume : a->cfg.volume;
}

static void queue_pcm(struct announcer *a, struct pcm *p)
{
	if (audio_out_queue(a->out, p))
		log_warn_rl("could not queue audio");
	pcm_free(p);
}

/* Queue whatever is ready, in order: the announcement being written gets
 * its chime at once and each speech part as soon as it (and every part
 * before it) is ready. The next one starts only when the one before has
 * finished playing (on_poll), so the device holds at most one announcement
 * and memory stays bounded however fast calls come. */
static void pump(struct announcer *a)
{
	for (struct item *it = a->head; it; it = it->next) {
		if (it->written)
			continue;
		if (!it->started && it != a->head)
			return;
		struct pcm p = {.rate = tts_rate()};
		if (!it->started) {
			part_chime(&p, &a->chime, volume_now(a));
			queue_pcm(a, &p);
			it->started = true;
			a->st.last_first_sample_ms = now_ms() - it->t0_ms;
		}
		while (it->next_part < it->nparts && it->ready[it->next_part]) {
			part_speech(&p, it->next_part, &it->speech[it->next_part], volume_now(a));
			pcm_free(&it->speech[it->next_part]);
			it->next_part++;
		}
		if (it->next_part == it->nparts) {
			part_end(&p);
			it->written = true;
		}
		queue_pcm(a, &p);
		if (!it->written)
			return;
		it->end_pos = audio_out_queued_total(a->out);
	}
}

static int count_waiting(const struct announcer *a)
{
	int n = 0;
	for (const struct item *it = a->head; it; it = it->next)
		n += !it->started;
	return n;
}

/* Drop the oldest announcements not yet started while over the cap. */
static void enforce_cap(struct announcer *a)
{
	int max = a->cfg.queue_max > 0 ? a->cfg.queue_max : 1;
	while (count_waiting(a) > max) {
		struct item **pp = &a->head;
		while (*pp && (*pp)->started)
			pp = &(*pp)->next;
		struct item *it = *pp;
		*pp = it->next;
		log_info("queue full (%d): dropped the announcement of %s", max, it->ticket);
		a->st.dropped++;
		item_drop(a, it);
	}
}

static void enqueue(struct announcer *a, const struct proto_call *call, double t0)
{
	if (!a->cfg.enabled || a->cfg.volume <= 0)
		return;
	if (!audio_out_ok(a->out))
		return; /* the device check retries every minute */
	struct item *it = xcalloc(1, sizeof(*it));
	it->id = ++a->next_id;
	it->t0_ms = t0;
	snprintf(it->ticket, sizeof(it->ticket), "%s", call->ticket);
	struct audio_part parts[AUDIO_PARTS_MAX];
	it->nparts = audio_call_parts(&a->cfg, call, parts);
	for (int k = 0; k < it->nparts; k++) {
		char text[PHRASE_MAX];
		if (phrase_build_lang(text, sizeof(text), &parts[k].pl, call) || !a->tts ||
		    tts_submit(a->tts, it->id, k, lang_voice(parts[k].lang), text)) {
			log_warn_rl("no phrase for %s in %s", call->ticket, parts[k].lang);
			it->ready[k] = true;
			it->failed = true;
		}
	}
	struct item **pp = &a->head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = it;
	enforce_cap(a);
	pump(a);
	set_polling(a, true);
}

static void on_tts(struct tts_result *r, void *data)
{
	struct announcer *a = data;
	struct item *it = a->head;
	while (it && it->id != r->job)
		it = it->next;
	if (!it || r->slot < 0 || r->slot >= it->nparts)
		return; /* dropped or flushed meanwhile */
	it->ready[r->slot] = true;
	a->tts_broken = !r->ok;
	if (!r->ok) {
		log_warn_rl("speech for %s failed: %s", it->ticket, r->err);
		it->failed = true;
	} else {
		a->st.last_synth_ms = r->synth_ms;
		if (r->pcm.rate == tts_rate()) {
			it->speech[r->slot] = r->pcm;
			memset(&r->pcm, 0, sizeof(r->pcm));
		} else {
			char err[160];
			if (audio_resample(&r->pcm, tts_rate(), &it->speech[r->slot], err,
			                   sizeof(err))) {
				log_warn_rl("%s", err);
				it->failed = true;
			}
		}
	}
	pump(a);
}

static void drop_all(struct announcer *a)
{
	while (a->head) {
		struct item *it = a->head;
		a->head = it->next;
		item_drop(a, it);
	}
}

/* Announcements lost with the device count as failed. */
static void drop_failed(struct announcer *a)
{
	for (struct item *it = a->head; it; it = it->next)
		a->st.failed++;
	drop_all(a);
}

static void on_poll(void *data)
{
	struct announcer *a = data;
	if (!audio_out_ok(a->out)) {
		drop_failed(a);
		set_polling(a, false);
		return;
	}
	uint64_t pos = audio_out_position(a->out);
	while (a->head && a->head->written && a->head->end_pos <= pos) {
		struct item *it = a->head;
		a->head = it->next;
		if (it->failed)
			a->st.failed++;
		else
			a->st.played++;
		item_free(it);
	}
	if (!a->head)
		set_polling(a, false);
	else
		pump(a);
}

/* Every minute: notice a lost device while idle, and try to open one
 * when there is none (a USB card plugged in, a TV's HDMI audio back). */
static void on_check(void *data)
{
	struct announcer *a = data;
	if (a->cfg.enabled && !audio_out_ok(a->out)) {
		drop_failed(a);
		audio_out_open(a->out);
	}
}

static void open_output(struct announcer *a)
{
	a->out = audio_out_create(a->cfg.device);
	if (a->cfg.enabled)
		audio_out_open(a->out);
}

struct announcer *announcer_create(struct loop *loop, const struct audio_config *cfg,
                                   const char *chime_path)
{
	struct announcer *a = xcalloc(1, sizeof(*a));
	char err[256];
	a->loop = loop;
	a->cfg = *cfg;
	a->chime.rate = tts_rate();
	announce_init(&a->policy, cfg->announce_window_s);
	if (!chime_path)
		chime_path = cfg->chime;
	if (load_chime(chime_path, &a->chime, err, sizeof(err))) {
		log_warn("no chime: %s; speaking without it", err);
		a->chime.rate = tts_rate();
	}
	a->tts = tts_create(loop, cfg->speed, on_tts, a);
	if (!a->tts)
		log_error("no speech thread: announcements will be chime only");
	a->poll = loop_add_timer(loop, 0, 0, on_poll, a);
	a->retry = loop_add_timer(loop, RETRY_MS, RETRY_MS, on_check, a);
	open_output(a);
	return a;
}

void announcer_hint_live(struct announcer *a)
{
	announce_hint_live(&a->policy);
}

void announcer_board(struct announcer *a, const char *area, const struct proto_board *b,
                     int64_t now_ms_wall, bool silenced)
{
	struct proto_call calls[PROTO_BOARD_CALLS_MAX];
	double t0 = now_ms();
	a->silenced = silenced;
	int n = announce_board(&a->policy, area, b, (int64_t)t0, now_ms_wall, silenced, calls,
	                       PROTO_BOARD_CALLS_MAX);
	for (int i = 0; i < n; i++) {
		if (a->cfg.volume <= 0)
			break; /* muted by the volume command: nothing spoken, none counted */
		log_info("announce %s %s -> %s", proto_kind_name(calls[i].kind), calls[i].ticket,
		         calls[i].desk);
		a->st.announced++;
		enqueue(a, &calls[i], t0);
	}
}

void announcer_link_up(struct announcer *a)
{
	announce_link_reset(&a->policy);
}

void announcer_test(struct announcer *a)
{
	struct proto_call c = {.kind = PROTO_KIND_CALL};
	snprintf(c.id, sizeof(c.id), "announce-test");
	snprintf(c.ticket, sizeof(c.ticket), "A042");
	snprintf(c.desk, sizeof(c.desk), "3");
	c.ts_ms = time_now_ms();
	log_info("announce test");
	enqueue(a, &c, now_ms());
}

void announcer_set_volume(struct announcer *a, int volume)
{
	a->cfg.volume = volume < 0 ? 0 : volume > 100 ? 100 : volume;
}

void announcer_set_quiet(struct announcer *a, bool quiet)
{
	a->quiet = quiet;
}

int announcer_volume(const struct announcer *a)
{
	return a->cfg.volume;
}

int announcer_reconfigure(struct announcer *a, const struct audio_config *cfg,
                          const char *chime_path, char *err, size_t errlen)
{
	struct pcm chime = {.rate = tts_rate()};
	if (load_chime(chime_path ? chime_path : cfg->chime, &chime, err, errlen))
		return -1;
	bool reopen = strcmp(cfg->device, a->cfg.device) != 0 || cfg->enabled != a->cfg.enabled;
	pcm_free(&a->chime);
	a->chime = chime;
	a->cfg = *cfg;
	a->policy.window_ms = (int64_t)cfg->announce_window_s * 1000;
	if (a->tts)
		tts_set_speed(a->tts, cfg->speed);
	if (reopen) {
		announcer_flush(a);
		audio_out_destroy(a->out);
		open_output(a);
	}
	return 0;
}

enum proto_audio_state announcer_state(const struct announcer *a)
{
	struct audio_spec spec;
	if (!a->cfg.enabled)
		return PROTO_AUDIO_MUTED;
	if (!audio_out_spec(a->out, &spec))
		return PROTO_AUDIO_NONE;
	if (a->cfg.volume <= 0 || a->silenced)
		return PROTO_AUDIO_MUTED;
	if (!a->tts || a->tts_broken)
		return PROTO_AUDIO_ERROR;
	return PROTO_AUDIO_OK;
}

void announcer_stats(const struct announcer *a, struct announcer_stats *out)
{
	*out = a->st;
	out->speech_queue_peak = a->tts ? tts_queue_peak(a->tts) : 0;
}

bool announcer_clock_offset(const struct announcer *a, int64_t *ms)
{
	return announce_clock_offset(&a->policy, ms);
}

bool announcer_output(const struct announcer *a, struct audio_spec *spec)
{
	return audio_out_spec(a->out, spec);
}

bool announcer_idle(const struct announcer *a)
{
	return a->head == NULL;
}

void announcer_flush(struct announcer *a)
{
	drop_all(a);
	audio_out_clear(a->out);
	set_polling(a, false);
}

void announcer_destroy(struct announcer *a)
{
	if (!a)
		return;
	tts_destroy(a->tts);
	a->tts = NULL;
	drop_all(a);
	loop_remove(a->loop, a->poll);
	loop_remove(a->loop, a->retry);
	audio_out_destroy(a->out);
	pcm_free(&a->chime);
	free(a);
}

int announce_to_wav(const struct audio_config *cfg, const char *chime_path,
                    const struct proto_call *call, const char *out_path, char *err, size_t errlen)
{
	int ret = -1;
	struct pcm chime = {.rate = tts_rate()}, all = {.rate = tts_rate()};
	if (load_chime(chime_path ? chime_path : cfg->chime, &chime, err, errlen))
		goto out;
	part_chime(&all, &chime, cfg->volume);
	struct audio_part parts[AUDIO_PARTS_MAX];
	int nparts = audio_call_parts(cfg, call, parts);
	for (int k = 0; k < nparts; k++) {
		char text[PHRASE_MAX];
		struct pcm speech = {0}, conv = {0};
		if (phrase_build_lang(text, sizeof(text), &parts[k].pl, call)) {
			snprintf(err, errlen, "template_%s: phrase too long", parts[k].lang);
			goto out;
		}
		if (tts_synth_once(lang_voice(parts[k].lang), text, cfg->speed, &speech, err,
		                   errlen))
			goto out;
		if (speech.rate != tts_rate()) {
			int rc = audio_resample(&speech, tts_rate(), &conv, err, errlen);
			pcm_free(&speech);
			if (rc)
				goto out;
			speech = conv;
		}
		part_speech(&all, k, &speech, cfg->volume);
		pcm_free(&speech);
	}
	part_end(&all);
	ret = wav_write(out_path, &all, err, errlen);
out:
	pcm_free(&chime);
	pcm_free(&all);
	return ret;
}

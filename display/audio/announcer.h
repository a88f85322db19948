/* The announcer: what the display daemon calls. It joins the announce
 * policy, the phrase builder, the speech thread and the audio output, all
 * on the daemon's loop. Nothing here blocks: the chime is queued at once,
 * speech follows when the speech thread has it, and the renderer never
 * waits for audio. */
#ifndef CB_ANNOUNCER_H
#define CB_ANNOUNCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audio_out.h"
#include "audio_config.h"
#include "config.h"
#include "proto.h"

struct loop;
struct announcer;

/* Silence between the parts of one announcement, and after it. */
#define ANNOUNCER_PAUSE_CHIME_MS 250  /* chime -> speech */
#define ANNOUNCER_PAUSE_LANG_MS  600  /* one language -> the next */
#define ANNOUNCER_GAP_MS         1200 /* one announcement -> the next */

struct announcer_stats {
	int64_t announced;           /* calls the policy chose to speak (also with no device) */
	int64_t played;              /* announcements played to the end */
	int64_t failed;              /* announcements with a part that could not be made */
	int64_t dropped;             /* dropped from a full queue */
	int speech_queue_peak;       /* most phrases waiting for the speech thread at once */
	double last_synth_ms;        /* espeak-ng time of the last phrase */
	double last_first_sample_ms; /* board received -> chime queued */
};

/* Make an announcer on loop with a copy of cfg; chime_path is the chime
 * WAV (NULL: cfg->chime). Opens the audio device (no device: logged once,
 * retried every minute, state "none"). The caller owns the result. */
struct announcer *announcer_create(struct loop *loop, const struct audio_config *cfg,
                                   const char *chime_path);
/* The next board came live (not from the broker's retained store). */
void announcer_hint_live(struct announcer *a);
/* A board of area arrived (already validated): speak its fresh calls.
 * now_ms is the local wall clock; silenced is true in quiet hours or when
 * closed (calls are then marked seen and never spoken later). */
void announcer_board(struct announcer *a, const char *area, const struct proto_board *b,
                     int64_t now_ms, bool silenced);
/* The MQTT link (re)connected: the next board of each area is taken as a
 * possibly old retained one (see announce.h). */
void announcer_link_up(struct announcer *a);
/* The announce-test command: chime and a sample phrase in every language. */
void announcer_test(struct announcer *a);
/* Set the volume 0-100 (values outside are clamped); applies to what is
 * queued from now on. */
void announcer_set_volume(struct announcer *a, int volume);
/* Inside quiet hours or not: announcements then play at [audio]
 * quiet_volume instead of the volume. */
void announcer_set_quiet(struct announcer *a, bool quiet);
/* The volume now (0-100). */
int announcer_volume(const struct announcer *a);
/* Apply a new [audio] config (reload). The chime is loaded first; on
 * failure -1 with a reason in err and the old config stays. */
int announcer_reconfigure(struct announcer *a, const struct audio_config *cfg,
                          const char *chime_path, char *err, size_t errlen);
/* For health: ok, none (no device), muted (volume 0, silenced, disabled). */
enum proto_audio_state announcer_state(const struct announcer *a);
/* Counters and last timings. */
void announcer_stats(const struct announcer *a, struct announcer_stats *out);
/* The local clock minus the bridge's, as observed from boards; false
 * until a live board was seen. */
bool announcer_clock_offset(const struct announcer *a, int64_t *ms);
/* The format the audio device opened with; false when none is open. */
bool announcer_output(const struct announcer *a, struct audio_spec *spec);
/* True when nothing is pending or playing. */
bool announcer_idle(const struct announcer *a);
/* Drop every pending announcement and what is queued on the device. */
void announcer_flush(struct announcer *a);
/* Stop the speech thread, close the device, free everything. */
void announcer_destroy(struct announcer *a);

/* Write to out_path (16-bit mono WAV at the speech rate) exactly the audio
 * the daemon queues for call: chime, pause, the phrase in each language,
 * with cfg's volume. Runs espeak-ng on the calling thread. 0, or -1 with a
 * reason in err. */
int announce_to_wav(const struct audio_config *cfg, const char *chime_path,
                    const struct proto_call *call, const char *out_path, char *err, size_t errlen);

#endif

/* callboard wire protocol v1: limits, payload types, topics, codec.
 * PROTOCOL.md is the specification; this header is its C form.
 * Every decoded string is a fixed-size array inside the struct, so a decoded
 * payload owns nothing on the heap. Encoders return malloc'ed strings that
 * the caller frees. */
#ifndef CB_PROTO_H
#define CB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1

/* Limits (bytes of UTF-8 unless said otherwise). */
#define PROTO_NAME_MAX           63 /* tenant, site, area, device */
#define PROTO_ID_MAX             64 /* call id, command id */
#define PROTO_TICKET_MAX         10
#define PROTO_DESK_MAX           16
#define PROTO_LABEL_MAX          64
#define PROTO_SERVICE_MAX        64
#define PROTO_LANG_MAX           2 /* ISO 639-1, lower case */
#define PROTO_NOTICE_MAX         500
#define PROTO_VERSION_STR_MAX    32
#define PROTO_HASH_MAX           64
#define PROTO_SHORT_MAX          32  /* small enum-like strings */
#define PROTO_SESSION_MAX        32  /* status session id, hex */
#define PROTO_INFO_MAX           512 /* command result info / error text */
#define PROTO_BOARD_CALLS_MAX    50
#define PROTO_ACK_IDS_MAX        50
#define PROTO_AREAS_MAX          8
#define PROTO_QUEUE_SERVICES_MAX 16
#define PROTO_WAITING_MAX        100000 /* people waiting for one service */
#define PROTO_WAIT_MIN_MAX       1440   /* expected wait, minutes */
#define PROTO_DEPTH_MAX          6
#define PROTO_SEQ_MAX            9007199254740991LL /* 2^53 - 1 */
#define PROTO_COUNT_MAX          PROTO_SEQ_MAX      /* counters: exact in every JSON reader */
/* How far a board's seq may run ahead of its own ts in ms (a day): the
 * bridge starts an area's seq at its clock in ms and adds one per change
 * (PROTOCOL.md section 5). */
#define PROTO_SEQ_AHEAD_MAX_MS 86400000LL

#define PROTO_BOARD_BYTES_MAX      32768
#define PROTO_NOTICE_BYTES_MAX     4096
#define PROTO_QUEUE_BYTES_MAX      8192
#define PROTO_STATUS_BYTES_MAX     4096
#define PROTO_HEALTH_BYTES_MAX     8192
#define PROTO_ACK_BYTES_MAX        8192
#define PROTO_CMD_BYTES_MAX        4096
#define PROTO_RESULT_BYTES_MAX     4096
#define PROTO_SCREENSHOT_BYTES_MAX (4 * 1024 * 1024)
/* MQTT framing around a payload: fixed header, topic (at most 255 bytes),
 * packet id and MQTT 5 properties. A packet larger than its largest payload
 * plus this is refused by the broker (max_packet_size) and never sent to a
 * client (the Maximum Packet Size it announces). */
#define PROTO_PACKET_HEADROOM 1024
/* The largest packet anyone sends: a screenshot. */
#define PROTO_PACKET_MAX (PROTO_SCREENSHOT_BYTES_MAX + PROTO_PACKET_HEADROOM)

/* Why a payload was refused: the field (a JSON path such as
 * "calls[2].ticket", or "payload") and a reason. */
struct proto_error {
	char field[96];
	char reason[160];
};

enum proto_call_kind { PROTO_KIND_CALL, PROTO_KIND_RECALL };

struct proto_call {
	char id[PROTO_ID_MAX + 1];
	char ticket[PROTO_TICKET_MAX + 1];
	char desk[PROTO_DESK_MAX + 1];
	char desk_label[PROTO_LABEL_MAX + 1]; /* "" when absent */
	char service[PROTO_SERVICE_MAX + 1];  /* "" when absent */
	char lang[PROTO_LANG_MAX + 1];        /* the citizen's language, "uk"; "" when absent */
	enum proto_call_kind kind;
	int64_t ts_ms;
};

struct proto_board {
	int64_t seq;
	int64_t ts_ms;
	int ncalls;
	struct proto_call calls[PROTO_BOARD_CALLS_MAX]; /* newest first */
};

enum proto_notice_mode { PROTO_NOTICE_BANNER, PROTO_NOTICE_TICKER };

struct proto_notice {
	bool cleared; /* an empty payload: no notice */
	char text[PROTO_NOTICE_MAX + 1];
	enum proto_notice_mode mode;
	int64_t ts_ms;
};

/* How many wait for each service of an area, and roughly how long. */
struct proto_queue_service {
	char name[PROTO_SERVICE_MAX + 1]; /* "Pas og kørekort" */
	int waiting;                      /* 0-PROTO_WAITING_MAX */
	int wait_min;                     /* minutes; -1 when absent */
};

struct proto_queue {
	int64_t ts_ms; /* when the bridge took it in: older than the screen's limit is hidden */
	int nservices;
	struct proto_queue_service services[PROTO_QUEUE_SERVICES_MAX];
};

enum proto_state { PROTO_STATE_ONLINE, PROTO_STATE_OFFLINE };

struct proto_status {
	enum proto_state state;
	char device[PROTO_NAME_MAX + 1];
	char version[PROTO_VERSION_STR_MAX + 1]; /* "" when absent */
	int64_t started_ms;                      /* 0 when absent */
	int64_t ts_ms;                           /* 0 when absent */
	char config_hash[PROTO_HASH_MAX + 1];    /* "" when absent */
	int nareas;
	char areas[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
	/* Order of a display's statuses, its Will included: session is random
	 * per daemon start ("" when absent), conn counts its connections
	 * (0 when absent). */
	char session[PROTO_SESSION_MAX + 1];
	int64_t conn;
};

enum proto_audio_state {
	PROTO_AUDIO_OK,
	PROTO_AUDIO_NONE,  /* no audio device (or --headless without one) */
	PROTO_AUDIO_MUTED, /* volume 0, quiet hours or closed */
	PROTO_AUDIO_ERROR,
};

enum proto_screen_state {
	PROTO_SCREEN_ON,
	PROTO_SCREEN_CLOSED,    /* closed screen by the opening hours */
	PROTO_SCREEN_NO_OUTPUT, /* no connected display: waiting for one */
};

struct proto_health_board {
	char area[PROTO_NAME_MAX + 1];
	int64_t seq;   /* 0: none yet */
	int64_t age_s; /* seconds since that board's ts, -1 unknown */
};

/* Optional numbers use -1 (or NAN for doubles) for "not known". */
struct proto_health {
	char device[PROTO_NAME_MAX + 1];
	char version[PROTO_VERSION_STR_MAX + 1];
	int64_t ts_ms;
	int64_t uptime_s;
	int width, height, rotate;
	int64_t frames;
	double last_frame_ms;
	int nboards;
	struct proto_health_board boards[PROTO_AREAS_MAX];
	int64_t reconnects;
	enum proto_audio_state audio;
	int volume;
	int64_t announced;
	int64_t announce_failed;
	bool has_clock_offset;
	int64_t clock_offset_ms; /* local clock minus bridge clock */
	double cpu_temp_c;       /* NAN when no thermal zone */
	double load1;
	int64_t rss_kb;
	int64_t disk_free_mb; /* -1 unknown */
	int undervoltage;     /* -1 unknown, 0 no, 1 yes */
	enum proto_screen_state screen;
};

struct proto_ack {
	char area[PROTO_NAME_MAX + 1]; /* "" when absent */
	int64_t seq;
	int64_t shown_ms;
	int nids;
	char ids[PROTO_ACK_IDS_MAX][PROTO_ID_MAX + 1];
};

/* Remote commands, one row each: the one list of their names, used by the
 * codec, the display, the bridge and the CLI. X(ENUM, "name", takes_level):
 * takes_level means the command needs "level", 0-100. A new command is a
 * row here, in schema/cmd.json and PROTOCOL.md, and a handler in the
 * display's command table. */
#define PROTO_CMDS(X)                                                                              \
	X(IDENTIFY, "identify", false)                                                             \
	X(SCREENSHOT, "screenshot", false)                                                         \
	X(ANNOUNCE_TEST, "announce-test", false)                                                   \
	X(VOLUME, "volume", true)                                                                  \
	X(RELOAD, "reload", false)

#define PROTO_CMD_ENUM(e, name, level) PROTO_CMD_##e,
enum proto_cmd_kind { PROTO_CMDS(PROTO_CMD_ENUM) PROTO_CMD_COUNT };
#undef PROTO_CMD_ENUM

struct proto_cmd {
	char id[PROTO_ID_MAX + 1];
	enum proto_cmd_kind cmd;
	int level;     /* 0-100 for a command that takes one; -1 otherwise */
	int64_t ts_ms; /* when it was sent; 0 when absent */
};

struct proto_cmd_result {
	char id[PROTO_ID_MAX + 1];
	char cmd[PROTO_SHORT_MAX + 1]; /* "" when absent */
	bool ok;
	char error[PROTO_INFO_MAX + 1]; /* "" when ok (ignored then) */
	char info[PROTO_INFO_MAX + 1];  /* "" when absent */
	int64_t ts_ms;
};

/* Decoders: 0 on success, -1 with *err filled. They never read past len,
 * need no NUL terminator, and accept unknown fields. */
int proto_board_decode(const char *buf, size_t len, struct proto_board *out,
                       struct proto_error *err);
int proto_call_decode(const char *buf, size_t len, struct proto_call *out, struct proto_error *err);
int proto_notice_decode(const char *buf, size_t len, struct proto_notice *out,
                        struct proto_error *err);
int proto_queue_decode(const char *buf, size_t len, struct proto_queue *out,
                       struct proto_error *err);
int proto_status_decode(const char *buf, size_t len, struct proto_status *out,
                        struct proto_error *err);
int proto_health_decode(const char *buf, size_t len, struct proto_health *out,
                        struct proto_error *err);
int proto_ack_decode(const char *buf, size_t len, struct proto_ack *out, struct proto_error *err);
/* On failure out->id is still the command's id when that was valid ("" if
 * not), so an error result can answer it. */
int proto_cmd_decode(const char *buf, size_t len, struct proto_cmd *out, struct proto_error *err);
int proto_cmd_result_decode(const char *buf, size_t len, struct proto_cmd_result *out,
                            struct proto_error *err);

/* Encoders: a malloc'ed compact JSON string the caller frees. */
char *proto_board_encode(const struct proto_board *b);
char *proto_call_encode(const struct proto_call *c);
char *proto_notice_encode(const struct proto_notice *n); /* "" for cleared */
char *proto_queue_encode(const struct proto_queue *q);
char *proto_status_encode(const struct proto_status *s);
char *proto_health_encode(const struct proto_health *h);
char *proto_ack_encode(const struct proto_ack *a);
char *proto_cmd_encode(const struct proto_cmd *c);
char *proto_cmd_result_encode(const struct proto_cmd_result *r);

/* What a receiver does with a board (seq, ts_ms) for an area that shows
 * the board (shown_seq, shown_ts_ms), shown_seq 0 when none. */
enum proto_seq_verdict {
	PROTO_SEQ_NEWER, /* show it */
	PROTO_SEQ_STALE, /* not newer than the one shown: ignore it */
	PROTO_SEQ_AHEAD, /* seq more than PROTO_SEQ_AHEAD_MAX_MS ahead of its ts: refuse */
	PROTO_SEQ_RESET, /* older seq, but the shown seq is ahead of this newer
	                  * board's clock, so it was never clock-based: show it */
};
/* Judge a board by the rules of PROTOCOL.md section 5 (pure). */
enum proto_seq_verdict proto_seq_judge(int64_t shown_seq, int64_t shown_ts_ms, int64_t seq,
                                       int64_t ts_ms);
/* nbytes (at most 32) random bytes from the kernel as 2 * nbytes lower-case
 * hex digits and a NUL into out. */
void proto_random_hex(char *out, size_t nbytes);
/* A new random status session id (lower-case hex) into out. */
void proto_status_session(char out[PROTO_SESSION_MAX + 1]);
/* What a receiver remembers to order one display's statuses: the session
 * and conn of the status applied last, and the sessions it saw replaced
 * (newest first, "" when unused). Zeroed: nothing seen yet. */
#define PROTO_SESSIONS_REPLACED 3
struct proto_status_order {
	char session[PROTO_SESSION_MAX + 1];
	int64_t conn;
	char replaced[PROTO_SESSIONS_REPLACED][PROTO_SESSION_MAX + 1];
};

/* False when s is older than the status applied last (same session and a
 * smaller conn, or a session already replaced): ignore it. Otherwise true,
 * and o now remembers s. A status without the fields, or of a session not
 * seen before, counts as newest (arrival order). */
bool proto_status_order_apply(struct proto_status_order *o, const struct proto_status *s);

/* Field checks shared with the bridge's HTTP input. */
bool proto_name_valid(const char *s);
bool proto_id_valid(const char *s);
bool proto_ticket_valid(const char *s);
bool proto_desk_valid(const char *s);
/* An ISO 639-1 language code in lower case ("da", "uk"). */
bool proto_lang_valid(const char *s);
/* Valid UTF-8 with no control characters (C0, DEL, C1). */
bool proto_text_valid(const char *s, size_t len);

const char *proto_kind_name(enum proto_call_kind k);
const char *proto_cmd_name(enum proto_cmd_kind k);
const char *proto_audio_name(enum proto_audio_state s);
const char *proto_screen_name(enum proto_screen_state s);
/* Parse a command name; -1 when unknown. */
int proto_cmd_from_name(const char *name);
/* Does command k need "level" (0-100)? */
bool proto_cmd_takes_level(enum proto_cmd_kind k);
/* The command names, ", "-separated, into buf (for error messages): all of
 * them, or with level_only those that take a level. */
void proto_cmd_choices(char *buf, size_t len, bool level_only);

/* Health with every optional value set to "unknown". */
void proto_health_init(struct proto_health *h);

#endif

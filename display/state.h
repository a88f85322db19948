/* What the display keeps across restarts in its state directory ([device]
 * state_dir, systemd's StateDirectory): the last board of each area and the
 * site notice, as the protocol's JSON, one file each (board-AREA.json,
 * notice.json), so that a restart without a broker shows the last board
 * rather than an empty screen. Only payloads that passed validation are
 * written, each at most its topic's payload limit; a file is replaced
 * atomically (temporary file, fsync, rename), so a power cut leaves the old
 * file or the new one, never half of one. Reading goes through the same
 * bounded decoders as the broker's payloads (daemon_read_board). */
#ifndef CB_DISPLAY_STATE_H
#define CB_DISPLAY_STATE_H

#include <stddef.h>

#include "proto.h"

/* Write len bytes to path through path.tmp, fsync and rename. 0, or -1 with
 * errno set (the temporary file is removed). */
int state_write_file(const char *path, const void *data, size_t len);
/* The file of an area's board (out gets "DIR/board-AREA.json"). */
void state_board_path(const char *dir, const char *area, char *out, size_t n);
/* The file of the notice ("DIR/notice.json"). */
void state_notice_path(const char *dir, char *out, size_t n);
/* Keep board b of area in dir. 0, or -1 with errno set. */
int state_save_board(const char *dir, const char *area, const struct proto_board *b);
/* Keep notice n in dir; a cleared notice removes the file. 0, or -1 with
 * errno set. */
int state_save_notice(const char *dir, const struct proto_notice *n);

/* Remove from dir the boards of areas not in areas[] and the temporary
 * files of writes cut short, so the directory holds at most one board per
 * area shown and the notice. */
void state_prune(const char *dir, const char areas[][PROTO_NAME_MAX + 1], int nareas);

#endif

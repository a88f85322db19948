#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

int state_write_file(const char *path, const void *data, size_t len)
{
	char tmp[4200];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	const char *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == 0)
		return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

void state_board_path(const char *dir, const char *area, char *out, size_t n)
{
	snprintf(out, n, "%s/board-%s.json", dir, area);
}

void state_notice_path(const char *dir, char *out, size_t n)
{
	snprintf(out, n, "%s/notice.json", dir);
}

/* Write an encoded payload (owned, freed here) when within max bytes. */
static int save(const char *path, char *json, size_t max)
{
	int rc = -1;
	if (!json)
		errno = ENOMEM;
	else if (strlen(json) > max)
		errno = EFBIG;
	else
		rc = state_write_file(path, json, strlen(json));
	free(json);
	return rc;
}

int state_save_board(const char *dir, const char *area, const struct proto_board *b)
{
	char path[4200];
	state_board_path(dir, area, path, sizeof path);
	return save(path, proto_board_encode(b), PROTO_BOARD_BYTES_MAX);
}

int state_save_notice(const char *dir, const struct proto_notice *n)
{
	char path[4200];
	state_notice_path(dir, path, sizeof path);
	if (!n || n->cleared || !n->text[0])
		return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	return save(path, proto_notice_encode(n), PROTO_NOTICE_BYTES_MAX);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* "board-AREA.json" of an area in areas[]. */
static bool board_of(const char *name, const char areas[][PROTO_NAME_MAX + 1], int nareas)
{
	for (int i = 0; i < nareas; i++) {
		char want[PROTO_NAME_MAX + 16];
		snprintf(want, sizeof want, "board-%s.json", areas[i]);
		if (!strcmp(name, want))
			return true;
	}
	return false;
}

void state_prune(const char *dir, const char areas[][PROTO_NAME_MAX + 1], int nareas)
{
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	struct dirent *e;
	while ((e = readdir(dh))) {
		const char *name = e->d_name;
		bool ours = !strncmp(name, "board-", 6) || !strncmp(name, "notice.", 7);
		bool tmp = ours && ends_with(name, ".tmp");
		bool old_board = !strncmp(name, "board-", 6) && ends_with(name, ".json") &&
		                 !board_of(name, areas, nareas);
		if (tmp || old_board)
			unlinkat(dirfd(dh), name, 0);
	}
	closedir(dh);
}

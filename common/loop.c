#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOG_MODULE "loop"
#include "log.h"
#include "loop.h"

enum source_kind { SRC_FD, SRC_TIMER, SRC_SIGNAL };

struct loop_source {
	enum source_kind kind;
	int fd;
	int signo;
	bool removed;
	union {
		loop_fd_cb fd_cb;
		loop_timer_cb timer_cb;
		loop_signal_cb signal_cb;
	} cb;
	void *data;
	struct loop_source *next; /* owned by the loop's list */
};

struct loop {
	int epfd;
	bool running;
	int dispatching;
	struct loop_source *sources;
	loop_idle_cb idle;
	void *idle_data;
};

struct loop *loop_create(void)
{
	struct loop *loop = xcalloc(1, sizeof *loop);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		log_error("epoll_create1: %s", strerror(errno));
		free(loop);
		return NULL;
	}
	return loop;
}

static void source_free(struct loop_source *src)
{
	if (src->kind != SRC_FD && src->fd >= 0)
		close(src->fd);
	free(src);
}

static void reap(struct loop *loop)
{
	struct loop_source **pp = &loop->sources;
	while (*pp) {
		struct loop_source *s = *pp;
		if (s->removed) {
			*pp = s->next;
			source_free(s);
		} else {
			pp = &s->next;
		}
	}
}

void loop_destroy(struct loop *loop)
{
	if (!loop)
		return;
	while (loop->sources) {
		struct loop_source *s = loop->sources;
		loop->sources = s->next;
		source_free(s);
	}
	close(loop->epfd);
	free(loop);
}

static struct loop_source *add(struct loop *loop, enum source_kind kind, int fd, uint32_t events,
                               void *data)
{
	struct loop_source *src = xcalloc(1, sizeof *src);
	src->kind = kind;
	src->fd = fd;
	src->data = data;
	struct epoll_event ev = {.events = events, .data.ptr = src};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_error("epoll_ctl add fd %d: %s", fd, strerror(errno));
		free(src);
		return NULL;
	}
	src->next = loop->sources;
	loop->sources = src;
	return src;
}

struct loop_source *loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb,
                                void *data)
{
	struct loop_source *src = add(loop, SRC_FD, fd, events, data);
	if (src)
		src->cb.fd_cb = cb;
	return src;
}

int loop_update_fd(struct loop *loop, struct loop_source *src, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = src};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0) {
		log_error("epoll_ctl mod fd %d: %s", src->fd, strerror(errno));
		return -1;
	}
	return 0;
}

int loop_timer_arm(struct loop_source *src, int first_ms, int interval_ms)
{
	struct itimerspec its = {
	    .it_value = {first_ms / 1000, (long)(first_ms % 1000) * 1000000L},
	    .it_interval = {interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L},
	};
	return timerfd_settime(src->fd, 0, &its, NULL);
}

/* Watch an fd the loop made for itself (what names the call that made it,
 * for the log): the source owns fd, which is closed when adding fails. */
static struct loop_source *add_owned(struct loop *loop, enum source_kind kind, int fd,
                                     const char *what, void *data)
{
	if (fd < 0) {
		log_error("%s: %s", what, strerror(errno));
		return NULL;
	}
	struct loop_source *src = add(loop, kind, fd, EPOLLIN, data);
	if (!src)
		close(fd);
	return src;
}

struct loop_source *loop_add_timer(struct loop *loop, int first_ms, int interval_ms,
                                   loop_timer_cb cb, void *data)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct loop_source *src = add_owned(loop, SRC_TIMER, fd, "timerfd_create", data);
	if (!src)
		return NULL;
	src->cb.timer_cb = cb;
	if (first_ms > 0)
		loop_timer_arm(src, first_ms, interval_ms);
	return src;
}

struct loop_source *loop_add_signal(struct loop *loop, int signo, loop_signal_cb cb, void *data)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, signo);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return NULL;
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	struct loop_source *src = add_owned(loop, SRC_SIGNAL, fd, "signalfd", data);
	if (!src)
		return NULL;
	src->signo = signo;
	src->cb.signal_cb = cb;
	return src;
}

void loop_remove(struct loop *loop, struct loop_source *src)
{
	if (!src || src->removed)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
	src->removed = true;
	if (!loop->dispatching)
		reap(loop);
}

void loop_set_idle(struct loop *loop, loop_idle_cb cb, void *data)
{
	loop->idle = cb;
	loop->idle_data = data;
}

static void fire(struct loop_source *src, uint32_t events)
{
	if (src->removed)
		return;
	switch (src->kind) {
	case SRC_FD:
		src->cb.fd_cb(src->fd, events, src->data);
		break;
	case SRC_TIMER: {
		uint64_t n;
		if (read(src->fd, &n, sizeof n) != sizeof n)
			return;
		src->cb.timer_cb(src->data);
		break;
	}
	case SRC_SIGNAL: {
		struct signalfd_siginfo si;
		while (read(src->fd, &si, sizeof si) == sizeof si)
			src->cb.signal_cb((int)si.ssi_signo, src->data);
		break;
	}
	}
}

int loop_dispatch(struct loop *loop, int timeout_ms)
{
	struct epoll_event evs[32];
	int n = epoll_wait(loop->epfd, evs, 32, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		log_error("epoll_wait: %s", strerror(errno));
		return -1;
	}
	loop->dispatching++;
	for (int i = 0; i < n; i++)
		fire(evs[i].data.ptr, evs[i].events);
	loop->dispatching--;
	if (!loop->dispatching)
		reap(loop);
	if (loop->idle)
		loop->idle(loop->idle_data);
	return n;
}

int loop_run(struct loop *loop)
{
	loop->running = true;
	if (loop->idle)
		loop->idle(loop->idle_data);
	while (loop->running) {
		if (loop_dispatch(loop, -1) < 0)
			return -1;
	}
	return 0;
}

void loop_quit(struct loop *loop)
{
	loop->running = false;
}

/* The event loop: one per program. Every source is an fd with a callback;
 * timers are timerfds and signals a signalfd, registered the same way. */
#ifndef CB_LOOP_H
#define CB_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_source;

/* Called with the ready events (EPOLLIN, EPOLLOUT, ...). */
typedef void (*loop_fd_cb)(int fd, uint32_t events, void *data);
typedef void (*loop_timer_cb)(void *data);
typedef void (*loop_signal_cb)(int signo, void *data);
/* Called once per loop turn after all fd callbacks: render, flush, ... */
typedef void (*loop_idle_cb)(void *data);

/* Create a loop; the caller owns it and frees it with loop_destroy. */
struct loop *loop_create(void);
/* Free the loop and every source still registered (fds are not closed,
 * except the timerfds and signalfd the loop made itself). */
void loop_destroy(struct loop *loop);

/* Watch fd for events; the loop does not own fd. */
struct loop_source *loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb,
                                void *data);
/* Change the events watched on an fd source. */
int loop_update_fd(struct loop *loop, struct loop_source *src, uint32_t events);
/* A timer firing after first_ms, then every interval_ms (0: once). */
struct loop_source *loop_add_timer(struct loop *loop, int first_ms, int interval_ms,
                                   loop_timer_cb cb, void *data);
/* Re-arm a timer source (first_ms 0 disarms it). */
int loop_timer_arm(struct loop_source *src, int first_ms, int interval_ms);
/* Block signo and deliver it through a signalfd. */
struct loop_source *loop_add_signal(struct loop *loop, int signo, loop_signal_cb cb, void *data);
/* Remove a source (safe from inside a callback). */
void loop_remove(struct loop *loop, struct loop_source *src);

/* Set the callback run after each turn's events (one per loop). */
void loop_set_idle(struct loop *loop, loop_idle_cb cb, void *data);
/* Run one turn: wait up to timeout_ms (-1: forever). Returns -1 on error. */
int loop_dispatch(struct loop *loop, int timeout_ms);
/* Run until loop_quit. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop);

#endif

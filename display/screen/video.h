/* The output: SDL window and renderer, driver choice, and noticing a lost
 * or returning output (TV off, HDMI pulled) so the picture comes back. */
#ifndef CB_VIDEO_H
#define CB_VIDEO_H

#include <SDL.h>
#include <stdbool.h>

struct udev;
struct udev_monitor;

struct video {
	bool headless;
	int req_w, req_h; /* requested window size; 0 = the output's */
	SDL_Window *win;  /* NULL while there is no output */
	SDL_Renderer *r;
	int w, h; /* output size in pixels */
	char driver[32];
	const char *sysfs; /* DRM connector folder watched for hotplug */
	bool waiting;      /* "waiting for an output" logged once */
	int connected;     /* connectors seen connected at the last poll, -1 unknown */
	int watch_fd;      /* readable on a connector change; -1 when not watched */
	struct udev *udev; /* owned, with mon: the drm uevents behind watch_fd */
	struct udev_monitor *mon;
};

/* Force offscreen rendering (and a dummy sound driver unless one is set):
 * call before SDL_Init. */
void video_force_headless(void);
/* Init SDL video and try to open the output. 0 when SDL is up (the window
 * may still be missing: see video_ok), -1 when SDL cannot start. */
int video_init(struct video *v, bool headless, int w, int h);
/* True when a window and renderer exist. */
bool video_ok(const struct video *v);
/* Open the window and renderer; -1 when no output is there (yet). */
int video_open(struct video *v);
/* Close window and renderer and restart the video subsystem, so that the
 * next video_open does a fresh mode set (what kmsdrm needs after hotplug). */
void video_close(struct video *v);
/* Count connected DRM connectors under the sysfs folder; -1 when not known
 * (no DRM, or a driver that reports hotplug itself). */
int video_connectors(const struct video *v);
/* An fd that becomes readable when a connector may have changed, so that
 * nobody polls the sysfs folder: udev's drm events for /sys/class/drm, an
 * inotify watch for a folder standing in for it (tests). -1 when there is
 * no folder to watch or no way to watch it (then poll). The video owns it. */
int video_watch(struct video *v);
/* Read what made the watch fd readable (call before video_connectors). */
void video_watch_drain(struct video *v);
void video_quit(struct video *v);

#endif

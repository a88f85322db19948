#define LOG_MODULE "video"
#include <dirent.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"
#include "video.h"

void video_force_headless(void)
{
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	/* The audio tests pick the disk driver themselves. */
	if (!getenv("SDL_AUDIODRIVER"))
		setenv("SDL_AUDIODRIVER", "dummy", 1);
}

int video_init(struct video *v, bool headless, int w, int h)
{
	memset(v, 0, sizeof *v);
	v->headless = headless;
	v->req_w = w;
	v->req_h = h;
	v->connected = -1;
	v->watch_fd = -1;
	/* CALLBOARD_DRM_SYSFS points the hotplug watch elsewhere (tests). */
	v->sysfs = getenv("CALLBOARD_DRM_SYSFS");
	if (headless) {
		video_force_headless();
		SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
		/* Keep the window surface in memory: no GL stack (and its RSS) behind it. */
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	}
	SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		/* kmsdrm with no connected display fails here: retry later. */
		log_warn("no video output yet: %s", SDL_GetError());
		return 0;
	}
	snprintf(v->driver, sizeof v->driver, "%s",
	         SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "?");
	if (!v->sysfs && !strcmp(v->driver, "kmsdrm"))
		v->sysfs = "/sys/class/drm";
	video_open(v);
	if (!video_ok(v) && !v->headless && !v->sysfs && access("/sys/class/drm", R_OK) == 0)
		v->sysfs = "/sys/class/drm"; /* no output at start: watch for one */
	return 0;
}

bool video_ok(const struct video *v)
{
	return v->win && v->r;
}

int video_open(struct video *v)
{
	if (video_ok(v))
		return 0;
	if (!SDL_WasInit(SDL_INIT_VIDEO) && SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		log_warn_rl("video: %s", SDL_GetError());
		return -1;
	}
	snprintf(v->driver, sizeof v->driver, "%s",
	         SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "?");
	if (!v->headless && (!strcmp(v->driver, "offscreen") || !strcmp(v->driver, "dummy"))) {
		/* SDL falls back to offscreen when kmsdrm, x11 and wayland all fail:
		 * that is no screen at all for a live daemon. */
		if (!v->waiting)
			log_warn("no display output (kmsdrm, x11, wayland): waiting for one");
		v->waiting = true;
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		return -1;
	}
	if (!v->headless && SDL_GetNumVideoDisplays() < 1) {
		if (!v->waiting)
			log_warn("no connected display: waiting for one");
		v->waiting = true;
		return -1;
	}
	int w = v->req_w ? v->req_w : 1920, h = v->req_h ? v->req_h : 1080;
	Uint32 flags = SDL_WINDOW_SHOWN;
	bool windowed = v->headless || (v->req_w && strcmp(v->driver, "kmsdrm"));
	if (!windowed)
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	v->win = SDL_CreateWindow("callboard", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
	                          flags);
	if (!v->win) {
		log_warn_rl("cannot open a window: %s", SDL_GetError());
		return -1;
	}
	Uint32 rflags = v->headless ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED;
	v->r = SDL_CreateRenderer(v->win, -1, rflags | SDL_RENDERER_TARGETTEXTURE);
	if (!v->r && !v->headless)
		v->r = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
	if (!v->r) {
		log_warn_rl("cannot make a renderer: %s", SDL_GetError());
		SDL_DestroyWindow(v->win);
		v->win = NULL;
		return -1;
	}
	SDL_ShowCursor(SDL_DISABLE);
	v->waiting = false;
	SDL_GetRendererOutputSize(v->r, &v->w, &v->h);
	SDL_RendererInfo info;
	SDL_GetRendererInfo(v->r, &info);
	log_info("output %dx%d on %s (%s renderer)", v->w, v->h, v->driver, info.name);
	return 0;
}

void video_close(struct video *v)
{
	if (v->r)
		SDL_DestroyRenderer(v->r);
	if (v->win)
		SDL_DestroyWindow(v->win);
	v->r = NULL;
	v->win = NULL;
	if (SDL_WasInit(SDL_INIT_VIDEO))
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

/* Connector folders (card0-HDMI-A-1, ...): not cards. */
static bool is_connector(const char *name)
{
	return !strncmp(name, "card", 4) && strchr(name, '-');
}

int video_connectors(const struct video *v)
{
	if (!v->sysfs)
		return -1;
	DIR *d = opendir(v->sysfs);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_connector(e->d_name))
			continue;
		char path[512], buf[32] = "";
		snprintf(path, sizeof path, "%s/%s/status", v->sysfs, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof buf, f) && !strncmp(buf, "connected", 9))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* A plain folder's status files change in place: inotify on each connector
 * folder, and on the folder itself for connectors that come and go. */
static void watch_connector(int fd, const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	inotify_add_watch(fd, path, IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO);
}

static int watch_folder(const char *dir)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE | IN_MOVED_TO);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (is_connector(e->d_name))
			watch_connector(fd, dir, e->d_name);
	if (d)
		closedir(d);
	return fd;
}

int video_watch(struct video *v)
{
	if (v->watch_fd >= 0 || !v->sysfs)
		return v->watch_fd;
	if (strcmp(v->sysfs, "/sys/class/drm")) {
		v->watch_fd = watch_folder(v->sysfs);
		return v->watch_fd;
	}
	/* sysfs attributes send no inotify events; the kernel's uevent for a
	 * connector change does, through udev. */
	v->udev = udev_new();
	v->mon = v->udev ? udev_monitor_new_from_netlink(v->udev, "udev") : NULL;
	if (!v->mon || udev_monitor_filter_add_match_subsystem_devtype(v->mon, "drm", NULL) < 0 ||
	    udev_monitor_enable_receiving(v->mon) < 0) {
		log_warn("no udev monitor for display hotplug: polling %s", v->sysfs);
		udev_monitor_unref(v->mon);
		udev_unref(v->udev);
		v->mon = NULL;
		v->udev = NULL;
		return -1;
	}
	v->watch_fd = udev_monitor_get_fd(v->mon);
	return v->watch_fd;
}

void video_watch_drain(struct video *v)
{
	if (v->mon) {
		struct udev_device *dev;
		while ((dev = udev_monitor_receive_device(v->mon)))
			udev_device_unref(dev);
		return;
	}
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while (v->watch_fd >= 0 && (n = read(v->watch_fd, buf, sizeof buf)) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			/* A new connector folder: watch it too. */
			if ((e->mask & (IN_CREATE | IN_MOVED_TO)) && e->len &&
			    is_connector(e->name))
				watch_connector(v->watch_fd, v->sysfs, e->name);
			p += sizeof *e + e->len;
		}
}

void video_quit(struct video *v)
{
	video_close(v);
	if (v->mon) {
		udev_monitor_unref(v->mon);
		udev_unref(v->udev);
	} else if (v->watch_fd >= 0)
		close(v->watch_fd);
	v->mon = NULL;
	v->udev = NULL;
	v->watch_fd = -1;
}

#define LOG_MODULE "video"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		/* card0-HDMI-A-1, card1-DSI-1, ...: connectors, not cards. */
		if (strncmp(e->d_name, "card", 4) || !strchr(e->d_name, '-'))
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

void video_quit(struct video *v)
{
	video_close(v);
}

/* Stand-in used only while display/schedule.h (the screen's opening hours)
 * is not in this tree, so the audio library builds on its own. meson picks
 * it only when display/schedule.h is missing. */
#ifndef CB_SCHEDULE_H
#define CB_SCHEDULE_H
struct schedule {
	int unused;
};
#endif

/* A Borgerservice day as a pure, seeded discrete-event model: citizens
 * arrive by the hour profile of a day, take tickets per service (P, S, G,
 * T), desks open and close with the staffing plan, and desks call, recall
 * and cancel. No I/O, no clock: time is simulated milliseconds since local
 * midnight, and the same config gives the same events on every run. */
#ifndef CB_SIM_H
#define CB_SIM_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_SITES_MAX  16
#define SIM_DESKS_MAX  32
#define SIM_SERVICES   4
#define SIM_TICKET_MAX 11

/* The PRNG: splitmix64 (state is the whole generator). */
struct sim_rng {
	uint64_t s;
};
/* Start the generator at seed. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *r);

enum sim_mode {
	SIM_MODE_DAY,  /* the modelled day */
	SIM_MODE_LOAD, /* calls at a fixed rate, for benchmarks */
};

enum sim_action {
	SIM_CALL,
	SIM_RECALL,
	SIM_CANCEL,
	SIM_DESK_OPEN,
	SIM_DESK_CLOSE,
};

struct sim_service {
	char prefix;      /* ticket letter */
	const char *name; /* shown as the call's service */
	double share;     /* fraction of arrivals */
	double mean_min;  /* mean service time, minutes */
	double sigma;     /* log-normal shape */
	bool booked;      /* booked appointments: served before walk-ins */
};

/* The services of the model, SIM_SERVICES entries; static storage. */
const struct sim_service *sim_services(void);

struct sim_config {
	uint64_t seed;
	enum sim_mode mode;
	int nsites;      /* 1..SIM_SITES_MAX */
	int desks;       /* desks per site, 1..SIM_DESKS_MAX */
	int weekday;     /* 1 = Monday .. 5 = Friday */
	int open_min;    /* opening, minutes after midnight (default 8:00) */
	int close_min;   /* closing; 0: 15:00, or 17:30 on Thursday */
	double arrivals; /* expected arrivals per site per day */
	double recall_p; /* probability a call needs a recall */
	double cancel_p; /* probability a call is cancelled (made by mistake) */
	int64_t end_ms;  /* stop at this simulated time; 0: end of the day */
	long count;      /* stop after this many calls; 0: no limit */
	double rate;     /* load mode: calls per second */
};

/* Defaults: one site, 8 desks, Monday 08:00-15:00, 350 arrivals, 5% recalls,
 * 1.5% cancellations. */
void sim_config_default(struct sim_config *c);
/* Closing time in minutes for the config's weekday (resolves close_min 0). */
int sim_close_min(const struct sim_config *c);
/* Relative arrival intensity at minute m of the day (0 when closed). */
double sim_intensity(const struct sim_config *c, int minute);
/* Desks the staffing plan wants open at minute m (0..desks). */
int sim_desks_planned(const struct sim_config *c, int minute);

struct sim_event {
	int64_t t_ms; /* simulated ms since local midnight (load mode: since start) */
	int site;     /* index into the config's sites */
	enum sim_action action;
	char ticket[SIM_TICKET_MAX + 1]; /* "" for desk events */
	int desk;                        /* 1..desks */
	int service;                     /* index into sim_services(), -1 for desk events */
	long call_no;                    /* per-site call number: the id of a call and its
	                                    recall or cancel */
};

struct sim;

/* A model for c (copied). NULL when c is invalid, with a reason in why. */
struct sim *sim_new(const struct sim_config *c, char *why, int whylen);
/* Free a model (NULL is fine). */
void sim_free(struct sim *s);
/* The next event in time order: true, or false at the end of the run. */
bool sim_next(struct sim *s, struct sim_event *ev);
/* True when the run ended at end_ms or count rather than at the end of the day. */
bool sim_truncated(const struct sim *s);
/* Desks open at a site now (never above the config's desks). */
int sim_open_desks(const struct sim *s, int site);
/* Citizens waiting at a site now. */
int sim_waiting(const struct sim *s, int site);
/* Citizens waiting at a site now for one service (index into sim_services()). */
int sim_waiting_service(const struct sim *s, int site, int service);
/* The expected wait in minutes at a site for a citizen of that service who
 * arrives now: those ahead times the mean desk time, over the open desks
 * (-1 when no desk is open). */
int sim_wait_min(const struct sim *s, int site, int service);
/* Arrivals generated so far at a site. */
long sim_arrivals(const struct sim *s, int site);

/* "call", "recall", "cancel", "open", "close" (static strings). */
const char *sim_action_name(enum sim_action a);

#endif

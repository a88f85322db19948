/* The waiting screen and the switch to the paired display. */
#define LOG_MODULE "pairing"
#include "daemon_pairing.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "daemon_link.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "mqttc.h"
#include "pairing.h"
#include "pairscreen.h"
#include "timeutil.h"

#ifndef CALLBOARD_VERSION
#define CALLBOARD_VERSION "0"
#endif

struct daemon_pairing {
	struct daemon *d;
	struct daemon_audio *audio; /* not owned */
	struct display_config file; /* the config as read: no identity */
	char path[4200];            /* the identity file */
	struct pairing_identity id;
	/* waiting */
	struct mqttc *enrol; /* NULL unless waiting */
	struct pairing_wait wait;
	struct pair_view view;
	char hostname[64], address[64];
	char t_request[256], t_reply[256];
	char shown[16]; /* the code last logged as on screen */
	/* paired */
	struct daemon_link *link; /* NULL unless paired */
	/* Switching tears down an MQTT client: never inside its callbacks. */
	struct loop_source *ask_timer, *switch_timer;
};

static void own_address(char *out, size_t n)
{
	struct ifaddrs *ifs = NULL, *i;
	out[0] = '\0';
	if (getifaddrs(&ifs) < 0)
		return;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		struct in_addr a = ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		if ((ntohl(a.s_addr) >> 24) == 127)
			continue;
		inet_ntop(AF_INET, &a, out, (socklen_t)n);
		break;
	}
	freeifaddrs(ifs);
}

static void redraw(struct daemon_pairing *p)
{
	p->view.code = p->wait.code;
	p->view.status = p->wait.status;
	daemon_set_pairing(p->d, &p->view);
}

static void arm_ask(struct daemon_pairing *p)
{
	int64_t now = time_mono_ms();
	if (p->wait.ask_at_mono < 0)
		loop_timer_arm(p->ask_timer, 0, 0);
	else
		loop_timer_arm(p->ask_timer,
		               p->wait.ask_at_mono > now ? (int)(p->wait.ask_at_mono - now) : 1, 0);
}

static void ask(void *data)
{
	struct daemon_pairing *p = data;
	if (!p->enrol || !mqttc_connected(p->enrol))
		return;
	struct proto_enrol_request r = {0};
	snprintf(r.hostname, sizeof r.hostname, "%s", p->hostname);
	snprintf(r.address, sizeof r.address, "%s", p->address);
	snprintf(r.version, sizeof r.version, "%s", CALLBOARD_VERSION);
	char *s = proto_enrol_request_encode(&r);
	if (mqttc_publish(p->enrol, p->t_request, s, strlen(s), 1, false, NULL) == 0)
		pairing_wait_asked(&p->wait, time_mono_ms());
	free(s);
	arm_ask(p);
}

static void on_enrol_connect(void *data)
{
	struct daemon_pairing *p = data;
	pairing_wait_link(&p->wait, true, time_mono_ms());
	redraw(p);
	arm_ask(p);
}

static void on_enrol_disconnect(void *data)
{
	struct daemon_pairing *p = data;
	pairing_wait_link(&p->wait, false, time_mono_ms());
	redraw(p);
	arm_ask(p);
}

static void on_enrol_message(void *data, const char *topic, const void *payload, size_t len,
                             bool retained)
{
	struct daemon_pairing *p = data;
	struct proto_enrol_reply r;
	struct proto_error err = {0};
	if (strcmp(topic, p->t_reply))
		return;
	if (proto_enrol_reply_decode(payload, len, &r, &err) < 0) {
		log_warn_rl("dropped an enrolment reply: %s: %s", err.field, err.reason);
		return;
	}
	switch (pairing_wait_reply(&p->wait, &r, time_mono_ms())) {
	case PAIRING_SHOW:
		redraw(p);
		break;
	case PAIRING_STORE:
		p->id.id = r;
		p->id.paired = true;
		if (pairing_identity_save(p->path, &p->id) < 0)
			log_error("cannot store the identity in %s: it is lost on restart",
			          p->path);
		log_info("paired as %s/%s/%s", r.tenant, r.site, r.device);
		loop_timer_arm(p->switch_timer, 1, 0);
		break;
	case PAIRING_IGNORE:
		break;
	}
	arm_ask(p);
}

static void on_refused(void *data)
{
	struct daemon_pairing *p = data;
	if (!p->link || !p->id.paired)
		return;
	log_warn("the broker refused this display's account: unpaired, waiting for a code");
	p->id.paired = false;
	memset(&p->id.id, 0, sizeof p->id.id);
	if (pairing_identity_save(p->path, &p->id) < 0)
		log_error("cannot update %s", p->path);
	loop_timer_arm(p->switch_timer, 1, 0);
}

/* The code is logged once it is on the screen (and in a snapshot, which
 * is written before frame listeners run), so a log reader can find both. */
static void on_frame(void *data, struct daemon *d)
{
	struct daemon_pairing *p = data;
	if (!p->enrol || !strcmp(p->shown, p->wait.code))
		return;
	snprintf(p->shown, sizeof p->shown, "%s", p->wait.code);
	if (p->shown[0])
		log_info("pairing code %s on screen (host %s, address %s)", p->shown, p->hostname,
		         p->address[0] ? p->address : "unknown");
}

static int start_waiting(struct daemon_pairing *p)
{
	daemon_apply_config(p->d, &p->file);
	struct mqttc_config m = p->file.mqtt;
	snprintf(m.username, sizeof m.username, "%s", PROTO_ENROL_USER_DEFAULT);
	snprintf(m.password, sizeof m.password, "%s", PROTO_ENROL_USER_DEFAULT);
	struct mqttc_callbacks cb = {on_enrol_connect, on_enrol_disconnect, on_enrol_message, NULL};
	/* A clean session: nothing of a waiting screen is worth keeping. */
	p->enrol = mqttc_create(daemon_loop(p->d), &m, p->id.client, true, &cb, p);
	if (!p->enrol || mqttc_subscribe(p->enrol, p->t_reply, 1) < 0 || mqttc_start(p->enrol) < 0)
		return -1;
	pairing_wait_link(&p->wait, false, time_mono_ms());
	redraw(p);
	log_info("waiting to be paired: host %s, address %s, broker %s:%d", p->hostname,
	         p->address[0] ? p->address : "unknown", m.host, m.port);
	return 0;
}

static int become_display(struct daemon_pairing *p)
{
	struct display_config *cfg = xmalloc(sizeof *cfg);
	*cfg = p->file;
	pairing_identity_apply(&p->id, cfg);
	cfg->unpaired = false;
	daemon_set_pairing(p->d, NULL);
	daemon_apply_config(p->d, cfg);
	free(cfg);
	p->link = daemon_link_attach(p->d, p->audio);
	if (!p->link)
		return -1;
	daemon_link_set_refused(p->link, on_refused, p);
	daemon_link_set_identity(p->link, &p->id);
	return 0;
}

static void switch_mode(void *data)
{
	struct daemon_pairing *p = data;
	int rc;
	if (p->enrol && p->id.paired) {
		mqttc_disconnect(p->enrol, 500);
		mqttc_destroy(p->enrol);
		p->enrol = NULL;
		loop_timer_arm(p->ask_timer, 0, 0);
		rc = become_display(p);
	} else if (p->link && !p->id.paired) {
		daemon_link_destroy(p->link);
		p->link = NULL;
		memset(&p->wait, 0, sizeof p->wait);
		p->shown[0] = '\0';
		rc = start_waiting(p);
	} else {
		return;
	}
	if (rc < 0) {
		log_error("cannot switch between pairing and the display: stopping");
		loop_quit(daemon_loop(p->d));
	}
}

struct daemon_pairing *daemon_pairing_attach(struct daemon *d, struct daemon_audio *audio)
{
	struct daemon_pairing *p = xcalloc(1, sizeof *p);
	char err[512];
	p->d = d;
	p->audio = audio;
	p->file = *daemon_config(d);
	if (!p->file.state_dir[0]) {
		log_error("a display paired with a code needs [device] state_dir to keep its "
		          "identity");
		goto fail;
	}
	/* systemd makes StateDirectory; by hand it may not exist yet. */
	mkdir(p->file.state_dir, 0700);
	pairing_identity_path(p->file.state_dir, p->path, sizeof p->path);
	switch (pairing_identity_load(p->path, &p->id, err, sizeof err)) {
	case 1:
		if (pairing_identity_new(&p->id) < 0 ||
		    pairing_identity_save(p->path, &p->id) < 0) {
			log_error("cannot create %s", p->path);
			goto fail;
		}
		break;
	case -1:
		log_error("%s", err);
		goto fail;
	}
	if (gethostname(p->hostname, sizeof p->hostname - 1) < 0)
		snprintf(p->hostname, sizeof p->hostname, "?");
	own_address(p->address, sizeof p->address);
	p->view.hostname = p->hostname;
	p->view.address = p->address;
	if (proto_enrol_topic(p->id.client, "request", p->t_request, sizeof p->t_request) < 0 ||
	    proto_enrol_topic(p->id.client, "reply", p->t_reply, sizeof p->t_reply) < 0)
		goto fail;
	struct loop *loop = daemon_loop(d);
	p->ask_timer = loop_add_timer(loop, 0, 0, ask, p);
	p->switch_timer = loop_add_timer(loop, 0, 0, switch_mode, p);
	struct daemon_listener l = {.frame = on_frame};
	if (!p->ask_timer || !p->switch_timer || daemon_add_listener(d, &l, p) < 0)
		goto fail;
	if (p->id.paired) {
		log_info("paired as %s/%s/%s (%s)", p->id.id.tenant, p->id.id.site, p->id.id.device,
		         p->path);
		if (become_display(p) < 0)
			goto fail;
		return p;
	}
	health_watchdog_start(loop);
	health_notify_ready();
	if (start_waiting(p) < 0)
		goto fail;
	return p;
fail:
	daemon_pairing_destroy(p);
	return NULL;
}

void daemon_pairing_stop(struct daemon_pairing *p)
{
	if (!p)
		return;
	if (p->link)
		daemon_link_stop(p->link);
	if (p->enrol)
		mqttc_disconnect(p->enrol, 500);
}

void daemon_pairing_destroy(struct daemon_pairing *p)
{
	if (!p)
		return;
	struct loop *loop = daemon_loop(p->d);
	daemon_remove_listeners(p->d, p);
	daemon_set_pairing(p->d, NULL);
	daemon_link_destroy(p->link);
	mqttc_destroy(p->enrol);
	if (p->ask_timer)
		loop_remove(loop, p->ask_timer);
	if (p->switch_timer)
		loop_remove(loop, p->switch_timer);
	free(p);
}

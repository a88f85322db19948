/* Test driver for display/link/link.c and commands.c without a screen: every
 * accepted board counts as presented at once. Args: port device areas. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"

struct drv {
	struct loop *loop;
	struct link *link;
	char ids[PROTO_BOARD_CALLS_MAX][PROTO_ID_MAX + 1];
	int nids;
	bool dirty;
};

static void on_board(void *data, int area, const struct proto_board *b)
{
	struct drv *d = data;
	d->nids = b->ncalls;
	for (int i = 0; i < b->ncalls; i++)
		memcpy(d->ids[i], b->calls[i].id, sizeof d->ids[i]);
	d->dirty = true;
}

static int on_volume(void *data, const struct proto_cmd *c, struct proto_cmd_result *res)
{
	return 0;
}

static void on_cmd(void *data, const char *payload, size_t len)
{
	static const struct commands_row rows[] = {{PROTO_CMD_VOLUME, on_volume}};
	struct proto_cmd_result res;
	commands_handle(rows, 1, data, payload, len, time_now_ms(), -1, &res);
	link_publish_result(((struct drv *)data)->link, &res);
}

static void idle(void *data)
{
	struct drv *d = data;
	if (d->dirty) {
		d->dirty = false;
		link_presented(d->link, time_now_ms(), (const char(*)[PROTO_ID_MAX + 1]) d->ids,
		               d->nids);
	}
}

static void on_signal(int signo, void *data)
{
	loop_quit(((struct drv *)data)->loop);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	struct link_params p = {.nareas = 0};
	mqttc_config_defaults(&p.mqtt);
	p.mqtt.port = atoi(argv[1]);
	p.mqtt.keepalive = 5;
	snprintf(p.device, sizeof p.device, "%s", argv[2]);
	snprintf(p.tenant, sizeof p.tenant, "aarhus");
	snprintf(p.site, sizeof p.site, "dokk1");
	snprintf(p.config_hash, sizeof p.config_hash, "0123456789abcdef");
	for (char *tok = strtok(argv[3], ","); tok && p.nareas < PROTO_AREAS_MAX;
	     tok = strtok(NULL, ","))
		snprintf(p.areas[p.nareas++], PROTO_NAME_MAX + 1, "%s", tok);
	struct drv d = {.loop = loop_create()};
	struct link_callbacks cb = {.on_board = on_board, .on_cmd = on_cmd};
	d.link = link_create(d.loop, &p, &cb, &d);
	if (!d.link || link_start(d.link) < 0)
		return 1;
	loop_add_signal(d.loop, SIGTERM, on_signal, &d);
	loop_add_signal(d.loop, SIGINT, on_signal, &d);
	loop_set_idle(d.loop, idle, &d);
	loop_run(d.loop);
	link_stop(d.link, 2000);
	link_destroy(d.link);
	loop_destroy(d.loop);
	return 0;
}

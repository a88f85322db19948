/* The display's remote commands: one row per command in daemon_commands[],
 * one handle_* each. The names and which take a level come from protocol/
 * (PROTO_CMDS); decoding, the age check and the result are in
 * link/commands.c. */
#define LOG_MODULE "commands"
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "daemon_audio.h"
#include "daemon_link.h"
#include "link.h"

static int handle_identify(void *data, const struct proto_cmd *cmd, struct proto_cmd_result *res)
{
	struct daemon *d = daemon_link_daemon(data);
	const char *id = daemon_config(d)->id;
	char ip[64], text[160];
	commands_local_ip(ip, sizeof ip);
	snprintf(text, sizeof text, "%s\n%s", id, ip);
	daemon_identify(d, text, COMMANDS_IDENTIFY_S);
	snprintf(res->info, sizeof res->info, "showing %s %s for %d s", id, ip,
	         COMMANDS_IDENTIFY_S);
	return 0;
}

/* The PNG goes out before the result, so a result says it is there. */
static int handle_screenshot(void *data, const struct proto_cmd *cmd, struct proto_cmd_result *res)
{
	void *png = NULL;
	size_t len = 0;
	if (daemon_screenshot_png(daemon_link_daemon(data), COMMANDS_SHOT_MAX_WIDTH, &png, &len) <
	    0) {
		snprintf(res->error, sizeof res->error, "screenshot: no frame to capture");
		return -1;
	}
	int rc = -1;
	if (len > PROTO_SCREENSHOT_BYTES_MAX)
		snprintf(res->error, sizeof res->error, "screenshot: %zu bytes, more than %d", len,
		         PROTO_SCREENSHOT_BYTES_MAX);
	else if (link_publish_screenshot(daemon_link_mqtt(data), png, len) < 0)
		snprintf(res->error, sizeof res->error,
		         "screenshot: could not publish (broker unreachable)");
	else
		rc = 0;
	if (rc == 0)
		snprintf(res->info, sizeof res->info, "png %zu bytes", len);
	free(png);
	return rc;
}

static int handle_announce_test(void *data, const struct proto_cmd *cmd,
                                struct proto_cmd_result *res)
{
	return daemon_audio_test(daemon_link_audio(data), res->error, sizeof res->error);
}

static int handle_volume(void *data, const struct proto_cmd *cmd, struct proto_cmd_result *res)
{
	return daemon_audio_volume(daemon_link_audio(data), cmd->level, res->error,
	                           sizeof res->error);
}

static int handle_reload(void *data, const struct proto_cmd *cmd, struct proto_cmd_result *res)
{
	return daemon_link_reload(data, res->info, sizeof res->info, res->error, sizeof res->error);
}

const struct commands_row daemon_commands[] = {
    {PROTO_CMD_IDENTIFY, handle_identify},
    {PROTO_CMD_SCREENSHOT, handle_screenshot},
    {PROTO_CMD_ANNOUNCE_TEST, handle_announce_test},
    {PROTO_CMD_VOLUME, handle_volume},
    {PROTO_CMD_RELOAD, handle_reload},
};
const size_t daemon_ncommands = sizeof daemon_commands / sizeof daemon_commands[0];

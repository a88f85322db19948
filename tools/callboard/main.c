#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct subcommand subcommands[] = {
    {"call", cmd_api, "call a ticket to a desk"},
    {"recall", cmd_api, "call a ticket again"},
    {"cancel", cmd_api, "take a call off the boards"},
    {"notice", cmd_api, "set or clear a site's notice"},
    {"queue", cmd_api, "show how many wait per service in an area"},
    {"devices", cmd_api, "list the displays and their state"},
    {"screenshot", cmd_api, "save a display's screen as PNG"},
    {"command", cmd_api, "send a command to a display"},
    {"sim", cmd_sim, "simulate a Borgerservice day against the bridge"},
    {"pair", cmd_api, "pair the screen showing a code as TENANT/SITE/DEVICE"},
    {"unpair", cmd_api, "take a display's broker account away"},
    {"broker-config", cmd_broker_config, "write mosquitto config, passwords and ACLs"},
    {"validate", cmd_validate, "check a payload file against the protocol"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: callboard COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(out, "  %-14s %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(out, "\n'callboard COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("callboard %s\n", CALLBOARD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp(argv[1], subcommands[i].name))
			continue;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			fprintf(stderr, "callboard: libcurl failed to start\n");
			return 1;
		}
		int rc = subcommands[i].run(argc - 1, argv + 1);
		curl_global_cleanup();
		return rc;
	}
	fprintf(stderr, "callboard: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

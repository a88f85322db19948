/* callboard-bridge: HTTP API for the queue backend -> MQTT boards for the
 * displays, plus the device registry. */
#include <stdio.h>
#include <string.h>

#include "cfgparse.h"
#include "config.h"
#include "log.h"
#include "service.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: callboard-bridge --config FILE\n"
	           "       callboard-bridge --check-config FILE\n"
	           "       callboard-bridge --version\n");
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool check = false;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--check-config") == 0) &&
		    i + 1 < argc) {
			check = strcmp(argv[i], "--check-config") == 0;
			path = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("callboard-bridge %s\n", CALLBOARD_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	static struct bridge_config cfg;
	struct cfg_ctx ctx = {0};
	bridge_config_defaults(&cfg);
	if (bridge_config_load(&cfg, path, &ctx) < 0) {
		cfg_print_errors(&ctx, stderr);
		cfg_ctx_free(&ctx);
		bridge_config_free(&cfg);
		return 1;
	}
	cfg_ctx_free(&ctx);
	int rc = 0;
	if (check)
		printf("%s: ok\n", path);
	else
		rc = service_run(&cfg);
	bridge_config_free(&cfg);
	return rc;
}

/* callboard pair / unpair: give a screen that shows a pairing code its
 * identity, or take a display's broker account away (the bridge does the
 * work through the broker's admin API; see PROTOCOL.md, "Enrolment"). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"

#define PAIR_HELP                                                                                  \
	"  --url URL      bridge URL (default $CALLBOARD_URL or " CLIENT_DEFAULT_URL ")\n"         \
	"  --token TOKEN  bearer token: admin, or the tenant's (default $CALLBOARD_TOKEN)\n"       \
	"  --cafile FILE  for https: the CA of the bridge's certificate\n"                         \
	"Exit codes: 0 ok, 1 the request failed, 2 bad usage.\n"

struct pair_args {
	const char *url, *token, *cafile, *areas, *name;
	bool help;
	int npos;
	char *pos[2];
};

/* Flags and positionals; false after printing a usage error. */
static bool pair_args(const char *cmd, int argc, char **argv, bool pairing, struct pair_args *a)
{
	enum { A_URL = 1000, A_TOKEN, A_CAFILE, A_AREAS, A_NAME };
	static const struct option opts[] = {
	    {"url", required_argument, NULL, A_URL},
	    {"token", required_argument, NULL, A_TOKEN},
	    {"cafile", required_argument, NULL, A_CAFILE},
	    {"areas", required_argument, NULL, A_AREAS},
	    {"name", required_argument, NULL, A_NAME},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof *a);
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == '?' || c == ':' || (!pairing && (c == A_AREAS || c == A_NAME))) {
			fprintf(stderr, "callboard %s: %s '%s' (try --help)\n", cmd,
			        c == ':' ? "missing value for" : "unknown option",
			        argv[optind - 1]);
			return false;
		}
		const char **v[] = {[A_URL - 1000] = &a->url,
		                    [A_TOKEN - 1000] = &a->token,
		                    [A_CAFILE - 1000] = &a->cafile,
		                    [A_AREAS - 1000] = &a->areas,
		                    [A_NAME - 1000] = &a->name};
		if (c == 'h')
			a->help = true;
		else
			*v[c - 1000] = optarg;
	}
	for (int i = optind; i < argc; i++) {
		if (a->npos == 2) {
			fprintf(stderr, "callboard %s: too many arguments (try --help)\n", cmd);
			return false;
		}
		a->pos[a->npos++] = argv[i];
	}
	return true;
}

/* The device path of TENANT/SITE/DEVICE; false after printing why. */
static bool device_path(const char *cmd, const char *target, char (*names)[64], char *path,
                        size_t cap)
{
	char why[256];
	if (!cli_split_target(target, 3, names, why, sizeof why)) {
		fprintf(stderr, "callboard %s: %s\n", cmd, why);
		return false;
	}
	snprintf(path, cap, "/v1/devices/%s/%s/%s/pair", names[0], names[1], names[2]);
	return true;
}

/* Send the request and print the answer's line; the exit code. */
static int pair_send(const char *cmd, const struct pair_args *a, const char *method,
                     const char *path, json_t *body)
{
	struct client c;
	if (!client_init(&c, cmd, a->url, a->token, a->cafile))
		return 2;
	struct http_response r;
	int rc = client_do(&c, method, path, body, &r);
	if (rc)
		return rc;
	json_t *j = client_json(&c, &r);
	http_response_free(&r);
	if (!j)
		return 1;
	const char *s = json_string_value(json_object_get(j, "hostname"));
	const char *ad = json_string_value(json_object_get(j, "address"));
	printf("%s %s/%s/%s", body ? "paired" : "unpaired",
	       json_string_value(json_object_get(j, "tenant")),
	       json_string_value(json_object_get(j, "site")),
	       json_string_value(json_object_get(j, "device")));
	if (body)
		printf(": host %s, address %s", s && *s ? s : "?", ad && *ad ? ad : "?");
	printf("\n");
	json_decref(j);
	return 0;
}

int cmd_pair(int argc, char **argv)
{
	const char *u = "CODE TENANT/SITE/DEVICE --areas AREA[,AREA...] [--name TEXT]";
	struct pair_args a;
	if (!pair_args("pair", argc, argv, true, &a))
		return 2;
	if (a.help) {
		printf(
		    "usage: callboard pair %s\n"
		    "  Pair the screen that shows CODE: it becomes TENANT/SITE/DEVICE and shows\n"
		    "  the boards of the areas. A screen replacing another keeps the name.\n"
		    "  --areas LIST   the areas it shows, comma-separated (1 to 8)\n"
		    "  --name TEXT    the title in its header (default the site's)\n" PAIR_HELP,
		    u);
		return 0;
	}
	if (a.npos != 2 || !a.areas) {
		fprintf(stderr, "usage: callboard pair %s (try --help)\n", u);
		return 2;
	}
	char names[3][64], path[256];
	if (!device_path("pair", a.pos[1], names, path, sizeof path))
		return 2;
	json_t *areas = json_array();
	char list[PROTO_AREAS_MAX * 64 + 8];
	snprintf(list, sizeof list, "%s", a.areas);
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(areas, json_string(t + strspn(t, " ")));
	json_t *body = json_pack("{s:s,s:o}", "code", a.pos[0], "areas", areas);
	if (a.name)
		json_object_set_new(body, "label", json_string(a.name));
	int rc = pair_send("pair", &a, "POST", path, body);
	json_decref(body);
	return rc;
}

int cmd_unpair(int argc, char **argv)
{
	const char *u = "TENANT/SITE/DEVICE";
	struct pair_args a;
	if (!pair_args("unpair", argc, argv, false, &a))
		return 2;
	if (a.help) {
		printf("usage: callboard unpair %s\n"
		       "  Delete the display's broker account now: it is disconnected and shows\n"
		       "  the pairing screen again.\n" PAIR_HELP,
		       u);
		return 0;
	}
	if (a.npos != 1) {
		fprintf(stderr, "usage: callboard unpair %s (try --help)\n", u);
		return 2;
	}
	char names[3][64], path[256];
	if (!device_path("unpair", a.pos[0], names, path, sizeof path))
		return 2;
	return pair_send("unpair", &a, "DELETE", path, NULL);
}

/* Subcommands that talk to the bridge: call, recall, cancel, notice,
 * devices, screenshot, command, pair, unpair. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "humantime.h"
#include "proto.h"
#include "timeutil.h"

#define CONN_HELP                                                                                  \
	"  --url URL      bridge URL (default $CALLBOARD_URL or " CLIENT_DEFAULT_URL ")\n"         \
	"  --token TOKEN  bearer token (default $CALLBOARD_TOKEN)\n"                               \
	"  --cafile FILE  for https: the CA that signed the bridge's certificate\n"                \
	"                 (default $CALLBOARD_CAFILE, else the system's)\n"                        \
	"Exit codes: 0 ok, 1 the request failed, 2 bad usage.\n"

enum {
	OPT_URL = 1000,
	OPT_TOKEN,
	OPT_AREA,
	OPT_LABEL,
	OPT_SERVICE,
	OPT_ID,
	OPT_TICKER,
	OPT_CLEAR,
	OPT_OUT,
	OPT_LEVEL,
	OPT_JSON,
	OPT_CAFILE,
	OPT_LANG,
	OPT_AREAS,
	OPT_NAME
};

/* PROTO_QUEUE_SERVICES_MAX as text, for the help. */
#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)
#define QUEUE_MAX     STRINGIFY(PROTO_QUEUE_SERVICES_MAX)

struct opts {
	const char *url, *token, *cafile, *area, *label, *service, *id, *out, *lang, *areas, *name;
	bool ticker, clear, json, help;
	long level;
	int npos;
	char *pos[1 + PROTO_QUEUE_SERVICES_MAX];
};

static const struct option all_options[] = {{"url", required_argument, NULL, OPT_URL},
                                            {"token", required_argument, NULL, OPT_TOKEN},
                                            {"area", required_argument, NULL, OPT_AREA},
                                            {"label", required_argument, NULL, OPT_LABEL},
                                            {"service", required_argument, NULL, OPT_SERVICE},
                                            {"id", required_argument, NULL, OPT_ID},
                                            {"ticker", no_argument, NULL, OPT_TICKER},
                                            {"clear", no_argument, NULL, OPT_CLEAR},
                                            {"out", required_argument, NULL, OPT_OUT},
                                            {"level", required_argument, NULL, OPT_LEVEL},
                                            {"json", no_argument, NULL, OPT_JSON},
                                            {"cafile", required_argument, NULL, OPT_CAFILE},
                                            {"lang", required_argument, NULL, OPT_LANG},
                                            {"areas", required_argument, NULL, OPT_AREAS},
                                            {"name", required_argument, NULL, OPT_NAME},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};

/* Parse argv; allowed lists the option ids this command takes (up to
 * nallowed, or to a 0). Returns false after printing a usage error. */
static bool parse_opts(const char *cmd, int argc, char **argv, const int *allowed, size_t nallowed,
                       int maxpos, struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->level = -1;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", all_options, NULL)) != -1) {
		if (c == '?' || c == ':') {
			fprintf(stderr, "callboard %s: %s '%s' (try --help)\n", cmd,
			        c == ':' ? "missing value for" : "unknown option",
			        argv[optind - 1]);
			return false;
		}
		bool ok = c == 'h' || c == OPT_URL || c == OPT_TOKEN || c == OPT_CAFILE;
		for (size_t i = 0; i < nallowed && allowed[i]; i++)
			ok |= allowed[i] == c;
		if (!ok) {
			fprintf(stderr,
			        "callboard %s: option '%s' does not apply here (try --help)\n", cmd,
			        argv[optind - 1]);
			return false;
		}
		switch (c) {
		case 'h':
			o->help = true;
			break;
		case OPT_URL:
			o->url = optarg;
			break;
		case OPT_TOKEN:
			o->token = optarg;
			break;
		case OPT_CAFILE:
			o->cafile = optarg;
			break;
		case OPT_AREA:
			o->area = optarg;
			break;
		case OPT_LABEL:
			o->label = optarg;
			break;
		case OPT_SERVICE:
			o->service = optarg;
			break;
		case OPT_ID:
			o->id = optarg;
			break;
		case OPT_LANG:
			o->lang = optarg;
			break;
		case OPT_TICKER:
			o->ticker = true;
			break;
		case OPT_CLEAR:
			o->clear = true;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_AREAS:
			o->areas = optarg;
			break;
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_LEVEL: {
			char *end;
			errno = 0;
			o->level = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->level < 0 || o->level > 100) {
				fprintf(stderr, "callboard %s: --level: '%s': must be 0..100\n",
				        cmd, optarg);
				return false;
			}
			break;
		}
		}
	}
	if (o->help)
		return true;
	for (int i = optind; i < argc; i++) {
		if (o->npos == maxpos) {
			fprintf(stderr, "callboard %s: unexpected argument '%s' (try --help)\n",
			        cmd, argv[i]);
			return false;
		}
		o->pos[o->npos++] = argv[i];
	}
	return true;
}

bool cli_split_target(const char *s, int want, char (*out)[64], char *why, size_t whylen)
{
	static const char *const what[] = {"tenant", "site", "device"};
	const char *p = s;
	for (int i = 0; i < want; i++) {
		size_t n = strcspn(p, "/");
		if (n == 0 || n > PROTO_NAME_MAX) {
			snprintf(why, whylen, "'%s': %s: %s", s, what[i],
			         n ? "longer than 63 characters" : "missing");
			return false;
		}
		memcpy(out[i], p, n);
		out[i][n] = '\0';
		if (!proto_name_valid(out[i])) {
			snprintf(why, whylen, "'%s': %s '%s': must match [a-z0-9][a-z0-9-]*", s,
			         what[i], out[i]);
			return false;
		}
		p += n;
		if (i < want - 1) {
			if (*p != '/') {
				snprintf(why, whylen, "'%s': expected %s", s,
				         want == 2 ? "TENANT/SITE" : "TENANT/SITE/DEVICE");
				return false;
			}
			p++;
		}
	}
	if (*p) {
		snprintf(why, whylen, "'%s': expected %s", s,
		         want == 2 ? "TENANT/SITE" : "TENANT/SITE/DEVICE");
		return false;
	}
	return true;
}

static bool target(const char *cmd, const char *s, int want, char (*out)[64])
{
	char why[256];
	if (cli_split_target(s, want, out, why, sizeof why))
		return true;
	fprintf(stderr, "callboard %s: %s\n", cmd, why);
	return false;
}

static int usage_error(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: callboard %s %s (try --help)\n", cmd, usage);
	return 2;
}

/* What a command takes, and what its --help says. */
struct cmd_spec {
	const char *name;
	const char *synopsis;    /* the words after "callboard NAME" */
	const char *help;        /* the lines after the usage line */
	void (*help_more)(void); /* prints more of them, or NULL */
	int allowed[6];          /* its own options (the rest 0) */
	int minpos, maxpos;      /* how many arguments it takes */
	int (*run)(const struct cmd_spec *spec, const struct opts *o);
};

/* Parse argv for the command of spec. Returns -1 to go on, else the exit
 * code to end with: 0 after printing the --help, 2 after a usage error. */
static int parse_cmd(const struct cmd_spec *spec, int argc, char **argv, struct opts *o)
{
	size_t nallowed = sizeof spec->allowed / sizeof spec->allowed[0];
	if (!parse_opts(spec->name, argc, argv, spec->allowed, nallowed, spec->maxpos, o))
		return 2;
	if (o->help) {
		printf("usage: callboard %s %s\n%s", spec->name, spec->synopsis, spec->help);
		if (spec->help_more)
			spec->help_more();
		fputs(CONN_HELP, stdout);
		return 0;
	}
	if (o->npos < spec->minpos)
		return usage_error(spec->name, spec->synopsis);
	return -1;
}

static bool check_field(const char *cmd, const char *field, const char *v, bool ok,
                        const char *reason)
{
	if (!ok)
		fprintf(stderr, "callboard %s: %s '%s': %s\n", cmd, field, v, reason);
	return ok;
}

/* Print a {"id","seq"} answer as one line. */
static int print_accepted(struct client *c, struct http_response *r, const char *what)
{
	json_t *j = client_json(c, r);
	http_response_free(r);
	if (!j)
		return 1;
	const char *id = json_string_value(json_object_get(j, "id"));
	json_t *seq = json_object_get(j, "seq");
	printf("%s", what);
	if (id)
		printf(" id=%s", id);
	if (json_is_integer(seq))
		printf(" seq=%lld", (long long)json_integer_value(seq));
	printf("\n");
	json_decref(j);
	return 0;
}

static int run_call(const struct cmd_spec *spec, const struct opts *o)
{
	char names[2][64];
	if (!target("call", o->pos[0], 2, names))
		return 2;
	const char *area = o->area ? o->area : "main";
	if (!check_field("call", "ticket", o->pos[1], proto_ticket_valid(o->pos[1]),
	                 "1-10 upper-case letters A-Z and digits") ||
	    !check_field("call", "desk", o->pos[2], proto_desk_valid(o->pos[2]),
	                 "1-16 letters, digits, space, '.', '_', '-'") ||
	    !check_field("call", "area", area, proto_name_valid(area),
	                 "must match [a-z0-9][a-z0-9-]*") ||
	    (o->id && !check_field("call", "id", o->id, proto_id_valid(o->id),
	                           "1-64 letters, digits, '.', '_', ':', '-'")) ||
	    (o->label && !check_field("call", "desk_label", o->label,
	                              strlen(o->label) <= PROTO_LABEL_MAX &&
	                                  proto_text_valid(o->label, strlen(o->label)),
	                              "at most 64 bytes of UTF-8 text")) ||
	    (o->service && !check_field("call", "service", o->service,
	                                strlen(o->service) <= PROTO_SERVICE_MAX &&
	                                    proto_text_valid(o->service, strlen(o->service)),
	                                "at most 64 bytes of UTF-8 text")) ||
	    (o->lang && !check_field("call", "lang", o->lang, proto_lang_valid(o->lang),
	                             "an ISO 639-1 code in lower case, e.g. uk")))
		return 2;
	struct client c;
	if (!client_init(&c, "call", o->url, o->token, o->cafile))
		return 2;
	json_t *body =
	    json_pack("{s:s, s:s, s:s}", "ticket", o->pos[1], "desk", o->pos[2], "area", area);
	if (o->id)
		json_object_set_new(body, "id", json_string(o->id));
	if (o->label)
		json_object_set_new(body, "desk_label", json_string(o->label));
	if (o->service)
		json_object_set_new(body, "service", json_string(o->service));
	if (o->lang)
		json_object_set_new(body, "lang", json_string(o->lang));
	char path[512];
	client_site_path(path, sizeof path, names[0], names[1], "/calls");
	struct http_response r;
	int rc = client_do(&c, "POST", path, body, &r);
	json_decref(body);
	if (rc)
		return rc;
	char what[128];
	snprintf(what, sizeof what, "called %s -> %s", o->pos[1], o->label ? o->label : o->pos[2]);
	return print_accepted(&c, &r, what);
}

/* recall and cancel: the same request but for its method and path. */
static int run_call_op(const struct cmd_spec *spec, const struct opts *o)
{
	const char *cmd = spec->name;
	bool recall = !strcmp(cmd, "recall");
	char names[2][64];
	if (!target(cmd, o->pos[0], 2, names))
		return 2;
	if (!check_field(cmd, "id", o->pos[1], proto_id_valid(o->pos[1]),
	                 "1-64 letters, digits, '.', '_', ':', '-'"))
		return 2;
	struct client c;
	if (!client_init(&c, cmd, o->url, o->token, o->cafile))
		return 2;
	char suffix[128], path[512];
	snprintf(suffix, sizeof suffix, "/calls/%s%s", o->pos[1], recall ? "/recall" : "");
	client_site_path(path, sizeof path, names[0], names[1], suffix);
	struct http_response r;
	int rc = client_do(&c, recall ? "POST" : "DELETE", path, NULL, &r);
	if (rc)
		return rc;
	char what[128];
	snprintf(what, sizeof what, "%s %s", recall ? "recalled" : "cancelled", o->pos[1]);
	if (!r.len) {
		http_response_free(&r);
		printf("%s\n", what);
		return 0;
	}
	return print_accepted(&c, &r, what);
}

static int run_notice(const struct cmd_spec *spec, const struct opts *o)
{
	if (o->npos != (o->clear ? 1 : 2) || (o->clear && o->ticker))
		return usage_error(spec->name, spec->synopsis);
	char names[2][64];
	if (!target("notice", o->pos[0], 2, names))
		return 2;
	if (!o->clear && !check_field("notice", "text", o->pos[1],
	                              *o->pos[1] && strlen(o->pos[1]) <= PROTO_NOTICE_MAX &&
	                                  proto_text_valid(o->pos[1], strlen(o->pos[1])),
	                              "1-500 bytes of UTF-8 text without control characters"))
		return 2;
	struct client c;
	if (!client_init(&c, "notice", o->url, o->token, o->cafile))
		return 2;
	char path[512];
	client_site_path(path, sizeof path, names[0], names[1], "/notice");
	json_t *body = o->clear ? NULL
	                        : json_pack("{s:s, s:s}", "text", o->pos[1], "mode",
	                                    o->ticker ? "ticker" : "banner");
	struct http_response r;
	int rc = client_do(&c, o->clear ? "DELETE" : "PUT", path, body, &r);
	json_decref(body);
	if (rc)
		return rc;
	http_response_free(&r);
	printf(o->clear ? "notice cleared on %s/%s\n" : "notice set on %s/%s\n", names[0],
	       names[1]);
	return 0;
}

/* "Pas og kørekort=12/15" (name=waiting[/minutes]) into a service
 * object; NULL after printing why. The caller owns the result. */
static json_t *queue_service(const char *arg)
{
	const char *eq = strrchr(arg, '=');
	char name[PROTO_SERVICE_MAX + 1];
	long waiting = -1, minutes = -1;
	char *end = NULL;
	if (eq && eq > arg && (size_t)(eq - arg) <= PROTO_SERVICE_MAX) {
		snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
		waiting = strtol(eq + 1, &end, 10);
		if (end != eq + 1 && *end == '/')
			minutes = strtol(end + 1, &end, 10);
	}
	if (!eq || !end || *end || waiting < 0 || waiting > PROTO_WAITING_MAX ||
	    (strchr(eq, '/') && (minutes < 0 || minutes > PROTO_WAIT_MIN_MAX)) ||
	    !proto_text_valid(name, strlen(name))) {
		fprintf(stderr,
		        "callboard queue: service '%s': expected NAME=WAITING or "
		        "NAME=WAITING/MINUTES (name 1-64 bytes, waiting 0-%d, minutes 0-%d)\n",
		        arg, PROTO_WAITING_MAX, PROTO_WAIT_MIN_MAX);
		return NULL;
	}
	json_t *o = json_pack("{s:s, s:i}", "name", name, "waiting", (int)waiting);
	if (minutes >= 0)
		json_object_set_new(o, "wait_min", json_integer(minutes));
	return o;
}

static int run_queue(const struct cmd_spec *spec, const struct opts *o)
{
	if (o->clear ? o->npos != 1 : o->npos < 2)
		return usage_error(spec->name, spec->synopsis);
	char names[2][64];
	if (!target("queue", o->pos[0], 2, names))
		return 2;
	const char *area = o->area ? o->area : "main";
	if (!check_field("queue", "area", area, proto_name_valid(area),
	                 "must match [a-z0-9][a-z0-9-]*"))
		return 2;
	json_t *list = json_array();
	for (int i = 1; i < o->npos; i++) {
		json_t *svc = queue_service(o->pos[i]);
		if (!svc) {
			json_decref(list);
			return 2;
		}
		json_array_append_new(list, svc);
	}
	struct client c;
	if (!client_init(&c, "queue", o->url, o->token, o->cafile)) {
		json_decref(list);
		return 2;
	}
	char path[512], sub[PROTO_NAME_MAX + 16];
	snprintf(sub, sizeof sub, "/areas/%s/queue", area);
	client_site_path(path, sizeof path, names[0], names[1], sub);
	json_t *body = json_pack("{s:o}", "services", list);
	struct http_response r;
	int rc = client_do(&c, "PUT", path, body, &r);
	json_decref(body);
	if (rc)
		return rc;
	http_response_free(&r);
	printf("queue of %s/%s/%s: %d services\n", names[0], names[1], area, o->npos - 1);
	return 0;
}

/* "12 s ago", "3 min ago" (the status page's words) since an ISO time or
 * ms number; "-" when unknown. */
static void fmt_ago(json_t *v, int64_t now_ms, char *out, size_t cap)
{
	int64_t t = 0;
	if (json_is_string(v) && time_parse_iso(json_string_value(v), &t)) {
	} else if (json_is_integer(v) && json_integer_value(v) > 0) {
		t = json_integer_value(v);
		if (t < 100000000000LL)
			t *= 1000; /* seconds */
	} else {
		snprintf(out, cap, "-");
		return;
	}
	char d[48];
	human_duration(d, sizeof d, (now_ms - t) / 1000);
	snprintf(out, cap, "%s ago", d);
}

static const char *jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : dflt;
}

struct row {
	char col[8][96];
};

static const char *const headers[8] = {"SITE",      "DEVICE",  "STATE", "BEHIND",
                                       "LAST SEEN", "VERSION", "TEMP",  "AUDIO"};

static void device_row(json_t *d, int64_t now, struct row *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->col[0], 96, "%s/%s", jstr(d, "tenant", "?"), jstr(d, "site", "?"));
	snprintf(r->col[1], 96, "%s", jstr(d, "device", "?"));
	const char *status = jstr(d, "status", jstr(d, "state", "?"));
	bool stale = json_is_true(json_object_get(d, "stale"));
	snprintf(r->col[2], 96, "%s", stale && !strcmp(status, "online") ? "stale" : status);
	json_t *behind = json_object_get(d, "behind");
	snprintf(r->col[3], 96, "%s",
	         json_is_true(behind)                                        ? "BEHIND"
	         : json_is_integer(behind) && json_integer_value(behind) > 0 ? "BEHIND"
	         : behind                                                    ? "no"
	                                                                     : "-");
	fmt_ago(json_object_get(d, "last_seen"), now, r->col[4], 96);
	json_t *h = json_object_get(d, "health");
	snprintf(r->col[5], 96, "%s", jstr(d, "version", jstr(h, "version", "-")));
	json_t *temp = json_object_get(h, "cpu_temp_c");
	if (json_is_number(temp))
		snprintf(r->col[6], 96, "%.0f°C", json_number_value(temp));
	else
		snprintf(r->col[6], 96, "-");
	snprintf(r->col[7], 96, "%s", jstr(h, "audio", "-"));
}

/* Display width of UTF-8 text: count code points, not bytes. */
static int text_width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* Every display, following the bridge's pages: a new {"devices":[...]}, or
 * NULL with *rc set and the reason printed. */
static json_t *fetch_devices(struct client *c, int *rc)
{
	json_t *all = json_array();
	char path[256] = "/v1/devices?limit=1000";
	for (bool more = true; more;) {
		struct http_response r;
		if ((*rc = client_do(c, "GET", path, NULL, &r)) != 0)
			break;
		json_t *j = client_json(c, &r);
		http_response_free(&r);
		json_t *list = json_object_get(j, "devices");
		const char *next = json_string_value(json_object_get(j, "next"));
		if (!json_is_array(list)) {
			if (j)
				fprintf(stderr, "callboard devices: the bridge answered without a "
				                "device list\n");
			json_decref(j);
			*rc = 1;
			break;
		}
		json_array_extend(all, list);
		more = next && snprintf(path, sizeof path, "/v1/devices?limit=1000&after=%s",
		                        next) < (int)sizeof path;
		json_decref(j);
	}
	if (*rc) {
		json_decref(all);
		return NULL;
	}
	return json_pack("{s:o}", "devices", all);
}

static int run_devices(const struct cmd_spec *spec, const struct opts *o)
{
	struct client c;
	if (!client_init(&c, "devices", o->url, o->token, o->cafile))
		return 2;
	int rc;
	json_t *j = fetch_devices(&c, &rc);
	if (!j)
		return rc;
	if (o->json) {
		char *s = json_dumps(j, JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
		json_decref(j);
		return 0;
	}
	json_t *list = json_object_get(j, "devices");
	size_t n = json_array_size(list);
	if (!n) {
		printf("no displays seen yet\n");
		json_decref(j);
		return 0;
	}
	struct row *rows = calloc(n + 1, sizeof *rows);
	if (!rows)
		abort();
	for (int k = 0; k < 8; k++)
		snprintf(rows[0].col[k], 96, "%s", headers[k]);
	int64_t now = time_now_ms();
	for (size_t i = 0; i < n; i++)
		device_row(json_array_get(list, i), now, &rows[i + 1]);
	int width[8] = {0};
	for (size_t i = 0; i <= n; i++)
		for (int k = 0; k < 8; k++)
			if (text_width(rows[i].col[k]) > width[k])
				width[k] = text_width(rows[i].col[k]);
	for (size_t i = 0; i <= n; i++) {
		for (int k = 0; k < 8; k++) {
			if (k == 7)
				printf("%s\n", rows[i].col[k]);
			else
				printf("%s%*s", rows[i].col[k],
				       width[k] - text_width(rows[i].col[k]) + 2, "");
		}
	}
	free(rows);
	json_decref(j);
	return 0;
}

static int send_command(struct client *c, char (*names)[64], const char *cmdname, long level,
                        json_t **result)
{
	char t[200], s[200], d[200], path[700];
	url_escape(names[0], t, sizeof t);
	url_escape(names[1], s, sizeof s);
	url_escape(names[2], d, sizeof d);
	snprintf(path, sizeof path, "/v1/devices/%s/%s/%s/commands", t, s, d);
	json_t *body = json_pack("{s:s}", "cmd", cmdname);
	if (level >= 0)
		json_object_set_new(body, "level", json_integer(level));
	struct http_response r;
	int rc = client_do(c, "POST", path, body, &r);
	json_decref(body);
	if (rc)
		return rc;
	*result = client_json(c, &r);
	http_response_free(&r);
	if (!*result)
		return 1;
	json_t *ok = json_object_get(*result, "ok");
	if (json_is_false(ok)) {
		fprintf(stderr, "callboard %s: the display answered: %s\n", c->cmd,
		        jstr(*result, "error", "failed"));
		return 1;
	}
	return 0;
}

/* The commands a display takes, from the protocol's table. */
static void command_help(void)
{
	char cmds[160], levelled[160];
	proto_cmd_choices(cmds, sizeof cmds, false);
	proto_cmd_choices(levelled, sizeof levelled, true);
	printf("  CMD: %s\n"
	       "  --level N      0..100 (for %s)\n",
	       cmds, levelled);
}

static int run_command(const struct cmd_spec *spec, const struct opts *o)
{
	char cmds[160], levelled[160];
	proto_cmd_choices(cmds, sizeof cmds, false);
	proto_cmd_choices(levelled, sizeof levelled, true);
	char names[3][64];
	if (!target("command", o->pos[0], 3, names))
		return 2;
	int kind = proto_cmd_from_name(o->pos[1]);
	if (kind < 0) {
		fprintf(stderr, "callboard command: CMD '%s': expected one of %s\n", o->pos[1],
		        cmds);
		return 2;
	}
	if (proto_cmd_takes_level(kind) != (o->level >= 0)) {
		fprintf(stderr, "callboard command: --level %s %s\n",
		        o->level < 0 ? "is required for" : "applies only to",
		        o->level < 0 ? o->pos[1] : levelled);
		return 2;
	}
	struct client c;
	if (!client_init(&c, "command", o->url, o->token, o->cafile))
		return 2;
	json_t *res = NULL;
	int rc = send_command(&c, names, o->pos[1], o->level, &res);
	if (res) {
		char *s = json_dumps(res, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(res);
	}
	return rc;
}

static int run_screenshot(const struct cmd_spec *spec, const struct opts *o)
{
	if (!o->out)
		return usage_error(spec->name, spec->synopsis);
	char names[3][64];
	if (!target("screenshot", o->pos[0], 3, names))
		return 2;
	struct client c;
	if (!client_init(&c, "screenshot", o->url, o->token, o->cafile))
		return 2;
	json_t *res = NULL;
	int rc = send_command(&c, names, proto_cmd_name(PROTO_CMD_SCREENSHOT), -1, &res);
	json_decref(res);
	if (rc)
		return rc;
	char t[200], s[200], d[200], path[700];
	url_escape(names[0], t, sizeof t);
	url_escape(names[1], s, sizeof s);
	url_escape(names[2], d, sizeof d);
	snprintf(path, sizeof path, "/v1/devices/%s/%s/%s/screenshot", t, s, d);
	struct http_response r;
	if ((rc = client_do(&c, "GET", path, NULL, &r)))
		return rc;
	if (r.len < 8 || memcmp(r.body, "\x89PNG\r\n\x1a\n", 8)) {
		fprintf(stderr, "callboard screenshot: the bridge answered with %s, not a PNG\n",
		        r.content_type[0] ? r.content_type : "no content type");
		http_response_free(&r);
		return 1;
	}
	FILE *f = fopen(o->out, "wb");
	bool written = f && fwrite(r.body, 1, r.len, f) == r.len;
	if (f && fclose(f) != 0)
		written = false;
	if (!written) {
		fprintf(stderr, "callboard screenshot: %s: %s\n", o->out, strerror(errno));
		http_response_free(&r);
		return 1;
	}
	printf("%s: %zu bytes\n", o->out, r.len);
	http_response_free(&r);
	return 0;
}

/* The pairing endpoint of TENANT/SITE/DEVICE into path; false after
 * printing why. */
static bool pair_path(const char *cmd, const char *s, char *path, size_t cap)
{
	char names[3][64];
	if (!target(cmd, s, 3, names))
		return false;
	snprintf(path, cap, "/v1/devices/%s/%s/%s/pair", names[0], names[1], names[2]);
	return true;
}

/* Send a pairing request; print what the bridge answered. */
static int pair_send(const char *cmd, const struct opts *o, const char *method, const char *path,
                     json_t *body)
{
	struct client c;
	if (!client_init(&c, cmd, o->url, o->token, o->cafile))
		return 2;
	struct http_response r;
	int rc = client_do(&c, method, path, body, &r);
	if (rc)
		return rc;
	json_t *j = client_json(&c, &r);
	http_response_free(&r);
	if (!j)
		return 1;
	const char *host = json_string_value(json_object_get(j, "hostname"));
	const char *addr = json_string_value(json_object_get(j, "address"));
	printf("%s %s/%s/%s", body ? "paired" : "unpaired",
	       json_string_value(json_object_get(j, "tenant")),
	       json_string_value(json_object_get(j, "site")),
	       json_string_value(json_object_get(j, "device")));
	if (body)
		printf(": host %s, address %s", host && *host ? host : "?",
		       addr && *addr ? addr : "?");
	printf("\n");
	json_decref(j);
	return 0;
}

static int run_pair(const struct cmd_spec *spec, const struct opts *o)
{
	char path[256], list[PROTO_AREAS_MAX * 64 + 8];
	if (!pair_path("pair", o->pos[1], path, sizeof path))
		return 2;
	json_t *body = json_pack("{s:s}", "code", o->pos[0]);
	if (o->areas) {
		json_t *areas = json_array();
		snprintf(list, sizeof list, "%s", o->areas);
		for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
		     t = strtok_r(NULL, ",", &save))
			json_array_append_new(areas, json_string(t + strspn(t, " ")));
		json_object_set_new(body, "areas", areas);
	}
	/* "label": the bridge refuses keys that name personal data, like "name". */
	if (o->name)
		json_object_set_new(body, "label", json_string(o->name));
	int rc = pair_send("pair", o, "POST", path, body);
	json_decref(body);
	return rc;
}

static int run_unpair(const struct cmd_spec *spec, const struct opts *o)
{
	char path[256];
	if (!pair_path("unpair", o->pos[0], path, sizeof path))
		return 2;
	return pair_send("unpair", o, "DELETE", path, NULL);
}

/* The commands that talk to the bridge's API. */
static const struct cmd_spec api_cmds[] = {
    {
        .name = "call",
        .synopsis = "TENANT/SITE TICKET DESK [--area A] [--label L] [--service S] [--id ID] "
                    "[--lang LL]",
        .help = "  Call TICKET to DESK on the screens of TENANT/SITE.\n"
                "  --area A       board area (default main)\n"
                "  --label L      desk label shown and spoken (e.g. 'Skranke 3')\n"
                "  --service S    service name (e.g. 'Pas og kørekort')\n"
                "  --id ID        call id; the same id again makes no second call\n"
                "  --lang LL      the citizen's language (ISO 639-1, e.g. uk): spoken first\n",
        .allowed = {OPT_AREA, OPT_LABEL, OPT_SERVICE, OPT_ID, OPT_LANG},
        .minpos = 3,
        .maxpos = 3,
        .run = run_call,
    },
    {
        .name = "recall",
        .synopsis = "TENANT/SITE ID",
        .help = "  Call the citizen of call ID again (the screens highlight it and speak "
                "it again).\n",
        .minpos = 2,
        .maxpos = 2,
        .run = run_call_op,
    },
    {
        .name = "cancel",
        .synopsis = "TENANT/SITE ID",
        .help = "  Take call ID off the boards (a call made by mistake).\n",
        .minpos = 2,
        .maxpos = 2,
        .run = run_call_op,
    },
    {
        .name = "notice",
        .synopsis = "TENANT/SITE TEXT [--ticker] | TENANT/SITE --clear",
        .help = "  Set the notice shown on every screen of TENANT/SITE, or clear it.\n"
                "  --ticker       scroll the text instead of a fixed banner\n"
                "  --clear        remove the notice\n",
        .allowed = {OPT_TICKER, OPT_CLEAR},
        .minpos = 1,
        .maxpos = 2,
        .run = run_notice,
    },
    {
        .name = "queue",
        .synopsis = "TENANT/SITE NAME=WAITING[/MINUTES]... [--area A] | TENANT/SITE --clear",
        .help = "  Show on the screens of an area how many wait for each service and\n"
                "  the expected wait in minutes, e.g. 'Pas og kørekort=12/15' (at most " QUEUE_MAX
                ").\n"
                "  --area A       board area (default main)\n"
                "  --clear        hide the queue figures\n",
        .allowed = {OPT_AREA, OPT_CLEAR},
        .minpos = 1,
        .maxpos = 1 + PROTO_QUEUE_SERVICES_MAX,
        .run = run_queue,
    },
    {
        .name = "devices",
        .synopsis = "[--json]",
        .help = "  List every display the bridge has seen: site, device, state\n"
                "  (online/offline/stale), whether it is behind the current board, last\n"
                "  seen, version, CPU temperature and audio state.\n"
                "  --json         print the bridge's answer as it is\n",
        .allowed = {OPT_JSON},
        .run = run_devices,
    },
    {
        .name = "command",
        .synopsis = "TENANT/SITE/DEVICE CMD [--level N]",
        .help = "  Send a command to one display and print its result.\n",
        .help_more = command_help,
        .allowed = {OPT_LEVEL},
        .minpos = 2,
        .maxpos = 2,
        .run = run_command,
    },
    {
        .name = "screenshot",
        .synopsis = "TENANT/SITE/DEVICE --out FILE.png",
        .help = "  Ask a display for a picture of its screen and save it as PNG.\n",
        .allowed = {OPT_OUT},
        .minpos = 1,
        .maxpos = 1,
        .run = run_screenshot,
    },
    {
        .name = "pair",
        .synopsis = "CODE TENANT/SITE/DEVICE [--areas AREA[,AREA...]] [--name TEXT]",
        .help = "  Pair the screen that shows CODE: it becomes TENANT/SITE/DEVICE and shows\n"
                "  the boards of the areas. New hardware under a paired name replaces the\n"
                "  old, which is disconnected. Needs the admin token or the tenant's.\n"
                "  --areas LIST   the areas it shows, comma-separated (1 to 8)\n"
                "  --name TEXT    the title in its header (default the site's)\n",
        .allowed = {OPT_AREAS, OPT_NAME},
        .minpos = 2,
        .maxpos = 2,
        .run = run_pair,
    },
    {
        .name = "unpair",
        .synopsis = "TENANT/SITE/DEVICE",
        .help = "  Delete the display's broker account now: it is disconnected and shows\n"
                "  the pairing screen again.\n",
        .minpos = 1,
        .maxpos = 1,
        .run = run_unpair,
    },
};

int cmd_api(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof api_cmds / sizeof api_cmds[0]; i++) {
		const struct cmd_spec *spec = &api_cmds[i];
		if (strcmp(argv[0], spec->name))
			continue;
		struct opts o;
		int early = parse_cmd(spec, argc, argv, &o);
		return early >= 0 ? early : spec->run(spec, &o);
	}
	fprintf(stderr, "callboard: unknown command '%s'\n", argv[0]);
	return 2;
}

/* [http] [mqtt] [storage] [board] [registry] [tenant:NAME] [site:TENANT/SITE]:
 * one handler per section, found in one table. A [site:] section holds the
 * site's opening hours, in the display's [hours] syntax (mon = 08:00-16:00,
 * 2026-12-24 = closed) and in a compact form for the whole week,
 * hours = mon-fri 08:00-16:00; sat 10:00-13:00; sun closed
 * where days not named are closed and a weekday key wins over it. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfgparse.h"
#include "log.h"
#include "config.h"
#include "url.h"

/* [site:TENANT/SITE] sections may come before their tenant: the hours are
 * parsed into cfg->hours[i] and matched to a configured site at the end. */
struct pending_site {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char key[16]; /* the first key, named when the site is unknown */
	int line;
	bool day_key[7]; /* a weekday key was given: hours = leaves that day */
};

struct load_state {
	struct bridge_config *cfg;
	struct pending_site *sites; /* owned; cfg->nhours of them */
	int sites_cap;
};

void bridge_config_defaults(struct bridge_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
	cfg->listen_port = 8080;
	cfg->body_limit = 16384;
	mqttc_config_defaults(&cfg->mqtt);
	snprintf(cfg->client_id, sizeof cfg->client_id, "callboard-bridge");
	snprintf(cfg->db_path, sizeof cfg->db_path, "/var/lib/callboard-bridge/bridge.db");
	cfg->stats_days = 90;
	cfg->board_length = 10;
	cfg->board_max_age_s = 4 * 3600;
	cfg->health_interval_s = 30;
	cfg->behind_grace_s = 10;
	cfg->command_timeout_s = 10;
	cfg->max_devices_per_site = 200;
	cfg->pairing_code_ttl_s = 600;
}

void bridge_config_free(struct bridge_config *cfg)
{
	for (int i = 0; i < cfg->ntenants; i++)
		free(cfg->tenants[i].sites);
	free(cfg->tenants);
	free(cfg->hours);
	cfg->tenants = NULL;
	cfg->hours = NULL;
	cfg->ntenants = cfg->tenants_cap = cfg->nhours = cfg->hours_cap = 0;
}

static bool parse_listen(struct cfg_ctx *ctx, const char *s, const char *k, const char *v,
                         struct bridge_config *cfg)
{
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v) {
		cfg_error(ctx, s, k, v, "expected host:port");
		return false;
	}
	size_t hl = (size_t)(colon - v);
	const char *h = v;
	if (*h == '[' && hl >= 2 && h[hl - 1] == ']') { /* [::1]:8080 */
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof cfg->listen_host) {
		cfg_error(ctx, s, k, v, "host empty or too long");
		return false;
	}
	long port;
	if (!cfg_int(ctx, s, k, colon + 1, 0, 65535, &port))
		return false;
	memcpy(cfg->listen_host, h, hl);
	cfg->listen_host[hl] = '\0';
	cfg->listen_port = (int)port;
	return true;
}

/* "mon-fri 08:00-16:00; sat 10:00-13:00; sun closed" into week (0 = Sunday);
 * days not named are closed. */
static bool parse_hours(const char *v, struct sched_day week[7], char *why, size_t whylen)
{
	char buf[512];
	if (strlen(v) >= sizeof buf) {
		snprintf(why, whylen, "too long");
		return false;
	}
	for (int d = 0; d < 7; d++)
		week[d] = (struct sched_day){.closed = true};
	snprintf(buf, sizeof buf, "%s", v);
	char *save = NULL;
	for (char *part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
		while (*part == ' ')
			part++;
		if (!*part)
			continue;
		char days[16], range[32];
		char extra[2];
		if (sscanf(part, "%15s %31s %1s", days, range, extra) != 2) {
			snprintf(why, whylen, "'%s': expected DAY[-DAY] HH:MM-HH:MM or closed",
			         part);
			return false;
		}
		/* Ranges run Monday first: mon-sun, not sat-mon. */
		char *dash = strchr(days, '-');
		size_t n0 = dash ? (size_t)(dash - days) : strlen(days);
		const char *last = dash ? dash + 1 : days;
		int d0 = schedule_weekday(days, n0), d1 = schedule_weekday(last, strlen(last));
		d0 = d0 < 0 ? -1 : (d0 + 6) % 7;
		d1 = d1 < 0 ? -1 : (d1 + 6) % 7;
		if (d0 < 0 || d1 < 0 || d1 < d0) {
			snprintf(why, whylen, "'%s': days are mon, tue, wed, thu, fri, sat, sun",
			         days);
			return false;
		}
		struct sched_day day = {.closed = true};
		if (strcasecmp(range, "closed") != 0) {
			if (!strchr(range, '-')) {
				snprintf(why, whylen, "'%s': expected HH:MM-HH:MM", range);
				return false;
			}
			if (!schedule_parse_day(range, &day) || day.closed) {
				snprintf(why, whylen, "bad time range for %s", days);
				return false;
			}
		}
		for (int d = d0; d <= d1; d++)
			week[(d + 1) % 7] = day;
	}
	return true;
}

static struct cfg_tenant *tenant_get(struct load_state *st, const char *name, bool create)
{
	struct bridge_config *cfg = st->cfg;
	for (int i = 0; i < cfg->ntenants; i++)
		if (strcmp(cfg->tenants[i].name, name) == 0)
			return &cfg->tenants[i];
	if (!create)
		return NULL;
	xgrow(&cfg->tenants, &cfg->tenants_cap, cfg->ntenants, sizeof *cfg->tenants);
	struct cfg_tenant *t = &cfg->tenants[cfg->ntenants++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	return t;
}

/* The whole-number keys: section, key, bounds and the field they set. */
static const struct {
	const char *section, *key;
	long min, max;
	size_t field; /* offsetof an int in struct bridge_config */
} int_keys[] = {
    {"storage", "stats_days", 1, 3650, offsetof(struct bridge_config, stats_days)},
    {"board", "length", 1, PROTO_BOARD_CALLS_MAX, offsetof(struct bridge_config, board_length)},
    {"board", "max_age", 0, 7 * 86400, offsetof(struct bridge_config, board_max_age_s)},
    {"registry", "health_interval", 1, 3600, offsetof(struct bridge_config, health_interval_s)},
    {"registry", "behind_grace", 1, 3600, offsetof(struct bridge_config, behind_grace_s)},
    {"registry", "command_timeout", 1, 300, offsetof(struct bridge_config, command_timeout_s)},
    {"http", "per_ip_connections", 0, 4096, offsetof(struct bridge_config, per_ip_connections)},
    {"http", "request_timeout", 1, 300, offsetof(struct bridge_config, request_timeout_s)},
    {"registry", "max_devices_per_site", 1, 10000,
     offsetof(struct bridge_config, max_devices_per_site)},
    {"pairing", "code_ttl", 5, 86400, offsetof(struct bridge_config, pairing_code_ttl_s)},
};

#define STR_KEY(sec, key, member, check)                                                           \
	{                                                                                          \
		sec, key, check, offsetof(struct bridge_config, member),                           \
		    sizeof((struct bridge_config *)0)->member                                      \
	}

/* The webhook is a plain http:// URL (the one URL parser says why not). */
static bool webhook_ok(const char *v, char *why, size_t whylen)
{
	struct url u;
	return url_parse(v, false, &u, why, whylen);
}

static bool storage_url_ok(const char *v, char *why, size_t whylen)
{
	if (strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0)
		return true;
	snprintf(why, whylen, "not a postgresql:// URL");
	return false;
}

/* The text keys: the field they set, and a check of the value (or NULL). */
static const struct {
	const char *section, *key;
	bool (*check)(const char *v, char *why, size_t whylen);
	size_t field, cap; /* offsetof and size of a char array in struct bridge_config */
} str_keys[] = {
    STR_KEY("http", "certfile", tls_cert, NULL),
    STR_KEY("http", "keyfile", tls_key, NULL),
    STR_KEY("http", "trusted_tenant_header", trusted_tenant_header, NULL),
    STR_KEY("http", "trusted_proxy", trusted_proxy, NULL),
    STR_KEY("storage", "path", db_path, NULL),
    STR_KEY("storage", "url", db_url, storage_url_ok),
    STR_KEY("registry", "webhook", webhook, webhook_ok),
};

/* True when s/k is one of int_keys or str_keys (then set, or reported when
 * the value is bad). */
static bool table_key(struct bridge_config *cfg, struct cfg_ctx *ctx, const char *s, const char *k,
                      const char *v)
{
	for (size_t i = 0; i < sizeof int_keys / sizeof int_keys[0]; i++) {
		if (strcmp(s, int_keys[i].section) != 0 || strcmp(k, int_keys[i].key) != 0)
			continue;
		long n;
		if (cfg_int(ctx, s, k, v, int_keys[i].min, int_keys[i].max, &n))
			*(int *)((char *)cfg + int_keys[i].field) = (int)n;
		return true;
	}
	for (size_t i = 0; i < sizeof str_keys / sizeof str_keys[0]; i++) {
		if (strcmp(s, str_keys[i].section) != 0 || strcmp(k, str_keys[i].key) != 0)
			continue;
		char why[160];
		if (str_keys[i].check && !str_keys[i].check(v, why, sizeof why))
			cfg_error(ctx, s, k, v, "%s", why);
		else
			cfg_str(ctx, s, k, v, (char *)cfg + str_keys[i].field,
			        (int)str_keys[i].cap);
		return true;
	}
	return false;
}

/* A secret: never echoed in an error. out stays "" when it is refused. */
static void set_token(struct cfg_ctx *ctx, const char *s, const char *k, const char *v, char *out,
                      int cap)
{
	if (strlen(v) < 16)
		cfg_error(ctx, s, k, "(hidden)", "at least 16 characters");
	else
		cfg_str(ctx, s, k, v, out, cap);
}

static bool http_key(struct load_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                     const char *v)
{
	struct bridge_config *cfg = st->cfg;
	long n;
	if (strcmp(k, "listen") == 0)
		parse_listen(ctx, s, k, v, cfg);
	else if (strcmp(k, "body_limit") == 0) {
		if (cfg_int(ctx, s, k, v, 256, 1048576, &n))
			cfg->body_limit = n;
	} else if (strcmp(k, "admin_token") == 0)
		set_token(ctx, s, k, v, cfg->admin_token, sizeof cfg->admin_token);
	else
		return false;
	return true;
}

static bool mqtt_key(struct load_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                     const char *v)
{
	struct bridge_config *cfg = st->cfg;
	if (strcmp(k, "client_id") == 0)
		cfg_name(ctx, s, k, v, cfg->client_id, sizeof cfg->client_id);
	else
		return mqttc_config_key(ctx, &cfg->mqtt, k, v);
	return true;
}

static bool monitoring_key(struct load_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                           const char *v)
{
	if (strcmp(k, "homeassistant") != 0)
		return false;
	cfg_bool(ctx, s, k, v, &st->cfg->homeassistant);
	return true;
}

static bool pairing_key(struct load_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                        const char *v)
{
	static const char *const admins[] = {"none", "dynsec", NULL};
	int n;
	if (strcmp(k, "admin") != 0)
		return false;
	if (cfg_enum(ctx, s, k, v, admins, &n))
		st->cfg->pairing_admin = n;
	return true;
}

static bool tenant_key(struct load_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                       const char *v)
{
	const char *name = s + strlen("tenant:");
	if (!proto_name_valid(name)) {
		cfg_error(ctx, s, k, v, "tenant name must match [a-z0-9][a-z0-9-]{0,62}");
		return true;
	}
	struct cfg_tenant *t = tenant_get(st, name, true);
	if (strcmp(k, "token") == 0) {
		set_token(ctx, s, k, v, t->token, sizeof t->token);
	} else if (strcmp(k, "sites") == 0) {
		int c;
		char(*names)[PROTO_NAME_MAX + 1] =
		    cfg_name_list_new(ctx, s, k, v, (int)sizeof *names, &c);
		if (names) {
			free(t->sites);
			t->sites = xcalloc((size_t)c, sizeof *t->sites);
			t->nsites = c;
			for (int i = 0; i < c; i++)
				memcpy(t->sites[i].name, names[i], sizeof t->sites[i].name);
		}
		free(names);
	} else
		return false;
	return true;
}

/* The pending hours of [site:TENANT/SITE], made on its first key; NULL
 * (reported) when the section name is malformed or there are too many. */
static struct pending_site *site_get(struct load_state *st, struct cfg_ctx *ctx, const char *s,
                                     const char *k, const char *v)
{
	struct bridge_config *cfg = st->cfg;
	const char *tn = s + strlen("site:");
	const char *slash = strchr(tn, '/');
	size_t tl = slash ? (size_t)(slash - tn) : 0;
	if (!slash || tl > PROTO_NAME_MAX || strlen(slash + 1) > PROTO_NAME_MAX) {
		cfg_error(ctx, s, k, v, "section must be [site:TENANT/SITE]");
		return NULL;
	}
	for (int i = 0; i < cfg->nhours; i++) {
		struct pending_site *p = &st->sites[i];
		if (strlen(p->tenant) == tl && !strncmp(p->tenant, tn, tl) &&
		    !strcmp(p->site, slash + 1))
			return p;
	}
	xgrow(&cfg->hours, &cfg->hours_cap, cfg->nhours, sizeof *cfg->hours);
	xgrow(&st->sites, &st->sites_cap, cfg->nhours, sizeof *st->sites);
	struct pending_site *p = &st->sites[cfg->nhours];
	memset(p, 0, sizeof *p);
	schedule_init(&cfg->hours[cfg->nhours++]);
	memcpy(p->tenant, tn, tl);
	p->tenant[tl] = '\0';
	snprintf(p->site, sizeof p->site, "%s", slash + 1);
	snprintf(p->key, sizeof p->key, "%s", k);
	p->line = ctx->line;
	return p;
}

static bool site_key(struct load_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                     const char *v)
{
	int wday = schedule_weekday(k, strlen(k));
	bool hours = strcmp(k, "hours") == 0;
	if (!hours && wday < 0 && !isdigit((unsigned char)k[0]))
		return false;
	struct pending_site *p = site_get(st, ctx, s, k, v);
	if (!p)
		return true;
	struct schedule *sched = &st->cfg->hours[p - st->sites];
	if (!hours) {
		schedule_config_key(ctx, sched, s, k, v);
		if (wday >= 0)
			p->day_key[wday] = true;
		return true;
	}
	char why[160];
	struct sched_day week[7];
	if (!parse_hours(v, week, why, sizeof why)) {
		cfg_error(ctx, s, k, v, "%s", why);
		return true;
	}
	for (int d = 0; d < 7; d++)
		if (!p->day_key[d])
			sched->week[d] = week[d];
	return true;
}

/* One key of a section; false when the key is not one of the section's
 * (reported once, by on_key). A bad value is reported by the handler. */
typedef bool section_fn(struct load_state *st, struct cfg_ctx *ctx, const char *s, const char *k,
                        const char *v);

/* A name ending in ':' is a prefix: [tenant:NAME], [site:TENANT/SITE].
 * NULL: the section has only int_keys and str_keys. */
static const struct {
	const char *name;
	section_fn *key;
} sections[] = {
    {"http", http_key},      {"mqtt", mqtt_key},  {"storage", NULL},
    {"board", NULL},         {"registry", NULL},  {"monitoring", monitoring_key},
    {"tenant:", tenant_key}, {"site:", site_key}, {"pairing", pairing_key},
};

static void on_key(struct cfg_ctx *ctx, const char *s, const char *k, const char *v)
{
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		const char *name = sections[i].name;
		size_t n = strlen(name);
		if (name[n - 1] == ':' ? strncmp(s, name, n) == 0 : strcmp(s, name) == 0) {
			struct load_state *st = ctx->user;
			if (!table_key(st->cfg, ctx, s, k, v) &&
			    !(sections[i].key && sections[i].key(st, ctx, s, k, v)))
				cfg_error(ctx, s, k, v, "unknown key");
			return;
		}
	}
	cfg_error(ctx, s, k, v,
	          "unknown section (http, mqtt, storage, board, registry, monitoring, pairing, "
	          "tenant:NAME, site:TENANT/SITE)");
}

/* Policy over the whole file, once every key is read. */
static void check_tenants(struct load_state *st, struct cfg_ctx *ctx)
{
	struct bridge_config *cfg = st->cfg;
	for (int i = 0; i < cfg->ntenants; i++) {
		struct cfg_tenant *t = &cfg->tenants[i];
		char sec[80];
		snprintf(sec, sizeof sec, "tenant:%s", t->name);
		if (!t->token[0])
			cfg_error_noline(ctx, sec, "token", "missing");
		if (t->nsites == 0)
			cfg_error_noline(ctx, sec, "sites", "missing");
		for (int j = 0; j < i; j++)
			if (t->token[0] && strcmp(cfg->tenants[j].token, t->token) == 0)
				cfg_error_noline(ctx, sec, "token", "same token as tenant %s",
				                 cfg->tenants[j].name);
	}
	if (cfg->ntenants == 0)
		cfg_error_noline(ctx, "tenant:NAME", "token", "no tenant configured");
}

/* Give each [site:] section's hours to its site, wherever the section was. */
static void attach_hours(struct load_state *st, struct cfg_ctx *ctx)
{
	struct bridge_config *cfg = st->cfg;
	for (int i = 0; i < cfg->nhours; i++) {
		struct pending_site *p = &st->sites[i];
		struct cfg_site *site =
		    (struct cfg_site *)bridge_config_site(cfg, p->tenant, p->site);
		if (!site) {
			ctx->line = p->line;
			char sec[160];
			snprintf(sec, sizeof sec, "site:%s/%s", p->tenant, p->site);
			cfg_error(ctx, sec, p->key, NULL, "no such site in any [tenant:] sites");
			continue;
		}
		site->hours = i + 1;
	}
}

static int finish(struct load_state *st, struct cfg_ctx *ctx)
{
	struct bridge_config *cfg = st->cfg;
	check_tenants(st, ctx);
	attach_hours(st, ctx);
	if (!cfg->tls_cert[0] != !cfg->tls_key[0])
		cfg_error_noline(ctx, "http", cfg->tls_cert[0] ? "keyfile" : "certfile",
		                 "certfile and keyfile go together");
	if (!cfg->trusted_tenant_header[0] != !cfg->trusted_proxy[0])
		cfg_error_noline(ctx, "http",
		                 cfg->trusted_proxy[0] ? "trusted_tenant_header" : "trusted_proxy",
		                 "trusted_tenant_header and trusted_proxy go together");
	mqttc_config_finish(ctx, &cfg->mqtt);
	return ctx->nerrors ? -1 : 0;
}

int bridge_config_load(struct bridge_config *cfg, const char *path, struct cfg_ctx *ctx)
{
	struct load_state *st = xcalloc(1, sizeof *st);
	st->cfg = cfg;
	int r = cfg_parse_file(ctx, path, on_key, st);
	if (ctx->nerrors == 0 || r == 0)
		r = finish(st, ctx);
	else
		finish(st, ctx);
	free(st->sites);
	free(st);
	return ctx->nerrors ? -1 : r;
}

int bridge_config_load_string(struct bridge_config *cfg, const char *name, const char *text,
                              struct cfg_ctx *ctx)
{
	struct load_state *st = xcalloc(1, sizeof *st);
	st->cfg = cfg;
	cfg_parse_string(ctx, name, text, on_key, st);
	finish(st, ctx);
	free(st->sites);
	free(st);
	return ctx->nerrors ? -1 : 0;
}

const struct cfg_tenant *bridge_config_tenant(const struct bridge_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->ntenants; i++)
		if (strcmp(cfg->tenants[i].name, name) == 0)
			return &cfg->tenants[i];
	return NULL;
}

const struct cfg_site *bridge_config_site(const struct bridge_config *cfg, const char *tenant,
                                          const char *site)
{
	const struct cfg_tenant *t = bridge_config_tenant(cfg, tenant);
	if (!t)
		return NULL;
	for (int i = 0; i < t->nsites; i++)
		if (strcmp(t->sites[i].name, site) == 0)
			return &t->sites[i];
	return NULL;
}

bool bridge_config_site_open(const struct bridge_config *cfg, const struct cfg_site *site,
                             int64_t now_ms)
{
	if (!site || !site->hours)
		return true;
	struct sched_time t;
	schedule_local(now_ms, &t);
	return schedule_open(&cfg->hours[site->hours - 1], &t);
}

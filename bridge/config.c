#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cfgparse.h"
#include "log.h"
#include "config.h"

/* [site:TENANT/SITE] sections may come before their tenant: kept here and
 * matched to a configured site at the end. */
struct pending_hours {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	struct cfg_hours hours;
	int line;
};

struct load_state {
	struct bridge_config *cfg;
	struct pending_hours hours[CFG_TENANTS_MAX];
	int nhours;
	bool seen_token[CFG_TENANTS_MAX];
};

void bridge_config_defaults(struct bridge_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
	cfg->listen_port = 8080;
	cfg->body_limit = 16384;
	cfg->per_ip_connections = 64;
	cfg->request_timeout_s = 10;
	mqttc_config_defaults(&cfg->mqtt);
	snprintf(cfg->client_id, sizeof cfg->client_id, "callboard-bridge");
	snprintf(cfg->db_path, sizeof cfg->db_path, "/var/lib/callboard-bridge/bridge.db");
	cfg->stats_days = 90;
	cfg->board_length = 10;
	cfg->board_max_age_s = 4 * 3600;
	cfg->health_interval_s = 30;
	cfg->behind_grace_s = 10;
	cfg->command_timeout_s = 10;
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

static int day_index(const char *s, size_t n)
{
	static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(s, days[i], 3) == 0)
			return i;
	return -1;
}

static bool parse_hhmm(const char *s, int *out)
{
	int h, m;
	char extra;
	if (sscanf(s, "%2d:%2d%c", &h, &m, &extra) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
	    (h == 24 && m != 0) || strlen(s) != 5)
		return false;
	*out = h * 60 + m;
	return true;
}

/* "mon-fri 08:00-16:00; sat 10:00-13:00; sun closed" */
static bool parse_hours(const char *v, struct cfg_hours *out, char *why, size_t whylen)
{
	char buf[512];
	if (strlen(v) >= sizeof buf) {
		snprintf(why, whylen, "too long");
		return false;
	}
	memset(out, 0, sizeof *out);
	out->set = true;
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
		int d0, d1;
		char *dash = strchr(days, '-');
		if (dash) {
			d0 = day_index(days, (size_t)(dash - days));
			d1 = day_index(dash + 1, strlen(dash + 1));
		} else {
			d0 = d1 = day_index(days, strlen(days));
		}
		if (d0 < 0 || d1 < 0 || d1 < d0) {
			snprintf(why, whylen, "'%s': days are mon, tue, wed, thu, fri, sat, sun",
			         days);
			return false;
		}
		int open = 0, close = 0;
		if (strcasecmp(range, "closed") != 0) {
			char *rd = strchr(range, '-');
			if (!rd) {
				snprintf(why, whylen, "'%s': expected HH:MM-HH:MM", range);
				return false;
			}
			*rd = '\0';
			if (!parse_hhmm(range, &open) || !parse_hhmm(rd + 1, &close) ||
			    close <= open) {
				snprintf(why, whylen, "bad time range for %s", days);
				return false;
			}
		}
		for (int d = d0; d <= d1; d++) {
			out->open_min[d] = open;
			out->close_min[d] = close;
		}
	}
	return true;
}

static struct cfg_tenant *tenant_get(struct load_state *st, const char *name, bool create)
{
	struct bridge_config *cfg = st->cfg;
	for (int i = 0; i < cfg->ntenants; i++)
		if (strcmp(cfg->tenants[i].name, name) == 0)
			return &cfg->tenants[i];
	if (!create || cfg->ntenants >= CFG_TENANTS_MAX)
		return NULL;
	struct cfg_tenant *t = &cfg->tenants[cfg->ntenants++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	return t;
}

static void on_key(struct cfg_ctx *ctx, const char *s, const char *k, const char *v)
{
	struct load_state *st = ctx->user;
	struct bridge_config *cfg = st->cfg;
	long n;
	if (strcmp(s, "http") == 0) {
		if (strcmp(k, "listen") == 0)
			parse_listen(ctx, s, k, v, cfg);
		else if (strcmp(k, "body_limit") == 0) {
			if (cfg_int(ctx, s, k, v, 256, 1048576, &n))
				cfg->body_limit = n;
		} else if (strcmp(k, "per_ip_connections") == 0) {
			if (cfg_int(ctx, s, k, v, 0, 4096, &n))
				cfg->per_ip_connections = (int)n;
		} else if (strcmp(k, "request_timeout") == 0) {
			if (cfg_int(ctx, s, k, v, 1, 300, &n))
				cfg->request_timeout_s = (int)n;
		} else if (strcmp(k, "certfile") == 0) {
			cfg_str(ctx, s, k, v, cfg->tls_cert, sizeof cfg->tls_cert);
		} else if (strcmp(k, "keyfile") == 0) {
			cfg_str(ctx, s, k, v, cfg->tls_key, sizeof cfg->tls_key);
		} else if (strcmp(k, "admin_token") == 0) {
			if (strlen(v) < 16)
				cfg_error(ctx, s, k, "(hidden)", "at least 16 characters");
			else
				cfg_str(ctx, s, k, v, cfg->admin_token, sizeof cfg->admin_token);
		} else
			cfg_error(ctx, s, k, v, "unknown key");
	} else if (strcmp(s, "mqtt") == 0) {
		if (strcmp(k, "client_id") == 0)
			cfg_name(ctx, s, k, v, cfg->client_id, sizeof cfg->client_id);
		else if (!mqttc_config_key(ctx, &cfg->mqtt, k, v))
			cfg_error(ctx, s, k, v, "unknown key");
	} else if (strcmp(s, "storage") == 0) {
		if (strcmp(k, "path") == 0)
			cfg_str(ctx, s, k, v, cfg->db_path, sizeof cfg->db_path);
		else if (strcmp(k, "stats_days") == 0) {
			if (cfg_int(ctx, s, k, v, 1, 3650, &n))
				cfg->stats_days = (int)n;
		} else
			cfg_error(ctx, s, k, v, "unknown key");
	} else if (strcmp(s, "board") == 0) {
		if (strcmp(k, "length") == 0) {
			if (cfg_int(ctx, s, k, v, 1, PROTO_BOARD_CALLS_MAX, &n))
				cfg->board_length = (int)n;
		} else if (strcmp(k, "max_age") == 0) {
			if (cfg_int(ctx, s, k, v, 0, 7 * 86400, &n))
				cfg->board_max_age_s = (int)n;
		} else
			cfg_error(ctx, s, k, v, "unknown key");
	} else if (strcmp(s, "registry") == 0) {
		if (strcmp(k, "health_interval") == 0) {
			if (cfg_int(ctx, s, k, v, 1, 3600, &n))
				cfg->health_interval_s = (int)n;
		} else if (strcmp(k, "behind_grace") == 0) {
			if (cfg_int(ctx, s, k, v, 1, 3600, &n))
				cfg->behind_grace_s = (int)n;
		} else if (strcmp(k, "command_timeout") == 0) {
			if (cfg_int(ctx, s, k, v, 1, 300, &n))
				cfg->command_timeout_s = (int)n;
		} else if (strcmp(k, "webhook") == 0) {
			if (strncmp(v, "http://", 7) != 0)
				cfg_error(ctx, s, k, v, "must start with http://");
			else
				cfg_str(ctx, s, k, v, cfg->webhook, sizeof cfg->webhook);
		} else
			cfg_error(ctx, s, k, v, "unknown key");
	} else if (strncmp(s, "tenant:", 7) == 0) {
		const char *name = s + 7;
		if (!proto_name_valid(name)) {
			cfg_error(ctx, s, k, v, "tenant name must match [a-z0-9][a-z0-9-]{0,62}");
			return;
		}
		struct cfg_tenant *t = tenant_get(st, name, true);
		if (!t) {
			cfg_error(ctx, s, k, v, "more than %d tenants", CFG_TENANTS_MAX);
			return;
		}
		if (strcmp(k, "token") == 0) {
			if (strlen(v) < 16)
				cfg_error(ctx, s, k, "(hidden)", "at least 16 characters");
			else if (cfg_str(ctx, s, k, v, t->token, sizeof t->token))
				st->seen_token[t - cfg->tenants] = true;
		} else if (strcmp(k, "sites") == 0) {
			char names[CFG_SITES_MAX][PROTO_NAME_MAX + 1];
			int c = cfg_name_list(ctx, s, k, v, &names[0][0], PROTO_NAME_MAX + 1,
			                      CFG_SITES_MAX);
			if (c > 0) {
				t->nsites = c;
				for (int i = 0; i < c; i++) {
					memset(&t->sites[i], 0, sizeof t->sites[i]);
					memcpy(t->sites[i].name, names[i], sizeof t->sites[i].name);
					t->sites[i].name[PROTO_NAME_MAX] = '\0';
				}
			} else if (c == 0)
				cfg_error(ctx, s, k, v, "at least one site");
		} else
			cfg_error(ctx, s, k, v, "unknown key");
	} else if (strncmp(s, "site:", 5) == 0) {
		char tn[PROTO_NAME_MAX + 1], sn[PROTO_NAME_MAX + 1];
		const char *slash = strchr(s + 5, '/');
		size_t tl = slash ? (size_t)(slash - (s + 5)) : 0;
		if (!slash || tl > PROTO_NAME_MAX || strlen(slash + 1) > PROTO_NAME_MAX) {
			cfg_error(ctx, s, k, v, "section must be [site:TENANT/SITE]");
			return;
		}
		memcpy(tn, s + 5, tl);
		tn[tl] = '\0';
		snprintf(sn, sizeof sn, "%s", slash + 1);
		if (strcmp(k, "hours") != 0) {
			cfg_error(ctx, s, k, v, "unknown key");
			return;
		}
		char why[160];
		struct cfg_hours h;
		if (!parse_hours(v, &h, why, sizeof why)) {
			cfg_error(ctx, s, k, v, "%s", why);
			return;
		}
		if (st->nhours >= CFG_TENANTS_MAX) {
			cfg_error(ctx, s, k, v, "too many [site:] sections");
			return;
		}
		struct pending_hours *p = &st->hours[st->nhours++];
		snprintf(p->tenant, sizeof p->tenant, "%s", tn);
		snprintf(p->site, sizeof p->site, "%s", sn);
		p->hours = h;
		p->line = ctx->line;
	} else {
		cfg_error(ctx, s, k, v,
		          "unknown section (http, mqtt, storage, board, registry, tenant:NAME, "
		          "site:TENANT/SITE)");
	}
}

static int finish(struct load_state *st, struct cfg_ctx *ctx)
{
	struct bridge_config *cfg = st->cfg;
	for (int i = 0; i < cfg->ntenants; i++) {
		struct cfg_tenant *t = &cfg->tenants[i];
		char sec[80];
		snprintf(sec, sizeof sec, "tenant:%s", t->name);
		if (!st->seen_token[i])
			cfg_error_noline(ctx, sec, "token", "missing");
		if (t->nsites == 0)
			cfg_error_noline(ctx, sec, "sites", "missing");
		for (int j = 0; j < i; j++)
			if (st->seen_token[i] && strcmp(cfg->tenants[j].token, t->token) == 0)
				cfg_error_noline(ctx, sec, "token", "same token as tenant %s",
				                 cfg->tenants[j].name);
	}
	for (int i = 0; i < st->nhours; i++) {
		struct pending_hours *p = &st->hours[i];
		struct cfg_site *site =
		    (struct cfg_site *)bridge_config_site(cfg, p->tenant, p->site);
		if (!site) {
			ctx->line = p->line;
			char sec[160];
			snprintf(sec, sizeof sec, "site:%s/%s", p->tenant, p->site);
			cfg_error(ctx, sec, "hours", NULL, "no such site in any [tenant:] sites");
			continue;
		}
		site->hours = p->hours;
	}
	if (cfg->ntenants == 0)
		cfg_error_noline(ctx, "tenant:NAME", "token", "no tenant configured");
	if (!cfg->tls_cert[0] != !cfg->tls_key[0])
		cfg_error_noline(ctx, "http", cfg->tls_cert[0] ? "keyfile" : "certfile",
		                 "certfile and keyfile go together");
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

bool bridge_config_site_open(const struct cfg_site *site, int64_t now_ms)
{
	if (!site || !site->hours.set)
		return true;
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	int d = (tm.tm_wday + 6) % 7;
	int m = tm.tm_hour * 60 + tm.tm_min;
	return m >= site->hours.open_min[d] && m < site->hours.close_min[d];
}

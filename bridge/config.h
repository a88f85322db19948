/* callboard-bridge configuration: the INI file's contents, validated. */
#ifndef CB_BRIDGE_CONFIG_H
#define CB_BRIDGE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "cfgparse.h"
#include "mqttc.h"
#include "proto.h"
#include "schedule.h"

#define CFG_TOKEN_MAX 128

/* Tenants, sites per tenant and [site:] sections are bounded by memory
 * only: a country's sites fit in one `sites =` line. */

enum { BRIDGE_PAIRING_NONE, BRIDGE_PAIRING_DYNSEC };

struct cfg_site {
	char name[PROTO_NAME_MAX + 1];
	int hours; /* 1 + index into bridge_config.hours; 0: always open */
};

struct cfg_tenant {
	char name[PROTO_NAME_MAX + 1];
	char token[CFG_TOKEN_MAX + 1];
	int nsites;
	struct cfg_site *sites; /* owned by the bridge_config */
};

struct bridge_config {
	/* [http] */
	char listen_host[128];
	int listen_port;
	long body_limit;
	int per_ip_connections; /* 0: no per-address limit */
	int request_timeout_s;
	char admin_token[CFG_TOKEN_MAX + 1]; /* "" when unset */
	char tls_cert[PATH_MAX];             /* HTTPS when set (PEM) */
	char tls_key[PATH_MAX];
	/* A reverse proxy doing single sign-on names the tenant ("*": admin) in
	 * this header; believed only from the peer address trusted_proxy. */
	char trusted_tenant_header[64]; /* "" when unset */
	char trusted_proxy[64];
	/* [mqtt] */
	struct mqttc_config mqtt;
	char client_id[PROTO_NAME_MAX + 1];
	/* [storage] */
	char db_path[PATH_MAX];
	char db_url[PATH_MAX]; /* postgresql://...: shared by every bridge; "" for db_path */
	int stats_days;
	/* [board] */
	int board_length;
	int board_max_age_s; /* 0: entries never age off */
	/* [registry] */
	int health_interval_s;
	int behind_grace_s;
	int command_timeout_s;
	int max_devices_per_site; /* more displays on a site are refused */
	char webhook[512];        /* "" when unset */
	/* [pairing]: screens paired with a code need a broker admin API */
	int pairing_admin;      /* BRIDGE_PAIRING_NONE or _DYNSEC */
	int pairing_code_ttl_s; /* code_ttl, default 600 */
	/* [monitoring] */
	bool homeassistant; /* Home Assistant discovery messages (discovery.h) */
	/* [tenant:NAME]; the arrays are owned and freed by bridge_config_free,
	 * so a struct copy shares them with its original. */
	int ntenants, tenants_cap;
	struct cfg_tenant *tenants;
	/* [site:TENANT/SITE]: opening hours, one per site that has them */
	int nhours, hours_cap;
	struct schedule *hours;
};

/* Fill defaults (no tenants). */
void bridge_config_defaults(struct bridge_config *cfg);
/* Free the tenants, sites and hours (not cfg itself); cfg is empty after. */
void bridge_config_free(struct bridge_config *cfg);
/* Parse path into cfg (after defaults). 0, or -1 with every problem in ctx. */
int bridge_config_load(struct bridge_config *cfg, const char *path, struct cfg_ctx *ctx);
/* Same from a string (tests). */
int bridge_config_load_string(struct bridge_config *cfg, const char *name, const char *text,
                              struct cfg_ctx *ctx);
/* The tenant named name, or NULL. */
const struct cfg_tenant *bridge_config_tenant(const struct bridge_config *cfg, const char *name);
/* The site of a tenant, or NULL when not configured. */
const struct cfg_site *bridge_config_site(const struct bridge_config *cfg, const char *tenant,
                                          const char *site);
/* True when the site (NULL: unknown, so open) is within its opening hours
 * at wall-clock time now_ms, in the process's local time zone. */
bool bridge_config_site_open(const struct bridge_config *cfg, const struct cfg_site *site,
                             int64_t now_ms);

#endif

/* Broker configuration from a devices file: who exists (the bridge, the
 * tenants and their sites, the displays) and, from that, the mosquitto
 * config, ACL and password lines. Text generation is pure; the command in
 * brokercmd.c does the file writing, random passwords and TLS. */
#ifndef CB_BROKERCFG_H
#define CB_BROKERCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "cfgparse.h"
#include "proto.h"

/* Tenants, sites per tenant, displays and monitors are bounded by memory
 * only, like the bridge's: a tenant's sites fit in one `sites =` line of any
 * length. BC_DYNSEC_PLUGIN, the dynamic security plugin of the architecture
 * the CLI is built for, comes from tools/callboard/meson.build. */
#define BC_USER_MAX (3 * (PROTO_NAME_MAX + 1))
#define BC_PASS_MAX 128

struct bc_tenant {
	char name[PROTO_NAME_MAX + 1];
	int nsites;
	char (*sites)[PROTO_NAME_MAX + 1]; /* owned: bc_config_free */
	int line;                          /* where it was defined, for errors */
};

struct bc_display {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char device[PROTO_NAME_MAX + 1];
	char username[BC_USER_MAX + 1]; /* tenant.site.device */
	char password[BC_PASS_MAX + 1]; /* "" until given or generated */
	int nareas;
	char areas[PROTO_AREAS_MAX][PROTO_NAME_MAX + 1];
};

struct bc_site_broker; /* brokersite.h */
/* A read-only account for monitoring (Home Assistant, a dashboard): reads
 * every topic of its tenants' sites and the bridge's Home Assistant
 * discovery messages for them; writes nothing. */
struct bc_monitor {
	char username[PROTO_NAME_MAX + 1];
	char password[BC_PASS_MAX + 1]; /* "" until given or generated */
	bool all;                       /* every tenant (tenants = *) */
	int ntenants;
	char (*tenants)[PROTO_NAME_MAX + 1]; /* owned: bc_config_free */
	int line;                            /* where it was defined, for errors */
};

struct bc_config {
	char bridge_user[PROTO_NAME_MAX + 1];
	char bridge_password[BC_PASS_MAX + 1]; /* "" until given or generated */
	int ntenants;
	struct bc_tenant *tenants; /* owned: bc_config_free */
	int ndisplays;
	struct bc_display *displays; /* owned: bc_config_free */
	int nsite_brokers;
	struct bc_site_broker *site_brokers; /* owned: bc_config_free */
	int nmonitors;
	struct bc_monitor *monitors; /* owned: bc_config_free */
};

/* Parse a devices file (text NULL: read path). 0, or -1 with every problem
 * in ctx->errors as "path:line: [section] key: value: reason". */
int bc_parse(struct cfg_ctx *ctx, const char *path, const char *text, struct bc_config *out);
/* Check a password value of [section] into out (BC_PASS_MAX + 1 bytes);
 * false after recording the error in ctx. */
bool bc_password_ok(struct cfg_ctx *ctx, const char *section, const char *value, char *out);
/* Free what bc_parse allocated (every list); the counts are 0 after. */
void bc_config_free(struct bc_config *c);

struct bc_listen {
	const char *dir;  /* absolute folder holding passwd, acl and TLS files */
	const char *bind; /* NULL: every address (the plain one loopback with tls) */
	const char *user; /* NULL: mosquitto's default account */
	int port;
	bool tls;
	bool no_plain; /* with tls: no password listener at all */
	int tls_port;
	bool dynsec; /* accounts and rights from the dynamic security plugin */
};

/* The discovery topics of one tenant (printf pattern, %s: the tenant), as
 * the bridge publishes them (bridge/link/discovery.c): the bridge writes them,
 * monitors read them. */
#define BC_DISCOVERY_ACL "homeassistant/+/callboard-%s/+/config"

/* Whether the monitor may read the tenant's topics. */
bool bc_monitor_reads(const struct bc_monitor *m, const char *tenant);
/* The ACL file text; caller frees. */
char *bc_acl(const struct bc_config *c);
/* mosquitto.conf text; caller frees. */
char *bc_mosquitto_conf(const struct bc_config *c, const struct bc_listen *l);
/* The credentials file (a valid devices file with every password); caller frees. */
char *bc_credentials(const struct bc_config *c);

/* mosquitto 2.0 password hash: "$7$101$<b64 salt>$<b64 PBKDF2-SHA512>".
 * false when out is too small. */
bool bc_hash_password(const char *password, const unsigned char salt[12], char *out, size_t cap);

/* 12 random salt bytes into salt; false when there are none. */
typedef bool (*bc_salt_fn)(void *data, unsigned char salt[12]);
/* The dynamic security plugin's initial file (brokerdynsec.c): every
 * account of c and their roles, the bridge also administering the plugin.
 * Caller frees; NULL when hashing failed. */
char *bc_dynsec_json(const struct bc_config *c, bc_salt_fn salt_of, void *data);
/* The ACL file of the shared enrolment account (%c patterns); caller frees. */
char *bc_enrol_acl(void);

#endif

/* Site brokers: a mosquitto at a site that serves the site's displays and
 * bridges the site's topics to the central broker, so the screens keep
 * their boards through a cut of the central link. The devices file names
 * them as [site-broker:TENANT/SITE]; the central config gets an account
 * and ACL for each, limited to that site, and `broker-config --site-bridge`
 * writes the site's own config (its displays, and the bridge section with
 * that account). Text generation is pure, like brokercfg.h. */
#ifndef CB_BROKERSITE_H
#define CB_BROKERSITE_H

#include <stdbool.h>

#include "brokercfg.h"

struct bc_site_broker {
	char tenant[PROTO_NAME_MAX + 1];
	char site[PROTO_NAME_MAX + 1];
	char username[BC_USER_MAX + 1]; /* tenant.site: never a display's (three parts) */
	char password[BC_PASS_MAX + 1]; /* "" until given or generated */
};

/* The central broker as the site's bridge reaches it. */
struct bs_central {
	char host[254];
	int port;
	const char *cafile;   /* NULL: plain MQTT; else TLS checked against it */
	const char *certfile; /* client certificate (with keyfile), or NULL */
	const char *keyfile;
};

/* Handle a key of a [site-broker:TENANT/SITE] section into c: true when
 * the section was one (errors go to ctx), false for any other section. */
bool bs_on_key(struct cfg_ctx *ctx, struct bc_config *c, const char *section, const char *key,
               const char *value);
/* After parsing: every site broker's site must be its tenant's. */
void bs_check(struct cfg_ctx *ctx, const struct bc_config *c);
/* Free the site broker list. */
void bs_free(struct bc_config *c);

/* Parse "HOST:PORT" into out (the TLS fields untouched); false if bad. */
bool bs_central_parse(const char *arg, struct bs_central *out);

/* The site broker accounts' lines for the central ACL; caller frees. */
char *bs_central_acl(const struct bc_config *c);
/* The site brokers' sections for credentials.ini; caller frees. */
char *bs_credentials(const struct bc_config *c);

/* Narrow c to one site ("TENANT/SITE"): out gets that tenant with that
 * site only, the site's displays (owned by out: bc_config_free), no bridge
 * password and no site broker; *sb points into c. Every password must be
 * given (the central config's credentials.ini). -1 after printing why. */
int bs_site_only(const struct bc_config *c, const char *tenant_site, struct bc_config *out,
                 const struct bc_site_broker **sb);
/* The mosquitto bridge section for the site broker sb; caller frees. */
char *bs_bridge_conf(const struct bc_site_broker *sb, const struct bs_central *central);

#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brokersite.h"
#include "log.h"

/* Reports each display of the site sends up, and what the bridge sends
 * down: the same split as the protocol's topic table. */
static const char *const site_down[] = {"board/+", "notice", "display/+/cmd"};
static const char *const site_up[] = {"display/+/status", "display/+/health", "display/+/ack",
                                      "display/+/cmd/result", "display/+/screenshot"};
#define NDOWN (int)(sizeof site_down / sizeof site_down[0])
#define NUP   (int)(sizeof site_up / sizeof site_up[0])

static bool split2(const char *s, char *tenant, char *site)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || slash - s > PROTO_NAME_MAX ||
	    strlen(slash + 1) > PROTO_NAME_MAX)
		return false;
	memcpy(tenant, s, (size_t)(slash - s));
	tenant[slash - s] = '\0';
	strcpy(site, slash + 1);
	return proto_name_valid(tenant) && proto_name_valid(site);
}

static struct bc_site_broker *find(const struct bc_config *c, const char *t, const char *s)
{
	for (int i = 0; i < c->nsite_brokers; i++)
		if (!strcmp(c->site_brokers[i].tenant, t) && !strcmp(c->site_brokers[i].site, s))
			return &c->site_brokers[i];
	return NULL;
}

bool bs_on_key(struct cfg_ctx *ctx, struct bc_config *c, const char *section, const char *key,
               const char *value)
{
	if (strncmp(section, "site-broker:", 12))
		return false;
	char t[PROTO_NAME_MAX + 1], s[PROTO_NAME_MAX + 1];
	if (!split2(section + 12, t, s)) {
		cfg_error(ctx, section, key, NULL,
		          "section name must be site-broker:TENANT/SITE with names matching "
		          "[a-z0-9][a-z0-9-]*");
		return true;
	}
	struct bc_site_broker *b = find(c, t, s);
	if (!b) {
		c->site_brokers =
		    xrealloc(c->site_brokers, (size_t)(c->nsite_brokers + 1) * sizeof *b);
		b = &c->site_brokers[c->nsite_brokers++];
		memset(b, 0, sizeof *b);
		strcpy(b->tenant, t);
		strcpy(b->site, s);
		snprintf(b->username, sizeof b->username, "%s.%s", t, s);
	}
	if (!strcmp(key, "password"))
		bc_password_ok(ctx, section, value, b->password);
	else if (!strcmp(key, "username") && strcmp(value, b->username))
		cfg_error(ctx, section, key, value, "must be %s (derived from the section name)",
		          b->username);
	else if (strcmp(key, "username"))
		cfg_error(ctx, section, key, value, "unknown key (expected username, password)");
	return true;
}

static bool has_site(const struct bc_config *c, const char *tenant, const char *site)
{
	for (int i = 0; i < c->ntenants; i++)
		for (int k = 0; !strcmp(c->tenants[i].name, tenant) && k < c->tenants[i].nsites;
		     k++)
			if (!strcmp(c->tenants[i].sites[k], site))
				return true;
	return false;
}

void bs_check(struct cfg_ctx *ctx, const struct bc_config *c)
{
	for (int i = 0; i < c->nsite_brokers; i++) {
		const struct bc_site_broker *b = &c->site_brokers[i];
		if (has_site(c, b->tenant, b->site))
			continue;
		char sec[160];
		snprintf(sec, sizeof sec, "site-broker:%s/%s", b->tenant, b->site);
		cfg_error_noline(ctx, sec, "site", "'%s/%s' is not a site of a [tenant:%s] section",
		                 b->tenant, b->site, b->tenant);
	}
}

void bs_free(struct bc_config *c)
{
	free(c->site_brokers);
	c->site_brokers = NULL;
	c->nsite_brokers = 0;
}

bool bs_central_parse(const char *arg, struct bs_central *out)
{
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof out->host)
		return false;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 1 || port > 65535)
		return false;
	/* A name or an address; mosquitto's "address" takes no brackets. */
	for (const char *p = arg; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == ':'))
			return false;
	memcpy(out->host, arg, (size_t)(colon - arg));
	out->host[colon - arg] = '\0';
	out->port = (int)port;
	return true;
}

/* A memory stream for the text builders; aborts like xmalloc when none. */
static FILE *text_open(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (!f)
		abort();
	return f;
}

char *bs_central_acl(const struct bc_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = text_open(&buf, &len);
	for (int i = 0; i < c->nsite_brokers; i++) {
		const struct bc_site_broker *b = &c->site_brokers[i];
		fprintf(f,
		        "\n# site broker %s/%s: its bridge reads what the bridge sends the site\n"
		        "# and writes what the site's displays report; nothing of another site.\n"
		        "user %s\n",
		        b->tenant, b->site, b->username);
		for (int k = 0; k < NDOWN; k++)
			fprintf(f, "topic read callboard/v1/%s/%s/%s\n", b->tenant, b->site,
			        site_down[k]);
		for (int k = 0; k < NUP; k++)
			fprintf(f, "topic write callboard/v1/%s/%s/%s\n", b->tenant, b->site,
			        site_up[k]);
	}
	fclose(f);
	return buf;
}

char *bs_credentials(const struct bc_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = text_open(&buf, &len);
	for (int i = 0; i < c->nsite_brokers; i++) {
		const struct bc_site_broker *b = &c->site_brokers[i];
		fprintf(f, "\n[site-broker:%s/%s]\nusername = %s\npassword = %s\n", b->tenant,
		        b->site, b->username, b->password);
	}
	fclose(f);
	return buf;
}

int bs_site_only(const struct bc_config *c, const char *tenant_site, struct bc_config *out,
                 const struct bc_site_broker **sb)
{
	char t[PROTO_NAME_MAX + 1], s[PROTO_NAME_MAX + 1];
	memset(out, 0, sizeof *out);
	if (!split2(tenant_site, t, s)) {
		fprintf(stderr, "callboard broker-config: --site: '%s': must be TENANT/SITE\n",
		        tenant_site);
		return -1;
	}
	*sb = find(c, t, s);
	if (!*sb || !(*sb)->password[0]) {
		fprintf(stderr,
		        "callboard broker-config: --site %s: no [site-broker:%s] with a password "
		        "in the devices file (write the central config first and pass its "
		        "credentials.ini)\n",
		        tenant_site, tenant_site);
		return -1;
	}
	memcpy(out->bridge_user, c->bridge_user, sizeof out->bridge_user);
	out->tenants = xcalloc(1, sizeof *out->tenants);
	out->ntenants = 1;
	strcpy(out->tenants[0].name, t);
	out->tenants[0].sites = xcalloc(1, sizeof *out->tenants[0].sites);
	out->tenants[0].nsites = 1;
	strcpy(out->tenants[0].sites[0], s);
	out->displays = xmalloc((size_t)(c->ndisplays + 1) * sizeof *out->displays);
	for (int i = 0; i < c->ndisplays; i++) {
		const struct bc_display *d = &c->displays[i];
		if (strcmp(d->tenant, t) || strcmp(d->site, s))
			continue;
		if (!d->password[0]) {
			fprintf(stderr,
			        "callboard broker-config: display %s has no password (pass the "
			        "central config's credentials.ini)\n",
			        d->username);
			bc_config_free(out);
			return -1;
		}
		out->displays[out->ndisplays++] = *d;
	}
	return 0;
}

char *bs_bridge_conf(const struct bc_site_broker *sb, const struct bs_central *central)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = text_open(&buf, &len);
	fprintf(f,
	        "\n# The site's topics to and from the central broker. A persistent session\n"
	        "# there (cleansession false) keeps what the bridge sends the site during a\n"
	        "# cut, and this broker queues what the displays report (QoS 1); on reconnect\n"
	        "# both flow, and the retained boards come in again with the subscriptions.\n"
	        "# MQTT 3.1.1 with mosquitto's bridge mode keeps the retain flag of what is\n"
	        "# forwarded, so the boards stay retained here.\n"
	        "connection callboard-central\n"
	        "address %s:%d\n"
	        "remote_clientid %s\n"
	        "remote_username %s\n"
	        "remote_password %s\n"
	        "cleansession false\n"
	        "bridge_protocol_version mqttv311\n"
	        "try_private true\n"
	        "keepalive_interval 30\n"
	        "# Reconnect attempts back off from 1 s to at most 5 s: the site resyncs\n"
	        "# within seconds of the link coming back.\n"
	        "restart_timeout 1 5\n"
	        "# The link's state only here ($SYS/broker/connection/...): the central\n"
	        "# account may write nothing outside the site's reports.\n"
	        "notifications true\n"
	        "notifications_local_only true\n",
	        central->host, central->port, sb->username, sb->username, sb->password);
	if (central->cafile) {
		fprintf(f, "bridge_cafile %s\nbridge_tls_version tlsv1.2\nbridge_insecure false\n",
		        central->cafile);
		if (central->certfile)
			fprintf(f, "bridge_certfile %s\nbridge_keyfile %s\n", central->certfile,
			        central->keyfile);
	}
	char root[160];
	snprintf(root, sizeof root, "callboard/v1/%s/%s/", sb->tenant, sb->site);
	for (int k = 0; k < NDOWN; k++)
		fprintf(f, "topic %s in 1 %s %s\n", site_down[k], root, root);
	for (int k = 0; k < NUP; k++)
		fprintf(f, "topic %s out 1 %s %s\n", site_up[k], root, root);
	fclose(f);
	return buf;
}

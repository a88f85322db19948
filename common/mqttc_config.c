/* The [mqtt] section, shared by the display's and the bridge's config. */
#include <string.h>

#include "cfgparse.h"
#include "mqttc.h"

void mqttc_config_defaults(struct mqttc_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	strcpy(cfg->host, "127.0.0.1");
	cfg->port = 0; /* 1883, or 8883 with TLS: decided by mqttc_config_finish */
	cfg->keepalive = 30;
	cfg->queue_max = 1000;
}

bool mqttc_config_key(struct cfg_ctx *ctx, struct mqttc_config *m, const char *k, const char *v)
{
	const char *s = "mqtt";
	long n;
	if (!strcmp(k, "host")) {
		if (!*v)
			cfg_error(ctx, s, k, v, "must not be empty");
		else
			cfg_str(ctx, s, k, v, m->host, sizeof m->host);
	} else if (!strcmp(k, "port")) {
		if (cfg_int(ctx, s, k, v, 1, 65535, &n))
			m->port = (int)n;
	} else if (!strcmp(k, "keepalive")) {
		if (cfg_int(ctx, s, k, v, 5, 3600, &n))
			m->keepalive = (int)n;
	} else if (!strcmp(k, "username")) {
		cfg_str(ctx, s, k, v, m->username, sizeof m->username);
	} else if (!strcmp(k, "password")) {
		cfg_str(ctx, s, k, v, m->password, sizeof m->password);
	} else if (!strcmp(k, "cafile")) {
		cfg_str(ctx, s, k, v, m->cafile, sizeof m->cafile);
	} else if (!strcmp(k, "certfile")) {
		cfg_str(ctx, s, k, v, m->certfile, sizeof m->certfile);
	} else if (!strcmp(k, "keyfile")) {
		cfg_str(ctx, s, k, v, m->keyfile, sizeof m->keyfile);
	} else if (!strcmp(k, "protocol")) {
		static const char *const names[] = {"auto", "5", "3.1.1", NULL};
		int i;
		if (cfg_enum(ctx, s, k, v, names, &i))
			m->protocol = (enum mqttc_protocol)i;
	} else {
		return false;
	}
	return true;
}

void mqttc_config_finish(struct cfg_ctx *ctx, struct mqttc_config *m)
{
	if (m->port == 0)
		m->port = m->cafile[0] ? 8883 : 1883;
	/* Name the key that is missing. */
	if (m->certfile[0] && !m->keyfile[0])
		cfg_error_noline(ctx, "mqtt", "keyfile", "required when certfile is set");
	if (m->keyfile[0] && !m->certfile[0])
		cfg_error_noline(ctx, "mqtt", "certfile", "required when keyfile is set");
	if (m->certfile[0] && !m->cafile[0])
		cfg_error_noline(ctx, "mqtt", "cafile", "required when certfile is set");
}

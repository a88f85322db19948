/* Test driver for common/mqttc.c: echoes every message on test/in to
 * test/out (with the reconnect count) until SIGTERM.
 * Usage: mqttc-echo PORT [KEY=VALUE...], each KEY=VALUE an [mqtt] config
 * line (cafile=..., protocol=3.1.1, host=...). With MQTTC_ECHO_TICK_MS set,
 * a loop timer prints "tick <monotonic ms>" at that interval: the loop's
 * pulse, for tests that check nothing blocks it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "log.h"
#include "loop.h"
#include "mqttc.h"
#include "timeutil.h"

struct echo {
	struct loop *loop;
	struct mqttc *mq;
};

static void on_connect(void *data)
{
	struct echo *e = data;
	printf("connected reconnects=%u\n", mqttc_reconnects(e->mq));
	fflush(stdout);
	mqttc_publish(e->mq, "test/status", "up", 2, 1, true, NULL);
}

static void on_disconnect(void *data)
{
	printf("disconnected\n");
	fflush(stdout);
}

static void on_message(void *data, const char *topic, const void *payload, size_t len,
                       bool retained)
{
	struct echo *e = data;
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%.*s r=%u", (int)(len > 400 ? 400 : len),
	                 (const char *)payload, mqttc_reconnects(e->mq));
	mqttc_publish(e->mq, "test/out", buf, (size_t)n, 1, false, NULL);
}

static void on_signal(int signo, void *data)
{
	loop_quit(((struct echo *)data)->loop);
}

static void tick(void *data)
{
	printf("tick %lld\n", (long long)time_mono_ms());
	fflush(stdout);
}

static void idle(void *data)
{
	mqttc_flush(((struct echo *)data)->mq);
}

static void on_key(struct cfg_ctx *ctx, const char *section, const char *key, const char *value)
{
	if (!mqttc_config_key(ctx, ctx->user, key, value))
		cfg_error(ctx, section, key, value, "unknown key");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	struct mqttc_config cfg;
	mqttc_config_defaults(&cfg);
	/* The arguments as an [mqtt] section: parsed like a config file. */
	size_t len;
	char *text;
	FILE *f = open_memstream(&text, &len);
	fprintf(f, "[mqtt]\nport = %s\nkeepalive = 5\n", argv[1]);
	for (int i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		fprintf(f, "%.*s = %s\n", eq ? (int)(eq - argv[i]) : 0, argv[i], eq ? eq + 1 : "");
	}
	fclose(f);
	struct cfg_ctx ctx = {.user = &cfg};
	cfg_parse_string(&ctx, "args", text, on_key, &cfg);
	free(text);
	mqttc_config_finish(&ctx, &cfg);
	int nerrors = ctx.nerrors;
	for (int i = 0; i < nerrors && i < CFG_MAX_ERRORS; i++)
		fprintf(stderr, "%s\n", ctx.errors[i]);
	cfg_ctx_free(&ctx);
	if (nerrors)
		return 2;
	struct echo e = {.loop = loop_create()};
	struct mqttc_callbacks cb = {on_connect, on_disconnect, on_message};
	e.mq = mqttc_create(e.loop, &cfg, "echo-test", false, &cb, &e);
	if (!e.mq)
		return 1;
	mqttc_set_will(e.mq, "test/status", "down", 4, 1, true, NULL);
	mqttc_subscribe(e.mq, "test/in", 1);
	loop_add_signal(e.loop, SIGTERM, on_signal, &e);
	loop_add_signal(e.loop, SIGINT, on_signal, &e);
	loop_set_idle(e.loop, idle, &e);
	const char *tick_ms = getenv("MQTTC_ECHO_TICK_MS");
	if (tick_ms && atoi(tick_ms) > 0)
		loop_add_timer(e.loop, atoi(tick_ms), atoi(tick_ms), tick, NULL);
	mqttc_start(e.mq);
	loop_run(e.loop);
	mqttc_publish(e.mq, "test/status", "bye", 3, 1, true, NULL);
	mqttc_disconnect(e.mq, 2000);
	mqttc_destroy(e.mq);
	loop_destroy(e.loop);
	return 0;
}

/* libFuzzer target: the display's or the bridge's INI config parser on
 * arbitrary text (FUZZ_DISPLAY or FUZZ_BRIDGE). Every input must give
 * either a config or errors in the path:line: form, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct cfg_ctx ctx = {0};
#if defined(FUZZ_DISPLAY)
	struct display_config *cfg = malloc(sizeof *cfg);
	int r = display_config_load_string("fuzz.ini", text, cfg, &ctx);
#else
	struct bridge_config *cfg = malloc(sizeof *cfg);
	bridge_config_defaults(cfg);
	int r = bridge_config_load_string(cfg, "fuzz.ini", text, &ctx);
#endif
	/* Success and errors exclude each other; every error names the file. */
	if ((r == 0) != (ctx.nerrors == 0))
		abort();
	int n = ctx.nerrors < CFG_MAX_ERRORS ? ctx.nerrors : CFG_MAX_ERRORS;
	for (int i = 0; i < n; i++)
		if (strncmp(ctx.errors[i], "fuzz.ini", 8) != 0)
			abort();
	cfg_ctx_free(&ctx);
#if !defined(FUZZ_DISPLAY)
	bridge_config_free(cfg);
#endif
	free(cfg);
	free(text);
	return 0;
}

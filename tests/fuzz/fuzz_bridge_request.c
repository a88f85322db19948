/* libFuzzer target: the bridge's request body parsers (in-process, no
 * network). Build with clang -fsanitize=fuzzer,address, linking the
 * cbbridgecore and protocol libraries. */
#include <stddef.h>
#include <stdint.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct call_req r;
	struct proto_notice n;
	struct request_error e;
	int cmd, level;
	request_parse_call(body, size, 16384, &r, &e);
	request_parse_notice(body, size, 16384, &n, &e);
	request_parse_command(body, size, 16384, &cmd, &level, &e);
	return 0;
}

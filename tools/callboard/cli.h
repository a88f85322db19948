/* The callboard command-line tool: one function per subcommand. */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <stddef.h>

#include "proto.h"

/* Read a file of at most max bytes (NUL-terminated copy); caller frees.
 * NULL with a reason in why. */
char *cli_read_file(const char *path, size_t max, size_t *len, char *why, size_t whylen);
/* Decode buf as payload TYPE; 0 ok, -1 invalid, -2 unknown type. */
int validate_payload(const char *type, const char *buf, size_t len, struct proto_error *err);

int cmd_validate(int argc, char **argv);

#endif

/* The callboard command-line tool: one function per subcommand. */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* Read a file of at most max bytes (NUL-terminated copy); caller frees.
 * NULL with a reason in why. */
char *cli_read_file(const char *path, size_t max, size_t *len, char *why, size_t whylen);
/* Decode buf as payload TYPE; 0 ok, -1 invalid, -2 unknown type. */
int validate_payload(const char *type, const char *buf, size_t len, struct proto_error *err);

/* Subcommands: each returns the process exit code (0 ok, 1 failed, 2 usage). */
int cmd_validate(int argc, char **argv);
/* call, recall, cancel, notice, queue, devices, screenshot, command, pair and
 * unpair: the commands that talk to the bridge (argv[0] names which). */
int cmd_api(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_broker_config(int argc, char **argv);

/* Split "tenant/site[/device]" into checked names; want is 2 or 3.
 * false with a reason in why. */
bool cli_split_target(const char *s, int want, char (*out)[64], char *why, size_t whylen);

#endif

/* cmd_status.h -- `samvirke ping` and `samvirke whoami`: is the server there, who am I to it. */
#ifndef SAMVIRKE_CMD_STATUS_H
#define SAMVIRKE_CMD_STATUS_H

#include "cli.h"

/* ping [--count N]: N ping requests over one session, printing each round trip and its audit
 * entry number. */
int cmd_ping(int argc, char **argv, const cli_ctx *ctx);
/* whoami: the member the server maps this key to (name, role, key id, fingerprint), or
 * "not enrolled". */
int cmd_whoami(int argc, char **argv, const cli_ctx *ctx);

#endif

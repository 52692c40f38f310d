/* cmd_identity.h -- `samvirke init` and `samvirke card`: the member's own identity and card. */
#ifndef SAMVIRKE_CMD_IDENTITY_H
#define SAMVIRKE_CMD_IDENTITY_H

#include "cli.h"

/* init --name NAME: create identity.key (0600) and card.txt in a new 0700 identity directory;
 * refuses when an identity exists. Prints the card path and fingerprint. */
int cmd_init(int argc, char **argv, const cli_ctx *ctx);
/* card: print the own card text, key id and fingerprint. */
int cmd_card(int argc, char **argv, const cli_ctx *ctx);

#endif

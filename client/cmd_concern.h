/* cmd_concern.h -- `samvirke concern ...`: a partner hands in a concern about a person, sealed to
 * the regime, and keeps a receipt; regime members list, read, assign, close and answer. */
#ifndef SAMVIRKE_CMD_CONCERN_H
#define SAMVIRKE_CMD_CONCERN_H

#include "cli.h"

/* Sub-table for the row {"concern", NULL, help, cmd_concern_table}. */
extern const cli_cmd cmd_concern_table[];

#endif

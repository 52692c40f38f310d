/* cmd_link.h -- `samvirke link ...`: couple resources, challenges and interventions. */
#ifndef SAMVIRKE_CMD_LINK_H
#define SAMVIRKE_CMD_LINK_H

#include "cli.h"

/* Sub-table for the row {"link", NULL, help, cmd_link_table}: add, list, remove. */
extern const cli_cmd cmd_link_table[];

#endif

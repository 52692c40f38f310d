/* cmd_actor.h -- `samvirke actor ...` and `samvirke network`: the organisations and resource
 * persons the team works with, their forms of collaboration and ties, as a network map. */
#ifndef SAMVIRKE_CMD_ACTOR_H
#define SAMVIRKE_CMD_ACTOR_H

#include "cli.h"

/* Sub-table for the row {"actor", NULL, help, cmd_actor_table}: add, update, tie, untie, list. */
extern const cli_cmd cmd_actor_table[];

/* network AREA (--dot FILE | --svg FILE)... [--lang da|en]: the SVG is Graphviz's rendering of
 * the DOT graph (`dot -Tsvg`). */
int cmd_network(int argc, char **argv, const cli_ctx *ctx);

#endif

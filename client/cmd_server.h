/* cmd_server.h -- `samvirke server set|show`: which daemon to talk to, and its keys. */
#ifndef SAMVIRKE_CMD_SERVER_H
#define SAMVIRKE_CMD_SERVER_H

#include "cli.h"

/* The "server" group's sub-table, for a row {"server", NULL, help, cmd_server_table}. */
extern const cli_cmd cmd_server_table[];

/* server set --address HOST:PORT|unix:PATH --key BASE64 [--log-key VKEY]: replace the server
 * settings in client.conf (the log key is cleared unless given). */
int cmd_server_set(int argc, char **argv, const cli_ctx *ctx);
/* server show: print the configured server, or fail when there is none. */
int cmd_server_show(int argc, char **argv, const cli_ctx *ctx);

#endif

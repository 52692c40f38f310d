/* cmd_web.h -- `samvirke web`: the browser interface, served by the member's own client. */
#ifndef SAMVIRKE_CMD_WEB_H
#define SAMVIRKE_CMD_WEB_H

#include "cli.h"

int cmd_web(int argc, char **argv, const cli_ctx *ctx);

#endif

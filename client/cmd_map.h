/* cmd_map.h -- `samvirke map`: an area as GeoJSON and as an SVG wall map. */
#ifndef SAMVIRKE_CMD_MAP_H
#define SAMVIRKE_CMD_MAP_H

#include <stdio.h>

#include "cli.h"

/* map AREA (--geojson FILE | --svg FILE)... [--lang da|en]: FILE "-" is stdout. */
int cmd_map(int argc, char **argv, const cli_ctx *ctx);

/* Open path for writing ("-" is stdout) and close it again (stdout is only flushed): for every
 * command that writes documents. cmdmap_close returns 0 or -1 on a write error. */
FILE *cmdmap_open(const char *path);
int cmdmap_close(FILE *f);

#endif

/* cmd_area.h -- area data from the command line: areas, observations, interventions. */
#ifndef SAMVIRKE_CMD_AREA_H
#define SAMVIRKE_CMD_AREA_H

#include <msgpack.h>
#include <stdint.h>

#include "cli.h"
#include "codec.h"

/* Sub-tables for rows {"area", NULL, help, cmd_area_table}, {"observation", ...},
 * {"intervention", ...}. */
extern const cli_cmd cmd_area_table[];        /* add NAME [--description D]; list */
extern const cli_cmd cmd_observation_table[]; /* correct ID ...; withdraw ID */
extern const cli_cmd cmd_intervention_table[];/* add AREA --level --step TEXT; list; update */

/* observe AREA --resource|--challenge --category CAT [--group --size N] [--at LAT,LON] TEXT */
int cmd_observe(int argc, char **argv, const cli_ctx *ctx);
/* observations AREA [--kind K] [--category C] [--since WHEN] */
int cmd_observations(int argc, char **argv, const cli_ctx *ctx);

/* Parse "LAT,LON" into degrees (range-checked). Returns 0 or -1. */
int area_parse_at(const char *s, double *lat, double *lon);

#endif

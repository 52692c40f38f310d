/* cmd_export.h -- `samvirke export`: an area's observations, interventions and actors as
 * spreadsheet files (CSV). */
#ifndef SAMVIRKE_CMD_EXPORT_H
#define SAMVIRKE_CMD_EXPORT_H

#include <stdio.h>

#include "areadata.h"
#include "cli.h"
#include "csv.h"
#include "docwords.h"

/* export AREA [--observations FILE] [--interventions FILE] [--actors FILE] [--lang da|en]
 * [--sep ';'|','] */
int cmd_export(int argc, char **argv, const cli_ctx *ctx);

/* The three tables, one row per record after a header row in lang (for tests and the web). */
void export_observations(csv_writer *w, const area_data *ad, enum doc_lang lang);
void export_interventions(csv_writer *w, const area_data *ad, enum doc_lang lang);
void export_actors(csv_writer *w, const area_data *ad, enum doc_lang lang);

#endif

/* mapsvg.h -- an area's wall map as SVG: resources green and challenges red, numbered by
 * observation id, markers that share a point spread apart, interventions and links drawn, the
 * area's outline, and a key beside the map, in Danish or English. */
#ifndef SAMVIRKE_CLIENT_MAPSVG_H
#define SAMVIRKE_CLIENT_MAPSVG_H

#include <stdint.h>
#include <stdio.h>

#include "areadata.h"
#include "docwords.h"

/* Write the map of ad. now is the export time shown in the subtitle. Located observations are
 * markers labelled with their id; an intervention linked to located observations is a blue
 * square at their centre, labelled I<id>, with dashed lines to them; a resource linked to a
 * challenge is joined to it by a line; markers closer than their size are spread on a ring
 * with leader lines to their true points (maplayout.h). The key beside the map lists the
 * observations on the map, those without a location, and the interventions (overdue ones
 * marked). Returns 0 or -1 on a write error. */
int mapsvg_write(FILE *f, const area_data *ad, enum doc_lang lang, uint64_t now);

#endif

/* cmd_map.h -- `samvirke map`: an area's observations as GeoJSON and as an SVG wall map. */
#ifndef SAMVIRKE_CMD_MAP_H
#define SAMVIRKE_CMD_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/* One observation as the map writers need it (strings malloc'd, owned by whoever filled it). */
typedef struct map_obs {
  uint64_t id;
  char *kind;           /* "resource" | "challenge" */
  char *category;
  char *level;          /* "area" | "group" */
  char *text;
  uint64_t time;        /* Unix seconds */
  bool has_size;
  uint64_t size;
  bool located;
  double lat, lon;
} map_obs;

/* map AREA (--geojson FILE | --svg FILE)...: FILE "-" is stdout. */
int cmd_map(int argc, char **argv, const cli_ctx *ctx);

/* Write an RFC 7946 FeatureCollection with one Point feature per located observation
 * (coordinates [lon, lat]; properties id, kind, category, level, text, time as ISO 8601 UTC,
 * and size when known). Returns 0 or -1 on a write error. */
int map_write_geojson(FILE *f, const map_obs *obs, size_t n);

/* Write an SVG map titled with area (description, if not NULL, in the subtitle): located observations as numbered markers (resources
 * green, challenges red, group level ringed), graticule, legend, scale bar and north arrow,
 * with a numbered key beside the map and the unlocated observations listed under it.
 * now is the export time shown in the subtitle. Returns 0 or -1 on a write error. */
int map_write_svg(FILE *f, const char *area, const char *description, const map_obs *obs,
                  size_t n, uint64_t now);

#endif

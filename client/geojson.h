/* geojson.h -- GeoJSON (RFC 7946) in and out: an area's observations, links and outline as a
 * FeatureCollection for QGIS or Leaflet, and an area's outline read from a file people draw. */
#ifndef SAMVIRKE_CLIENT_GEOJSON_H
#define SAMVIRKE_CLIENT_GEOJSON_H

#include <stddef.h>
#include <stdio.h>

#include "areadata.h"

#define GEOJSON_OUTLINE_MAX 2000 /* points in an area's outline (as the daemon accepts) */

/* Write ad as one FeatureCollection: a Point feature per located observation (id = the
 * observation's id; properties id, kind, category, level, text, time as ISO 8601 UTC, size
 * when known, and "links": the ids of what it is linked to), a LineString feature per link
 * whose two ends are located observations (properties "link", "kind", "from", "to"), and the
 * area's outline as a Polygon feature (property "boundary": the area's name) when it has one.
 * Returns 0 or -1 on a write error. */
int geojson_write(FILE *f, const area_data *ad);

/* Read an outline from a GeoJSON text: a Polygon or MultiPolygon geometry, a Feature with one,
 * or the first such Feature of a FeatureCollection. Of a MultiPolygon the outer ring with the
 * largest area is taken; holes are ignored. A closing point equal to the first is dropped.
 * The ring needs 3 to GEOJSON_OUTLINE_MAX points with coordinates in range ([lon, lat], an
 * altitude is ignored). On success returns 0 with *pts (malloc'd lon, lat pairs) and *n points;
 * else -1 with one line in err. */
int geojson_outline(const char *text, size_t len, double **pts, size_t *n, char *err,
                    size_t errlen);

#endif

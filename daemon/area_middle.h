/* area_middle.h -- the middle of an area's located observations, which the typing-error guard
 * measures a new point from, kept between jobs (storage thread). */
#ifndef SAMVIRKED_AREA_MIDDLE_H
#define SAMVIRKED_AREA_MIDDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The middle (guard_median_point) of area's located observations that are not withdrawn, as
 * stored now: *n gets their count, and *lat, *lon the middle when *n > 0. Reads the area only
 * when observations changed otherwise than by area_middle_added since it last did. Returns 0,
 * or -1 (a storage error or out of memory). */
int area_middle_get(store *st, int64_t area, size_t *n, double *lat, double *lon);
/* One observation was just inserted in area (at lat, lon when located), and nothing else has
 * changed since area_middle_get: the middles follow it without reading the area again. */
void area_middle_added(store *st, int64_t area, bool located, double lat, double lon);

#endif

/* maplayout.h -- where a map's markers go: markers that would overlap (several observations at
 * one point, or close together) are spread on a ring around their common centre, so every
 * number stays readable; each keeps a leader line to its true position. */
#ifndef SAMVIRKE_CLIENT_MAPLAYOUT_H
#define SAMVIRKE_CLIENT_MAPLAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Markers at (x[i], y[i]) (pixels) that are closer than min_dist to each other, directly or
 * through a chain of such neighbours, form a group. A marker alone keeps its place; a group of k
 * is placed on a circle around the group's centre, in index order clockwise from the top, with
 * a radius that keeps neighbours at least min_dist apart (and at least min_dist / 2 from the
 * centre). Results in ox/oy (may not alias x/y); moved[i] (may be NULL) says whether marker i
 * left its place. Returns 0, or -1 when memory runs out (ox/oy then equal x/y). min_dist > 0. */
int maplayout_spread(const double *x, const double *y, size_t n, double min_dist, double *ox,
                     double *oy, bool *moved);

#endif

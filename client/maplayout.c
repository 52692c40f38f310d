/* maplayout.c -- where a map's markers go: markers that would overlap (several observations at
 * one point, or close together) are spread on a ring around their common centre, so every
 * number stays readable; each keeps a leader line to its true position. */
#include "maplayout.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Union-find root with path halving. */
static size_t root(size_t *parent, size_t i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

int maplayout_spread(const double *x, const double *y, size_t n, double min_dist, double *ox,
                     double *oy, bool *moved) {
  assert(min_dist > 0);
  memcpy(ox, x, n * sizeof *ox);
  memcpy(oy, y, n * sizeof *oy);
  if (moved) memset(moved, 0, n * sizeof *moved);
  if (n < 2) return 0;
  size_t *parent = malloc(n * sizeof *parent);
  size_t *members = malloc(n * sizeof *members);
  if (parent == NULL || members == NULL) {
    free(parent);
    free(members);
    return -1;
  }
  for (size_t i = 0; i < n; i++) parent[i] = i;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (hypot(x[i] - x[j], y[i] - y[j]) < min_dist) {
        size_t a = root(parent, i), b = root(parent, j);
        if (a != b) parent[b < a ? a : b] = b < a ? b : a;
      }
  for (size_t r = 0; r < n; r++) {
    if (root(parent, r) != r) continue;
    size_t k = 0;
    double cx = 0, cy = 0;
    for (size_t i = r; i < n; i++)
      if (root(parent, i) == r) {
        members[k++] = i;
        cx += x[i];
        cy += y[i];
      }
    if (k < 2) continue;
    cx /= (double)k;
    cy /= (double)k;
    /* Neighbours on the ring are a chord 2 R sin(pi / k) apart. */
    double radius = min_dist / (2.0 * sin(M_PI / (double)k));
    if (radius < min_dist / 2.0) radius = min_dist / 2.0;
    radius *= 1.05; /* a little air, so rounding never brings two back under min_dist */
    for (size_t m = 0; m < k; m++) {
      double a = -M_PI / 2.0 + 2.0 * M_PI * (double)m / (double)k;
      size_t i = members[m];
      ox[i] = cx + radius * cos(a);
      oy[i] = cy + radius * sin(a);
      if (moved) moved[i] = true;
    }
  }
  free(parent);
  free(members);
  return 0;
}

/* test_client_maplayout.c -- markers that would overlap are spread apart on a ring; lone ones
 * stay; the distance limit is tested on both sides. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "maplayout.h"
#include "task.h"

/* Every pair of the n results is at least d apart. */
static void all_apart(const double *x, const double *y, size_t n, double d) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      double dist = hypot(x[i] - x[j], y[i] - y[j]);
      if (dist < d) TASK_FAIL("markers %zu and %zu are %.2f apart (< %.2f)", i, j, dist, d);
    }
}

static void test_same_point(void) {
  for (size_t k = 2; k <= 12; k++) {
    double x[12], y[12], ox[12], oy[12];
    bool moved[12];
    for (size_t i = 0; i < k; i++) x[i] = 300, y[i] = 200;
    ASSERT_INT_EQ(maplayout_spread(x, y, k, 30, ox, oy, moved), 0);
    all_apart(ox, oy, k, 30);
    double cx = 0, cy = 0;
    for (size_t i = 0; i < k; i++) {
      ASSERT(moved[i]);
      cx += ox[i], cy += oy[i];
      /* not thrown far: the ring stays within a few marker sizes of the point */
      ASSERT(hypot(ox[i] - 300, oy[i] - 200) < 30.0 * (double)k);
      ASSERT(hypot(ox[i] - 300, oy[i] - 200) >= 15.0);
    }
    /* the ring is centred on the common point */
    ASSERT(fabs(cx / (double)k - 300) < 1e-6 && fabs(cy / (double)k - 200) < 1e-6);
  }
}

static void test_lone_markers_stay(void) {
  double x[3] = {10, 100, 400}, y[3] = {10, 10, 300}, ox[3], oy[3];
  bool moved[3];
  ASSERT_INT_EQ(maplayout_spread(x, y, 3, 30, ox, oy, moved), 0);
  for (int i = 0; i < 3; i++) {
    ASSERT(!moved[i]);
    ASSERT(ox[i] == x[i] && oy[i] == y[i]);
  }
  ASSERT_INT_EQ(maplayout_spread(x, y, 1, 30, ox, oy, NULL), 0);
  ASSERT(ox[0] == 10 && oy[0] == 10);
  ASSERT_INT_EQ(maplayout_spread(x, y, 0, 30, ox, oy, NULL), 0);
}

/* Exactly min_dist apart is not an overlap; a hair closer is. */
static void test_boundary_distance(void) {
  double x[2] = {0, 30}, y[2] = {0, 0}, ox[2], oy[2];
  bool moved[2];
  ASSERT_INT_EQ(maplayout_spread(x, y, 2, 30, ox, oy, moved), 0);
  ASSERT(!moved[0] && !moved[1]);
  x[1] = 29.99;
  ASSERT_INT_EQ(maplayout_spread(x, y, 2, 30, ox, oy, moved), 0);
  ASSERT(moved[0] && moved[1]);
  all_apart(ox, oy, 2, 30);
}

/* A chain a-b-c of near neighbours is one group; a far marker is left alone. */
static void test_chain(void) {
  double x[4] = {0, 20, 40, 500}, y[4] = {0, 0, 0, 500}, ox[4], oy[4];
  bool moved[4];
  ASSERT_INT_EQ(maplayout_spread(x, y, 4, 30, ox, oy, moved), 0);
  ASSERT(moved[0] && moved[1] && moved[2] && !moved[3]);
  all_apart(ox, oy, 3, 30);
  ASSERT(ox[3] == 500 && oy[3] == 500);
  /* clockwise from the top, in index order: the first is straight above the centre */
  ASSERT(fabs(ox[0] - 20) < 1e-6 && oy[0] < 0);
}

int main(void) {
  RUN_TEST(test_same_point);
  RUN_TEST(test_lone_markers_stay);
  RUN_TEST(test_boundary_distance);
  RUN_TEST(test_chain);
  return 0;
}

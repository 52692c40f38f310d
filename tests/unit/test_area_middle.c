/* test_area_middle.c -- the kept middles of the areas' observations: after every kind of
 * change (an insert it followed, an insert, move, withdrawal or deletion it did not see, a job
 * rolled back, several areas, more areas than it keeps) the middle it gives is the one read
 * from the table. */
#include <sqlite3.h>
#include <string.h>

#include "area_middle.h"
#include "guard.h"
#include "job.h"
#include "store.h"
#include "support/daemon_fixture.h"
#include "support/rng.h"
#include "task.h"

static daemon_fixture fx;
static test_rng rng = {.state = 0x1234567890abull};

/* What the job in flight does (the exec functions read these). */
static int64_t cur_area;
static double cur_lat, cur_lon;
static bool cur_located;
static const char *cur_sql;

static const char sql_insert[] =
    "INSERT INTO observations(area, kind, category, level, lat, lon, text, author, created,"
    " updated) VALUES(?, 'resource', 'tryghed', 'area', ?, ?, '', 0, 0, 0)";

static void insert_row(store *st) {
  sqlite3_stmt *s = store_stmt(st, sql_insert);
  ASSERT(s != NULL);
  sqlite3_bind_int64(s, 1, cur_area);
  if (cur_located) {
    sqlite3_bind_double(s, 2, cur_lat);
    sqlite3_bind_double(s, 3, cur_lon);
  }
  ASSERT_INT_EQ(sqlite3_step(s), SQLITE_DONE);
  sqlite3_reset(s);
}

/* As observation.add does: ask for the middle, insert, tell the middles. */
static int exec_add(store *st, job *j) {
  (void)j;
  size_t n;
  double la, lo;
  ASSERT_INT_EQ(area_middle_get(st, cur_area, &n, &la, &lo), 0);
  insert_row(st);
  area_middle_added(st, cur_area, cur_located, cur_lat, cur_lon);
  return 0;
}

/* An insert the middles are not told of. */
static int exec_add_quietly(store *st, job *j) {
  (void)j;
  insert_row(st);
  return 0;
}

/* As exec_add, with another insert before the one it tells of. */
static int exec_add_two(store *st, job *j) {
  (void)j;
  size_t n;
  double la, lo;
  ASSERT_INT_EQ(area_middle_get(st, cur_area, &n, &la, &lo), 0);
  double lat = cur_lat;
  cur_lat = 41.0;
  insert_row(st);
  cur_lat = lat;
  insert_row(st);
  area_middle_added(st, cur_area, cur_located, cur_lat, cur_lon);
  return 0;
}

/* As exec_add, then fail: the job is rolled back. */
static int exec_add_then_fail(store *st, job *j) {
  exec_add(st, j);
  job_fail(j, SV_ERR_INVALID, "changed its mind");
  return -1;
}

/* Any other statement (a move, a withdrawal, a deletion). */
static int exec_sql(store *st, job *j) {
  (void)j;
  ASSERT_INT_EQ(sqlite3_exec(store_db(st), cur_sql, NULL, NULL, NULL), SQLITE_OK);
  return 0;
}

static void run(store *st, job_exec_fn exec) {
  job *j = job_internal(NULL, "test.op", "area", "", "test rule");
  ASSERT(j != NULL);
  j->exec = exec;
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  job_free(j);
}

/* The middle of area read from the table (guard_median_point), against area_middle_get. */
static void check(store *st, int64_t area) {
  static double lat[4096], lon[4096];
  sqlite3_stmt *s = NULL;
  ASSERT_INT_EQ(sqlite3_prepare_v2(store_db(st),
                                   "SELECT lat, lon FROM observations WHERE area = ? AND"
                                   " withdrawn = 0 AND lat IS NOT NULL AND lon IS NOT NULL",
                                   -1, &s, NULL),
                SQLITE_OK);
  sqlite3_bind_int64(s, 1, area);
  size_t n = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    ASSERT(n < 4096);
    lat[n] = sqlite3_column_double(s, 0);
    lon[n] = sqlite3_column_double(s, 1);
    n++;
  }
  sqlite3_finalize(s);
  size_t got_n = 99;
  double got_lat = 0, got_lon = 0;
  ASSERT_INT_EQ(area_middle_get(st, area, &got_n, &got_lat, &got_lon), 0);
  ASSERT_UINT_EQ(got_n, n);
  if (n == 0) return;
  double want_lat, want_lon;
  guard_median_point(lat, lon, n, &want_lat, &want_lon);
  ASSERT(got_lat == want_lat);
  ASSERT(got_lon == want_lon);
}

static void add(store *st, int64_t area, job_exec_fn exec) {
  cur_area = area;
  cur_located = test_rng_below(&rng, 5) != 0;
  cur_lat = 55.0 + test_rng_below(&rng, 10000) * 1e-4;
  cur_lon = 10.0 + test_rng_below(&rng, 50) * 1e-3; /* ties */
  run(st, exec);
}

static void test_middles(void) {
  store *st = fixture_store(&fx);
  cur_sql = "INSERT INTO areas(name, created, author) VALUES ('A', 0, 0), ('B', 0, 0)";
  run(st, exec_sql);
  check(st, 1); /* no observations yet */
  /* Inserts it follows, into two areas in turn. */
  for (int i = 0; i < 200; i++) {
    add(st, 1 + i % 2, exec_add);
    check(st, 1);
    check(st, 2);
  }
  /* An insert it is not told of. */
  cur_area = 1;
  cur_located = true;
  cur_lat = 40.0;
  cur_lon = 0.5;
  run(st, exec_add_quietly);
  check(st, 1);
  /* Two inserts where it is told of one. */
  cur_located = true;
  run(st, exec_add_two);
  check(st, 1);
  /* Inserts followed by a rollback of their job. */
  for (int i = 0; i < 20; i++) {
    add(st, 1, exec_add_then_fail);
    check(st, 1);
  }
  /* A move, a withdrawal, a deletion. */
  cur_sql = "UPDATE observations SET lat = 70.0 WHERE id = 3";
  run(st, exec_sql);
  check(st, 1);
  check(st, 2);
  cur_sql = "UPDATE observations SET withdrawn = 1, lat = NULL, lon = NULL WHERE id IN (5, 6, 7)";
  run(st, exec_sql);
  check(st, 1);
  check(st, 2);
  cur_sql = "DELETE FROM observations WHERE id % 7 = 0";
  run(st, exec_sql);
  check(st, 1);
  check(st, 2);
  /* More areas than it keeps: each still right when it comes back. */
  cur_sql = "WITH RECURSIVE k(x) AS (SELECT 3 UNION ALL SELECT x + 1 FROM k WHERE x < 20)"
            " INSERT INTO areas(id, name, created, author) SELECT x, 'area ' || x, 0, 0 FROM k";
  run(st, exec_sql);
  for (int i = 0; i < 400; i++) {
    int64_t area = 1 + test_rng_below(&rng, 20);
    add(st, area, exec_add);
    check(st, area);
    check(st, 1 + test_rng_below(&rng, 20));
  }
  store_close(st);
  /* A new store starts from the table, not from what another store kept. */
  st = fixture_store(&fx);
  check(st, 1);
  cur_sql = "DELETE FROM observations WHERE area = 1";
  run(st, exec_sql);
  check(st, 1);
  store_close(st);
}

int main(void) {
  fixture_init(&fx);
  RUN_TEST(test_middles);
  fixture_free(&fx);
  return 0;
}

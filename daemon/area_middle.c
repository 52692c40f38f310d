/* area_middle.c -- the middle of an area's located observations, kept between jobs on the
 * storage thread (area_middle.h). A new observation is checked against the middle of all its
 * area's others; reading them all for every insert made each one cost the size of the area.
 * The middles of the areas used last are kept as running medians in the store's cache and
 * trusted only while the observations table's change count (store_changes) says that nothing
 * but the inserts they followed has changed it; anything else (an update, a withdrawal, a
 * deletion, a rollback) makes them read again. */
#include "area_middle.h"

#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "log.h"

#define MIDDLE_AREAS 8 /* areas whose middle is kept */

typedef struct middle {
  int64_t area;        /* 0: slot unused */
  uint64_t used;       /* when last used (a tick), to replace the least recently used */
  guard_median lat, lon;
} middle;

typedef struct middles {
  bool valid;          /* every used slot holds its area as of `changes` */
  uint64_t changes;    /* store_changes(observations) the slots hold */
  uint64_t tick;
  middle m[MIDDLE_AREAS];
} middles;

static const char table[] = "observations";

static void middle_clear(middle *m) {
  guard_median_free(&m->lat);
  guard_median_free(&m->lon);
  m->area = 0;
  m->used = 0;
}

static void middles_release(void *state) {
  middles *c = state;
  for (int i = 0; i < MIDDLE_AREAS; i++) middle_clear(&c->m[i]);
  free(c);
}

static middles *cache(store *st) {
  middles *c = store_cache(st, table, sizeof(middles), middles_release);
  if (c != NULL && c->valid && c->changes != store_changes(st, table)) {
    for (int i = 0; i < MIDDLE_AREAS; i++) middle_clear(&c->m[i]);
    c->valid = false;
  }
  return c;
}

/* Read area's located observations into m (cleared first). Returns 0 or -1. */
static int middle_read(store *st, middle *m, int64_t area) {
  static const char sql[] =
      "SELECT lat, lon FROM observations WHERE area = ? AND withdrawn = 0"
      " AND lat IS NOT NULL AND lon IS NOT NULL";
  middle_clear(m);
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return -1;
  sqlite3_bind_int64(s, 1, area);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (guard_median_add(&m->lat, sqlite3_column_double(s, 0)) != 0 ||
        guard_median_add(&m->lon, sqlite3_column_double(s, 1)) != 0) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    middle_clear(m);
    return -1;
  }
  m->area = area;
  return 0;
}

static middle *find(middles *c, int64_t area) {
  for (int i = 0; i < MIDDLE_AREAS; i++)
    if (c->m[i].area == area) return &c->m[i];
  return NULL;
}

int area_middle_get(store *st, int64_t area, size_t *n, double *lat, double *lon) {
  middles *c = cache(st);
  if (c == NULL) return -1;
  if (!c->valid) {
    c->changes = store_changes(st, table);
    c->valid = true;
  }
  middle *m = find(c, area);
  if (m == NULL) {
    m = &c->m[0];
    for (int i = 1; i < MIDDLE_AREAS && m->area != 0; i++)
      if (c->m[i].area == 0 || c->m[i].used < m->used) m = &c->m[i];
    if (middle_read(st, m, area) != 0) return -1;
  }
  m->used = ++c->tick;
  *n = guard_median_count(&m->lat);
  if (*n > 0) {
    *lat = guard_median_value(&m->lat);
    *lon = guard_median_value(&m->lon);
  }
  return 0;
}

void area_middle_added(store *st, int64_t area, bool located, double lat, double lon) {
  middles *c = store_cache(st, table, sizeof(middles), middles_release);
  if (c == NULL || !c->valid) return;
  uint64_t now = store_changes(st, table);
  if (now != c->changes + 1) return; /* more changed than this insert: cache() reads again */
  middle *m = find(c, area);
  if (located && m != NULL &&
      (guard_median_add(&m->lat, lat) != 0 || guard_median_add(&m->lon, lon) != 0)) {
    log_debug("storage: out of memory for an area's middle; it is read again");
    return; /* c->changes stays behind: everything is read again */
  }
  c->changes = now;
}

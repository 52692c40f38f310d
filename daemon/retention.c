/* retention.c -- what the retention sweep deletes (see retention.h).
 *
 * Each table of content is a target: its rows belong to a class (a column, or the class the
 * table is) and their age counts from a time column -- the last change where the table records
 * one, so content still worked on is not deleted. Withdrawing an observation blanks its text
 * and place at once (ops_area.c); what is left of it ages from the withdrawal. Parts of an item (a meeting's attendees and
 * agenda, a note's or a concern's recipients, links and ties to an item that went) go with it
 * and are not counted on their own. */
#include "retention.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

typedef struct target {
  const char *count; /* ?1 class, ?2 cutoff: count(*), min(time) of the expired rows */
  const char *del;   /* the same rows */
  const char *first; /* parts that must go before the rows (foreign keys), or NULL */
} target;

#define MEETING_CLASS "CASE track WHEN 'core' THEN 'core-meeting' ELSE 'meeting' END"
#define MEETING_TIME "max(time, updated, coalesce(minutes_time, 0))"

static const target targets[] = {
    /* a withdrawn observation (text and place already blank) counts from its withdrawal */
    {"SELECT count(*), min(updated) FROM observations WHERE level = ?1 AND updated < ?2",
     "DELETE FROM observations WHERE level = ?1 AND updated < ?2", NULL},
    {"SELECT count(*), min(created) FROM links WHERE level = ?1 AND created < ?2",
     "DELETE FROM links WHERE level = ?1 AND created < ?2", NULL},
    {"SELECT count(*), min(updated) FROM interventions WHERE ?1 = 'intervention' AND updated < ?2",
     "DELETE FROM interventions WHERE ?1 = 'intervention' AND updated < ?2", NULL},
    {"SELECT count(*), min(" MEETING_TIME ") FROM meetings"
     " WHERE " MEETING_CLASS " = ?1 AND " MEETING_TIME " < ?2",
     "DELETE FROM meetings WHERE " MEETING_CLASS " = ?1 AND " MEETING_TIME " < ?2", NULL},
    {"SELECT count(*), min(created) FROM actor_ties WHERE ?1 = 'actor' AND created < ?2",
     "DELETE FROM actor_ties WHERE ?1 = 'actor' AND created < ?2", NULL},
    {"SELECT count(*), min(updated) FROM actors WHERE ?1 = 'actor' AND updated < ?2",
     "DELETE FROM actors WHERE ?1 = 'actor' AND updated < ?2",
     "DELETE FROM actor_ties WHERE ?1 = 'actor' AND"
     " (a IN (SELECT id FROM actors WHERE updated < ?2)"
     " OR b IN (SELECT id FROM actors WHERE updated < ?2))"},
    /* concern_recipients go by ON DELETE CASCADE; the receipt is a column of the concern */
    {"SELECT count(*), min(updated) FROM concerns WHERE ?1 = 'concern' AND updated < ?2",
     "DELETE FROM concerns WHERE ?1 = 'concern' AND updated < ?2", NULL},
    {"SELECT count(*), min(created) FROM notes WHERE class = ?1 AND created < ?2",
     "DELETE FROM notes WHERE class = ?1 AND created < ?2", NULL},
};
#define NTARGETS (sizeof targets / sizeof targets[0])

/* The parts left without their item, once the items are gone. */
static const char *const orphans[] = {
    "DELETE FROM links WHERE (resource IS NOT NULL AND resource NOT IN (SELECT id FROM observations))"
    " OR (challenge IS NOT NULL AND challenge NOT IN (SELECT id FROM observations))"
    " OR (intervention IS NOT NULL AND intervention NOT IN (SELECT id FROM interventions))",
    "DELETE FROM meeting_attendees WHERE NOT EXISTS (SELECT 1 FROM meetings m"
    " WHERE m.track = meeting_attendees.track AND m.id = meeting_attendees.meeting)",
    "DELETE FROM meeting_items WHERE NOT EXISTS (SELECT 1 FROM meetings m"
    " WHERE m.track = meeting_items.track AND m.id = meeting_items.meeting)",
    "DELETE FROM note_recipients WHERE note NOT IN (SELECT id FROM notes)",
};
#define NORPHANS (sizeof orphans / sizeof orphans[0])

bool retention_expired(int64_t ts, uint64_t now, int64_t secs) {
  return ts < (int64_t)now - secs;
}

void retention_plan_make(const policy *pol, uint64_t now, retention_plan *p) {
  memset(p, 0, sizeof *p);
  p->now = now;
  int nclasses = policy_class_count(pol);
  for (int c = 0; c < nclasses; c++) {
    int64_t secs = policy_retention(pol, c);
    const char *name = policy_class_name(pol, c);
    if (secs <= 0 || name == NULL) continue;
    if (p->n == RETENTION_CLASSES || strlen(name) >= sizeof p->c[0].klass) {
      log_warn("retention: class '%s' is not swept (more than %d classes with a retention, or "
               "a name longer than %zu bytes)", name, RETENTION_CLASSES,
               sizeof p->c[0].klass - 1);
      continue;
    }
    snprintf(p->c[p->n].klass, sizeof p->c[p->n].klass, "%s", name);
    p->c[p->n].secs = secs;
    p->n++;
  }
}

/* Run sql on db with ?1 = klass and ?2 = cutoff (those it has). For a count, *items and
 * *oldest get its two columns; for a delete, *items the rows it deleted. */
static int run(sqlite3 *db, const char *sql, const char *klass, int64_t cutoff, bool count,
               int64_t *items, int64_t *oldest, char *err, size_t errlen) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) goto fail;
  int np = sqlite3_bind_parameter_count(s);
  if (np >= 1) sqlite3_bind_text(s, 1, klass, -1, SQLITE_STATIC);
  if (np >= 2) sqlite3_bind_int64(s, 2, cutoff);
  int rc = sqlite3_step(s);
  if (count) {
    if (rc != SQLITE_ROW) goto fail;
    *items = sqlite3_column_int64(s, 0);
    *oldest = sqlite3_column_int64(s, 1);
  } else {
    if (rc != SQLITE_DONE) goto fail;
    if (items) *items = sqlite3_changes(db);
  }
  sqlite3_finalize(s);
  return 0;
fail:
  snprintf(err, errlen, "retention sweep: %s", sqlite3_errmsg(db));
  sqlite3_finalize(s);
  return -1;
}

/* Add n items, the oldest at oldest, to r's entry for klass. */
static void add(retention_result *r, const char *klass, int64_t n, int64_t oldest) {
  int i = 0;
  while (i < r->n && strcmp(r->c[i].klass, klass) != 0) i++;
  if (i == r->n) {
    if (r->n == RETENTION_CLASSES) return; /* cannot happen: one per class of the plan */
    snprintf(r->c[i].klass, sizeof r->c[i].klass, "%s", klass);
    r->n++;
  }
  if (n <= 0) return;
  if (r->c[i].items == 0 || oldest < r->c[i].oldest) r->c[i].oldest = oldest;
  r->c[i].items += n;
  r->total += n;
}

/* Count (and, unless count_only, delete) target t's rows of klass older than cutoff. */
static int sweep_target(sqlite3 *db, const target *t, const char *klass, int64_t cutoff,
                        bool count_only, retention_result *r, char *err, size_t errlen) {
  int64_t n = 0, oldest = 0, gone = 0;
  if (run(db, t->count, klass, cutoff, true, &n, &oldest, err, errlen) != 0) return -1;
  if (!count_only) {
    if (t->first && run(db, t->first, klass, cutoff, false, NULL, NULL, err, errlen) != 0)
      return -1;
    if (run(db, t->del, klass, cutoff, false, &gone, NULL, err, errlen) != 0) return -1;
    if (gone != n) {
      snprintf(err, errlen, "retention sweep: counted %lld rows to delete but deleted %lld",
               (long long)n, (long long)gone);
      return -1;
    }
  }
  add(r, klass, n, oldest);
  return 0;
}

static int sweep(sqlite3 *db, const retention_plan *p, bool count_only, retention_result *r,
                 char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  for (int c = 0; c < p->n; c++) {
    int64_t cutoff = (int64_t)p->now - p->c[c].secs;
    for (size_t t = 0; t < NTARGETS; t++)
      if (sweep_target(db, &targets[t], p->c[c].klass, cutoff, count_only, r, err, errlen) != 0)
        return -1;
  }
  if (count_only) return 0;
  for (size_t k = 0; k < NORPHANS; k++)
    if (run(db, orphans[k], NULL, 0, false, NULL, NULL, err, errlen) != 0) return -1;
  return 0;
}

int retention_count(sqlite3 *db, const retention_plan *p, retention_result *r, char *err,
                    size_t errlen) {
  return sweep(db, p, true, r, err, errlen);
}

int retention_delete(sqlite3 *db, const retention_plan *p, retention_result *r, char *err,
                     size_t errlen) {
  return sweep(db, p, false, r, err, errlen);
}

void retention_object(const retention_result *r, char *out, size_t n) {
  if (n == 0) return;
  int used = snprintf(out, n, "deleted:%lld", (long long)r->total);
  if (used < 0 || (size_t)used >= n) return;
  for (int i = 0; i < r->n; i++) {
    if (r->c[i].items == 0) continue;
    char part[64];
    int len = snprintf(part, sizeof part, " %s:%lld", r->c[i].klass, (long long)r->c[i].items);
    if (len < 0 || (size_t)(used + len) >= n) break; /* the total says what the rest was */
    memcpy(out + used, part, (size_t)len + 1);
    used += len;
  }
}

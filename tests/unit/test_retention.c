/* test_retention.c -- the retention sweep's boundary, exactly: an item exactly as old as its
 * class's retention is kept and one a second older is deleted, in every table of content; the
 * parts of a deleted item go with it; a dry run counts what the sweep deletes; the sweep is one
 * audit entry with the counts, and a sweep that finds nothing writes none. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_entry.h"
#include "auditlog.h"
#include "job.h"
#include "ops_retention.h"
#include "policy.h"
#include "retention.h"
#include "store.h"
#include "support/daemon_fixture.h"
#include "task.h"

static daemon_fixture fx;

#define NOW 2000000000LL
#define KEEP 100 /* seconds: every class's retention in the test policy */
#define CUT (NOW - KEEP) /* exactly KEEP old: kept; one second older: deleted */

static const char policy_text[] =
    "roles r\nactions a\n"
    "classes area, group, intervention, meeting, core-meeting, actor, concern, individual\n"
    "classes audit\n"
    "retain area, group, intervention, meeting, core-meeting, actor, concern, individual"
    " 100 seconds\n";

/* Two of everything: id 1 one second past the retention, id 2 exactly at it. A planned
 * meeting (id 3) changed long ago but held in the future is kept: its age counts from the
 * later of its time and its changes. */
static char seed_sql[8192];

static void make_seed(void) {
  long long o = CUT - 1, k = CUT;
  snprintf(seed_sql, sizeof seed_sql,
           "INSERT INTO areas(id, name, created, author) VALUES(1, 'A', 0, 1);"
           "INSERT INTO observations(id, area, kind, category, level, text, author, created,"
           " updated) VALUES(1, 1, 'challenge', 'c', 'area', 'old', 1, %lld, %lld),"
           "(2, 1, 'challenge', 'c', 'area', 'kept', 1, %lld, %lld),"
           "(3, 1, 'resource', 'c', 'group', 'old', 1, %lld, %lld),"
           "(4, 1, 'resource', 'c', 'group', 'kept', 1, %lld, %lld);"
           /* a link that is young, to an observation that goes: it goes too */
           "INSERT INTO links(id, area, kind, resource, challenge, level, author, created)"
           " VALUES(1, 1, 'answers', 4, 1, 'area', 1, %lld), (2, 1, 'answers', 4, 2, 'area', 1,"
           " %lld);"
           "INSERT INTO interventions(id, area, level, step, status, text, author, created,"
           " updated) VALUES(1, 1, 'area', 'act', 'planned', 'old', 1, %lld, %lld),"
           "(2, 1, 'area', 'act', 'planned', 'kept', 1, %lld, %lld);"
           "INSERT INTO meetings(track, id, area, time, author, created, updated) VALUES"
           "('area', 1, 1, %lld, 1, %lld, %lld), ('area', 2, 1, %lld, 1, %lld, %lld),"
           "('area', 3, 1, %lld, 1, %lld, %lld),"
           "('core', 1, 1, %lld, 1, %lld, %lld), ('core', 2, 1, %lld, 1, %lld, %lld);"
           "INSERT INTO meeting_items(track, meeting, n, text, author, created) VALUES"
           "('area', 1, 1, 'old', 1, 0), ('area', 2, 1, 'kept', 1, 0), ('core', 1, 1, 'old', 1, 0);"
           "INSERT INTO meeting_attendees(track, meeting, pos, member) VALUES('area', 1, 0, 1),"
           "('core', 2, 0, 1);"
           "INSERT INTO actors(id, area, name, category, form, author, created, updated) VALUES"
           "(1, 1, 'old', 'c', 'exchange', 1, %lld, %lld), (2, 1, 'b', 'c', 'exchange', 1,"
           " %lld, %lld), (3, 1, 'c', 'c', 'exchange', 1, %lld, %lld),"
           " (4, 1, 'd', 'c', 'exchange', 1, %lld, %lld);"
           /* tie 1 is young but its actor goes; tie 2 is old itself */
           "INSERT INTO actor_ties(id, a, b, author, created) VALUES(1, 1, 2, 1, %lld),"
           "(2, 2, 3, 1, %lld), (3, 3, 4, 1, %lld);"
           "INSERT INTO concerns(id, receipt, submitter, area, purpose, envelope, created, status,"
           " updated) VALUES(1, x'01', 1, '', '', x'00', %lld, 'received', %lld),"
           "(2, x'02', 1, '', '', x'00', %lld, 'received', %lld);"
           "INSERT INTO concern_recipients(concern, member) VALUES(1, 1), (2, 1);"
           "INSERT INTO notes(id, sender, sender_keyid, class, area, purpose, envelope, size,"
           " created, expires, send_seq) VALUES(x'01', 1, 'k', 'individual', '', '', x'00', 1,"
           " %lld, 0, 0), (x'02', 1, 'k', 'individual', '', '', x'00', 1, %lld, 0, 0),"
           "(x'03', 1, 'k', 'audit', '', '', x'00', 1, %lld, 0, 0);"
           "INSERT INTO note_recipients(note, member) VALUES(x'01', 1), (x'02', 1);",
           o, o, k, k, o, o, k, k, /* observations */
           k + 50, k + 50, /* links */
           o, o, k, k, /* interventions */
           o, o, o, k, o, o, NOW + 86400, o, o, /* area meetings: time decides 2 and 3 */
           o, o, o, o, o, k, /* core meetings: updated decides 2 */
           o, o, k, k, k, k, k, k, /* actors */
           NOW, o, k, /* ties */
           o, o, k, k, /* concerns */
           o, k, o /* notes: the audit class has no retention */);
}

static int exec_seed(store *st, job *j) {
  char *msg = NULL;
  if (sqlite3_exec(store_db(st), seed_sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "seed: %s\n", msg);
    sqlite3_free(msg);
    job_fail(j, SV_ERR_INTERNAL, "seed");
    return -1;
  }
  return 0;
}

static int64_t count(store *st, const char *sql) {
  sqlite3_stmt *s = NULL;
  ASSERT_INT_EQ(sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(s), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

static int64_t items_of(const retention_result *r, const char *klass, int64_t *oldest) {
  for (int i = 0; i < r->n; i++)
    if (strcmp(r->c[i].klass, klass) == 0) {
      if (oldest) *oldest = r->c[i].oldest;
      return r->c[i].items;
    }
  return -1;
}

static void test_boundary(void) {
  ASSERT(retention_expired(CUT - 1, NOW, KEEP));
  ASSERT(!retention_expired(CUT, NOW, KEEP));
  ASSERT(!retention_expired(CUT + 1, NOW, KEEP));
  /* A retention longer than the epoch is old keeps everything. */
  ASSERT(!retention_expired(0, 1000, 2000));
}

static void test_sweep(void) {
  policy_diag diag;
  memset(&diag, 0, sizeof diag);
  policy *pol = policy_load_text("t.policy", policy_text, strlen(policy_text), &diag);
  if (pol == NULL) {
    char buf[2048];
    policy_diag_format(&diag, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
  }
  ASSERT(pol != NULL);
  store *st = fixture_store(&fx);
  make_seed();
  job *j = job_internal(NULL, "test.seed", "area", "", "test");
  j->exec = exec_seed;
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT_INT_EQ(j->err, SV_OK);
  job_free(j);

  /* The dry run counts, per class, what goes, and the oldest. */
  retention_plan p;
  retention_plan_make(pol, NOW, &p);
  ASSERT_INT_EQ(p.n, 8);
  retention_result r;
  char err[256];
  ASSERT_INT_EQ(retention_count(store_db(st), &p, &r, err, sizeof err), 0);
  int64_t oldest = 0;
  ASSERT_INT_EQ(items_of(&r, "area", &oldest), 1);
  ASSERT_INT_EQ(oldest, CUT - 1);
  ASSERT_INT_EQ(items_of(&r, "group", NULL), 1);
  ASSERT_INT_EQ(items_of(&r, "intervention", NULL), 1);
  ASSERT_INT_EQ(items_of(&r, "meeting", NULL), 1);
  ASSERT_INT_EQ(items_of(&r, "core-meeting", NULL), 1);
  ASSERT_INT_EQ(items_of(&r, "actor", NULL), 2); /* actor 1 and tie 2 (tie 1 goes with actor 1) */
  ASSERT_INT_EQ(items_of(&r, "concern", NULL), 1);
  ASSERT_INT_EQ(items_of(&r, "individual", NULL), 1);
  ASSERT_INT_EQ(r.total, 9);

  /* The sweep deletes exactly that, as one entry. */
  uint64_t base = auditlog_size(store_auditlog(st));
  j = ops_retention_job(pol, NOW, "retention sweep");
  ASSERT(j != NULL);
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT_INT_EQ(j->err, SV_OK);
  ASSERT_UINT_EQ(j->audit_seq, base);
  ASSERT_INT_EQ(ops_retention_result(j)->total, 9);
  uint8_t *buf = NULL;
  size_t len = 0;
  audit_entry e;
  ASSERT_INT_EQ(auditlog_entry(store_auditlog(st), base, &buf, &len), 0);
  ASSERT_INT_EQ(audit_entry_decode(buf, len, &e), AUDIT_OK);
  free(buf);
  ASSERT_STR_EQ(e.op, "retention.purge");
  ASSERT_STR_EQ(e.actor, "-");
  ASSERT_STR_EQ(e.rule, "retention sweep");
  ASSERT_STR_EQ(e.object, "deleted:9 area:1 group:1 intervention:1 meeting:1 core-meeting:1 "
                          "actor:2 concern:1 individual:1");
  job_free(j);

  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM observations"), 2);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM observations WHERE id IN (2, 4)"), 2);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM links"), 1);
  ASSERT_INT_EQ(count(st, "SELECT id FROM links"), 2);
  ASSERT_INT_EQ(count(st, "SELECT id FROM interventions"), 2);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM meetings WHERE track = 'area' AND id IN (2, 3)"), 2);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM meetings"), 3);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM meeting_items"), 1);
  ASSERT_INT_EQ(count(st, "SELECT meeting FROM meeting_items"), 2);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM meeting_attendees"), 1);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM actors"), 3);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM actor_ties"), 1);
  ASSERT_INT_EQ(count(st, "SELECT id FROM actor_ties"), 3);
  ASSERT_INT_EQ(count(st, "SELECT id FROM concerns"), 2);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM concern_recipients"), 1);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM notes"), 2); /* the kept one, the audit one */
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM note_recipients"), 1);

  /* Nothing left to delete: no entry, and no error. */
  j = ops_retention_job(pol, NOW, "retention sweep");
  store_run_sync(st, j);
  ASSERT_INT_EQ(j->err, SV_OK);
  ASSERT(!j->audited);
  ASSERT_INT_EQ(ops_retention_result(j)->total, 0);
  ASSERT_UINT_EQ(auditlog_size(store_auditlog(st)), base + 1);
  job_free(j);

  /* One second later the items that were exactly at the boundary go. */
  j = ops_retention_job(pol, NOW + 1, "retention sweep");
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  /* observations 2 and 4, intervention 2, meetings area 2 and core 2, actors 2-4, tie 3,
   * concern 2, note 2 (link 2 is young but goes with its observations) */
  ASSERT_INT_EQ(ops_retention_result(j)->total, 11);
  job_free(j);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM links"), 0);
  ASSERT_INT_EQ(count(st, "SELECT count(*) FROM meetings"), 1); /* the planned one */
  store_close(st);
  store_close(fixture_store(&fx)); /* the log still passes the start-up check */
  policy_free(pol);
}

static void test_object(void) {
  retention_result r;
  memset(&r, 0, sizeof r);
  r.n = 2;
  snprintf(r.c[0].klass, sizeof r.c[0].klass, "area");
  r.c[0].items = 3;
  snprintf(r.c[1].klass, sizeof r.c[1].klass, "intervention");
  r.c[1].items = 0;
  r.total = 3;
  char out[64];
  retention_object(&r, out, sizeof out);
  ASSERT_STR_EQ(out, "deleted:3 area:3");
  char small[15];
  retention_object(&r, small, sizeof small); /* "deleted:3 area:3" does not fit: cut at a space */
  ASSERT_STR_EQ(small, "deleted:3");
}

int main(void) {
  if (sodium_init() < 0) return 1;
  fixture_init(&fx);
  RUN_TEST(test_boundary);
  RUN_TEST(test_sweep);
  RUN_TEST(test_object);
  fixture_free(&fx);
  return 0;
}

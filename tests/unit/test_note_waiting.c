/* test_note_waiting.c -- the bytes of notes waiting (notes_held, note_waiting), which the
 * storage quotas read, are kept by the schema's triggers: after every change of notes and
 * note_recipients, in any order, and after a rollback, they equal the sums over the waiting
 * notes; a database migrated from schema version 3 starts with them equal too. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>

#include "merkle.h"
#include "support/daemon_fixture.h"
#include "support/rng.h"
#include "task.h"

#define MEMBERS 6
#define STEPS 3000

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
    TASK_FAIL("%s: %s (%d)", sql, err, sqlite3_extended_errcode(db));
}

static long long one(sqlite3 *db, const char *sql) {
  sqlite3_stmt *s = NULL;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(s), SQLITE_ROW);
  long long v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

/* The counters against the sums they stand for. */
static void check_counts(sqlite3 *db, const char *after) {
  long long held = one(db, "SELECT bytes FROM notes_held");
  long long sum = one(db, "SELECT COALESCE(SUM(size), 0) FROM notes");
  if (held != sum) TASK_FAIL("after %s: notes_held %lld, the notes hold %lld", after, held, sum);
  for (int m = 1; m <= MEMBERS; m++) {
    char q[256];
    snprintf(q, sizeof q, "SELECT COALESCE((SELECT bytes FROM note_waiting WHERE member = %d), 0)",
             m);
    long long kept = one(db, q);
    snprintf(q, sizeof q,
             "SELECT COALESCE(SUM(n.size), 0) FROM note_recipients r JOIN notes n ON n.id = r.note"
             " WHERE r.member = %d AND r.acked = 0", m);
    long long want = one(db, q);
    if (kept != want)
      TASK_FAIL("after %s: member %d has %lld bytes waiting by the counter, %lld by the sum",
                after, m, kept, want);
  }
}

/* Schema version 4's subtree table back: audit_nodes keyed by (level, idx), from
 * audit_subtrees (version 5), for a database made to look older than it is. */
static void subtrees_as_v4(sqlite3 *db) {
  exec(db, "CREATE TABLE audit_nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL,"
           " hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID");
  sqlite3_stmt *s = NULL;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db, "INSERT INTO audit_nodes SELECT ?, ?, hash"
                                       " FROM audit_subtrees WHERE pos = ?", -1, &s, NULL),
                SQLITE_OK);
  long long size = one(db, "SELECT count(*) FROM audit_entries");
  for (uint64_t m = 1; m <= (uint64_t)size; m++)
    for (uint64_t level = 1; m % (1ull << level) == 0; level++) {
      uint64_t idx = (m >> level) - 1;
      sqlite3_bind_int64(s, 1, (sqlite3_int64)level);
      sqlite3_bind_int64(s, 2, (sqlite3_int64)idx);
      sqlite3_bind_int64(s, 3, merkle_node_pos(level, idx));
      ASSERT_INT_EQ(sqlite3_step(s), SQLITE_DONE);
      sqlite3_reset(s);
    }
  sqlite3_finalize(s);
  ASSERT_INT_EQ(one(db, "SELECT count(*) FROM audit_nodes"),
                one(db, "SELECT count(*) FROM audit_subtrees"));
  exec(db, "DROP TABLE audit_subtrees");
}

/* Random sends, acks, deletions in both orders, expiry-like sweeps and rolled-back changes. */
static void test_random_changes(void) {
  daemon_fixture fx;
  fixture_init(&fx); /* a database with the current schema; its own connection changes it */
  sqlite3 *db = NULL;
  ASSERT_INT_EQ(sqlite3_open_v2(fx.db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  test_rng r = {.state = 20261202};
  int next_note = 1;
  char sql[512];
  check_counts(db, "nothing");
  for (int step = 0; step < STEPS; step++) {
    unsigned what = test_rng_below(&r, 10);
    int note = 1 + (int)test_rng_below(&r, (uint32_t)next_note);
    int member = 1 + (int)test_rng_below(&r, MEMBERS);
    const char *name = "";
    switch (what) {
      case 0:
      case 1: /* a send: the note, then its recipients */
        name = "a send";
        snprintf(sql, sizeof sql,
                 "INSERT INTO notes VALUES(x'%04x', 1, 'k', 'c', '', '', x'00', %u, 0, %u, 0);"
                 "INSERT INTO note_recipients(note, member) VALUES(x'%04x', %d);"
                 "INSERT OR IGNORE INTO note_recipients(note, member) VALUES(x'%04x', %d);",
                 next_note, 1 + test_rng_below(&r, 5000), test_rng_below(&r, 100), next_note, member,
                 next_note, 1 + (int)test_rng_below(&r, MEMBERS));
        next_note++;
        break;
      case 2: /* recipients before their note */
        name = "recipients before the note";
        snprintf(sql, sizeof sql,
                 "INSERT INTO note_recipients(note, member) VALUES(x'%04x', %d);"
                 "INSERT INTO notes VALUES(x'%04x', 1, 'k', 'c', '', '', x'00', %u, 0, %u, 0);",
                 next_note, member, next_note, 1 + test_rng_below(&r, 5000), test_rng_below(&r, 100));
        next_note++;
        break;
      case 3: /* an ack */
        name = "an ack";
        snprintf(sql, sizeof sql,
                 "UPDATE note_recipients SET acked = 1 WHERE note = x'%04x' AND member = %d",
                 note, member);
        break;
      case 4: /* a delivery withdrawn (role change, revocation) */
        name = "a delivery dropped";
        snprintf(sql, sizeof sql,
                 "DELETE FROM note_recipients WHERE member = %d AND acked = 0 AND note = x'%04x'",
                 member, note);
        break;
      case 5: /* a note and its deliveries, the deliveries first (ack by all, expiry) */
        name = "deliveries, then their note";
        snprintf(sql, sizeof sql,
                 "DELETE FROM note_recipients WHERE note = x'%04x';"
                 "DELETE FROM notes WHERE id = x'%04x'", note, note);
        break;
      case 6: /* the note first (retention), then its orphaned deliveries */
        name = "a note, then its deliveries";
        snprintf(sql, sizeof sql,
                 "DELETE FROM notes WHERE id = x'%04x';"
                 "DELETE FROM note_recipients WHERE note NOT IN (SELECT id FROM notes)", note);
        break;
      case 7: /* an expiry sweep */
        name = "an expiry sweep";
        snprintf(sql, sizeof sql,
                 "DELETE FROM note_recipients WHERE note IN (SELECT id FROM notes WHERE expires"
                 " <= %u); DELETE FROM notes WHERE expires <= %u", test_rng_below(&r, 10),
                 test_rng_below(&r, 10));
        break;
      case 9: /* a delivery marked waiting again, and one recorded as already read */
        name = "a delivery waiting again";
        snprintf(sql, sizeof sql,
                 "UPDATE note_recipients SET acked = 0 WHERE note = x'%04x' AND member = %d;"
                 "INSERT OR IGNORE INTO note_recipients(note, member, acked) VALUES(x'%04x', %d, 1)",
                 note, member, note, 1 + (int)test_rng_below(&r, MEMBERS));
        break;
      case 8: /* changes rolled back */
        name = "a rolled-back savepoint";
        snprintf(sql, sizeof sql,
                 "SAVEPOINT t; INSERT INTO notes VALUES(x'ffff', 1, 'k', 'c', '', '', x'00', 77,"
                 " 0, 50, 0); INSERT INTO note_recipients(note, member) VALUES(x'ffff', %d);"
                 "UPDATE note_recipients SET acked = 1 WHERE member = %d;"
                 "ROLLBACK TO t; RELEASE t", member, member);
        break;
    }
    exec(db, sql);
    check_counts(db, name);
  }
  /* A delivery's note and member, and a note's size, stay as they are. */
  exec(db, "INSERT INTO notes VALUES(x'eeee', 1, 'k', 'c', '', '', x'00', 9, 0, 50, 0);"
           "INSERT INTO note_recipients(note, member) VALUES(x'eeee', 1)");
  ASSERT(sqlite3_exec(db, "UPDATE notes SET size = 1 WHERE id = x'eeee'", NULL, NULL, NULL) !=
         SQLITE_OK);
  ASSERT(sqlite3_exec(db, "UPDATE note_recipients SET member = 2 WHERE note = x'eeee'", NULL,
                      NULL, NULL) != SQLITE_OK);
  check_counts(db, "refused changes");
  ASSERT(one(db, "SELECT count(*) FROM notes") > 0);
  ASSERT(one(db, "SELECT bytes FROM notes_held") > 0);

  /* As a version-3 database: no counters. Opened again, it is migrated and they are right. */
  subtrees_as_v4(db);
  exec(db, "DROP TRIGGER notes_held_add; DROP TRIGGER notes_held_del;"
           "DROP TRIGGER note_waiting_add; DROP TRIGGER note_waiting_del;"
           "DROP TRIGGER note_waiting_ack; DROP TRIGGER note_waiting_unack;"
           "DROP TRIGGER note_recipients_fixed;"
           "DROP TRIGGER notes_size_fixed; DROP TABLE notes_held; DROP TABLE note_waiting;"
           "UPDATE schema_version SET version = 3");
  ASSERT_INT_EQ(sqlite3_close(db), SQLITE_OK);
  store_close(fixture_store(&fx));
  ASSERT_INT_EQ(sqlite3_open_v2(fx.db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  ASSERT_INT_EQ(one(db, "SELECT version FROM schema_version"), 5);
  check_counts(db, "the migration");
  ASSERT_INT_EQ(sqlite3_close(db), SQLITE_OK);
  fixture_free(&fx);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_random_changes);
  return 0;
}

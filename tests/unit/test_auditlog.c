/* test_auditlog.c -- the daemon's audit log on its own: appending entry values, signed
 * checkpoints, proofs checked against an independent Merkle computation, batch rollback, and the
 * start-up check catching edits, deletions and foreign checkpoints. */
#include <sodium.h>
#include <sqlite3.h>

#include "auditlog.h"
#include "checkpoint.h"
#include "merkle.h"
#include "signed_note.h"
#include "support/daemon_fixture.h"
#include "support/tmpdir.h"
#include "task.h"

#define N 36 /* entries: not a power of two, so proofs have odd right edges; test_rollback adds
              * one, which then stands alone at the right edge (37 = 32 + 4 + 1) */

static daemon_fixture fx;
static sqlite3 *db;
static uint8_t leaves[N + 8][MERKLE_HASH_LEN]; /* leaf hashes as the test computes them */

static void exec_sql(const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) TASK_FAIL("%s: %s", sql, msg);
}

static void open_db(void) { ASSERT_INT_EQ(sqlite3_open(fx.db_path, &db), SQLITE_OK); }

static auditlog *open_log(char *err, size_t errlen) {
  return auditlog_open(db, fx.cfg.origin, fx.log_pk, &fx.sg, AUDITLOG_VERIFY_FULL, err, errlen);
}

static auditlog *must_open(void) {
  char err[512] = "";
  auditlog *al = open_log(err, sizeof err);
  if (al == NULL) TASK_FAIL("auditlog_open: %s", err);
  return al;
}

/* Entry number i as the test makes it (before the log sets seq). */
static void make_entry(audit_entry *e, uint64_t i) {
  memset(e, 0, sizeof *e);
  e->version = AUDIT_ENTRY_V1;
  e->time_ms = 1700000000000ull + i;
  snprintf(e->actor, sizeof e->actor, "%016llx", (unsigned long long)(0xabc000 + i));
  snprintf(e->role, sizeof e->role, "partner");
  snprintf(e->op, sizeof e->op, "observation.add");
  snprintf(e->data_class, sizeof e->data_class, "area");
  snprintf(e->object, sizeof e->object, "observation:%llu", (unsigned long long)i);
  e->decision = i % 3 ? AUDIT_PERMIT : AUDIT_DENY;
  snprintf(e->rule, sizeof e->rule, "area-work (unit.policy:%llu)", (unsigned long long)i);
  e->policy[0] = (uint8_t)i;
}

/* Append entries [from, to) in one transaction and commit it with a checkpoint text; the tree
 * head to sign goes to *size and root. */
static void commit_batch(auditlog *al, uint64_t from, uint64_t to, uint64_t *size,
                         uint8_t root[32]) {
  char err[256];
  exec_sql("BEGIN IMMEDIATE");
  for (uint64_t i = from; i < to; i++) {
    audit_entry e;
    make_entry(&e, i);
    e.seq = 999999; /* the log assigns it */
    ASSERT_INT_EQ(auditlog_append(al, &e, err, sizeof err), 0);
    ASSERT_UINT_EQ(e.seq, i);
    ASSERT_INT_EQ(audit_entry_leaf_hash(&e, leaves[i]), AUDIT_OK);
  }
  ASSERT_UINT_EQ(auditlog_size(al), to);
  ASSERT(auditlog_signed_size(al) <= from); /* readers see the batch only once signed */
  ASSERT_INT_EQ(auditlog_put_checkpoint(al, err, sizeof err), 0);
  exec_sql("COMMIT");
  ASSERT(auditlog_committed(al, size, root));
  ASSERT_UINT_EQ(*size, to);
}

/* commit_batch, then sign it (the commit is durable at once here). */
static void append_batch(auditlog *al, uint64_t from, uint64_t to) {
  uint64_t size = 0, signed_before = auditlog_signed_size(al);
  uint8_t root[32];
  char err[256];
  commit_batch(al, from, to, &size, root);
  ASSERT_UINT_EQ(auditlog_signed_size(al), signed_before); /* signed only when asked */
  ASSERT_INT_EQ(auditlog_sign(al, size, root, err, sizeof err), 0);
  ASSERT_UINT_EQ(auditlog_signed_size(al), to);
}

/* The latest checkpoint verifies with the log key and names size and the test's own root. */
static void check_checkpoint(auditlog *al, uint64_t size) {
  const char *note = auditlog_checkpoint(al);
  ASSERT(note != NULL);
  note_verifier v;
  ASSERT_INT_EQ(note_verifier_init(&v, fx.cfg.origin, fx.log_pk), NOTE_OK);
  checkpoint cp;
  ASSERT_INT_EQ(checkpoint_open(note, strlen(note), &v, fx.cfg.origin, &cp, NULL), CHECKPOINT_OK);
  ASSERT_UINT_EQ(cp.size, size);
  uint8_t root[32];
  merkle_mem_root((const uint8_t(*)[32])leaves, size, root);
  ASSERT_MEM_EQ(cp.root, root, 32);
}

static void test_append_checkpoint_proofs(void) {
  auditlog *al = must_open();
  ASSERT_UINT_EQ(auditlog_size(al), 0);
  ASSERT(auditlog_checkpoint(al) == NULL);
  append_batch(al, 0, 20);
  check_checkpoint(al, 20);
  append_batch(al, 20, N);
  check_checkpoint(al, N);
  /* Entries read back as the canonical encoding of what was appended. */
  for (uint64_t i = 0; i < N; i++) {
    uint8_t *buf = NULL;
    size_t len = 0;
    ASSERT_INT_EQ(auditlog_entry(al, i, &buf, &len), 0);
    audit_entry got, want;
    ASSERT_INT_EQ(audit_entry_decode(buf, len, &got), AUDIT_OK);
    make_entry(&want, i);
    want.seq = i;
    ASSERT_UINT_EQ(got.seq, i);
    ASSERT_STR_EQ(got.object, want.object);
    ASSERT_STR_EQ(got.rule, want.rule);
    uint8_t h[32];
    merkle_leaf_hash(buf, len, h);
    ASSERT_MEM_EQ(h, leaves[i], 32);
    free(buf);
  }
  uint8_t *miss = NULL;
  size_t mlen = 0;
  ASSERT_INT_EQ(auditlog_entry(al, N, &miss, &mlen), -1);
  /* Every inclusion proof in trees of several sizes verifies against the test's root. */
  for (uint64_t n = 1; n <= N; n += 6) {
    uint8_t root[32];
    merkle_mem_root((const uint8_t(*)[32])leaves, n, root);
    for (uint64_t i = 0; i < n; i++) {
      uint8_t *proof = NULL;
      size_t count = 0;
      ASSERT_INT_EQ(auditlog_inclusion(al, i, n, &proof, &count), 0);
      ASSERT(merkle_verify_inclusion(leaves[i], i, n, (const uint8_t(*)[32])proof, count, root));
      free(proof);
    }
  }
  /* Consistency proofs between sizes, and the bounds on both sides. */
  uint8_t r1[32], r2[32];
  for (uint64_t m = 0; m <= N; m += 5) {
    uint8_t *proof = NULL;
    size_t count = 0;
    ASSERT_INT_EQ(auditlog_consistency(al, m, N, &proof, &count), 0);
    merkle_mem_root((const uint8_t(*)[32])leaves, m, r1);
    merkle_mem_root((const uint8_t(*)[32])leaves, N, r2);
    ASSERT(merkle_verify_consistency(m, N, (const uint8_t(*)[32])proof, count, r1, r2));
    free(proof);
  }
  uint8_t *p = NULL;
  size_t c = 0;
  ASSERT_INT_EQ(auditlog_inclusion(al, N, N, &p, &c), -1);     /* seq == size */
  ASSERT_INT_EQ(auditlog_inclusion(al, 0, N + 1, &p, &c), -1); /* beyond the log */
  ASSERT_INT_EQ(auditlog_consistency(al, N, N + 1, &p, &c), -1);
  ASSERT_INT_EQ(auditlog_consistency(al, 5, 4, &p, &c), -1);
  ASSERT_STR_CONTAINS(auditlog_verifier_key(al), fx.cfg.origin);
  auditlog_close(al);
}

/* Pipelined commits: two batches commit before the first is signed; signing the first gives
 * the signer only its own leaves, the second the rest, and a rolled-back third leaves both
 * signable. */
static void test_pipelined(void) {
  auditlog *al = must_open();
  uint64_t base = auditlog_size(al), s1 = 0, s2 = 0;
  uint8_t r1[32], r2[32];
  char err[256];
  commit_batch(al, base, base + 3, &s1, r1);
  commit_batch(al, base + 3, base + 5, &s2, r2);
  ASSERT_UINT_EQ(auditlog_signed_size(al), base);
  auditlog_mark mark;
  auditlog_save(al, &mark);
  exec_sql("BEGIN IMMEDIATE");
  audit_entry e;
  make_entry(&e, 2000);
  ASSERT_INT_EQ(auditlog_append(al, &e, err, sizeof err), 0);
  exec_sql("ROLLBACK");
  auditlog_restore(al, &mark);
  ASSERT_INT_EQ(auditlog_sign(al, s1, r1, err, sizeof err), 0);
  check_checkpoint(al, s1);
  ASSERT_INT_EQ(auditlog_sign(al, s2, r2, err, sizeof err), 0);
  check_checkpoint(al, s2);
  auditlog_close(al);
  al = must_open();
  check_checkpoint(al, s2);
  auditlog_close(al);
}

/* A rolled-back batch leaves no trace: the next entry reuses its sequence numbers and the
 * checkpoint signed for it is never served. */
static void test_rollback(void) {
  auditlog *al = must_open();
  ASSERT_UINT_EQ(auditlog_size(al), N);
  const char *before = auditlog_checkpoint(al);
  char *copy = strdup(before);
  auditlog_mark mark;
  auditlog_save(al, &mark);
  exec_sql("BEGIN IMMEDIATE");
  char err[256];
  audit_entry e;
  make_entry(&e, 1000);
  ASSERT_INT_EQ(auditlog_append(al, &e, err, sizeof err), 0);
  ASSERT_UINT_EQ(e.seq, N);
  ASSERT_INT_EQ(auditlog_put_checkpoint(al, err, sizeof err), 0);
  exec_sql("ROLLBACK");
  auditlog_restore(al, &mark);
  ASSERT_UINT_EQ(auditlog_size(al), N);
  ASSERT_UINT_EQ(auditlog_signed_size(al), N);
  ASSERT_STR_EQ(auditlog_checkpoint(al), copy);
  free(copy);
  /* The same seq again, with another entry: the tree is the one the test computes. */
  append_batch(al, N, N + 1);
  check_checkpoint(al, N + 1);
  auditlog_close(al);
  al = must_open(); /* and the start-up check agrees */
  ASSERT_UINT_EQ(auditlog_size(al), N + 1);
  check_checkpoint(al, N + 1);
  auditlog_close(al);
}

/* Overwrite entry seq's stored bytes: the first occurrence of from (in place, same length) is
 * replaced by to. */
static void edit_entry(uint64_t seq, const char *from, const char *to) {
  sqlite3_stmt *s = NULL;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db, "SELECT entry FROM audit_entries WHERE seq = ?", -1, &s,
                                   NULL), SQLITE_OK);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
  ASSERT_INT_EQ(sqlite3_step(s), SQLITE_ROW);
  size_t len = (size_t)sqlite3_column_bytes(s, 0);
  uint8_t *buf = malloc(len);
  memcpy(buf, sqlite3_column_blob(s, 0), len);
  sqlite3_finalize(s);
  size_t n = strlen(from);
  ASSERT_UINT_EQ(strlen(to), n);
  size_t at = 0;
  while (at + n <= len && memcmp(buf + at, from, n) != 0) at++;
  ASSERT(at + n <= len);
  memcpy(buf + at, to, n);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db, "UPDATE audit_entries SET entry = ? WHERE seq = ?", -1, &s,
                                   NULL), SQLITE_OK);
  sqlite3_bind_blob(s, 1, buf, (int)len, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)seq);
  ASSERT_INT_EQ(sqlite3_step(s), SQLITE_DONE);
  sqlite3_finalize(s);
  free(buf);
}

/* Expect auditlog_open to refuse the log with a reason containing want. */
static void expect_refused_now(const char *what, const char *want) {
  char err[512] = "";
  auditlog *al = open_log(err, sizeof err);
  if (al != NULL) TASK_FAIL("auditlog_open accepted the log after: %s", what);
  ASSERT_STR_CONTAINS(err, want);
}

/* Run sql on the database, then expect auditlog_open to refuse with a reason containing want;
 * undo runs afterwards to restore the log. */
static void expect_refused(const char *sql, const char *want, const char *undo) {
  exec_sql(sql);
  char err[512] = "";
  auditlog *al = open_log(err, sizeof err);
  if (al != NULL) TASK_FAIL("auditlog_open accepted the log after: %s", sql);
  ASSERT_STR_CONTAINS(err, want);
  exec_sql(undo);
  auditlog_close(must_open());
}

static void test_startup_check(void) {
  auditlog_close(must_open()); /* the log as the tests left it is sound */
  /* An edited entry (one byte of the object changed, still canonical). */
  edit_entry(7, "observation:7", "observation:8");
  expect_refused_now("an edited entry", "do not match their stored Merkle subtree hash");
  edit_entry(7, "observation:8", "observation:7");
  auditlog_close(must_open());
  /* The newest entry edited: no stored subtree covers it, the root no longer matches. */
  edit_entry(N, "observation:36", "observation:35");
  expect_refused_now("the newest entry edited", "but the last signed checkpoint says");
  edit_entry(N, "observation:35", "observation:36");
  /* The newest entry deleted (the tail truncated). */
  exec_sql("CREATE TABLE saved AS SELECT * FROM audit_entries");
  expect_refused("DELETE FROM audit_entries WHERE seq = 36", "truncated",
                 "INSERT INTO audit_entries SELECT * FROM saved WHERE seq = 36");
  /* An entry in the middle deleted. */
  expect_refused("DELETE FROM audit_entries WHERE seq = 3", "entry 3 is missing",
                 "INSERT INTO audit_entries SELECT * FROM saved WHERE seq = 3");
  exec_sql("DROP TABLE saved");
  /* A checkpoint another key signed is not this daemon's. */
  uint8_t pk[32], sk[64];
  crypto_sign_keypair(pk, sk);
  char err[256];
  logkey *other = logkey_new(fx.cfg.origin, sk, err, sizeof err);
  ASSERT(other != NULL);
  auditlog_signer osg = logkey_signer(other);
  char *note = NULL;
  uint8_t root[32];
  merkle_mem_root((const uint8_t(*)[32])leaves, N + 1, root);
  ASSERT_INT_EQ(osg.sign(osg.ctx, N, (const uint8_t(*)[32])leaves + N, 1, root, &note, err,
                         sizeof err), 0);
  logkey_free(other);
  char sql[2048];
  snprintf(sql, sizeof sql, "UPDATE checkpoints SET note = '%s' WHERE size = %d", note, N + 1);
  exec_sql("CREATE TABLE saved AS SELECT * FROM checkpoints");
  expect_refused(sql, "not signed by this daemon's log key",
                 "DELETE FROM checkpoints; INSERT INTO checkpoints SELECT * FROM saved;"
                 " DROP TABLE saved");
  free(note);
  /* Entries beyond the last checkpoint (checkpoints deleted). */
  exec_sql("CREATE TABLE saved AS SELECT * FROM checkpoints");
  snprintf(sql, sizeof sql, "DELETE FROM checkpoints WHERE size = %d", N + 1);
  expect_refused(sql, "entries were added or checkpoints deleted",
                 "INSERT OR IGNORE INTO checkpoints SELECT * FROM saved; DROP TABLE saved");
}

_Static_assert(N == 36, "the SQL above names entry 36, the newest");

int main(void) {
  fixture_init(&fx);
  open_db();
  RUN_TEST(test_append_checkpoint_proofs);
  RUN_TEST(test_rollback);
  RUN_TEST(test_startup_check);
  RUN_TEST(test_pipelined);
  sqlite3_close(db);
  fixture_free(&fx);
  return 0;
}

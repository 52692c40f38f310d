/* test_store.c -- the storage thread on its own: a job's changes and its audit entry commit
 * together, a failed exec is rolled back but still audited, follow-ups run only after a
 * successful leader, a failed batch fails every job in it without an entry, and jobs come back
 * on the loop thread in submission order; the storage and flush threads run with the short
 * time slice. */
#include <dirent.h>
#include <sodium.h>
#include <stdlib.h>
#include <uv.h>

#include "audit_entry.h"
#include "auditlog.h"
#include "job.h"
#include "slice.h"
#include "store.h"
#include "support/daemon_fixture.h"
#include "support/kernel.h"
#include "task.h"

static daemon_fixture fx;

static const char sql_insert_area[] =
    "INSERT INTO areas(name, description, created, author) VALUES(?, '', 0, 0)";
static const char sql_count_area[] = "SELECT count(*) FROM areas WHERE name = ?";

/* exec: insert an area named after the job's object, and pack its rowid as the result. */
static int exec_insert(store *st, job *j) {
  sqlite3_stmt *s = store_stmt(st, sql_insert_area);
  ASSERT(s != NULL);
  sqlite3_bind_text(s, 1, j->object, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    job_fail(j, SV_ERR_CONFLICT, "area %s exists", j->object);
    return -1;
  }
  msgpack_packer pk;
  msgpack_sbuffer_clear(&j->result);
  msgpack_packer_init(&pk, &j->result, msgpack_sbuffer_write);
  msgpack_pack_int64(&pk, sqlite3_last_insert_rowid(store_db(st)));
  return 0;
}

/* exec: insert, then fail (its insert must be rolled back). */
static int exec_insert_then_fail(store *st, job *j) {
  ASSERT_INT_EQ(exec_insert(st, j), 0);
  job_fail(j, SV_ERR_INVALID, "changed its mind");
  return -1;
}

/* exec: end the batch's transaction behind the store's back, so the batch fails. */
static int exec_break_batch(store *st, job *j) {
  (void)j;
  sqlite3_exec(store_db(st), "ROLLBACK", NULL, NULL, NULL);
  return 0;
}

static int area_count(store *st, const char *name) {
  sqlite3_stmt *s = store_stmt(st, sql_count_area);
  sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
  ASSERT_INT_EQ(sqlite3_step(s), SQLITE_ROW);
  int n = sqlite3_column_int(s, 0);
  sqlite3_reset(s);
  return n;
}

static job *make_job(const char *object, job_exec_fn exec) {
  job *j = job_internal(NULL, "test.op", "area", object, "test rule");
  ASSERT(j != NULL);
  j->exec = exec;
  return j;
}

/* Entry seq as stored in the log, decoded. */
static void read_entry(store *st, uint64_t seq, audit_entry *e) {
  uint8_t *buf = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(auditlog_entry(store_auditlog(st), seq, &buf, &len), 0);
  ASSERT_INT_EQ(audit_entry_decode(buf, len, e), AUDIT_OK);
  free(buf);
}

static void test_sync_jobs(void) {
  store *st = fixture_store(&fx);
  /* A job that succeeds: its row and its entry. */
  job *j = make_job("north", exec_insert);
  j->purpose[0] = '\0';
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT(j->audited);
  ASSERT_UINT_EQ(j->audit_seq, 0);
  ASSERT_INT_EQ(j->err, SV_OK);
  ASSERT(j->result.size > 0);
  ASSERT_INT_EQ(area_count(st, "north"), 1);
  audit_entry e;
  read_entry(st, 0, &e);
  ASSERT_STR_EQ(e.actor, "-");
  ASSERT_STR_EQ(e.role, "daemon");
  ASSERT_STR_EQ(e.op, "test.op");
  ASSERT_STR_EQ(e.data_class, "area");
  ASSERT_STR_EQ(e.object, "north");
  ASSERT_STR_EQ(e.rule, "test rule");
  ASSERT_INT_EQ(e.decision, AUDIT_PERMIT);
  ASSERT_UINT_EQ(auditlog_signed_size(store_auditlog(st)), 1);
  job_free(j);
  /* A job whose exec fails: its change is rolled back, the refusal is still audited. */
  j = make_job("south", exec_insert_then_fail);
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT(j->audited);
  ASSERT_UINT_EQ(j->audit_seq, 1);
  ASSERT_INT_EQ(j->err, SV_ERR_INVALID);
  ASSERT_UINT_EQ(j->result.size, 0);
  ASSERT_INT_EQ(area_count(st, "south"), 0);
  job_free(j);
  /* A job refused before storage: exec is not run, the entry records the denial. */
  j = make_job("west", exec_insert);
  job_deny(j, SV_ERR_DENIED, "default deny", "denied");
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT_INT_EQ(area_count(st, "west"), 0);
  read_entry(st, j->audit_seq, &e);
  ASSERT_INT_EQ(e.decision, AUDIT_DENY);
  ASSERT_STR_EQ(e.rule, "default deny");
  job_free(j);
  /* Text from a client that an entry cannot hold is cleaned, not refused. */
  j = make_job("ok\x01\xff", NULL);
  snprintf(j->purpose, sizeof j->purpose, "prevention\n\xc3\xa6");
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  read_entry(st, j->audit_seq, &e);
  ASSERT_STR_EQ(e.object, "ok??");
  ASSERT_STR_EQ(e.purpose, "prevention?\xc3\xa6");
  job_free(j);
  store_close(st);
}

static void test_follow_ups(void) {
  store *st = fixture_store(&fx);
  uint64_t base = auditlog_size(store_auditlog(st));
  /* A successful leader: its follow-ups run in its transaction right after it. */
  job *lead = make_job("east", exec_insert);
  job *f1 = make_job("east-1", exec_insert), *f2 = make_job("east-2", exec_insert);
  lead->follow = f1;
  f1->next = f2;
  ASSERT_INT_EQ(store_run_sync(st, lead), 0);
  ASSERT_UINT_EQ(lead->audit_seq, base);
  ASSERT(f1->audited && f2->audited && !f1->dropped && !f2->dropped);
  ASSERT_UINT_EQ(f1->audit_seq, base + 1);
  ASSERT_UINT_EQ(f2->audit_seq, base + 2);
  ASSERT_UINT_EQ(f1->lead_seq, base);
  ASSERT_INT_EQ(area_count(st, "east-2"), 1);
  job_free(lead);
  /* A failing leader: its follow-ups are dropped, neither run nor audited. */
  lead = make_job("east", exec_insert); /* exists: conflict */
  f1 = make_job("east-3", exec_insert);
  lead->follow = f1;
  ASSERT_INT_EQ(store_run_sync(st, lead), 0);
  ASSERT_INT_EQ(lead->err, SV_ERR_CONFLICT);
  ASSERT(lead->audited);
  ASSERT(f1->dropped && !f1->audited);
  ASSERT_INT_EQ(area_count(st, "east-3"), 0);
  ASSERT_UINT_EQ(auditlog_size(store_auditlog(st)), base + 4);
  job_free(lead);
  store_close(st);
}

/* ---- the storage thread ---- */

#define NJOBS 300

static job *done_jobs[NJOBS + 8];
static int ndone;
static int nrun, nrun_noexec;

static void on_done(job *j, void *ctx) {
  ASSERT(ctx == &fx);
  ASSERT(ndone < NJOBS + 8);
  done_jobs[ndone++] = j;
}

/* The run function (request_run's place): counts the calls and runs exec, when the job has
 * one (run sees jobs without an exec too, so that it can void them). */
static int run_counting(store *st, job *j) {
  __atomic_add_fetch(&nrun, 1, __ATOMIC_SEQ_CST);
  if (j->exec == NULL) {
    __atomic_add_fetch(&nrun_noexec, 1, __ATOMIC_SEQ_CST);
    return 0;
  }
  return j->exec(st, j);
}

/* Threads of this process running with the short slice (slice.h). */
static int short_slice_threads(void) {
  DIR *d = opendir("/proc/self/task");
  ASSERT(d != NULL);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.' && slice_of((pid_t)atoi(e->d_name)) == (int64_t)SLICE_SHORT_NS) n++;
  closedir(d);
  return n;
}

static int slices_while_running = -1;

static void on_idle(uv_idle_t *h) {
  store *st = h->data;
  if (ndone < NJOBS) return;
  slices_while_running = short_slice_threads();
  uv_idle_stop(h);
  uv_close((uv_handle_t *)h, NULL);
  store_stop(st);
}

static void test_thread(void) {
  store *st = fixture_store(&fx);
  uint64_t base = auditlog_size(store_auditlog(st));
  uv_loop_t loop;
  ASSERT_INT_EQ(uv_loop_init(&loop), 0);
  ASSERT_INT_EQ(store_start(st, &loop, run_counting, on_done, &fx), 0);
  for (int i = 0; i < NJOBS; i++) {
    char name[32];
    snprintf(name, sizeof name, "t%d", i);
    job *j = make_job(name, i % 10 == 3 ? NULL : exec_insert);
    j->req.id = (uint64_t)i;
    store_submit(st, j);
  }
  uv_idle_t idle;
  uv_idle_init(&loop, &idle);
  idle.data = st;
  uv_idle_start(&idle, on_idle);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_INT_EQ(uv_loop_close(&loop), 0);
  ASSERT_INT_EQ(ndone, NJOBS);
  /* The storage and flush threads asked for the short slice; this (the loop) thread did not. */
  if (test_kernel_at_least(6, 12)) ASSERT_INT_EQ(slices_while_running, 2);
  ASSERT_INT_EQ(nrun, NJOBS);
  ASSERT_INT_EQ(nrun_noexec, NJOBS / 10);
  for (int i = 0; i < NJOBS; i++) {
    job *j = done_jobs[i];
    ASSERT_UINT_EQ(j->req.id, (uint64_t)i); /* in submission order */
    ASSERT(j->audited);
    ASSERT_UINT_EQ(j->audit_seq, base + (uint64_t)i);
    ASSERT_INT_EQ(j->err, SV_OK);
    job_free(j);
  }
  /* Everything was committed and checkpointed. */
  ASSERT_UINT_EQ(auditlog_signed_size(store_auditlog(st)), base + NJOBS);
  ASSERT_INT_EQ(area_count(st, "t299"), 1);
  store_close(st);
}

/* A batch whose transaction fails: every job in it fails unavailable, without an entry, and the
 * log continues from where it was. */
static void test_failed_batch(void) {
  store *st = fixture_store(&fx);
  uint64_t base = auditlog_size(store_auditlog(st));
  job *j = make_job("doomed", exec_break_batch);
  ASSERT_INT_EQ(store_run_sync(st, j), -1);
  ASSERT(!j->audited);
  ASSERT_INT_EQ(j->err, SV_ERR_UNAVAILABLE);
  ASSERT_UINT_EQ(auditlog_size(store_auditlog(st)), base);
  job_free(j);
  j = make_job("after", exec_insert);
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT_UINT_EQ(j->audit_seq, base);
  job_free(j);
  store_close(st);
  /* And the database still passes the start-up check. */
  store_close(fixture_store(&fx));
}

/* exec: fail before changing anything. */
static int exec_fail_first(store *st, job *j) {
  (void)st;
  job_fail(j, SV_ERR_NOT_FOUND, "nothing there");
  return -1;
}

/* A job that changes the database in one statement runs without a savepoint: its success
 * commits, its refusal before the change is audited; one that changes a row and then fails
 * anyway cannot be undone alone, so its whole batch fails. */
static void test_one_write(void) {
  store *st = fixture_store(&fx);
  job *j = make_job("one-write-a", exec_insert);
  j->one_write = true;
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT(j->audited && j->err == SV_OK);
  ASSERT_INT_EQ(area_count(st, "one-write-a"), 1);
  job_free(j);
  j = make_job("one-write-b", exec_fail_first);
  j->one_write = true;
  ASSERT_INT_EQ(store_run_sync(st, j), 0);
  ASSERT(j->audited);
  ASSERT_INT_EQ(j->err, SV_ERR_NOT_FOUND);
  job_free(j);
  uint64_t base = auditlog_size(store_auditlog(st));
  j = make_job("one-write-c", exec_insert_then_fail);
  j->one_write = true;
  ASSERT_INT_EQ(store_run_sync(st, j), -1);
  ASSERT(!j->audited);
  ASSERT_INT_EQ(j->err, SV_ERR_UNAVAILABLE);
  ASSERT_UINT_EQ(auditlog_size(store_auditlog(st)), base);
  job_free(j);
  ASSERT_INT_EQ(area_count(st, "one-write-c"), 0);
  store_close(st);
}

int main(void) {
  fixture_init(&fx);
  RUN_TEST(test_sync_jobs);
  RUN_TEST(test_follow_ups);
  RUN_TEST(test_thread);
  RUN_TEST(test_failed_batch);
  RUN_TEST(test_one_write);
  fixture_free(&fx);
  return 0;
}

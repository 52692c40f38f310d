/* test_job.c -- the audit entry of a job: every entry gets a salt of its own, across the
 * refills of the salt pool, and a forked child never repeats the salts its parent goes on to
 * use. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit_entry.h"
#include "job.h"
#include "task.h"

#define N 1000 /* entries: several refills of the pool (256 salts each) */

static int cmp_salt(const void *a, const void *b) { return memcmp(a, b, AUDIT_SALT_LEN); }

static void test_salts_distinct(void) {
  job *j = job_internal(NULL, "test.op", "area", "x", "test rule");
  ASSERT(j != NULL);
  static uint8_t s[N][AUDIT_SALT_LEN];
  static const uint8_t zero[AUDIT_SALT_LEN];
  for (int i = 0; i < N; i++) {
    audit_entry e;
    job_audit_entry(j, &e);
    ASSERT(memcmp(e.salt, zero, sizeof zero) != 0);
    memcpy(s[i], e.salt, AUDIT_SALT_LEN);
  }
  qsort(s, N, AUDIT_SALT_LEN, cmp_salt);
  for (int i = 1; i < N; i++)
    if (memcmp(s[i - 1], s[i], AUDIT_SALT_LEN) == 0) TASK_FAIL("a salt came twice");
  job_free(j);
}

static void test_fork(void) {
  job *j = job_internal(NULL, "test.op", "area", "x", "test rule");
  ASSERT(j != NULL);
  audit_entry e;
  job_audit_entry(j, &e); /* the pool is filled, with salts left */
  int fd[2];
  ASSERT_INT_EQ(pipe(fd), 0);
  pid_t pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    job_audit_entry(j, &e);
    _exit(write(fd[1], e.salt, AUDIT_SALT_LEN) == AUDIT_SALT_LEN ? 0 : 1);
  }
  uint8_t child[AUDIT_SALT_LEN];
  ASSERT_INT_EQ((int)read(fd[0], child, sizeof child), AUDIT_SALT_LEN);
  int st = 0;
  ASSERT_INT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  job_audit_entry(j, &e);
  ASSERT(memcmp(child, e.salt, AUDIT_SALT_LEN) != 0);
  close(fd[0]);
  close(fd[1]);
  job_free(j);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_salts_distinct);
  RUN_TEST(test_fork);
  return 0;
}

/* test_slice.c -- slice_request: the calling thread gets the short slice where the kernel keeps
 * one per thread (Linux 6.12 and later), and keeps its nice value; a thread under another
 * policy than the normal one is left as it is. Each case runs in a thread of its own. */
#define _GNU_SOURCE /* SCHED_BATCH */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "slice.h"
#include "support/kernel.h"
#include "task.h"

static void *case_slice(void *arg) {
  (void)arg;
  int64_t before = slice_of(0);
  ASSERT(before >= 0);
  ASSERT(slice_request(SLICE_SHORT_NS) == 0);
  if (test_kernel_at_least(6, 12)) {
    ASSERT(before > (int64_t)SLICE_SHORT_NS); /* a new thread has the kernel's default */
    ASSERT_INT_EQ(slice_of(0), SLICE_SHORT_NS);
  }
  return NULL;
}

static void *case_nice(void *arg) {
  (void)arg;
  pid_t tid = (pid_t)syscall(SYS_gettid);
  ASSERT(setpriority(PRIO_PROCESS, (id_t)tid, 7) == 0);
  ASSERT(slice_request(SLICE_SHORT_NS) == 0);
  errno = 0;
  ASSERT(getpriority(PRIO_PROCESS, (id_t)tid) == 7 && errno == 0);
  return NULL;
}

static void *case_batch(void *arg) {
  (void)arg;
  if (!test_kernel_at_least(6, 12)) return NULL; /* nothing to tell apart: the slice is never kept */
  struct sched_param p = {.sched_priority = 0};
  ASSERT(sched_setscheduler(0, SCHED_BATCH, &p) == 0);
  ASSERT(slice_request(SLICE_SHORT_NS) == 0);
  ASSERT(sched_getscheduler(0) == SCHED_BATCH);
  ASSERT(slice_of(0) != (int64_t)SLICE_SHORT_NS);
  return NULL;
}

static void in_thread(void *(*fn)(void *)) {
  pthread_t t;
  ASSERT(pthread_create(&t, NULL, fn, NULL) == 0);
  ASSERT(pthread_join(t, NULL) == 0);
}

static void test_slice(void) { in_thread(case_slice); }
static void test_nice_kept(void) { in_thread(case_nice); }
static void test_other_policy_left(void) { in_thread(case_batch); }

int main(void) {
  RUN_TEST(test_slice);
  RUN_TEST(test_nice_kept);
  RUN_TEST(test_other_policy_left);
  return 0;
}

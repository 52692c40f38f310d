/* slice.c -- a short scheduler time slice for the calling thread (slice.h). */
#include "slice.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__) && defined(SYS_sched_getattr) && defined(SYS_sched_setattr)
/* The first published layout of the kernel's struct sched_attr (48 bytes); its own name,
 * since newer C libraries declare the kernel's. For the normal policy, runtime is the slice. */
struct slice_attr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
};
#define SLICE_FLAG_RESET_ON_FORK 0x01ull

static int get_attr(pid_t tid, struct slice_attr *a) {
  memset(a, 0, sizeof *a);
  return (int)syscall(SYS_sched_getattr, tid, a, (unsigned)sizeof *a, 0u);
}

int slice_request(uint64_t slice_ns) {
  struct slice_attr a;
  if (get_attr(0, &a) != 0) return -1;
  if (a.policy != SCHED_OTHER) return 0;
  a.size = sizeof a;
  a.flags &= SLICE_FLAG_RESET_ON_FORK; /* nothing that needs the fields past this layout */
  a.runtime = slice_ns;
  a.deadline = a.period = 0;
  return (int)syscall(SYS_sched_setattr, 0, &a, 0u);
}

int64_t slice_of(pid_t tid) {
  struct slice_attr a;
  if (get_attr(tid, &a) != 0) return -1;
  return (int64_t)a.runtime;
}
#else
int slice_request(uint64_t slice_ns) {
  (void)slice_ns;
  return 0;
}

int64_t slice_of(pid_t tid) {
  (void)tid;
  return 0;
}
#endif

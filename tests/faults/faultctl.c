/* faultctl.c -- the fault-injection control block: counters and armed faults in a shared
 * mapping (see faultctl.h). Test builds only. */
#include "faultctl.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FC_BYTES (FC_WORDS * sizeof(uint64_t))

static volatile uint64_t *words;
static _Thread_local uint64_t last_number[FK_COUNT];

static uint64_t load(int i) { return __atomic_load_n(&words[i], __ATOMIC_SEQ_CST); }
static void store(int i, uint64_t v) { __atomic_store_n(&words[i], v, __ATOMIC_SEQ_CST); }

static void init_block(void) {
  if (load(FC_MAGIC) == FC_MAGIC_VALUE) return;
  store(FC_ARM_KIND, FK_NONE);
  store(FC_CRASH_KIND, FK_NONE);
  store(FC_MAGIC, FC_MAGIC_VALUE);
}

int faultctl_attach(void) {
  if (words != NULL) return 0;
  const char *path = getenv("SVFAULT_CTL");
  if (path == NULL || path[0] == '\0') return -1;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  struct stat sb;
  if (fstat(fd, &sb) != 0 || (sb.st_size < (off_t)FC_BYTES && ftruncate(fd, FC_BYTES) != 0)) {
    close(fd);
    return -1;
  }
  void *p = mmap(NULL, FC_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return -1;
  words = p;
  init_block();
  return 0;
}

int faultctl_attach_private(void) {
  if (words != NULL) return 0;
  void *p = mmap(NULL, FC_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return -1;
  words = p;
  init_block();
  return 0;
}

volatile uint64_t *faultctl_words(void) { return words; }

static void crash_now(void) {
  kill(getpid(), SIGKILL);
  _exit(137); /* not reached */
}

int faultctl_hit(enum fault_kind k) {
  if (words == NULL) return 0;
  uint64_t n = __atomic_add_fetch(&words[FC_CALLS + k], 1, __ATOMIC_SEQ_CST);
  last_number[k] = n;
  if (load(FC_CRASH_KIND) == (uint64_t)k && load(FC_CRASH_AT) == n && load(FC_CRASH_AFTER) == 0)
    crash_now();
  if (load(FC_ARM_KIND) != (uint64_t)k) return 0;
  uint64_t at = load(FC_ARM_AT), count = load(FC_ARM_COUNT);
  if (n < at || n - at >= count) return 0;
  __atomic_add_fetch(&words[FC_FIRED + k], 1, __ATOMIC_SEQ_CST);
  return (int)load(FC_ARM_ERR);
}

uint64_t faultctl_last(enum fault_kind k) { return last_number[k]; }

void faultctl_after(enum fault_kind k, uint64_t number) {
  if (words == NULL) return;
  if (load(FC_CRASH_KIND) == (uint64_t)k && load(FC_CRASH_AT) == number &&
      load(FC_CRASH_AFTER) == 1)
    crash_now();
}

void faultctl_arm(enum fault_kind k, uint64_t at, uint64_t count, int err) {
  if (words == NULL) return;
  store(FC_ARM_KIND, FK_NONE);
  store(FC_ARM_AT, at);
  store(FC_ARM_COUNT, count);
  store(FC_ARM_ERR, (uint64_t)err);
  store(FC_ARM_KIND, (uint64_t)k);
}

void faultctl_disarm(void) {
  if (words != NULL) store(FC_ARM_KIND, FK_NONE);
}

/* faultctl.h -- the fault-injection control block: call counters and armed faults shared
 * between a test program and the process under test through a small memory-mapped file.
 *
 * The block is an array of little-endian 64-bit words at fixed indexes (FC_*), so a test in
 * any language maps the same file (SVFAULT_CTL) and reads counters or arms a fault while the
 * daemon runs. Test builds only: nothing here is linked into the release daemon. */
#ifndef SAMVIRKE_FAULTCTL_H
#define SAMVIRKE_FAULTCTL_H

#include <stdint.h>

/* Kinds of call that are counted and can fail. */
enum fault_kind {
  FK_READ = 0,   /* xRead on the database, WAL or rollback journal */
  FK_WRITE = 1,  /* xWrite on those files */
  FK_SYNC = 2,   /* xSync on those files */
  FK_TRUNC = 3,  /* xTruncate on those files */
  FK_MALLOC = 4, /* the daemon's own malloc/calloc/realloc */
  FK_SQLMALLOC = 5, /* SQLite's allocations (SQLITE_CONFIG_MALLOC) */
  FK_COUNT = 6,
  FK_NONE = 15
};

/* What an armed fault does (arm_err): an errno value, or FE_SHORT for a short write (half
 * the bytes really written, then SQLITE_FULL, as SQLite's unix VFS reports a short write). */
#define FE_SHORT 1000

/* Word indexes into the block. */
enum {
  FC_MAGIC = 0,      /* FC_MAGIC_VALUE once the block is set up */
  FC_CALLS = 8,      /* FC_CALLS + kind: calls seen so far (1-based numbering) */
  FC_ARM_KIND = 32,  /* kind that fails, FK_NONE when disarmed */
  FC_ARM_AT = 33,    /* the first failing call number (calls[kind] after counting it) */
  FC_ARM_COUNT = 34, /* how many calls fail from there (UINT64_MAX: until disarmed) */
  FC_ARM_ERR = 35,   /* errno to report, or FE_SHORT */
  FC_FIRED = 40,     /* FC_FIRED + kind: faults injected so far */
  FC_CRASH_KIND = 48, /* kind whose call triggers SIGKILL, FK_NONE for none */
  FC_CRASH_AT = 49,  /* call number that triggers it */
  FC_CRASH_AFTER = 50, /* 0: killed before that call runs, 1: right after it returns */
  FC_WORDS = 64
};
#define FC_MAGIC_VALUE UINT64_C(0x3130544c46565353) /* "SSVFLT01" little-endian */

/* Map the control block named by the environment variable SVFAULT_CTL (created and zeroed
 * when it is new or short). Returns 0 when a block is attached, -1 when SVFAULT_CTL is unset
 * or the file cannot be mapped (then nothing is counted and nothing fails). Idempotent. */
int faultctl_attach(void);
/* Attach an anonymous, process-private block (in-process tests). Returns 0 or -1. */
int faultctl_attach_private(void);
/* The block's words, or NULL when none is attached (for in-process tests). */
volatile uint64_t *faultctl_words(void);
/* Count one call of kind k and decide its fate: returns 0 to let it run normally, or the
 * armed error (errno value or FE_SHORT) to fail it. May not return at all when a crash is
 * armed for this call (before it). Thread-safe. */
int faultctl_hit(enum fault_kind k);
/* After a call counted by faultctl_hit returned: kills the process when a crash is armed
 * right after that call. number is the value faultctl_hit counted (faultctl_last). */
void faultctl_after(enum fault_kind k, uint64_t number);
/* The call number faultctl_hit assigned last on this thread for kind k. */
uint64_t faultctl_last(enum fault_kind k);
/* Arm, disarm (in-process tests; a test process writes the words directly). */
void faultctl_arm(enum fault_kind k, uint64_t at, uint64_t count, int err);
void faultctl_disarm(void);

#endif

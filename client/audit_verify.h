/* audit_verify.h -- verification of a run of audit entries against a signed checkpoint, without
 * I/O: the caller feeds entries one by one and hears of each problem through a callback.
 *
 * The root of the checkpoint's size is recomputed from the frontier at START and every entry
 * after it; a match binds the frontier hashes and every entry to the signed root. On the way,
 * the root at the trusted checkpoint's size is recorded when the run passes it, for
 * trusted_accept to compare with the trusted root (consistency by recomputation). */
#ifndef SAMVIRKE_CLIENT_AUDIT_VERIFY_H
#define SAMVIRKE_CLIENT_AUDIT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_entry.h"
#include "checkpoint.h"
#include "merkle.h"
#include "trusted.h"

#define AUDIT_VERIFY_MAX_PROBLEMS 20 /* more, and verification stops */

/* Told one problem: one line for the auditor, without a trailing newline. */
typedef void (*audit_problem_fn)(void *ctx, const char *msg);

/* What audit_verify_entry made of one entry. */
enum audit_verify_step {
  AUDIT_VERIFY_STOP = -1, /* stop feeding: beyond the checkpoint, or too many problems */
  AUDIT_VERIFY_BAD = 0,   /* a problem (reported); the entry still counts; go on */
  AUDIT_VERIFY_NEXT = 1,  /* decoded and in its place */
};

/* The state of one verification. Fields are read-only for the caller. */
typedef struct audit_verify {
  const checkpoint *cp;    /* the signed checkpoint the entries must reproduce */
  const char *name;        /* names the entries in messages (a file name) */
  merkle_frontier fr;      /* the frontier of the entries so far */
  uint64_t start;          /* the sequence number of the first entry fed */
  uint64_t watch;          /* the trusted size whose root is recorded (UINT64_MAX: none) */
  trusted_link link;       /* link.has_prefix once the root at watch is recorded */
  unsigned version;        /* format version of the last entry decoded (0: none yet) */
  int problems;
  audit_problem_fn problem;
  void *ctx;
} audit_verify;

/* Begin verifying entries that follow the frontier start against cp (verified by the caller;
 * both must outlive av's use). trusted, when non-NULL, is the trusted checkpoint whose size's
 * root to record; name names the entries in messages; problem(ctx, msg) hears of each
 * problem. */
void audit_verify_begin(audit_verify *av, const merkle_frontier *start, const checkpoint *cp,
                        const checkpoint *trusted, const char *name, audit_problem_fn problem,
                        void *ctx);

/* Feed the next entry (len bytes). Returns AUDIT_VERIFY_NEXT with *e decoded, AUDIT_VERIFY_BAD
 * when it is not a canonical entry, carries another sequence number than its place
 * (reordered) or goes back to an older format version than the entry before it, or AUDIT_VERIFY_STOP when it lies beyond the checkpoint's size or problems
 * passed AUDIT_VERIFY_MAX_PROBLEMS (nothing more should be fed). */
int audit_verify_entry(audit_verify *av, const uint8_t *entry, size_t len, audit_entry *e);

/* Report that the entries' source ended in damage after the entries fed so far. */
void audit_verify_damaged(audit_verify *av);

/* Finish: the entries must end exactly at the checkpoint's size and reproduce its root.
 * Returns the number of problems (0: every entry fed is bound to cp's root). */
int audit_verify_end(audit_verify *av);

/* The frontier of the first n leaves (n > 0) from the hash of leaf n-1 and its inclusion proof
 * in the tree of size n: the proof holds the leaf's left siblings inside the lowest perfect
 * subtree, then the higher perfect subtrees from the lowest up. Not authenticated by itself:
 * verifying the entries after it against a signed root binds it. Returns 0, or -1 when the
 * proof has the wrong length for n. */
int audit_verify_frontier_from_last(uint64_t n, const uint8_t leaf[32], const tlog_proof *proof,
                                    merkle_frontier *fr);

#endif

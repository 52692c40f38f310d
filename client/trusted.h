/* trusted.h -- the signed checkpoint this client trusts (<identity>/audit/trusted.txt), shared by
 * `audit verify`, `audit prove` and `member verify`: it only moves forward, along a verified
 * consistency proof or a recomputed tree, so a server that forks or rolls back its log is
 * caught. It is changed only under a lock (<identity>/audit/trusted.lock) and atomically, so
 * clients of the same identity running at once cannot move it backwards or tear it. */
#ifndef SAMVIRKE_CLIENT_TRUSTED_H
#define SAMVIRKE_CLIENT_TRUSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "signed_note.h"
#include "tlog.h"

#define TRUSTED_RETRIES 5 /* times a caller asks again after TRUSTED_ERR_STALE */

/* What trusted_accept did. */
enum trusted_outcome {
  TRUSTED_FIRST = 1,    /* there was none: the checkpoint is now trusted (trust on first use) */
  TRUSTED_SAME = 2,     /* the trusted checkpoint itself (same size and root): nothing written */
  TRUSTED_ADVANCED = 3, /* consistent with the trusted one and larger: now trusted */
};

/* Why trusted_accept refused; in every case the trusted checkpoint is left as it was. */
enum trusted_error {
  TRUSTED_ERR = -1,          /* the trusted file or its lock cannot be read or written */
  TRUSTED_ERR_ROLLBACK = -2, /* the checkpoint is smaller than the trusted one */
  TRUSTED_ERR_FORK = -3,     /* another root for the trusted size, or a proof that fails */
  TRUSTED_ERR_NO_PROOF = -4, /* larger, but nothing shows that it extends the trusted one */
  TRUSTED_ERR_STALE = -5,    /* the trusted checkpoint changed since the caller read it (another
                                client of this identity): read it again and ask again */
};

/* What shows that a checkpoint cp extends the trusted checkpoint seen (both optional). */
typedef struct trusted_link {
  const tlog_proof *proof; /* RFC 9162 consistency proof from seen->size to cp->size, or NULL */
  bool has_prefix;         /* the caller recomputed cp's tree (from entries whose root it
                              checked against cp->root) and knows its root at prefix_size */
  uint64_t prefix_size;
  uint8_t prefix_root[32];
} trusted_link;

/* The path of the trusted checkpoint for identity directory dir. Returns 0, or -1 if too long. */
int trusted_path(const char *dir, char *out, size_t outlen);

/* Read the trusted checkpoint of identity directory dir and verify its signature and origin with
 * v. Returns 1 and fills *tr, 0 when the client trusts none yet, or -1 with the reason in err
 * (unreadable, or not signed by v: edited, or another log). */
int trusted_load(const char *dir, const note_verifier *v, checkpoint *tr, char *err,
                 size_t errlen);

/* Decide about checkpoint cp, already verified with the log key v (note/notelen: its signed
 * text), given seen, the trusted checkpoint as the caller read it with trusted_load (NULL when
 * there was none), and link (NULL: nothing). Under the lock, the trusted checkpoint is read
 * again; unless it is still seen, TRUSTED_ERR_STALE. Else: no trusted checkpoint, cp becomes
 * trusted (TRUSTED_FIRST); cp smaller, a rollback; cp the same size, TRUSTED_SAME for the same
 * root, else a fork; cp larger, it becomes trusted (TRUSTED_ADVANCED) when link's prefix root at
 * seen's size equals seen's root, or link's proof verifies from seen to cp; a prefix root or
 * proof that does not match is a fork, neither a TRUSTED_ERR_NO_PROOF. A new trusted checkpoint
 * is written to a temporary file, synced and renamed over the old one (and the directory
 * synced). Returns a trusted_outcome, or a trusted_error with one line in err. */
int trusted_accept(const char *dir, const note_verifier *v, const checkpoint *seen,
                   const checkpoint *cp, const char *note, size_t notelen,
                   const trusted_link *link, char *err, size_t errlen);

#endif

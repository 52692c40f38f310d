/* trusted.h -- the signed checkpoint this client trusts (<identity>/audit/trusted.txt), shared by
 * `audit verify`, `audit prove` and `member verify`: it only moves forward along a verified
 * consistency proof, so a server that forks or rolls back its log is caught. */
#ifndef SAMVIRKE_CLIENT_TRUSTED_H
#define SAMVIRKE_CLIENT_TRUSTED_H

#include <msgpack.h>
#include <stddef.h>

#include "checkpoint.h"
#include "signed_note.h"

/* What trusted_accept did. */
enum trusted_outcome {
  TRUSTED_FIRST = 1,    /* there was none: the checkpoint is now trusted (trust on first use) */
  TRUSTED_SAME = 2,     /* the trusted checkpoint itself (same size and root): nothing written */
  TRUSTED_ADVANCED = 3, /* consistent with the trusted one and larger: now trusted */
};

/* The path of the trusted checkpoint for identity directory dir. Returns 0, or -1 if too long. */
int trusted_path(const char *dir, char *out, size_t outlen);

/* Read the trusted checkpoint of identity directory dir and verify its signature and origin with
 * v. Returns 1 and fills *tr, 0 when the client trusts none yet, or -1 with the reason in err
 * (unreadable, or not signed by v: edited, or another log). */
int trusted_load(const char *dir, const note_verifier *v, checkpoint *tr, char *err,
                 size_t errlen);

/* Decide about checkpoint cp, already verified with the log key (note/notelen: its signed text),
 * given the trusted one tr (NULL when there is none) and cons, the result's "consistency" array
 * (RFC 9162 proof from tr->size to cp->size; NULL when the server sent none). On success records
 * cp as trusted unless it is the trusted one, and returns a trusted_outcome. A smaller checkpoint
 * (rollback), another root for the trusted size or a proof that fails (fork), or a missing proof
 * returns -1 with one line in err, and the trusted checkpoint is left as it was. */
int trusted_accept(const char *dir, const checkpoint *tr, const checkpoint *cp, const char *note,
                   size_t notelen, const msgpack_object *cons, char *err, size_t errlen);

#endif

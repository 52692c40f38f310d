/* auditlog.h -- the daemon's audit log: entries and Merkle subtree hashes in SQLite, signed
 * checkpoints, start-up verification and proofs. It appends entry values; it knows nothing of
 * requests or of the storage thread that calls it. One thread at a time (the storage thread). */
#ifndef SAMVIRKED_AUDITLOG_H
#define SAMVIRKED_AUDITLOG_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_entry.h"
#include "merkle.h"

typedef struct auditlog auditlog;

/* What signs the log's checkpoints; the log itself never holds the log key. base is the size of
 * the tree the signer signed last (0 before the first checkpoint), leaves the n leaf hashes
 * appended since, root the root the log computed for size base + n (n is 0 at start-up for a
 * checkpoint whose batch committed before its signature was stored). *note gets the signed
 * checkpoint (malloc'd, NUL-terminated). A signer that keeps its own frontier (the log signer
 * process, signer.h) can refuse a root it did not compute itself. Returns 0, or -1 with the
 * reason in err. */
typedef int (*auditlog_sign_fn)(void *ctx, uint64_t base, const uint8_t (*leaves)[32], size_t n,
                                const uint8_t root[32], char **note, char *err, size_t errlen);
/* A signer that keeps its own durable record of the tree it signed (the log signer process)
 * says what that record holds: *has false when it has none yet, else its size and root. */
typedef int (*auditlog_state_fn)(void *ctx, bool *has, uint64_t *size, uint8_t root[32],
                                 char *err, size_t errlen);
/* Such a signer adopts its first record: the frontier fr of the log, and the checkpoint it
 * signed for that size (nlen bytes; none for the empty tree). Returns 0 or -1 with the reason. */
typedef int (*auditlog_adopt_fn)(void *ctx, const merkle_frontier *fr, const char *note,
                                 size_t nlen, char *err, size_t errlen);
typedef struct auditlog_signer {
  auditlog_sign_fn sign;
  void *ctx;
  void (*release)(void *ctx); /* when not NULL: once auditlog_open succeeds, the log owns ctx
                               * and releases it when it closes */
  /* Both NULL for a signer without a record of its own (the log key in this process); both
   * set for one with a record: auditlog_open then checks the log against that record, refuses
   * a log that lost or changed entries the signer signed, and has the signer catch up with
   * entries committed after its last signature. */
  auditlog_state_fn state;
  auditlog_adopt_fn adopt;
} auditlog_signer;

/* How much of the log auditlog_open re-hashes: quick = the stored subtree hashes plus the
 * newest entries; full = every entry; auto = full for small logs. */
enum auditlog_verify { AUDITLOG_VERIFY_AUTO = 0, AUDITLOG_VERIFY_QUICK, AUDITLOG_VERIFY_FULL };

/* In-memory state saved before a batch and restored if its transaction fails. */
typedef struct auditlog_mark {
  uint64_t size;
  merkle_frontier frontier;
} auditlog_mark;

/* Open the log kept in db's tables (audit_entries, audit_subtrees, checkpoints) and check it
 * against its last signed checkpoint, which must verify with log_pk for origin. sg signs the
 * checkpoints to come (copied; its ctx and db are borrowed and must outlive the log). Returns
 * NULL with the exact mismatch in err. */
auditlog *auditlog_open(sqlite3 *db, const char *origin, const uint8_t log_pk[32],
                        const auditlog_signer *sg, enum auditlog_verify mode, char *err,
                        size_t errlen);
/* The frontier of every entry appended so far (for a signer that keeps its own). */
const merkle_frontier *auditlog_frontier(const auditlog *al);
/* Finalize the log's statements and free it (before db is closed). NULL is a no-op. */
void auditlog_close(auditlog *al);
/* Remember the state before a batch; restore it (and drop the batch's unsaved checkpoint) when
 * the batch's transaction is rolled back. */
void auditlog_save(const auditlog *al, auditlog_mark *m);
void auditlog_restore(auditlog *al, const auditlog_mark *m);
/* The batch's transaction committed. When it stored a checkpoint (auditlog_put_checkpoint), its
 * tree head goes to *size and root and true is returned: have it signed with auditlog_sign once
 * the commit is durable. */
bool auditlog_committed(auditlog *al, uint64_t *size, uint8_t root[32]);
/* Sign the committed tree of size entries with root (a tree head auditlog_committed gave; the
 * newest durable one): the signer gets the signed size and the leaves since. Its note becomes the
 * latest served (and is stored in its row by the next transaction). Returns 0, or -1 with the
 * signer's reason in err (the previous checkpoint stays the latest; a later one covers these
 * entries). */
int auditlog_sign(auditlog *al, uint64_t size, const uint8_t root[32], char *err, size_t errlen);
/* Append e as the next entry (inside the caller's transaction): sets e->seq to its sequence
 * number, stores the canonical encoding and the subtree hashes it completes. Returns 0, or -1
 * with the reason in err (the transaction must then be rolled back). */
int auditlog_append(auditlog *al, audit_entry *e, char *err, size_t errlen);
/* Inside the batch's transaction: store the checkpoint text for the current size if it grew
 * (or the first, empty one), to be signed by auditlog_sign once the transaction is durable,
 * and the signed note of the previous checkpoint in place of its text (auditlog_store_note).
 * Returns 0 or -1 (err set). */
int auditlog_put_checkpoint(auditlog *al, char *err, size_t errlen);
/* Inside a transaction: write the latest checkpoint's signed note into its row if it is not
 * there yet (the store does this in every batch, and once more before it closes). */
int auditlog_store_note(auditlog *al, char *err, size_t errlen);
/* Whether the latest checkpoint's signed note is not in its row yet. */
bool auditlog_note_unstored(const auditlog *al);
/* Entries appended so far, the current batch's uncommitted ones included. */
uint64_t auditlog_size(const auditlog *al);
/* Size of the latest signed checkpoint: what readers (audit ops) see. Entries of the batch
 * in progress, and the entry of the reading request itself, come after it. */
uint64_t auditlog_signed_size(const auditlog *al);
/* The latest signed checkpoint note, NULL before the first commit (borrowed; valid until the
 * next batch commits; storage thread only). */
const char *auditlog_checkpoint(const auditlog *al);
/* The log's C2SP verifier key string. */
const char *auditlog_verifier_key(const auditlog *al);
/* Read back an entry (malloc'd copy). Returns 0 or -1. */
int auditlog_entry(auditlog *al, uint64_t seq, uint8_t **entry, size_t *len);
/* Proofs against tree size n (n <= size). *proof is malloc'd, *count hashes of 32 bytes. */
int auditlog_inclusion(auditlog *al, uint64_t seq, uint64_t n, uint8_t **proof, size_t *count);
int auditlog_consistency(auditlog *al, uint64_t m, uint64_t n, uint8_t **proof, size_t *count);

#endif

/* auditlog.h -- the daemon's audit log: entries and Merkle subtree hashes in SQLite, signed
 * checkpoints, start-up verification and proofs. Storage thread only. */
#ifndef SAMVIRKED_AUDITLOG_H
#define SAMVIRKED_AUDITLOG_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "merkle.h"
#include "store.h"

typedef struct auditlog auditlog;

/* In-memory state saved before a batch and restored if its transaction fails. */
typedef struct auditlog_mark {
  uint64_t size;
  merkle_frontier frontier;
} auditlog_mark;

/* Open the log of st's database and check it against the last signed checkpoint. Returns NULL
 * with the exact mismatch in err. */
auditlog *auditlog_open(store *st, const char *origin, const uint8_t log_sk[64],
                        const uint8_t log_pk[32], enum store_verify mode, char *err, size_t errlen);
void auditlog_close(auditlog *al);
/* Remember the state before a batch; restore it (and drop the batch's unsaved checkpoint) when
 * the batch's transaction is rolled back. */
void auditlog_save(const auditlog *al, auditlog_mark *m);
void auditlog_restore(auditlog *al, const auditlog_mark *m);
/* The batch's transaction committed: its checkpoint is signed and becomes the latest served.
 * Returns 0, or -1 when it could not be signed (the previous one stays the latest; the row
 * keeps the unsigned text, superseded by the next batch's). */
int auditlog_committed(auditlog *al);
/* Append the entry recording job j (inside the batch transaction); sets j->audit_seq/audited. */
int auditlog_append_job(auditlog *al, job *j, char *err, size_t errlen);
/* Inside the batch's transaction: store the checkpoint text for the current size if it grew
 * (signed by auditlog_committed once the transaction commits), and the signed note of the
 * previous checkpoint in place of its text (auditlog_store_note). Returns 0 or -1 (err set). */
int auditlog_put_checkpoint(auditlog *al, char *err, size_t errlen);
/* Inside a transaction: write the latest checkpoint's signed note into its row if it is not
 * there yet (the store does this in every batch, and once more before it closes). */
int auditlog_store_note(auditlog *al, char *err, size_t errlen);
/* Whether the latest checkpoint's signed note is not in its row yet. */
bool auditlog_note_unstored(const auditlog *al);
/* Entries appended so far, the current batch's uncommitted ones included. */
uint64_t auditlog_size(const auditlog *al);
/* Size of the latest committed checkpoint: what readers (audit ops) see. Entries of the batch
 * in progress, and the entry of the reading request itself, come after it. */
uint64_t auditlog_signed_size(const auditlog *al);
/* The latest committed signed checkpoint note, NULL before the first commit (borrowed; valid
 * until the next batch commits; storage thread only). */
const char *auditlog_checkpoint(const auditlog *al);
/* The log's C2SP verifier key string. */
const char *auditlog_verifier_key(const auditlog *al);
/* Read back an entry (malloc'd copy). Returns 0 or -1. */
int auditlog_entry(auditlog *al, uint64_t seq, uint8_t **entry, size_t *len);
/* Proofs against tree size n (n <= size). *proof is malloc'd, *count hashes of 32 bytes. */
int auditlog_inclusion(auditlog *al, uint64_t seq, uint64_t n, uint8_t **proof, size_t *count);
int auditlog_consistency(auditlog *al, uint64_t m, uint64_t n, uint8_t **proof, size_t *count);

#endif

/* ops_audit.c -- reading the audit trail: latest checkpoint, entries by range, inclusion and
 * consistency proofs (policy: read audit; an inclusion proof of one's own entry: read session).
 *
 * What a reader sees: every op reads inside the storage thread's batch, before the batch's own
 * entries (its own included) are committed and checkpointed. So all four ops answer as of the
 * latest COMMITTED checkpoint (auditlog_signed_size): audit.checkpoint returns it, and entries
 * and proofs are bounded by its size. The reading request's own entry appears in the next
 * checkpoint. */
#include "ops_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_entry.h"
#include "auditlog.h"
#include "ops.h"

/* Entries per audit.entries call, and the most entry bytes packed into one result (well under
 * the smallest frame cap a client may use, 1 MiB). */
#define ENTRIES_MAX 1000
#define ENTRIES_BYTES_MAX (512 * 1024)

static void pack_proof(msgpack_packer *pk, const uint8_t *proof, size_t n) {
  msgpack_pack_array(pk, n);
  for (size_t i = 0; i < n; i++) sv_pack_bin(pk, proof + 32 * i, 32);
}

/* The tree size a proof request names: `size` if given (it must not exceed the latest
 * checkpoint), else the latest checkpoint's size. Returns 0 or -1 with j->err set. */
static int proof_size(store *st, job *j, uint64_t *size) {
  uint64_t signed_size = auditlog_signed_size(store_auditlog(st));
  if (!(j->req.present & SV_BIT(SV_F_SIZE))) {
    *size = signed_size;
    return 0;
  }
  if (j->req.a.size > signed_size) {
    job_fail(j, SV_ERR_INVALID, "size %llu is beyond the latest checkpoint (size %llu)",
             (unsigned long long)j->req.a.size, (unsigned long long)signed_size);
    return -1;
  }
  *size = j->req.a.size;
  return 0;
}

int ops_audit_checkpoint_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  snprintf(j->object, sizeof j->object, "checkpoint");
  return 0;
}

int ops_audit_checkpoint_exec(store *st, job *j) {
  auditlog *al = store_auditlog(st);
  const char *note = auditlog_checkpoint(al);
  if (note == NULL) {
    job_fail(j, SV_ERR_NOT_FOUND, "no checkpoint has been signed yet");
    return -1;
  }
  uint64_t size = auditlog_signed_size(al);
  snprintf(j->object, sizeof j->object, "checkpoint:%llu", (unsigned long long)size);
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 2);
  sv_pack_str(&pk, "checkpoint");
  sv_pack_str(&pk, note);
  sv_pack_str(&pk, "size");
  msgpack_pack_uint64(&pk, size);
  return 0;
}

int ops_audit_entries_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  snprintf(j->object, sizeof j->object, "entries:%llu", (unsigned long long)j->req.a.start);
  if ((j->req.present & SV_BIT(SV_F_COUNT)) && j->req.a.count == 0) {
    job_fail(j, SV_ERR_INVALID, "count must be at least 1");
    return -1;
  }
  return 0;
}

static const char sql_entries[] =
    "SELECT seq, entry FROM audit_entries WHERE seq >= ? AND seq < ? ORDER BY seq";

int ops_audit_entries_exec(store *st, job *j) {
  uint64_t size = auditlog_signed_size(store_auditlog(st));
  uint64_t start = j->req.a.start;
  uint64_t want = (j->req.present & SV_BIT(SV_F_COUNT)) ? j->req.a.count : ENTRIES_MAX;
  if (want > ENTRIES_MAX) want = ENTRIES_MAX;
  if (start > size) {
    job_fail(j, SV_ERR_INVALID, "start %llu is beyond the latest checkpoint (size %llu)",
             (unsigned long long)start, (unsigned long long)size);
    return -1;
  }
  uint64_t end = size - start < want ? size : start + want;
  msgpack_sbuffer items;
  msgpack_sbuffer_init(&items);
  msgpack_packer ipk;
  msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
  uint64_t n = 0;
  int rc = -1;
  sqlite3_stmt *s = store_stmt(st, sql_entries);
  if (s == NULL) goto internal;
  sqlite3_bind_int64(s, 1, (sqlite3_int64)start);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)end);
  int step;
  while ((step = sqlite3_step(s)) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(s, 0);
    size_t len = (size_t)sqlite3_column_bytes(s, 1);
    if (seq != start + n) break; /* a hole: cannot happen in a log that passed start-up */
    if (n > 0 && items.size + len > ENTRIES_BYTES_MAX) break;
    sv_pack_bin(&ipk, sqlite3_column_blob(s, 1), len);
    n++;
  }
  sqlite3_reset(s);
  if (step != SQLITE_ROW && step != SQLITE_DONE) goto internal;
  if (n == 0 && start < end) goto internal;
  snprintf(j->object, sizeof j->object, "entries:%llu..%llu", (unsigned long long)start,
           (unsigned long long)(start + n));
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 3);
  sv_pack_str(&pk, "entries");
  msgpack_pack_array(&pk, n);
  msgpack_sbuffer_write(&j->result, items.data, items.size);
  sv_pack_str(&pk, "start");
  msgpack_pack_uint64(&pk, start);
  sv_pack_str(&pk, "size");
  msgpack_pack_uint64(&pk, size);
  rc = 0;
  goto out;
internal:
  job_fail(j, SV_ERR_INTERNAL, "cannot read audit entries from %llu", (unsigned long long)start);
out:
  msgpack_sbuffer_destroy(&items);
  return rc;
}

/* Who may prove which entry is a policy decision: a caller the policy lets `read audit` may
 * prove any entry (class "audit"); anyone else is asked as `read session`, the record of their
 * own session (class "session"), and exec then refuses entries whose actor is not the caller. */
int ops_audit_inclusion_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  snprintf(j->object, sizeof j->object, "inclusion:%llu", (unsigned long long)j->req.a.seq);
  decision d;
  request_ask(ctx, j, "audit", POLICY_LEVEL_NONE, &d);
  snprintf(j->klass, sizeof j->klass, "%s", d.permit ? "audit" : "session");
  return 0;
}

/* The rule recorded when a `read session` caller asks for another actor's entry. */
#define OWN_ONLY_RULE "not the caller's entry (read session)"

int ops_audit_inclusion_exec(store *st, job *j) {
  auditlog *al = store_auditlog(st);
  uint64_t size = 0, seq = j->req.a.seq;
  if (proof_size(st, j, &size) != 0) return -1;
  if (seq >= size) {
    job_fail(j, SV_ERR_NOT_FOUND, "entry %llu is not in the tree of size %llu",
             (unsigned long long)seq, (unsigned long long)size);
    return -1;
  }
  snprintf(j->object, sizeof j->object, "inclusion:%llu@%llu", (unsigned long long)seq,
           (unsigned long long)size);
  uint8_t *proof = NULL, *entry = NULL, *cons = NULL;
  size_t count = 0, elen = 0, ncons = 0;
  if (auditlog_entry(al, seq, &entry, &elen) != 0) goto internal;
  if (strcmp(j->klass, "session") == 0) {
    audit_entry ae;
    if (audit_entry_decode(entry, elen, &ae) != AUDIT_OK) goto internal;
    if (strcmp(ae.actor, j->who.keyid) != 0) {
      free(entry);
      job_deny(j, SV_ERR_DENIED, OWN_ONLY_RULE,
               "entry %llu records another actor's request: only your own entries can be proven "
               "without the right to read the audit trail",
               (unsigned long long)seq);
      return -1;
    }
  }
  if (auditlog_inclusion(al, seq, size, &proof, &count) != 0) goto internal;
  /* A consistency proof from the caller's trusted size, when it is not beyond this tree (a
   * caller that trusts a larger tree sees the rollback from the signed sizes). */
  bool with_cons = (j->req.present & SV_BIT(SV_F_OLD_SIZE)) && j->req.a.old_size <= size;
  if (with_cons && auditlog_consistency(al, j->req.a.old_size, size, &cons, &ncons) != 0)
    goto internal;
  /* The signed checkpoint the proof is against, when it is the latest one. */
  const char *note = size == auditlog_signed_size(al) ? auditlog_checkpoint(al) : NULL;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 4 + (note ? 1 : 0) + (with_cons ? 2 : 0));
  sv_pack_str(&pk, "seq");
  msgpack_pack_uint64(&pk, seq);
  sv_pack_str(&pk, "size");
  msgpack_pack_uint64(&pk, size);
  sv_pack_str(&pk, "proof");
  pack_proof(&pk, proof, count);
  sv_pack_str(&pk, "entry");
  sv_pack_bin(&pk, entry, elen);
  if (note) {
    sv_pack_str(&pk, "checkpoint");
    sv_pack_str(&pk, note);
  }
  if (with_cons) {
    sv_pack_str(&pk, "old_size");
    msgpack_pack_uint64(&pk, j->req.a.old_size);
    sv_pack_str(&pk, "consistency");
    pack_proof(&pk, cons, ncons);
  }
  free(proof);
  free(entry);
  free(cons);
  return 0;
internal:
  free(proof);
  free(entry);
  free(cons);
  job_fail(j, SV_ERR_INTERNAL, "cannot build the inclusion proof for entry %llu",
           (unsigned long long)seq);
  return -1;
}

int ops_audit_consistency_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  snprintf(j->object, sizeof j->object, "consistency:%llu", (unsigned long long)j->req.a.old_size);
  return 0;
}

int ops_audit_consistency_exec(store *st, job *j) {
  auditlog *al = store_auditlog(st);
  uint64_t size = 0, old = j->req.a.old_size;
  if (proof_size(st, j, &size) != 0) return -1;
  if (old > size) {
    job_fail(j, SV_ERR_INVALID, "old_size %llu is larger than size %llu", (unsigned long long)old,
             (unsigned long long)size);
    return -1;
  }
  snprintf(j->object, sizeof j->object, "consistency:%llu..%llu", (unsigned long long)old,
           (unsigned long long)size);
  uint8_t *proof = NULL;
  size_t count = 0;
  if (auditlog_consistency(al, old, size, &proof, &count) != 0) {
    job_fail(j, SV_ERR_INTERNAL, "cannot build the consistency proof %llu..%llu",
             (unsigned long long)old, (unsigned long long)size);
    return -1;
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 3);
  sv_pack_str(&pk, "old_size");
  msgpack_pack_uint64(&pk, old);
  sv_pack_str(&pk, "size");
  msgpack_pack_uint64(&pk, size);
  sv_pack_str(&pk, "proof");
  pack_proof(&pk, proof, count);
  free(proof);
  return 0;
}

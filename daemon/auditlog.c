/* auditlog.c -- the daemon's audit log: entries and Merkle subtree hashes in SQLite, signed
 * checkpoints, start-up verification and proofs. Storage thread only.
 *
 * Tables: audit_entries(seq, entry) holds the canonical entries; audit_subtrees(pos, hash)
 * holds every completed perfect subtree of level >= 1 (level 0, the leaf hash, is recomputed
 * from the entry) at its append-order position (merkle_node_pos), so that a batch's subtrees
 * are appended at the end of one B-tree; checkpoints(size, note) holds every checkpoint.
 *
 * A checkpoint is signed only after the transaction holding its entries has committed, so the
 * daemon never signs (or serves) a tree its storage may not keep: a batch stores the unsigned
 * checkpoint text with its entries, and its signed note replaces that text in the next
 * transaction (or when the store closes). A daemon stopped in between finds the latest row
 * unsigned at start-up and signs it then, once the log is verified against it; Ed25519
 * signatures are deterministic, so that is the very note it may have served before. */
#include "auditlog.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "signed_note.h"
#include "util.h"

/* Logs up to this size are re-hashed in full at start-up unless quick mode is asked for. */
#define AUTO_FULL_LIMIT 200000
/* Quick mode still re-hashes the newest entries: those after the last multiple of 2^this
 * below size - 2^this (between 2^13 and 2^14 entries), where a crash or an edit of recent
 * rows would show. */
#define QUICK_TAIL_LEVEL 13

/* The statements the log runs, prepared once at open. */
enum { Q_GET_ENTRY, Q_GET_NODE, Q_PUT_ENTRY, Q_PUT_NODE, Q_PUT_CHECKPOINT, Q_PUT_SIGNED, Q__COUNT };
static const char *const sql_text[Q__COUNT] = {
    [Q_GET_ENTRY] = "SELECT entry FROM audit_entries WHERE seq = ?",
    [Q_GET_NODE] = "SELECT hash FROM audit_subtrees WHERE pos = ?",
    [Q_PUT_ENTRY] = "INSERT INTO audit_entries(seq, entry) VALUES(?, ?)",
    [Q_PUT_NODE] = "INSERT INTO audit_subtrees(pos, hash) VALUES(?, ?)",
    [Q_PUT_CHECKPOINT] = "INSERT INTO checkpoints(size, note) VALUES(?, ?)",
    [Q_PUT_SIGNED] = "UPDATE checkpoints SET note = ? WHERE size = ?",
};

struct auditlog {
  sqlite3 *db;
  sqlite3_stmt *q[Q__COUNT];
  char origin[256];
  auditlog_signer signer;
  uint8_t (*leaves)[32]; /* leaf hashes appended since the latest signed checkpoint */
  size_t nleaves, capleaves;
  note_verifier verifier;
  char *vkey;
  merkle_frontier fr;   /* every appended entry, the current batch's included */
  uint64_t signed_size; /* size of the latest signed checkpoint */
  char *checkpoint;     /* latest signed checkpoint note (NULL: none yet) */
  bool note_stored;     /* checkpoint's signed note is in its row (not only the text) */
  bool storing_note;    /* the open transaction writes it there */
  bool pending;         /* the current batch stored an unsigned checkpoint, signed once committed */
  uint64_t pending_size;
};

/* Statement k, reset and ready to bind. */
static sqlite3_stmt *stmt(auditlog *al, int k) {
  sqlite3_stmt *s = al->q[k];
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return s;
}

uint64_t auditlog_size(const auditlog *al) { return al->fr.size; }
const merkle_frontier *auditlog_frontier(const auditlog *al) { return &al->fr; }
uint64_t auditlog_signed_size(const auditlog *al) { return al->signed_size; }
const char *auditlog_checkpoint(const auditlog *al) { return al->checkpoint; }
const char *auditlog_verifier_key(const auditlog *al) { return al->vkey; }

void auditlog_save(const auditlog *al, auditlog_mark *m) {
  m->size = al->fr.size;
  m->frontier = al->fr;
}

void auditlog_restore(auditlog *al, const auditlog_mark *m) {
  al->fr = m->frontier;
  assert(m->size >= al->signed_size && m->size - al->signed_size <= al->nleaves);
  al->nleaves = (size_t)(m->size - al->signed_size);
  /* The failed batch's checkpoint text was rolled back with it, and never signed. */
  al->pending = false;
  al->storing_note = false;
}

int auditlog_sign(auditlog *al, uint64_t size, const uint8_t root[32], char *err,
                  size_t errlen) {
  assert(size >= al->signed_size && size <= al->fr.size);
  assert(al->fr.size - al->signed_size == al->nleaves);
  size_t n = (size_t)(size - al->signed_size);
  char *note = NULL;
  if (al->signer.sign(al->signer.ctx, al->signed_size, (const uint8_t(*)[32])al->leaves, n,
                      root, &note, err, errlen) != 0)
    return -1;
  free(al->checkpoint);
  al->checkpoint = note;
  al->signed_size = size;
  al->nleaves -= n;
  if (al->nleaves) memmove(al->leaves, al->leaves + n, al->nleaves * sizeof *al->leaves);
  al->note_stored = false;
  return 0;
}

/* Have the signer sign the tree of the current frontier (start-up). 0 or -1 with err. */
static int sign_current(auditlog *al, char *err, size_t errlen) {
  uint8_t root[32];
  merkle_frontier_root(&al->fr, root);
  return auditlog_sign(al, al->fr.size, root, err, errlen);
}

bool auditlog_committed(auditlog *al, uint64_t *size, uint8_t root[32]) {
  if (al->storing_note) al->note_stored = true;
  al->storing_note = false;
  if (!al->pending) return false;
  al->pending = false;
  assert(al->fr.size == al->pending_size);
  *size = al->pending_size;
  merkle_frontier_root(&al->fr, root);
  return true;
}

bool auditlog_note_unstored(const auditlog *al) { return al->checkpoint != NULL && !al->note_stored; }

int auditlog_store_note(auditlog *al, char *err, size_t errlen) {
  if (al->checkpoint == NULL || al->note_stored) return 0;
  sqlite3_stmt *s = stmt(al, Q_PUT_SIGNED);
  sqlite3_bind_text(s, 1, al->checkpoint, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)al->signed_size);
  int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
  sqlite3_reset(s);
  if (rc != 0) {
    snprintf(err, errlen, "cannot store checkpoint %llu: %s", (unsigned long long)al->signed_size,
             sqlite3_errmsg(al->db));
    return -1;
  }
  al->storing_note = true;
  return 0;
}

int auditlog_entry(auditlog *al, uint64_t seq, uint8_t **entry, size_t *len) {
  sqlite3_stmt *s = stmt(al, Q_GET_ENTRY);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
  int rc = -1;
  if (sqlite3_step(s) == SQLITE_ROW) {
    size_t n = (size_t)sqlite3_column_bytes(s, 0);
    const void *p = sqlite3_column_blob(s, 0);
    *entry = malloc(n ? n : 1);
    if (*entry != NULL) {
      if (n) memcpy(*entry, p, n);
      *len = n;
      rc = 0;
    }
  }
  sqlite3_reset(s);
  return rc;
}

/* merkle_node_fn over the tables: level 0 re-hashes the entry, higher levels are stored. */
static int node_fn(void *ctx, uint64_t level, uint64_t index, uint8_t out[32]) {
  auditlog *al = ctx;
  sqlite3_stmt *s;
  if (level == 0) {
    s = stmt(al, Q_GET_ENTRY);
    sqlite3_bind_int64(s, 1, (sqlite3_int64)index);
  } else {
    int64_t pos = merkle_node_pos(level, index);
    if (pos < 0) return -1;
    s = stmt(al, Q_GET_NODE);
    sqlite3_bind_int64(s, 1, pos);
  }
  int rc = -1;
  if (sqlite3_step(s) == SQLITE_ROW) {
    const void *p = sqlite3_column_blob(s, 0);
    int n = sqlite3_column_bytes(s, 0);
    if (level == 0) {
      merkle_leaf_hash(p, (size_t)n, out);
      rc = 0;
    } else if (n == 32) {
      memcpy(out, p, 32);
      rc = 0;
    }
  }
  sqlite3_reset(s);
  return rc;
}

static int put_node_fn(void *ctx, uint64_t level, uint64_t index, const uint8_t hash[32]) {
  auditlog *al = ctx;
  if (level == 0) return 0; /* the entry row is the leaf */
  int64_t pos = merkle_node_pos(level, index);
  if (pos < 0) return -1;
  sqlite3_stmt *s = stmt(al, Q_PUT_NODE);
  sqlite3_bind_int64(s, 1, pos);
  sqlite3_bind_blob(s, 2, hash, 32, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? 0 : -1;
}

int auditlog_append(auditlog *al, audit_entry *e, char *err, size_t errlen) {
  uint64_t seq = al->fr.size;
  e->seq = seq;
  uint8_t *buf = NULL;
  size_t len = 0;
  if (audit_entry_encode(e, &buf, &len) != 0) {
    snprintf(err, errlen, "cannot encode audit entry %llu", (unsigned long long)seq);
    return -1;
  }
  sqlite3_stmt *s = stmt(al, Q_PUT_ENTRY);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
  sqlite3_bind_blob(s, 2, buf, (int)len, SQLITE_STATIC);
  int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
  sqlite3_reset(s);
  uint8_t leaf[32];
  merkle_leaf_hash(buf, len, leaf);
  free(buf);
  if (rc == 0 && al->nleaves == al->capleaves) {
    size_t cap = al->capleaves ? 2 * al->capleaves : 64;
    void *p = realloc(al->leaves, cap * sizeof *al->leaves);
    if (p == NULL) rc = -1;
    else {
      al->leaves = p;
      al->capleaves = cap;
    }
  }
  if (rc != 0 || merkle_frontier_append(&al->fr, leaf, put_node_fn, al) != MERKLE_OK) {
    snprintf(err, errlen, "cannot store audit entry %llu: %s", (unsigned long long)seq,
             sqlite3_errmsg(al->db));
    return -1;
  }
  memcpy(al->leaves[al->nleaves++], leaf, 32);
  return 0;
}

int auditlog_put_checkpoint(auditlog *al, char *err, size_t errlen) {
  assert(!al->pending);
  if (auditlog_store_note(al, err, errlen) != 0) return -1;
  if (al->fr.size == al->signed_size && al->checkpoint != NULL) return 0;
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, "%s", al->origin);
  cp.size = al->fr.size;
  merkle_frontier_root(&al->fr, cp.root);
  char *text = NULL;
  size_t len = 0;
  if (checkpoint_format(&cp, &text, &len) != CHECKPOINT_OK) {
    snprintf(err, errlen, "cannot format checkpoint %llu", (unsigned long long)al->fr.size);
    return -1;
  }
  sqlite3_stmt *s = stmt(al, Q_PUT_CHECKPOINT);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)al->fr.size);
  sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
  int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
  sqlite3_reset(s);
  free(text);
  if (rc != 0) {
    snprintf(err, errlen, "cannot store checkpoint: %s", sqlite3_errmsg(al->db));
    return -1;
  }
  /* Signed only once the transaction has committed durably (auditlog_sign); if it fails,
   * auditlog_restore drops it unsigned, and the checkpoint of the next batch to commit
   * cannot contradict anything signed. */
  al->pending = true;
  al->pending_size = al->fr.size;
  return 0;
}

int auditlog_inclusion(auditlog *al, uint64_t seq, uint64_t n, uint8_t **proof, size_t *count) {
  if (n > al->fr.size || seq >= n) return -1;
  uint8_t(*p)[32] = malloc(MERKLE_MAX_PROOF * 32);
  if (p == NULL) return -1;
  if (merkle_inclusion_proof(node_fn, al, seq, n, p, count) != MERKLE_OK) {
    free(p);
    return -1;
  }
  *proof = (uint8_t *)p;
  return 0;
}

int auditlog_consistency(auditlog *al, uint64_t m, uint64_t n, uint8_t **proof, size_t *count) {
  if (n > al->fr.size || m > n) return -1;
  uint8_t(*p)[32] = malloc(MERKLE_MAX_PROOF * 32);
  if (p == NULL) return -1;
  if (merkle_consistency_proof(node_fn, al, m, n, p, count) != MERKLE_OK) {
    free(p);
    return -1;
  }
  *proof = (uint8_t *)p;
  return 0;
}

/* ---- start-up verification ---- */

struct full_ctx {
  auditlog *al;
  uint64_t mismatch_level, mismatch_index;
  bool mismatch;
  bool missing;
};

/* During a full re-hash: compare each recomputed subtree with the stored one. */
static int compare_node_fn(void *ctx, uint64_t level, uint64_t index, const uint8_t hash[32]) {
  struct full_ctx *fc = ctx;
  if (level == 0 || fc->mismatch) return 0;
  uint8_t stored[32];
  if (node_fn(fc->al, level, index, stored) != 0) {
    fc->mismatch = fc->missing = true;
  } else if (sodium_memcmp(stored, hash, 32) != 0) {
    fc->mismatch = true;
  }
  if (fc->mismatch) {
    fc->mismatch_level = level;
    fc->mismatch_index = index;
  }
  return 0;
}

/* Re-hash the entries [start, size) in order, on top of the stored subtrees that cover
 * [0, start) (start must be a multiple of 2^QUICK_TAIL_LEVEL or 0), checking each entry's own
 * sequence number, that format versions never go back, and every stored subtree hash
 * completed on the way. On success al->fr is
 * the frontier of size entries and root its root. Returns 0 or -1 with the first problem in
 * err. */
static int verify_range(auditlog *al, uint64_t start, uint64_t size, uint8_t root[32], char *err,
                        size_t errlen) {
  sqlite3 *db = al->db;
  sqlite3_stmt *s = NULL;
  merkle_frontier fr;
  merkle_frontier_init(&fr);
  if (start > 0 && merkle_frontier_load(&fr, start, node_fn, al) != MERKLE_OK) {
    snprintf(err, errlen, "the stored Merkle subtree hashes covering entries 0..%llu are missing",
             (unsigned long long)(start - 1));
    return -1;
  }
  if (sqlite3_prepare_v2(db, "SELECT seq, entry FROM audit_entries WHERE seq >= ? ORDER BY seq",
                         -1, &s, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
  }
  sqlite3_bind_int64(s, 1, (sqlite3_int64)start);
  struct full_ctx fc = {.al = al};
  uint64_t expect = start;
  unsigned last_version = 0; /* entry format versions never go back */
  int rc = -1;
  while (sqlite3_step(s) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(s, 0);
    const uint8_t *p = sqlite3_column_blob(s, 1);
    size_t n = (size_t)sqlite3_column_bytes(s, 1);
    if (seq != expect) {
      snprintf(err, errlen, "audit entry %llu is missing (deleted; the next stored entry is %llu)",
               (unsigned long long)expect, (unsigned long long)seq);
      goto out;
    }
    if (seq >= size) {
      snprintf(err, errlen,
               "audit entry %llu lies beyond the last signed checkpoint (size %llu): entries "
               "were added or checkpoints deleted",
               (unsigned long long)seq, (unsigned long long)size);
      goto out;
    }
    audit_entry e;
    if (audit_entry_decode(p, n, &e) != 0) {
      snprintf(err, errlen, "audit entry %llu is not a canonical entry (edited)",
               (unsigned long long)seq);
      goto out;
    }
    if (e.seq != seq) {
      snprintf(err, errlen, "row %llu holds audit entry %llu (entries reordered or copied)",
               (unsigned long long)seq, (unsigned long long)e.seq);
      goto out;
    }
    if (!audit_entry_version_follows(last_version, e.version)) {
      snprintf(err, errlen,
               "audit entry %llu is in entry format version %u after one of version %u "
               "(edited: the daemon never goes back to an older format)",
               (unsigned long long)seq, e.version, last_version);
      goto out;
    }
    last_version = e.version;
    uint8_t leaf[32];
    merkle_leaf_hash(p, n, leaf);
    merkle_frontier_append(&fr, leaf, compare_node_fn, &fc);
    if (fc.mismatch) {
      uint64_t first = fc.mismatch_index << fc.mismatch_level;
      uint64_t last = ((fc.mismatch_index + 1) << fc.mismatch_level) - 1;
      snprintf(err, errlen,
               "audit entries %llu..%llu do not match their stored Merkle subtree hash "
               "(level %llu, index %llu, %s): an entry or a stored hash was edited",
               (unsigned long long)first, (unsigned long long)last,
               (unsigned long long)fc.mismatch_level, (unsigned long long)fc.mismatch_index,
               fc.missing ? "missing" : "differs");
      goto out;
    }
    expect++;
  }
  if (expect != size) {
    snprintf(err, errlen,
             "the log holds %llu entries but its last signed checkpoint covers %llu "
             "(entries %llu..%llu are missing: the tail was truncated)",
             (unsigned long long)expect, (unsigned long long)size, (unsigned long long)expect,
             (unsigned long long)(size - 1));
    goto out;
  }
  merkle_frontier_root(&fr, root);
  al->fr = fr;
  rc = 0;
out:
  sqlite3_finalize(s);
  return rc;
}

/* Describe how the rows of audit_entries differ from 0..size-1 (the cheap checks done before
 * any hashing). Returns 0 when count and highest seq fit, else -1 with the reason in err. */
static int check_rows(auditlog *al, uint64_t size, char *err, size_t errlen) {
  sqlite3 *db = al->db;
  sqlite3_stmt *s = NULL;
  int64_t count = 0, minseq = -1, maxseq = -1;
  if (sqlite3_prepare_v2(db,
                         "SELECT count(*), coalesce(min(seq), -1), coalesce(max(seq), -1) "
                         "FROM audit_entries",
                         -1, &s, NULL) != SQLITE_OK ||
      sqlite3_step(s) != SQLITE_ROW) {
    snprintf(err, errlen, "cannot read the audit log: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return -1;
  }
  count = sqlite3_column_int64(s, 0);
  minseq = sqlite3_column_int64(s, 1);
  maxseq = sqlite3_column_int64(s, 2);
  sqlite3_finalize(s);
  if ((uint64_t)count == size && (size == 0 || (minseq == 0 && (uint64_t)maxseq == size - 1)))
    return 0;
  if (maxseq >= 0 && (uint64_t)maxseq >= size) {
    snprintf(err, errlen,
             "the audit log holds entries up to %lld but its last signed checkpoint covers only "
             "%llu: entries were added or checkpoints deleted",
             (long long)maxseq, (unsigned long long)size);
    return -1;
  }
  /* First missing sequence number (only on this error path: a scan). */
  int64_t gap = -1;
  if (minseq != 0) {
    gap = 0;
  } else if (sqlite3_prepare_v2(db,
                                "SELECT a.seq + 1 FROM audit_entries a WHERE NOT EXISTS "
                                "(SELECT 1 FROM audit_entries b WHERE b.seq = a.seq + 1) "
                                "ORDER BY a.seq LIMIT 1",
                                -1, &s, NULL) == SQLITE_OK &&
             sqlite3_step(s) == SQLITE_ROW) {
    gap = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  if (gap >= 0 && gap == maxseq + 1)
    snprintf(err, errlen,
             "the audit log holds entries 0..%lld but its last signed checkpoint covers %llu: "
             "entries %lld..%llu are missing (the tail was truncated)",
             (long long)maxseq, (unsigned long long)size, (long long)gap,
             (unsigned long long)(size - 1));
  else
    snprintf(err, errlen,
             "the audit log holds %lld of the %llu entries its last signed checkpoint covers: "
             "entry %lld is missing (deleted)",
             (long long)count, (unsigned long long)size, (long long)gap);
  return -1;
}

/* Load and check the latest checkpoint; fills size and root (size 0 if none). A signed one
 * becomes al->checkpoint; an unsigned text (its batch committed, the daemon stopped before the
 * signed note was stored) sets *is_unsigned, to be signed once the log has been verified
 * against it. */
static int load_checkpoint(auditlog *al, uint64_t *size, uint8_t root[32], bool *is_unsigned,
                           char *err, size_t errlen) {
  sqlite3 *db = al->db;
  sqlite3_stmt *s = NULL;
  *size = 0;
  *is_unsigned = false;
  merkle_empty_root(root);
  if (sqlite3_prepare_v2(db, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", -1,
                         &s, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
  }
  int rc = 0;
  int step = sqlite3_step(s);
  if (step == SQLITE_ROW) {
    uint64_t row_size = (uint64_t)sqlite3_column_int64(s, 0);
    const char *note = (const char *)sqlite3_column_text(s, 1);
    size_t nlen = (size_t)sqlite3_column_bytes(s, 1);
    bool text_only = note != NULL && strstr(note, "\n\n") == NULL;
    size_t text_len = nlen;
    bool signed_by = false;
    checkpoint cp;
    if (note == NULL ||
        (!text_only && note_open(note, nlen, &al->verifier, 1, &text_len, &signed_by) != NOTE_OK)) {
      snprintf(err, errlen, "the last checkpoint (size %llu) is not signed by this daemon's log key",
               (unsigned long long)row_size);
      rc = -1;
    } else if (checkpoint_parse(note, text_len, &cp) != 0 || cp.size != row_size ||
               strcmp(cp.origin, al->origin) != 0) {
      snprintf(err, errlen,
               "the last checkpoint (size %llu) does not parse or names another origin/size",
               (unsigned long long)row_size);
      rc = -1;
    } else {
      *size = cp.size;
      memcpy(root, cp.root, 32);
      if (text_only) {
        *is_unsigned = true;
      } else if ((al->checkpoint = malloc(nlen + 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
      } else {
        memcpy(al->checkpoint, note, nlen + 1);
        al->signed_size = cp.size;
        al->note_stored = true;
      }
    }
  } else if (step != SQLITE_DONE) {
    snprintf(err, errlen, "cannot read the last checkpoint: %s", sqlite3_errmsg(db));
    rc = -1;
  }
  sqlite3_finalize(s);
  return rc;
}

/* Put the leaf hashes of entries [from, to) into al->leaves (start-up: the entries the signer
 * has not signed yet). Returns 0 or -1 with err. */
static int load_leaves(auditlog *al, uint64_t from, uint64_t to, char *err, size_t errlen) {
  size_t n = (size_t)(to - from);
  if (n > al->capleaves) {
    void *p = realloc(al->leaves, n * sizeof *al->leaves);
    if (p == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    al->leaves = p;
    al->capleaves = n;
  }
  for (uint64_t seq = from; seq < to; seq++) {
    if (node_fn(al, 0, seq, al->leaves[seq - from]) != 0) {
      snprintf(err, errlen, "cannot read audit entry %llu", (unsigned long long)seq);
      return -1;
    }
  }
  al->nleaves = n;
  return 0;
}

/* The newest checkpoint row below limit whose note is signed (verified with the log key): its
 * size into *size and a malloc'd copy into *note (NULL and size 0 when there is none). Returns 0
 * or -1 with err. */
static int newest_signed_below(auditlog *al, uint64_t limit, uint64_t *size, char **note,
                               size_t *nlen, char *err, size_t errlen) {
  *size = 0;
  *note = NULL;
  *nlen = 0;
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(al->db, "SELECT size, note FROM checkpoints WHERE size < ? ORDER BY size DESC",
                         -1, &s, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(al->db));
    return -1;
  }
  sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
  int rc = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(s, 1);
    size_t n = (size_t)sqlite3_column_bytes(s, 1);
    checkpoint cp;
    if (t == NULL || checkpoint_open(t, n, &al->verifier, al->origin, &cp, NULL) != CHECKPOINT_OK)
      continue; /* a text whose signature was never stored */
    if ((*note = malloc(n + 1)) == NULL) {
      snprintf(err, errlen, "out of memory");
      rc = -1;
      break;
    }
    memcpy(*note, t, n + 1);
    *nlen = n;
    *size = cp.size;
    break;
  }
  sqlite3_finalize(s);
  return rc;
}

/* A signer with a record of its own (the log signer process): hold the verified log of size
 * entries against that record. A signer without one adopts the newest checkpoint its key signed
 * (a log that ran with the key in this process before). *base receives the size the signer has
 * signed. Returns 0, or -1 with the reason in err. */
static int reconcile_signer(auditlog *al, uint64_t size, bool is_unsigned, uint64_t *base,
                            char *err, size_t errlen) {
  bool has = false;
  uint64_t ssize = 0;
  uint8_t sroot[32];
  char serr[256];
  if (al->signer.state(al->signer.ctx, &has, &ssize, sroot, serr, sizeof serr) != 0) {
    snprintf(err, errlen, "cannot ask the log signer what it signed: %s", serr);
    return -1;
  }
  if (has) {
    if (ssize > size) {
      snprintf(err, errlen,
               "the log signer has signed %llu audit entries but the database holds only %llu: "
               "this database is older than checkpoints already signed (a restored backup?); "
               "auditors would see the log rolled back (see samvirked restore)",
               (unsigned long long)ssize, (unsigned long long)size);
      return -1;
    }
    uint8_t root[32];
    if (merkle_root(node_fn, al, ssize, root) != MERKLE_OK ||
        sodium_memcmp(root, sroot, 32) != 0) {
      snprintf(err, errlen,
               "the database's first %llu audit entries are not the ones the log signer signed: "
               "the log was changed",
               (unsigned long long)ssize);
      return -1;
    }
    *base = ssize;
    return 0;
  }
  uint64_t p = 0;
  char *note = NULL;
  size_t nlen = 0;
  merkle_frontier f;
  merkle_frontier_init(&f);
  if (!is_unsigned && al->checkpoint != NULL) {
    p = size;
    f = al->fr;
  } else if (newest_signed_below(al, size, &p, &note, &nlen, err, errlen) != 0) {
    return -1;
  } else if (p > 0 && merkle_frontier_load(&f, p, node_fn, al) != MERKLE_OK) {
    snprintf(err, errlen, "the stored subtree hashes of the first %llu entries are missing",
             (unsigned long long)p);
    free(note);
    return -1;
  }
  const char *n = note ? note : (p == size ? al->checkpoint : NULL);
  int rc = al->signer.adopt(al->signer.ctx, &f, n, n ? strlen(n) : 0, serr, sizeof serr);
  free(note);
  if (rc != 0) {
    snprintf(err, errlen, "the log signer cannot start its record: %s", serr);
    return -1;
  }
  *base = p;
  return 0;
}

auditlog *auditlog_open(sqlite3 *db, const char *origin, const uint8_t log_pk[32],
                        const auditlog_signer *sg, enum auditlog_verify mode, char *err,
                        size_t errlen) {
  assert(db != NULL && sg != NULL && sg->sign != NULL);
  auditlog *al = calloc(1, sizeof *al);
  if (al == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  al->db = db;
  al->signer = *sg;
  snprintf(al->origin, sizeof al->origin, "%s", origin);
  for (int k = 0; k < Q__COUNT; k++) {
    if (sqlite3_prepare_v3(db, sql_text[k], -1, SQLITE_PREPARE_PERSISTENT, &al->q[k], NULL) !=
        SQLITE_OK) {
      snprintf(err, errlen, "the audit tables cannot be read: %s", sqlite3_errmsg(db));
      goto err;
    }
  }
  if (note_verifier_init(&al->verifier, origin, log_pk) != NOTE_OK ||
      note_verifier_format(&al->verifier, &al->vkey) != NOTE_OK) {
    snprintf(err, errlen, "cannot set up the log key for origin '%s'", origin);
    goto err;
  }
  uint64_t size = 0;
  uint8_t want[32], got[32];
  bool is_unsigned = false;
  if (load_checkpoint(al, &size, want, &is_unsigned, err, errlen) != 0) goto err;
  if (check_rows(al, size, err, errlen) != 0) goto err;
  /* Full: re-hash everything. Quick: take the stored subtrees for all but the last
   * 2^QUICK_TAIL_LEVEL..2^(QUICK_TAIL_LEVEL+1) entries and re-hash those. */
  uint64_t start = 0;
  bool full = mode == AUDITLOG_VERIFY_FULL || (mode == AUDITLOG_VERIFY_AUTO && size <= AUTO_FULL_LIMIT);
  if (!full && size > (UINT64_C(1) << QUICK_TAIL_LEVEL))
    start = ((size >> QUICK_TAIL_LEVEL) - 1) << QUICK_TAIL_LEVEL;
  if (verify_range(al, start, size, got, err, errlen) != 0) goto err;
  if (sodium_memcmp(got, want, 32) != 0) {
    char a[65], b[65];
    util_hex(a, got, 32);
    util_hex(b, want, 32);
    snprintf(err, errlen,
             "audit log root for size %llu is %s but the last signed checkpoint says %s",
             (unsigned long long)size, a, b);
    goto err;
  }
  /* What the signer has signed: the log's size for a signer without a record of its own. */
  uint64_t base = size;
  if (al->signer.state != NULL && reconcile_signer(al, size, is_unsigned, &base, err, errlen) != 0)
    goto err;
  if (is_unsigned || base < size) {
    /* Committed entries (and, when is_unsigned, their checkpoint's text) the signer has not
     * signed: sign them now (the note is stored by the first batch). A signer without a record
     * is asked for the tree of that size again (no new leaves). */
    al->signed_size = base;
    if (load_leaves(al, base, size, err, errlen) != 0) goto err;
    char serr[256];
    if (sign_current(al, serr, sizeof serr) != 0) {
      snprintf(err, errlen, "cannot sign the last checkpoint (size %llu): %s",
               (unsigned long long)size, serr);
      goto err;
    }
  } else if (al->checkpoint == NULL) {
    /* A new log: sign the empty checkpoint at the first commit. */
    al->signed_size = 0;
  }
  return al;
err:
  al->signer.release = NULL; /* ctx stays the caller's when the log does not open */
  auditlog_close(al);
  return NULL;
}

void auditlog_close(auditlog *al) {
  if (al == NULL) return;
  for (int k = 0; k < Q__COUNT; k++) sqlite3_finalize(al->q[k]);
  if (al->signer.release) al->signer.release(al->signer.ctx);
  free(al->vkey);
  free(al->leaves);
  free(al->checkpoint);
  free(al);
}

/* audit_verify.c -- recompute a checkpoint's root from a run of audit entries (no I/O). */
#include "audit_verify.h"

#include <assert.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Count a problem and tell it. */
__attribute__((format(printf, 2, 3))) static void problem(audit_verify *av, const char *fmt,
                                                          ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  av->problems++;
  av->problem(av->ctx, msg);
}

/* Record the running root when the entries so far are exactly the trusted size. */
static void watch_root(audit_verify *av) {
  if (av->fr.size != av->watch) return;
  av->link.has_prefix = true;
  av->link.prefix_size = av->fr.size;
  merkle_frontier_root(&av->fr, av->link.prefix_root);
}

void audit_verify_begin(audit_verify *av, const merkle_frontier *start, const checkpoint *cp,
                        const checkpoint *trusted, const char *name, audit_problem_fn fn,
                        void *ctx) {
  assert(av != NULL && start != NULL && cp != NULL && name != NULL && fn != NULL);
  memset(av, 0, sizeof *av);
  av->cp = cp;
  av->name = name;
  av->fr = *start;
  av->start = start->size;
  av->watch = trusted != NULL ? trusted->size : UINT64_MAX;
  av->problem = fn;
  av->ctx = ctx;
  watch_root(av);
}

int audit_verify_entry(audit_verify *av, const uint8_t *entry, size_t len, audit_entry *e) {
  assert(av != NULL && entry != NULL && e != NULL);
  if (av->fr.size >= av->cp->size) {
    problem(av, "%s holds entries beyond the checkpoint's size %llu", av->name,
            (unsigned long long)av->cp->size);
    return AUDIT_VERIFY_STOP;
  }
  int step = AUDIT_VERIFY_NEXT;
  if (audit_entry_decode(entry, len, e) != AUDIT_OK) {
    problem(av, "entry %llu is not a canonical audit entry", (unsigned long long)av->fr.size);
    step = AUDIT_VERIFY_BAD;
  } else if (e->seq != av->fr.size) {
    problem(av, "entry at position %llu carries sequence number %llu (reordered)",
            (unsigned long long)av->fr.size, (unsigned long long)e->seq);
    step = AUDIT_VERIFY_BAD;
  } else if (!audit_entry_version_follows(av->version, e->version)) {
    problem(av,
            "entry %llu is in entry format version %u after an entry of version %u: a log never "
            "goes back to an older format (it would hide outcomes and salts)",
            (unsigned long long)e->seq, e->version, av->version);
    step = AUDIT_VERIFY_BAD;
  }
  if (step == AUDIT_VERIFY_NEXT) av->version = e->version;
  uint8_t leaf[32];
  merkle_leaf_hash(entry, len, leaf);
  merkle_frontier_append(&av->fr, leaf, NULL, NULL);
  watch_root(av);
  if (av->problems > AUDIT_VERIFY_MAX_PROBLEMS) {
    problem(av, "too many problems; stopping");
    return AUDIT_VERIFY_STOP;
  }
  return step;
}

void audit_verify_damaged(audit_verify *av) {
  assert(av != NULL);
  problem(av, "%s is truncated or damaged after entry %llu", av->name,
          (unsigned long long)av->fr.size);
}

int audit_verify_end(audit_verify *av) {
  assert(av != NULL);
  if (av->fr.size != av->cp->size) {
    problem(av, "the entries cover %llu..%llu but the checkpoint is for size %llu",
            (unsigned long long)av->start,
            (unsigned long long)(av->fr.size ? av->fr.size - 1 : 0),
            (unsigned long long)av->cp->size);
  } else {
    uint8_t root[32];
    merkle_frontier_root(&av->fr, root);
    if (sodium_memcmp(root, av->cp->root, 32) != 0)
      problem(av,
              "the root recomputed from the entries does not match the signed checkpoint "
              "(size %llu): an entry was changed, removed, added or reordered",
              (unsigned long long)av->cp->size);
  }
  return av->problems;
}

int audit_verify_frontier_from_last(uint64_t n, const uint8_t leaf[32], const tlog_proof *proof,
                                    merkle_frontier *fr) {
  assert(n > 0 && leaf != NULL && proof != NULL && fr != NULL);
  int b0 = __builtin_ctzll(n);
  if (proof->n != (size_t)b0 + (size_t)__builtin_popcountll(n) - 1) return -1;
  merkle_frontier_init(fr);
  fr->size = n;
  uint8_t r[32];
  memcpy(r, leaf, 32);
  size_t i = 0;
  for (; i < (size_t)b0; i++) merkle_node_hash(proof->hash[i], r, r);
  memcpy(fr->hash[b0], r, 32);
  for (int level = b0 + 1; level < MERKLE_FRONTIER_LEVELS; level++)
    if ((n >> level) & 1) memcpy(fr->hash[level], proof->hash[i++], 32);
  return 0;
}

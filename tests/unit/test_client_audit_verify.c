/* test_client_audit_verify.c -- pure verification of fetched audit entries (client/audit_verify.c):
 * a clean run verifies from 0 and from a frontier; every kind of tampering is reported with its
 * own words; the problem limit and the checkpoint's size hold on both sides; the root at the
 * trusted size is recorded exactly when the run passes it. */
#include <sodium.h>

#include "audit_entry.h"
#include "audit_verify.h"
#include "checkpoint.h"
#include "merkle.h"
#include "task.h"

#define N 20

static uint8_t *entries[N + 5];
static size_t lens[N + 5];
static uint8_t leaves[N + 5][32];
static char msgs[64][1024];
static int nmsgs;

static void collect(void *ctx, const char *msg) {
  ASSERT(ctx == msgs);
  ASSERT(nmsgs < 64);
  snprintf(msgs[nmsgs++], sizeof msgs[0], "%s", msg);
}

/* The problem messages so far contain s. */
static bool said(const char *s) {
  for (int i = 0; i < nmsgs; i++)
    if (strstr(msgs[i], s) != NULL) return true;
  return false;
}

/* Entry i (re)made in format version v (entries are version 2 unless a test changes them). */
static void make_entry(int i, unsigned v) {
  audit_entry e;
  memset(&e, 0, sizeof e);
  e.version = v;
  e.seq = (uint64_t)i;
  e.time_ms = 1767225600000ull + (uint64_t)i * 1000;
  snprintf(e.actor, sizeof e.actor, "0123456789abcdef");
  snprintf(e.role, sizeof e.role, "coordinator");
  snprintf(e.op, sizeof e.op, "ping");
  snprintf(e.data_class, sizeof e.data_class, "session");
  e.decision = AUDIT_PERMIT;
  snprintf(e.rule, sizeof e.rule, "sessions");
  if (v == AUDIT_ENTRY_V2) {
    snprintf(e.outcome, sizeof e.outcome, AUDIT_OUTCOME_OK);
    memset(e.salt, i + 1, sizeof e.salt);
  }
  free(entries[i]);
  ASSERT_INT_EQ(audit_entry_encode(&e, &entries[i], &lens[i]), AUDIT_OK);
  merkle_leaf_hash(entries[i], lens[i], leaves[i]);
}

static void make_entries(void) {
  for (int i = 0; i < N + 5; i++) make_entry(i, AUDIT_ENTRY_V2);
}

static checkpoint cp_of(uint64_t size) {
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, "test/log");
  cp.size = size;
  merkle_mem_root((const uint8_t(*)[32])leaves, size, cp.root);
  return cp;
}

static merkle_frontier frontier_at(uint64_t n) {
  merkle_frontier fr;
  merkle_frontier_init(&fr);
  for (uint64_t i = 0; i < n; i++) ASSERT_INT_EQ(merkle_frontier_append(&fr, leaves[i], NULL, NULL), MERKLE_OK);
  return fr;
}

/* Feed the entries order[0..n) (indices into entries; -1 = garbage bytes) after the frontier at
 * start, against cp. Returns the problem count; steps[i] receives each step. */
static int run(uint64_t start, const int *order, int n, const checkpoint *cp,
               const checkpoint *trusted, audit_verify *av, int *steps) {
  nmsgs = 0;
  merkle_frontier fr = frontier_at(start);
  audit_verify_begin(av, &fr, cp, trusted, "FILE", collect, msgs);
  static const uint8_t garbage[] = {0x81, 0xa1, 'x', 0x01};
  for (int i = 0; i < n; i++) {
    audit_entry e;
    int step = order[i] < 0 ? audit_verify_entry(av, garbage, sizeof garbage, &e)
                            : audit_verify_entry(av, entries[order[i]], lens[order[i]], &e);
    if (steps) steps[i] = step;
    if (step == AUDIT_VERIFY_NEXT) ASSERT_UINT_EQ(e.seq, (uint64_t)order[i]);
    if (step == AUDIT_VERIFY_STOP) break;
  }
  return audit_verify_end(av);
}

static void seq_order(int *order, int from, int n) {
  for (int i = 0; i < n; i++) order[i] = from + i;
}

static void test_clean(void) {
  int order[N], steps[N];
  audit_verify av;
  checkpoint cp = cp_of(N);
  seq_order(order, 0, N);
  ASSERT_INT_EQ(run(0, order, N, &cp, NULL, &av, steps), 0);
  ASSERT_INT_EQ(nmsgs, 0);
  for (int i = 0; i < N; i++) ASSERT_INT_EQ(steps[i], AUDIT_VERIFY_NEXT);
  ASSERT(!av.link.has_prefix);
  /* from a frontier at 7 */
  seq_order(order, 7, N - 7);
  ASSERT_INT_EQ(run(7, order, N - 7, &cp, NULL, &av, NULL), 0);
  ASSERT_UINT_EQ(av.start, 7);
  /* nothing after a frontier at the checkpoint's size; and the empty log */
  ASSERT_INT_EQ(run(N, order, 0, &cp, NULL, &av, NULL), 0);
  checkpoint empty = cp_of(0);
  ASSERT_INT_EQ(run(0, order, 0, &empty, NULL, &av, NULL), 0);
  /* a frontier that lies about the entries before START */
  merkle_frontier fr = frontier_at(8);
  fr.hash[3][0] ^= 1;
  nmsgs = 0;
  audit_verify_begin(&av, &fr, &cp, NULL, "FILE", collect, msgs);
  audit_entry e;
  for (int i = 8; i < N; i++) audit_verify_entry(&av, entries[i], lens[i], &e);
  ASSERT_INT_EQ(audit_verify_end(&av), 1);
  ASSERT(said("the root recomputed from the entries does not match the signed checkpoint (size 20)"));
}

static void test_tampering(void) {
  int order[N + 2];
  audit_verify av;
  checkpoint cp = cp_of(N);
  /* a changed byte: still canonical, another root */
  seq_order(order, 0, N);
  uint8_t keep = entries[5][lens[5] - 1];
  entries[5][lens[5] - 1] ^= 1; /* the last salt byte */
  ASSERT_INT_EQ(run(0, order, N, &cp, NULL, &av, NULL), 1);
  ASSERT(said("an entry was changed, removed, added or reordered"));
  entries[5][lens[5] - 1] = keep;
  /* a removed entry */
  for (int i = 4; i < N - 1; i++) order[i] = i + 1;
  ASSERT(run(0, order, N - 1, &cp, NULL, &av, NULL) >= 2);
  ASSERT(said("entry at position 4 carries sequence number 5 (reordered)"));
  ASSERT(said("the entries cover 0..18 but the checkpoint is for size 20"));
  /* two swapped */
  seq_order(order, 0, N);
  order[3] = 4, order[4] = 3;
  ASSERT_INT_EQ(run(0, order, N, &cp, NULL, &av, NULL), 3);
  ASSERT(said("entry at position 3 carries sequence number 4"));
  ASSERT(said("entry at position 4 carries sequence number 3"));
  ASSERT(said("does not match the signed checkpoint"));
  /* cut short by one, and one too many */
  seq_order(order, 0, N + 1);
  ASSERT_INT_EQ(run(0, order, N - 1, &cp, NULL, &av, NULL), 1);
  ASSERT(said("the entries cover 0..18 but the checkpoint is for size 20"));
  int steps[N + 1];
  ASSERT_INT_EQ(run(0, order, N + 1, &cp, NULL, &av, steps), 1);
  ASSERT_INT_EQ(steps[N - 1], AUDIT_VERIFY_NEXT);
  ASSERT_INT_EQ(steps[N], AUDIT_VERIFY_STOP);
  ASSERT(said("FILE holds entries beyond the checkpoint's size 20"));
  /* not an entry */
  seq_order(order, 0, N);
  order[2] = -1;
  ASSERT_INT_EQ(run(0, order, N, &cp, NULL, &av, steps), 2);
  ASSERT_INT_EQ(steps[2], AUDIT_VERIFY_BAD);
  ASSERT_INT_EQ(steps[3], AUDIT_VERIFY_NEXT);
  ASSERT(said("entry 2 is not a canonical audit entry"));
  /* damage reported by the reader */
  nmsgs = 0;
  merkle_frontier fr = frontier_at(0);
  audit_verify_begin(&av, &fr, &cp, NULL, "FILE", collect, msgs);
  audit_entry e;
  audit_verify_entry(&av, entries[0], lens[0], &e);
  audit_verify_damaged(&av);
  ASSERT(said("FILE is truncated or damaged after entry 1"));
}

/* A log that began in version 1 verifies across the switch to version 2; a version 1 entry
 * after a version 2 one is reported, even though the signed root covers it. */
static void test_versions(void) {
  int order[N], steps[N];
  audit_verify av;
  seq_order(order, 0, N);
  for (int i = 0; i < 8; i++) make_entry(i, AUDIT_ENTRY_V1);
  checkpoint cp = cp_of(N);
  ASSERT_INT_EQ(run(0, order, N, &cp, NULL, &av, steps), 0);
  ASSERT_UINT_EQ(av.version, AUDIT_ENTRY_V2);
  /* from a frontier inside the version 1 part, and from one after the switch */
  seq_order(order, 5, N - 5);
  ASSERT_INT_EQ(run(5, order, N - 5, &cp, NULL, &av, NULL), 0);
  seq_order(order, 0, N);
  /* back to version 1 at entry 12: that one entry is reported, and nothing else */
  make_entry(12, AUDIT_ENTRY_V1);
  cp = cp_of(N);
  ASSERT_INT_EQ(run(0, order, N, &cp, NULL, &av, steps), 1);
  ASSERT_INT_EQ(steps[11], AUDIT_VERIFY_NEXT);
  ASSERT_INT_EQ(steps[12], AUDIT_VERIFY_BAD);
  ASSERT_INT_EQ(steps[13], AUDIT_VERIFY_NEXT);
  ASSERT(said("entry 12 is in entry format version 1 after an entry of version 2"));
  make_entries();
}

static void test_problem_limit(void) {
  int order[30], steps[30];
  audit_verify av;
  checkpoint cp = cp_of(N + 5); /* room for 25 entries */
  for (int i = 0; i < 25; i++) order[i] = -1;
  /* AUDIT_VERIFY_MAX_PROBLEMS bad entries: every one reported, none stops */
  nmsgs = 0;
  merkle_frontier fr = frontier_at(0);
  audit_verify_begin(&av, &fr, &cp, NULL, "FILE", collect, msgs);
  static const uint8_t garbage[] = {0xc0};
  audit_entry e;
  for (int i = 0; i < AUDIT_VERIFY_MAX_PROBLEMS; i++)
    ASSERT_INT_EQ(audit_verify_entry(&av, garbage, 1, &e), AUDIT_VERIFY_BAD);
  /* the next one stops */
  ASSERT_INT_EQ(audit_verify_entry(&av, garbage, 1, &e), AUDIT_VERIFY_STOP);
  ASSERT(said("too many problems; stopping"));
  ASSERT_INT_EQ(nmsgs, AUDIT_VERIFY_MAX_PROBLEMS + 2);
  ASSERT_INT_EQ(run(0, order, 25, &cp, NULL, &av, steps), AUDIT_VERIFY_MAX_PROBLEMS + 3);
  ASSERT_INT_EQ(steps[AUDIT_VERIFY_MAX_PROBLEMS], AUDIT_VERIFY_STOP);
}

static void test_watch(void) {
  int order[N];
  audit_verify av;
  checkpoint cp = cp_of(N), tr;
  seq_order(order, 0, N);
  uint64_t sizes[] = {0, 1, 12, N - 1, N};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    tr = cp_of(sizes[k]);
    ASSERT_INT_EQ(run(0, order, N, &cp, &tr, &av, NULL), 0);
    ASSERT(av.link.has_prefix);
    ASSERT_UINT_EQ(av.link.prefix_size, sizes[k]);
    ASSERT_MEM_EQ(av.link.prefix_root, tr.root, 32);
  }
  /* at START itself: recorded from the frontier */
  tr = cp_of(7);
  seq_order(order, 7, N - 7);
  ASSERT_INT_EQ(run(7, order, N - 7, &cp, &tr, &av, NULL), 0);
  ASSERT(av.link.has_prefix);
  ASSERT_MEM_EQ(av.link.prefix_root, tr.root, 32);
  /* before START, or beyond the checkpoint: not passed, nothing recorded */
  tr = cp_of(6);
  ASSERT_INT_EQ(run(7, order, N - 7, &cp, &tr, &av, NULL), 0);
  ASSERT(!av.link.has_prefix);
  seq_order(order, 0, N);
  tr = cp_of(N + 1);
  ASSERT_INT_EQ(run(0, order, N, &cp, &tr, &av, NULL), 0);
  ASSERT(!av.link.has_prefix);
}

static void test_frontier_from_last(void) {
  for (uint64_t n = 1; n <= N; n++) {
    tlog_proof p;
    memset(&p, 0, sizeof p);
    ASSERT_INT_EQ(merkle_mem_inclusion_proof((const uint8_t(*)[32])leaves, n, n - 1, p.hash, &p.n),
                  MERKLE_OK);
    merkle_frontier got, want = frontier_at(n);
    ASSERT_INT_EQ(audit_verify_frontier_from_last(n, leaves[n - 1], &p, &got), 0);
    ASSERT_UINT_EQ(got.size, n);
    uint8_t r1[32], r2[32];
    merkle_frontier_root(&got, r1);
    merkle_frontier_root(&want, r2);
    ASSERT_MEM_EQ(r1, r2, 32);
    for (int level = 0; level < MERKLE_FRONTIER_LEVELS; level++)
      if ((n >> level) & 1) ASSERT_MEM_EQ(got.hash[level], want.hash[level], 32);
    /* one hash too many or too few */
    p.n++;
    ASSERT_INT_EQ(audit_verify_frontier_from_last(n, leaves[n - 1], &p, &got), -1);
    p.n -= 2;
    if (p.n != (size_t)-1) ASSERT_INT_EQ(audit_verify_frontier_from_last(n, leaves[n - 1], &p, &got), -1);
  }
}

int main(void) {
  if (sodium_init() < 0) return 1;
  make_entries();
  RUN_TEST(test_clean);
  RUN_TEST(test_tampering);
  RUN_TEST(test_versions);
  RUN_TEST(test_problem_limit);
  RUN_TEST(test_watch);
  RUN_TEST(test_frontier_from_last);
  for (int i = 0; i < N + 5; i++) free(entries[i]);
  return 0;
}

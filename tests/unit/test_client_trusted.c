/* test_client_trusted.c -- the trusted checkpoint (client/trusted.c): it moves only forward, along
 * a consistency proof or a recomputed prefix root; rollbacks, forks, missing proofs and a
 * trusted file changed behind the caller's back are refused and leave it as it was; and two
 * processes of the same identity advancing it at once never move it backwards or tear it. */
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "merkle.h"
#include "signed_note.h"
#include "support/tmpdir.h"
#include "task.h"
#include "trusted.h"
#include "util.h"

#define ORIGIN "trusted.test/log"
#define N 400         /* leaves of the test log */
#define FORK_AT 100   /* the forked log shares its first FORK_AT leaves */
#define RACERS 2      /* processes advancing the trusted checkpoint at once */

static note_signer *signer;
static const note_verifier *v;
static uint8_t leaves[N][32], forked[N][32];
static char *notes[N + 1], *fnotes[N + 1]; /* signed checkpoints of every size, both logs */
static checkpoint cps[N + 1], fcps[N + 1];
static char err[1024];

static void sign_all(uint8_t (*lv)[32], char **out, checkpoint *cp) {
  merkle_frontier fr;
  merkle_frontier_init(&fr);
  for (uint64_t size = 0; size <= N; size++) {
    if (size > 0) ASSERT_INT_EQ(merkle_frontier_append(&fr, lv[size - 1], NULL, NULL), MERKLE_OK);
    memset(&cp[size], 0, sizeof cp[size]);
    snprintf(cp[size].origin, sizeof cp[size].origin, ORIGIN);
    cp[size].size = size;
    merkle_frontier_root(&fr, cp[size].root);
    size_t len = 0;
    ASSERT_INT_EQ(checkpoint_sign(&cp[size], signer, &out[size], &len), CHECKPOINT_OK);
  }
}

static void setup(void) {
  uint8_t seed[32];
  memset(seed, 7, sizeof seed);
  int st = 0;
  signer = note_signer_from_seed(ORIGIN, seed, &st);
  ASSERT(signer != NULL);
  v = &signer->pub;
  for (uint32_t i = 0; i < N; i++) {
    uint8_t data[8] = {'a', (uint8_t)(i >> 8), (uint8_t)i};
    merkle_leaf_hash(data, sizeof data, leaves[i]);
    data[0] = i < FORK_AT ? 'a' : 'b';
    merkle_leaf_hash(data, sizeof data, forked[i]);
  }
  sign_all(leaves, notes, cps);
  sign_all(forked, fnotes, fcps);
}

/* The consistency proof size1 -> size2 in log lv. */
static tlog_proof proof_of(uint8_t (*lv)[32], uint64_t size1, uint64_t size2) {
  tlog_proof p;
  memset(&p, 0, sizeof p);
  ASSERT_INT_EQ(merkle_mem_consistency_proof((const uint8_t(*)[32])lv, size1, size2, p.hash, &p.n),
                MERKLE_OK);
  return p;
}

static int accept_cp(const char *dir, const checkpoint *seen, const checkpoint *cp,
                     const char *note, const trusted_link *link) {
  err[0] = '\0';
  return trusted_accept(dir, v, seen, cp, note, strlen(note), link, err, sizeof err);
}

/* The trusted checkpoint of dir, which must exist and verify. */
static checkpoint load(const char *dir) {
  checkpoint tr;
  ASSERT_INT_EQ(trusted_load(dir, v, &tr, err, sizeof err), 1);
  return tr;
}

static char *trusted_text(const char *dir) {
  char path[4096];
  ASSERT_INT_EQ(trusted_path(dir, path, sizeof path), 0);
  return test_read_file(path, NULL);
}

static void test_forward(void) {
  char *dir = test_mkdtemp("trusted-fwd");
  checkpoint tr;
  ASSERT_INT_EQ(trusted_load(dir, v, &tr, err, sizeof err), 0);
  /* first use */
  ASSERT_INT_EQ(accept_cp(dir, NULL, &cps[10], notes[10], NULL), TRUSTED_FIRST);
  char *t = trusted_text(dir);
  ASSERT_STR_EQ(t, notes[10]);
  free(t);
  tr = load(dir);
  ASSERT_UINT_EQ(tr.size, 10);
  /* the same checkpoint again: nothing to do */
  ASSERT_INT_EQ(accept_cp(dir, &tr, &cps[10], notes[10], NULL), TRUSTED_SAME);
  /* forward along a consistency proof */
  tlog_proof p = proof_of(leaves, 10, 37);
  trusted_link link = {.proof = &p};
  ASSERT_INT_EQ(accept_cp(dir, &tr, &cps[37], notes[37], &link), TRUSTED_ADVANCED);
  t = trusted_text(dir);
  ASSERT_STR_EQ(t, notes[37]);
  free(t);
  /* forward along a recomputed prefix root (what `audit verify` knows) */
  tr = load(dir);
  trusted_link pre = {.has_prefix = true, .prefix_size = 37};
  memcpy(pre.prefix_root, cps[37].root, 32);
  ASSERT_INT_EQ(accept_cp(dir, &tr, &cps[200], notes[200], &pre), TRUSTED_ADVANCED);
  ASSERT_UINT_EQ(load(dir).size, 200);
  /* from size 0, the empty tree, any tree follows (the proof is empty) */
  char *dir0 = test_mkdtemp("trusted-zero");
  ASSERT_INT_EQ(accept_cp(dir0, NULL, &cps[0], notes[0], NULL), TRUSTED_FIRST);
  tr = load(dir0);
  tlog_proof p0 = proof_of(leaves, 0, 5);
  trusted_link l0 = {.proof = &p0};
  ASSERT_INT_EQ(accept_cp(dir0, &tr, &cps[5], notes[5], &l0), TRUSTED_ADVANCED);
  test_rmtree(dir0);
  free(dir0);
  test_rmtree(dir);
  free(dir);
}

/* accept must fail with code and leave the trusted file as it was. */
static void refused(const char *dir, const checkpoint *seen, const checkpoint *cp,
                    const char *note, const trusted_link *link, int code, const char *why) {
  char *before = trusted_text(dir);
  ASSERT_INT_EQ(accept_cp(dir, seen, cp, note, link), code);
  ASSERT_STR_CONTAINS(err, why);
  char *after = trusted_text(dir);
  ASSERT_STR_EQ(after, before);
  free(before);
  free(after);
}

static void test_refusals(void) {
  char *dir = test_mkdtemp("trusted-no");
  ASSERT_INT_EQ(accept_cp(dir, NULL, &cps[FORK_AT + 20], notes[FORK_AT + 20], NULL),
                TRUSTED_FIRST);
  checkpoint tr = load(dir);
  const uint64_t T = FORK_AT + 20;
  /* rollback, right below the trusted size */
  tlog_proof p = proof_of(leaves, 5, T - 1);
  trusted_link link = {.proof = &p};
  refused(dir, &tr, &cps[T - 1], notes[T - 1], &link, TRUSTED_ERR_ROLLBACK, "rollback");
  refused(dir, &tr, &cps[0], notes[0], NULL, TRUSTED_ERR_ROLLBACK, "rollback");
  /* another tree of the trusted size */
  refused(dir, &tr, &fcps[T], fnotes[T], NULL, TRUSTED_ERR_FORK, "two different trees");
  /* larger, but nothing links it */
  refused(dir, &tr, &cps[T + 1], notes[T + 1], NULL, TRUSTED_ERR_NO_PROOF,
          "no consistency proof");
  trusted_link other = {.has_prefix = true, .prefix_size = T - 1};
  memcpy(other.prefix_root, cps[T - 1].root, 32);
  refused(dir, &tr, &cps[T + 1], notes[T + 1], &other, TRUSTED_ERR_NO_PROOF,
          "no consistency proof");
  /* a proof that fails: flipped, for another size, or the fork's own honest proof */
  p = proof_of(leaves, T, T + 1);
  p.hash[0][3] ^= 1;
  link.proof = &p;
  refused(dir, &tr, &cps[T + 1], notes[T + 1], &link, TRUSTED_ERR_FORK, "not consistent");
  p = proof_of(leaves, T - 1, T + 1);
  refused(dir, &tr, &cps[T + 1], notes[T + 1], &link, TRUSTED_ERR_FORK, "not consistent");
  p = proof_of(forked, T, T + 50);
  refused(dir, &tr, &fcps[T + 50], fnotes[T + 50], &link, TRUSTED_ERR_FORK, "fork");
  /* a recomputed prefix whose root is not the trusted one */
  trusted_link pre = {.has_prefix = true, .prefix_size = T};
  memcpy(pre.prefix_root, fcps[T].root, 32);
  refused(dir, &tr, &fcps[T + 1], fnotes[T + 1], &pre, TRUSTED_ERR_FORK, "fork");
  /* ... even with a good proof beside it: the prefix, when it applies, decides */
  p = proof_of(leaves, T, T + 1);
  pre.proof = &p;
  refused(dir, &tr, &cps[T + 1], notes[T + 1], &pre, TRUSTED_ERR_FORK, "fork");
  /* the trusted checkpoint changed since the caller read it */
  refused(dir, NULL, &cps[T + 1], notes[T + 1], &link, TRUSTED_ERR_STALE, "changed meanwhile");
  checkpoint older = cps[T - 1];
  p = proof_of(leaves, T - 1, T + 1);
  refused(dir, &older, &cps[T + 1], notes[T + 1], &link, TRUSTED_ERR_STALE, "changed meanwhile");
  checkpoint fake = tr;
  fake.root[0] ^= 1; /* same size, other root */
  p = proof_of(leaves, T, T + 1);
  refused(dir, &fake, &cps[T + 1], notes[T + 1], &link, TRUSTED_ERR_STALE, "changed meanwhile");
  /* ... and the stale caller that reads again succeeds */
  ASSERT_INT_EQ(accept_cp(dir, &tr, &cps[T + 1], notes[T + 1], &link), TRUSTED_ADVANCED);
  /* a trusted file that was edited is reported, and nothing moves it */
  char path[4096];
  ASSERT_INT_EQ(trusted_path(dir, path, sizeof path), 0);
  char *text = trusted_text(dir);
  char *nl = strchr(text, '\n');
  ASSERT(nl != NULL && nl[1] >= '0' && nl[1] <= '9');
  nl[1] = nl[1] == '9' ? '8' : (char)(nl[1] + 1);
  ASSERT_INT_EQ(util_write_file(path, text, strlen(text), 0600), 0);
  ASSERT_INT_EQ(trusted_load(dir, v, &tr, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "the trusted checkpoint ");
  ASSERT_STR_CONTAINS(err, "is not signed by the configured log key");
  refused(dir, NULL, &cps[N], notes[N], NULL, TRUSTED_ERR, "not signed");
  free(text);
  test_rmtree(dir);
  free(dir);
}

/* One racer: until the trusted checkpoint reaches N, read it, pick a larger size, prove it and
 * accept it. Exits 0, or 1 when it ever reads a trusted checkpoint smaller than one it read or
 * wrote before (moved backwards), or one that does not verify (torn). */
static void racer(const char *dir, uint32_t seed) {
  uint64_t high = 0; /* the largest trusted size this racer has seen or written */
  uint32_t rng = seed * 2654435761u + 1;
  for (;;) {
    checkpoint tr;
    char e[1024];
    int have = trusted_load(dir, v, &tr, e, sizeof e);
    if (have < 0) {
      fprintf(stderr, "racer %u: the trusted file does not verify: %s\n", seed, e);
      _exit(1);
    }
    uint64_t size = have ? tr.size : 0;
    if (size < high) {
      fprintf(stderr, "racer %u: the trusted size went back from %llu to %llu\n", seed,
              (unsigned long long)high, (unsigned long long)size);
      _exit(1);
    }
    high = size;
    if (size == N) _exit(0);
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    uint64_t target = size + 1 + rng % 3;
    if (target > N) target = N;
    tlog_proof p = proof_of(leaves, size, target);
    trusted_link link = {.proof = &p};
    int rc = trusted_accept(dir, v, have ? &tr : NULL, &cps[target], notes[target],
                            strlen(notes[target]), &link, e, sizeof e);
    if (rc == TRUSTED_ADVANCED || rc == TRUSTED_FIRST) {
      high = target;
    } else if (rc != TRUSTED_ERR_STALE) {
      fprintf(stderr, "racer %u: accept of %llu refused: %s\n", seed, (unsigned long long)target,
              e);
      _exit(1);
    }
  }
}

static void test_concurrent(void) {
  char *dir = test_mkdtemp("trusted-race");
  pid_t pids[RACERS];
  for (int i = 0; i < RACERS; i++) {
    pids[i] = fork();
    ASSERT(pids[i] >= 0);
    if (pids[i] == 0) racer(dir, (uint32_t)i + 1);
  }
  for (int i = 0; i < RACERS; i++) {
    int st = 0;
    ASSERT_INT_EQ(waitpid(pids[i], &st, 0), pids[i]);
    ASSERT(WIFEXITED(st));
    ASSERT_INT_EQ(WEXITSTATUS(st), 0);
  }
  checkpoint tr = load(dir);
  ASSERT_UINT_EQ(tr.size, N);
  test_rmtree(dir);
  free(dir);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  setup();
  RUN_TEST(test_forward);
  RUN_TEST(test_refusals);
  RUN_TEST(test_concurrent);
  for (int i = 0; i <= N; i++) {
    free(notes[i]);
    free(fnotes[i]);
  }
  note_signer_free(signer);
  return 0;
}

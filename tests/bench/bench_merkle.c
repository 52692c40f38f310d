/* bench_merkle.c -- frontier appends and proof generation/verification at a million leaves. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merkle.h"
#include "support/rng.h"
#include "util.h"

#define N ((uint64_t)1000000)
#define LEVELS 21 /* 2^20 > N */
#define PROOFS 20000

typedef uint8_t hash_t[MERKLE_HASH_LEN];

/* In-memory node store: node[level][index] for every completed perfect subtree. */
static hash_t *node[LEVELS];
static uint64_t stored, fetched;

static int store_put(void *ctx, uint64_t level, uint64_t index, const uint8_t hash[32]) {
  (void)ctx;
  if (level >= LEVELS || index >= (N >> level)) return -1;
  memcpy(node[level][index], hash, 32);
  stored++;
  return 0;
}

static int store_get(void *ctx, uint64_t level, uint64_t index, uint8_t out[32]) {
  (void)ctx;
  if (level >= LEVELS || index >= (N >> level)) return -1;
  memcpy(out, node[level][index], 32);
  fetched++;
  return 0;
}

int main(void) {
  if (sodium_init() < 0) return 1;
  for (int l = 0; l < LEVELS; l++) {
    node[l] = malloc(((N >> l) + 1) * sizeof(hash_t));
    if (node[l] == NULL) return 1;
  }

  /* 1. appends */
  merkle_frontier f;
  merkle_frontier_init(&f);
  uint64_t t0 = util_now_ns();
  for (uint64_t i = 0; i < N; i++) {
    uint8_t entry[64], leaf[32];
    memset(entry, 0, sizeof entry);
    for (int b = 0; b < 8; b++) entry[b] = (uint8_t)(i >> (8 * b)); /* little-endian */
    merkle_leaf_hash(entry, sizeof entry, leaf);
    if (merkle_frontier_append(&f, leaf, store_put, NULL) != MERKLE_OK) return 1;
  }
  uint8_t root[32];
  merkle_frontier_root(&f, root);
  double secs = (double)(util_now_ns() - t0) / 1e9;
  uint64_t hashes = stored; /* one SHA-256 per stored node: N leaf hashes + interior nodes */
  /* Root computed independently (Python hashlib, RFC 6962 MTH over the same entries). */
  static const char want[] = "6596d3c0d065f38cb38f02eb11fba1483937905eefefce5b9340c0c5ef1d5e1d";
  char hex[65];
  util_hex(hex, root, 32);
  printf("append: %" PRIu64 " leaves in %.3f s: %.0f appends/s, %.0f hashes/s "
         "(%" PRIu64 " SHA-256 incl. leaf hashing; %" PRIu64 " nodes stored)\n",
         N, secs, (double)N / secs, (double)hashes / secs, hashes, stored);
  printf("root(%" PRIu64 ") = %s (%s)\n", N, hex, strcmp(hex, want) == 0 ? "as expected" : "WRONG");
  if (strcmp(hex, want) != 0) return 1;
  uint8_t r2[32];
  if (merkle_root(store_get, NULL, N, r2) != MERKLE_OK || memcmp(r2, root, 32) != 0) {
    fprintf(stderr, "root from store differs\n");
    return 1;
  }

  /* 2. inclusion proofs at n = N */
  hash_t proof[MERKLE_MAX_PROOF];
  size_t np = 0, total_hashes = 0;
  uint64_t gen_ns = 0, ver_ns = 0;
  fetched = 0;
  for (int k = 0; k < PROOFS; k++) {
    uint64_t idx = test_random_below(N);
    uint64_t a = util_now_ns();
    if (merkle_inclusion_proof(store_get, NULL, idx, N, proof, &np) != MERKLE_OK) return 1;
    uint64_t b = util_now_ns();
    bool ok = merkle_verify_inclusion(node[0][idx], idx, N, (const hash_t *)proof, np, root);
    uint64_t c = util_now_ns();
    if (!ok) {
      fprintf(stderr, "inclusion proof %" PRIu64 " failed\n", idx);
      return 1;
    }
    gen_ns += b - a;
    ver_ns += c - b;
    total_hashes += np;
  }
  printf("inclusion (n=%" PRIu64 ", %d random leaves): %.1f hashes = %.0f bytes per proof "
         "(max %zu); generate %.2f us (%.1f node reads), verify %.2f us\n",
         N, PROOFS, (double)total_hashes / PROOFS, 32.0 * (double)total_hashes / PROOFS,
         merkle_inclusion_proof_len(0, N), (double)gen_ns / PROOFS / 1e3,
         (double)fetched / PROOFS, (double)ver_ns / PROOFS / 1e3);

  /* 3. consistency proofs m -> N */
  total_hashes = 0;
  gen_ns = ver_ns = 0;
  size_t maxlen = 0;
  for (int k = 0; k < PROOFS; k++) {
    uint64_t m = 1 + test_random_below(N - 1);
    uint8_t root1[32];
    if (merkle_root(store_get, NULL, m, root1) != MERKLE_OK) return 1;
    uint64_t a = util_now_ns();
    if (merkle_consistency_proof(store_get, NULL, m, N, proof, &np) != MERKLE_OK) return 1;
    uint64_t b = util_now_ns();
    bool ok = merkle_verify_consistency(m, N, (const hash_t *)proof, np, root1, root);
    uint64_t c = util_now_ns();
    if (!ok) {
      fprintf(stderr, "consistency proof %" PRIu64 " failed\n", m);
      return 1;
    }
    gen_ns += b - a;
    ver_ns += c - b;
    total_hashes += np;
    if (np > maxlen) maxlen = np;
  }
  printf("consistency (m random -> n=%" PRIu64 ", %d proofs): %.1f hashes = %.0f bytes per proof "
         "(max seen %zu); generate %.2f us, verify %.2f us\n",
         N, PROOFS, (double)total_hashes / PROOFS, 32.0 * (double)total_hashes / PROOFS, maxlen,
         (double)gen_ns / PROOFS / 1e3, (double)ver_ns / PROOFS / 1e3);

  for (int l = 0; l < LEVELS; l++) free(node[l]);
  return 0;
}

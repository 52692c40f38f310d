/* merkle.c -- RFC 6962 / RFC 9162 Merkle tree over SHA-256: hashes, proofs, frontier. */
#include "merkle.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "sha256.h"

typedef uint8_t hash_t[MERKLE_HASH_LEN];

void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN]) {
  static const uint8_t prefix = 0x00;
  assert(data != NULL || len == 0);
  sha256_2(out, &prefix, 1, data, len);
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN]) {
  uint8_t buf[1 + 2 * MERKLE_HASH_LEN];
  buf[0] = 0x01;
  memcpy(buf + 1, left, MERKLE_HASH_LEN);
  memcpy(buf + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
  sha256_2(out, buf, sizeof buf, NULL, 0);
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN]) {
  crypto_hash_sha256(out, (const uint8_t *)"", 0);
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n) {
  assert(n >= 2);
  uint64_t k = 1;
  while (k < n - k) k <<= 1; /* doubling stays < n while k < n - k */
  return k;
}

static int bit_length(uint64_t x) {
  int n = 0;
  while (x != 0) {
    n++;
    x >>= 1;
  }
  return n;
}

/* ---- proof generation from stored perfect subtrees ---- */

/* Hash of leaves [start, end) (end > start), composed from the perfect subtrees of the binary
 * decomposition of end - start, highest first. Requires start to be a multiple of the
 * smallest power of two >= end - start, which holds for every subtree the RFC 9162
 * recursion visits. Calls node() popcount(end - start) times. */
static int subtree_hash(merkle_node_fn node, void *ctx, uint64_t start, uint64_t end,
                        uint8_t out[MERKLE_HASH_LEN]) {
  hash_t parts[64];
  int n = 0;
  uint64_t len = end - start, pos = start;
  assert(end > start);
  for (int bit = 63; bit >= 0; bit--) {
    if (((len >> bit) & 1) == 0) continue;
    assert(pos % ((uint64_t)1 << bit) == 0);
    if (node(ctx, (uint64_t)bit, pos >> bit, parts[n]) != 0) return MERKLE_ERR_NODE;
    n++;
    pos += (uint64_t)1 << bit;
  }
  /* MTH(D[a:b]) = H(MTH(first part), MTH(rest)): fold from the right. */
  memcpy(out, parts[n - 1], MERKLE_HASH_LEN);
  for (int i = n - 2; i >= 0; i--) merkle_node_hash(parts[i], out, out);
  return MERKLE_OK;
}

int merkle_root(merkle_node_fn node, void *ctx, uint64_t size, uint8_t out[MERKLE_HASH_LEN]) {
  assert(node != NULL);
  if (size == 0) {
    merkle_empty_root(out);
    return MERKLE_OK;
  }
  return subtree_hash(node, ctx, 0, size, out);
}

int merkle_inclusion_proof(merkle_node_fn node, void *ctx, uint64_t index, uint64_t size,
                           uint8_t proof[][MERKLE_HASH_LEN], size_t *nproof) {
  assert(node != NULL && nproof != NULL);
  *nproof = 0;
  if (index >= size) return MERKLE_ERR_RANGE;
  /* Walk PATH(m, D[a:b]) top-down; the proof lists the siblings bottom-up. */
  uint64_t a = 0, b = size;
  size_t depth = merkle_inclusion_proof_len(index, size), i = depth;
  while (b - a > 1) {
    uint64_t k = split_point(b - a);
    int rc;
    assert(i > 0);
    i--;
    if (index < a + k) {
      rc = subtree_hash(node, ctx, a + k, b, proof[i]);
      b = a + k;
    } else {
      rc = subtree_hash(node, ctx, a, a + k, proof[i]);
      a = a + k;
    }
    if (rc != MERKLE_OK) return rc;
  }
  assert(i == 0);
  *nproof = depth;
  return MERKLE_OK;
}

int merkle_consistency_proof(merkle_node_fn node, void *ctx, uint64_t size1, uint64_t size2,
                             uint8_t proof[][MERKLE_HASH_LEN], size_t *nproof) {
  assert(node != NULL && nproof != NULL);
  *nproof = 0;
  if (size1 > size2) return MERKLE_ERR_RANGE;
  if (size1 == 0 || size1 == size2) return MERKLE_OK;
  /* Walk SUBPROOF(m, D[a:b], flag) top-down. Its output is the terminal node (if any)
   * followed by the siblings from the bottom up, so fill the array from the end. */
  size_t total = merkle_consistency_proof_len(size1, size2), i = total;
  uint64_t a = 0, b = size2, m = size1;
  bool flag = true;
  while (m != b - a) {
    uint64_t k = split_point(b - a);
    int rc;
    assert(i > 0);
    i--;
    if (m <= k) {
      rc = subtree_hash(node, ctx, a + k, b, proof[i]);
      b = a + k;
    } else {
      rc = subtree_hash(node, ctx, a, a + k, proof[i]);
      m -= k;
      a += k;
      flag = false;
    }
    if (rc != MERKLE_OK) return rc;
  }
  if (!flag) {
    assert(i == 1);
    int rc = subtree_hash(node, ctx, a, b, proof[0]);
    if (rc != MERKLE_OK) return rc;
    i--;
  }
  assert(i == 0);
  *nproof = total;
  return MERKLE_OK;
}

/* ---- frontier ---- */

void merkle_frontier_init(merkle_frontier *f) {
  assert(f != NULL);
  memset(f, 0, sizeof *f);
}

int merkle_frontier_load(merkle_frontier *f, uint64_t size, merkle_node_fn node, void *ctx) {
  assert(f != NULL && node != NULL);
  merkle_frontier_init(f);
  uint64_t pos = 0;
  for (int bit = 63; bit >= 0; bit--) {
    if (((size >> bit) & 1) == 0) continue;
    if (node(ctx, (uint64_t)bit, pos >> bit, f->hash[bit]) != 0) goto err;
    pos += (uint64_t)1 << bit;
  }
  f->size = size;
  return MERKLE_OK;
err:
  merkle_frontier_init(f);
  return MERKLE_ERR_NODE;
}

int merkle_frontier_append(merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH_LEN],
                           merkle_store_fn store, void *ctx) {
  assert(f != NULL && leaf_hash != NULL);
  if (f->size == UINT64_MAX) return MERKLE_ERR_FULL;
  hash_t carry;
  uint64_t n = f->size;
  int level = 0;
  memcpy(carry, leaf_hash, MERKLE_HASH_LEN);
  if (store != NULL && store(ctx, 0, n, carry) != 0) return MERKLE_ERR_NODE;
  /* Every set low bit of n is a perfect subtree that the new one completes. */
  while ((n >> level) & 1) {
    merkle_node_hash(f->hash[level], carry, carry);
    level++;
    if (store != NULL && store(ctx, (uint64_t)level, ((n + 1) >> level) - 1, carry) != 0)
      return MERKLE_ERR_NODE;
  }
  memcpy(f->hash[level], carry, MERKLE_HASH_LEN);
  f->size = n + 1;
  return MERKLE_OK;
}

void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN]) {
  assert(f != NULL);
  if (f->size == 0) {
    merkle_empty_root(out);
    return;
  }
  /* The smallest subtree is the rightmost; fold leftwards towards the largest. */
  bool have = false;
  for (int level = 0; level < MERKLE_FRONTIER_LEVELS; level++) {
    if (((f->size >> level) & 1) == 0) continue;
    if (!have) {
      memcpy(out, f->hash[level], MERKLE_HASH_LEN);
      have = true;
    } else {
      merkle_node_hash(f->hash[level], out, out);
    }
  }
}

int64_t merkle_node_pos(uint64_t level, uint64_t index) {
  if (level > 61 || index >= (MERKLE_POS_MAX_SIZE >> level)) return -1;
  uint64_t before = ((index + 1) << level) - 1; /* leaves before the subtree's last one */
  return (int64_t)(2 * before - (uint64_t)__builtin_popcountll(before) + level);
}

/* ---- in-memory helpers: the RFC 9162 definitions, literally ---- */

static void mem_mth(const hash_t *leaves, uint64_t a, uint64_t b, uint8_t out[MERKLE_HASH_LEN]) {
  if (b - a == 1) {
    memcpy(out, leaves[a], MERKLE_HASH_LEN);
    return;
  }
  hash_t l, r;
  uint64_t k = split_point(b - a);
  mem_mth(leaves, a, a + k, l);
  mem_mth(leaves, a + k, b, r);
  merkle_node_hash(l, r, out);
}

void merkle_mem_root(const uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                     uint8_t out[MERKLE_HASH_LEN]) {
  if (n == 0) {
    merkle_empty_root(out);
    return;
  }
  assert(leaves != NULL);
  mem_mth(leaves, 0, n, out);
}

/* PATH(m, D[a:b]) appended to proof at *n. */
static void mem_path(const hash_t *leaves, uint64_t m, uint64_t a, uint64_t b, hash_t *proof,
                     size_t *n) {
  if (b - a == 1) return;
  uint64_t k = split_point(b - a);
  if (m < k) {
    mem_path(leaves, m, a, a + k, proof, n);
    mem_mth(leaves, a + k, b, proof[(*n)++]);
  } else {
    mem_path(leaves, m - k, a + k, b, proof, n);
    mem_mth(leaves, a, a + k, proof[(*n)++]);
  }
}

int merkle_mem_inclusion_proof(const uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                               uint64_t index, uint8_t proof[][MERKLE_HASH_LEN], size_t *nproof) {
  assert(nproof != NULL);
  *nproof = 0;
  if (index >= n) return MERKLE_ERR_RANGE;
  mem_path(leaves, index, 0, n, proof, nproof);
  return MERKLE_OK;
}

/* SUBPROOF(m, D[a:b], flag) appended to proof at *n. */
static void mem_subproof(const hash_t *leaves, uint64_t m, uint64_t a, uint64_t b, bool flag,
                         hash_t *proof, size_t *n) {
  if (m == b - a) {
    if (!flag) mem_mth(leaves, a, b, proof[(*n)++]);
    return;
  }
  uint64_t k = split_point(b - a);
  if (m <= k) {
    mem_subproof(leaves, m, a, a + k, flag, proof, n);
    mem_mth(leaves, a + k, b, proof[(*n)++]);
  } else {
    mem_subproof(leaves, m - k, a + k, b, false, proof, n);
    mem_mth(leaves, a, a + k, proof[(*n)++]);
  }
}

int merkle_mem_consistency_proof(const uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t size1,
                                 uint64_t size2, uint8_t proof[][MERKLE_HASH_LEN],
                                 size_t *nproof) {
  assert(nproof != NULL);
  *nproof = 0;
  if (size1 > size2) return MERKLE_ERR_RANGE;
  if (size1 == 0 || size1 == size2) return MERKLE_OK;
  mem_subproof(leaves, size1, 0, size2, true, proof, nproof);
  return MERKLE_OK;
}

/* ---- verification ---- */

size_t merkle_inclusion_proof_len(uint64_t index, uint64_t size) {
  if (index >= size) return 0;
  /* Siblings above the point where the paths to index and to size-1 meet are all the
   * levels where index's path differs from the right edge (inner), plus one per set
   * bit of index above that (border; the right edge is shorter there). */
  uint64_t last = size - 1;
  int inner = bit_length(index ^ last);
  size_t border = 0;
  for (uint64_t x = inner < 64 ? index >> inner : 0; x != 0; x &= x - 1) border++;
  return (size_t)inner + border;
}

size_t merkle_consistency_proof_len(uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 >= size2) return 0;
  /* Count the nodes SUBPROOF emits. */
  uint64_t a = 0, b = size2, m = size1;
  bool flag = true;
  size_t n = 0;
  while (m != b - a) {
    uint64_t k = split_point(b - a);
    if (m <= k) {
      b = a + k;
    } else {
      m -= k;
      a += k;
      flag = false;
    }
    n++;
  }
  return n + (flag ? 0 : 1);
}

bool merkle_root_from_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index,
                                uint64_t size, const uint8_t (*proof)[MERKLE_HASH_LEN],
                                size_t nproof, uint8_t root_out[MERKLE_HASH_LEN]) {
  assert(leaf_hash != NULL && root_out != NULL);
  assert(proof != NULL || nproof == 0);
  if (index >= size) return false;                                  /* step 1 */
  if (nproof != merkle_inclusion_proof_len(index, size)) return false;
  uint64_t fn = index, sn = size - 1;                               /* step 2 */
  hash_t r;
  memcpy(r, leaf_hash, MERKLE_HASH_LEN);                            /* step 3 */
  for (size_t i = 0; i < nproof; i++) {                             /* step 4 */
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      merkle_node_hash(proof[i], r, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      merkle_node_hash(r, proof[i], r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return false;                                        /* step 5 */
  memcpy(root_out, r, MERKLE_HASH_LEN);
  return true;
}

bool merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index,
                             uint64_t size, const uint8_t (*proof)[MERKLE_HASH_LEN], size_t nproof,
                             const uint8_t root[MERKLE_HASH_LEN]) {
  hash_t r;
  assert(root != NULL);
  if (!merkle_root_from_inclusion(leaf_hash, index, size, proof, nproof, r)) return false;
  return sodium_memcmp(r, root, MERKLE_HASH_LEN) == 0;
}

bool merkle_verify_consistency(uint64_t size1, uint64_t size2,
                               const uint8_t (*proof)[MERKLE_HASH_LEN], size_t nproof,
                               const uint8_t root1[MERKLE_HASH_LEN],
                               const uint8_t root2[MERKLE_HASH_LEN]) {
  assert(root1 != NULL && root2 != NULL);
  assert(proof != NULL || nproof == 0);
  if (size1 > size2) return false;
  if (size1 == size2) return nproof == 0 && sodium_memcmp(root1, root2, MERKLE_HASH_LEN) == 0;
  if (size1 == 0) {
    hash_t empty;
    merkle_empty_root(empty);
    return nproof == 0 && sodium_memcmp(root1, empty, MERKLE_HASH_LEN) == 0;
  }
  /* RFC 9162 2.1.4.2, for 0 < size1 < size2. */
  if (nproof == 0) return false;                                    /* step 1 */
  if (nproof != merkle_consistency_proof_len(size1, size2)) return false;
  bool pow2 = (size1 & (size1 - 1)) == 0;                           /* step 2 */
  size_t total = nproof + (pow2 ? 1 : 0);
#define PATH_AT(i) (pow2 ? ((i) == 0 ? root1 : proof[(i)-1]) : proof[(i)])
  uint64_t fn = size1 - 1, sn = size2 - 1;                          /* step 3 */
  while (fn & 1) {                                                  /* step 4 */
    fn >>= 1;
    sn >>= 1;
  }
  hash_t fr, sr;                                                    /* step 5 */
  memcpy(fr, PATH_AT(0), MERKLE_HASH_LEN);
  memcpy(sr, PATH_AT(0), MERKLE_HASH_LEN);
  for (size_t i = 1; i < total; i++) {                              /* step 6 */
    const uint8_t *c = PATH_AT(i);
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      merkle_node_hash(c, fr, fr);
      merkle_node_hash(c, sr, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      merkle_node_hash(sr, c, sr);
    }
    fn >>= 1;
    sn >>= 1;
  }
#undef PATH_AT
  return sodium_memcmp(fr, root1, MERKLE_HASH_LEN) == 0 &&          /* step 7 */
         sodium_memcmp(sr, root2, MERKLE_HASH_LEN) == 0 && sn == 0;
}

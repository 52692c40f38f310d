/* test_merkle.c -- Merkle tree hashes, proofs and frontier against RFC 6962 vectors. */
#include <sodium.h>

#include "merkle.h"
#include "support/tmpdir.h"
#include "task.h"

typedef uint8_t hash_t[MERKLE_HASH_LEN];

/* ---- parsed vectors ---- */

#define MAXV 16
typedef struct {
  uint64_t a, b; /* incl: index, size; cons: size1, size2 */
  hash_t proof[MERKLE_MAX_PROOF];
  size_t n;
} vec_proof;

static uint8_t *leaf_data[8];
static size_t leaf_len[8];
static hash_t leaf_hashes[8];
static hash_t roots[9];
static int nleaves, nroots, nlh;
static vec_proof incl[MAXV], cons[MAXV];
static int nincl, ncons;

static void unhex_into(uint8_t *out, size_t len, const char *hex) {
  size_t got = 0;
  uint8_t *b = test_unhex(hex, &got);
  ASSERT_UINT_EQ(got, len);
  memcpy(out, b, len);
  free(b);
}

static void parse_proof(vec_proof *v, char *rest) {
  char *save = NULL;
  char *tok = strtok_r(rest, " \n", &save);
  ASSERT(tok != NULL);
  v->a = strtoull(tok, NULL, 10);
  tok = strtok_r(NULL, " \n", &save);
  ASSERT(tok != NULL);
  v->b = strtoull(tok, NULL, 10);
  v->n = 0;
  while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
    ASSERT(v->n < MERKLE_MAX_PROOF);
    unhex_into(v->proof[v->n++], MERKLE_HASH_LEN, tok);
  }
}

static void load_vectors(void) {
  char *path = test_vector_path("rfc6962.txt");
  char *text = test_read_file(path, NULL);
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char hex[256];
    int i;
    if (line[0] == '#') continue;
    if (sscanf(line, "leaf %d \"%255[0-9a-f]\"", &i, hex) == 2 ||
        sscanf(line, "leaf %d %255[0-9a-f]", &i, hex) == 2) {
      ASSERT(i == nleaves && i < 8);
      leaf_data[i] = test_unhex(hex, &leaf_len[i]);
      nleaves++;
    } else if (sscanf(line, "leaf %d \"\"", &i) == 1 && strstr(line, "\"\"") != NULL) {
      ASSERT(i == nleaves && i < 8);
      leaf_data[i] = malloc(1);
      leaf_len[i] = 0;
      nleaves++;
    } else if (sscanf(line, "root %d %64s", &i, hex) == 2) {
      ASSERT(i == nroots && i < 9);
      unhex_into(roots[i], MERKLE_HASH_LEN, hex);
      nroots++;
    } else if (sscanf(line, "lh %d %64s", &i, hex) == 2) {
      ASSERT(i == nlh && i < 8);
      unhex_into(leaf_hashes[i], MERKLE_HASH_LEN, hex);
      nlh++;
    } else if (strncmp(line, "incl ", 5) == 0) {
      ASSERT(nincl < MAXV);
      parse_proof(&incl[nincl++], line + 5);
    } else if (strncmp(line, "cons ", 5) == 0) {
      ASSERT(ncons < MAXV);
      parse_proof(&cons[ncons++], line + 5);
    } else {
      TASK_FAIL("unparsed vector line: %s", line);
    }
  }
  ASSERT_INT_EQ(nleaves, 8);
  ASSERT_INT_EQ(nroots, 9);
  ASSERT_INT_EQ(nlh, 8);
  ASSERT_INT_EQ(nincl, 4);
  ASSERT_INT_EQ(ncons, 5);
  free(text);
  free(path);
}

/* ---- in-memory store of perfect subtrees, filled through the frontier ---- */

#define STORE_LEAVES 64
typedef struct {
  hash_t node[7][STORE_LEAVES]; /* node[level][index] */
  bool have[7][STORE_LEAVES];
  uint64_t limit;               /* tree size being proven: refuse nodes beyond it */
  unsigned calls;
  unsigned stored;
} mem_store;

static int store_put(void *ctx, uint64_t level, uint64_t index, const uint8_t hash[32]) {
  mem_store *s = ctx;
  ASSERT(level < 7 && index < (uint64_t)(STORE_LEAVES >> level));
  ASSERT(!s->have[level][index]); /* each node reported exactly once */
  memcpy(s->node[level][index], hash, 32);
  s->have[level][index] = true;
  s->stored++;
  return 0;
}

static int store_get(void *ctx, uint64_t level, uint64_t index, uint8_t out[32]) {
  mem_store *s = ctx;
  s->calls++;
  if (level >= 7 || index >= (uint64_t)(STORE_LEAVES >> level)) return -1;
  if (!s->have[level][index]) return -1;
  if (((index + 1) << level) > s->limit) return -1; /* outside the tree being proven */
  memcpy(out, s->node[level][index], 32);
  return 0;
}

static int store_fail(void *ctx, uint64_t level, uint64_t index, const uint8_t hash[32]) {
  (void)ctx;
  (void)index;
  (void)hash;
  return level >= 1 ? -1 : 0;
}

static int bitlen(uint64_t x) {
  int n = 0;
  for (; x; x >>= 1) n++;
  return n;
}

/* ---- vectors ---- */

static void test_leaf_hashes(void) {
  for (int i = 0; i < 8; i++) {
    hash_t h;
    merkle_leaf_hash(leaf_data[i], leaf_len[i], h);
    ASSERT_MEM_EQ(h, leaf_hashes[i], 32);
  }
  hash_t a, b, n;
  merkle_node_hash(leaf_hashes[0], leaf_hashes[1], n);
  ASSERT_MEM_EQ(n, roots[2], 32);
  merkle_node_hash(leaf_hashes[1], leaf_hashes[0], a);
  ASSERT(memcmp(a, n, 32) != 0); /* order matters */
  merkle_empty_root(b);
  ASSERT_MEM_EQ(b, roots[0], 32);
}

static void test_roots(void) {
  mem_store *s = calloc(1, sizeof *s);
  merkle_frontier f;
  merkle_frontier_init(&f);
  for (uint64_t n = 0; n <= 8; n++) {
    hash_t r;
    merkle_mem_root((const uint8_t(*)[32])leaf_hashes, n, r);
    ASSERT_MEM_EQ(r, roots[n], 32);
    merkle_frontier_root(&f, r);
    ASSERT_MEM_EQ(r, roots[n], 32);
    s->limit = n;
    ASSERT_INT_EQ(merkle_root(store_get, s, n, r), MERKLE_OK);
    ASSERT_MEM_EQ(r, roots[n], 32);
    merkle_frontier g;
    ASSERT_INT_EQ(merkle_frontier_load(&g, n, store_get, s), MERKLE_OK);
    ASSERT_UINT_EQ(g.size, n);
    merkle_frontier_root(&g, r);
    ASSERT_MEM_EQ(r, roots[n], 32);
    if (n < 8) ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[n], store_put, s), MERKLE_OK);
  }
  /* Stored nodes are the documented level-1/2/3 hashes. */
  uint8_t l1[32], l2[32];
  unhex_into(l1, 32, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  unhex_into(l2, 32, "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
  ASSERT_MEM_EQ(s->node[1][1], l1, 32);
  ASSERT_MEM_EQ(s->node[2][1], l2, 32);
  ASSERT_MEM_EQ(s->node[3][0], roots[8], 32);
  ASSERT_UINT_EQ(s->stored, 15); /* 8 leaves + 4 + 2 + 1 */
  /* A node outside the tree makes loading fail and leaves the frontier empty. */
  s->limit = 3;
  merkle_frontier g;
  ASSERT_INT_EQ(merkle_frontier_load(&g, 4, store_get, s), MERKLE_ERR_NODE);
  ASSERT_UINT_EQ(g.size, 0);
  free(s);
}

static void build_store(mem_store *s, uint64_t n, hash_t *leaves) {
  merkle_frontier f;
  merkle_frontier_init(&f);
  memset(s, 0, sizeof *s);
  for (uint64_t i = 0; i < n; i++) {
    uint8_t data[8];
    for (int k = 0; k < 8; k++) data[k] = (uint8_t)(i >> (8 * k));
    merkle_leaf_hash(data, sizeof data, leaves[i]);
    ASSERT_INT_EQ(merkle_frontier_append(&f, leaves[i], store_put, s), MERKLE_OK);
  }
  ASSERT_UINT_EQ(f.size, n);
}

/* Every single change to an inclusion proof must be rejected. */
static void tamper_inclusion(const uint8_t leaf[32], uint64_t idx, uint64_t size,
                             const hash_t *proof, size_t n, const uint8_t root[32],
                             bool all_bits) {
  hash_t p[MERKLE_MAX_PROOF + 1], h;
  ASSERT(merkle_verify_inclusion(leaf, idx, size, proof, n, root));
  /* Wrong index: every other index of the tree, and beyond it. */
  for (uint64_t j = 0; j < size + 3; j++)
    if (j != idx) ASSERT(!merkle_verify_inclusion(leaf, j, size, proof, n, root));
  /* Wrong size. A proof does not by itself bind the tree size: a size whose path has the
   * same shape (e.g. leaf 0 in sizes 5..8) computes the same root; the signed checkpoint
   * binds size and root together. Every size needing another proof length must fail, and
   * so must the probes the transparency-dev suite uses. */
  for (uint64_t z = 0; z < 2 * size + 3; z++)
    if (z != size && merkle_inclusion_proof_len(idx, z) != n)
      ASSERT(!merkle_verify_inclusion(leaf, idx, z, proof, n, root));
  ASSERT(!merkle_verify_inclusion(leaf, idx, size * 2, proof, n, root));
  ASSERT(!merkle_verify_inclusion(leaf, idx, size / 2, proof, n, root));
  ASSERT(!merkle_verify_inclusion(leaf, idx, UINT64_MAX, proof, n, root));
  /* bit flips in every proof hash, the leaf and the root */
  for (size_t i = 0; i < n; i++) {
    for (int bit = 0; bit < 256; bit += all_bits ? 1 : 37) {
      memcpy(p, proof, n * 32);
      p[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
      ASSERT(!merkle_verify_inclusion(leaf, idx, size, (const hash_t *)p, n, root));
    }
  }
  for (int bit = 0; bit < 256; bit += all_bits ? 1 : 37) {
    memcpy(h, leaf, 32);
    h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ASSERT(!merkle_verify_inclusion(h, idx, size, proof, n, root));
    memcpy(h, root, 32);
    h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ASSERT(!merkle_verify_inclusion(leaf, idx, size, proof, n, h));
  }
  /* missing hash at each position */
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
      if (j != i) memcpy(p[k++], proof[j], 32);
    ASSERT(!merkle_verify_inclusion(leaf, idx, size, (const hash_t *)p, n - 1, root));
  }
  /* extra hash at each position (a copy of a neighbour, and zeros) */
  for (size_t i = 0; i <= n; i++) {
    for (int kind = 0; kind < 2; kind++) {
      size_t k = 0;
      for (size_t j = 0; j <= n; j++) {
        if (j == i) {
          if (kind == 0 && n > 0) memcpy(p[k++], proof[i < n ? i : n - 1], 32);
          else memset(p[k++], 0, 32);
        }
        if (j < n) memcpy(p[k++], proof[j], 32);
      }
      ASSERT_UINT_EQ(k, n + 1);
      ASSERT(!merkle_verify_inclusion(leaf, idx, size, (const hash_t *)p, n + 1, root));
    }
  }
  /* swapped hashes */
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      if (memcmp(proof[i], proof[j], 32) == 0) continue;
      memcpy(p, proof, n * 32);
      memcpy(p[i], proof[j], 32);
      memcpy(p[j], proof[i], 32);
      ASSERT(!merkle_verify_inclusion(leaf, idx, size, (const hash_t *)p, n, root));
    }
}

static void tamper_consistency(uint64_t s1, uint64_t s2, const hash_t *proof, size_t n,
                               const uint8_t r1[32], const uint8_t r2[32], bool all_bits) {
  hash_t p[MERKLE_MAX_PROOF + 1], h;
  ASSERT(merkle_verify_consistency(s1, s2, proof, n, r1, r2));
  /* Wrong sizes: as for inclusion, only sizes that need a different proof shape are
   * distinguishable from the proof alone; all of those must fail, and the usual probes. */
  for (uint64_t a = 0; a < s2 + 3; a++)
    for (uint64_t b = 0; b < s2 + 3; b++)
      if ((a != s1 || b != s2) && (a == 0 || a >= b || merkle_consistency_proof_len(a, b) != n))
        ASSERT(!merkle_verify_consistency(a, b, proof, n, r1, r2));
  ASSERT(!merkle_verify_consistency(s1 - 1, s2, proof, n, r1, r2));
  ASSERT(!merkle_verify_consistency(s1 + 1, s2, proof, n, r1, r2));
  ASSERT(!merkle_verify_consistency(s1 ^ 2, s2, proof, n, r1, r2));
  ASSERT(!merkle_verify_consistency(s1, s2 * 2, proof, n, r1, r2));
  ASSERT(!merkle_verify_consistency(s1, s2 / 2, proof, n, r1, r2));
  ASSERT(!merkle_verify_consistency(s1, UINT64_MAX, proof, n, r1, r2));
  ASSERT(!merkle_verify_consistency(s2, s1, proof, n, r2, r1));
  for (size_t i = 0; i < n; i++)
    for (int bit = 0; bit < 256; bit += all_bits ? 1 : 37) {
      memcpy(p, proof, n * 32);
      p[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
      ASSERT(!merkle_verify_consistency(s1, s2, (const hash_t *)p, n, r1, r2));
    }
  for (int bit = 0; bit < 256; bit += all_bits ? 1 : 37) {
    memcpy(h, r1, 32);
    h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ASSERT(!merkle_verify_consistency(s1, s2, proof, n, h, r2));
    memcpy(h, r2, 32);
    h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ASSERT(!merkle_verify_consistency(s1, s2, proof, n, r1, h));
  }
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
      if (j != i) memcpy(p[k++], proof[j], 32);
    ASSERT(!merkle_verify_consistency(s1, s2, (const hash_t *)p, n - 1, r1, r2));
  }
  for (size_t i = 0; i <= n; i++)
    for (int kind = 0; kind < 2; kind++) {
      size_t k = 0;
      for (size_t j = 0; j <= n; j++) {
        if (j == i) {
          if (kind == 0 && n > 0) memcpy(p[k++], proof[i < n ? i : n - 1], 32);
          else memset(p[k++], 0, 32);
        }
        if (j < n) memcpy(p[k++], proof[j], 32);
      }
      ASSERT(!merkle_verify_consistency(s1, s2, (const hash_t *)p, n + 1, r1, r2));
    }
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      if (memcmp(proof[i], proof[j], 32) == 0) continue;
      memcpy(p, proof, n * 32);
      memcpy(p[i], proof[j], 32);
      memcpy(p[j], proof[i], 32);
      ASSERT(!merkle_verify_consistency(s1, s2, (const hash_t *)p, n, r1, r2));
    }
  /* swapping the roots, or using the same root twice, must fail */
  ASSERT(!merkle_verify_consistency(s1, s2, proof, n, r2, r1));
  ASSERT(!merkle_verify_consistency(s1, s2, proof, n, r2, r2));
  ASSERT(!merkle_verify_consistency(s1, s2, proof, n, r1, r1));
}

static void test_inclusion_vectors(void) {
  mem_store *s = calloc(1, sizeof *s);
  merkle_frontier f;
  merkle_frontier_init(&f);
  for (int i = 0; i < 8; i++)
    ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[i], store_put, s), MERKLE_OK);
  for (int v = 0; v < nincl; v++) {
    const vec_proof *vp = &incl[v];
    hash_t p[MERKLE_MAX_PROOF];
    size_t n = 99;
    ASSERT_INT_EQ(merkle_mem_inclusion_proof((const hash_t *)leaf_hashes, vp->b, vp->a, p, &n),
                  MERKLE_OK);
    ASSERT_UINT_EQ(n, vp->n);
    ASSERT_MEM_EQ(p, vp->proof, n * 32);
    s->limit = vp->b;
    n = 99;
    ASSERT_INT_EQ(merkle_inclusion_proof(store_get, s, vp->a, vp->b, p, &n), MERKLE_OK);
    ASSERT_UINT_EQ(n, vp->n);
    ASSERT_MEM_EQ(p, vp->proof, n * 32);
    ASSERT_UINT_EQ(merkle_inclusion_proof_len(vp->a, vp->b), vp->n);
    hash_t r;
    ASSERT(merkle_root_from_inclusion(leaf_hashes[vp->a], vp->a, vp->b,
                                      (const hash_t *)vp->proof, vp->n, r));
    ASSERT_MEM_EQ(r, roots[vp->b], 32);
    tamper_inclusion(leaf_hashes[vp->a], vp->a, vp->b, (const hash_t *)vp->proof, vp->n,
                     roots[vp->b], true);
  }
  /* Range errors. */
  size_t n = 7;
  hash_t p[MERKLE_MAX_PROOF];
  s->limit = 8;
  ASSERT_INT_EQ(merkle_inclusion_proof(store_get, s, 8, 8, p, &n), MERKLE_ERR_RANGE);
  ASSERT_UINT_EQ(n, 0);
  ASSERT_INT_EQ(merkle_inclusion_proof(store_get, s, 0, 0, p, &n), MERKLE_ERR_RANGE);
  ASSERT_INT_EQ(merkle_mem_inclusion_proof((const hash_t *)leaf_hashes, 3, 3, p, &n),
                MERKLE_ERR_RANGE);
  /* A failing node callback is reported. */
  s->limit = 4;
  ASSERT_INT_EQ(merkle_inclusion_proof(store_get, s, 0, 8, p, &n), MERKLE_ERR_NODE);
  /* Single-leaf tree: empty proof, root is the leaf hash. */
  ASSERT(merkle_verify_inclusion(leaf_hashes[0], 0, 1, NULL, 0, roots[1]));
  ASSERT(!merkle_verify_inclusion(leaf_hashes[0], 0, 1, (const hash_t *)leaf_hashes, 1,
                                  roots[1]));
  ASSERT(!merkle_verify_inclusion(leaf_hashes[0], 0, 0, NULL, 0, roots[0]));
  free(s);
}

static void test_consistency_vectors(void) {
  mem_store *s = calloc(1, sizeof *s);
  merkle_frontier f;
  merkle_frontier_init(&f);
  for (int i = 0; i < 8; i++)
    ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[i], store_put, s), MERKLE_OK);
  for (int v = 0; v < ncons; v++) {
    const vec_proof *vp = &cons[v];
    hash_t p[MERKLE_MAX_PROOF];
    size_t n = 99;
    ASSERT_INT_EQ(
        merkle_mem_consistency_proof((const hash_t *)leaf_hashes, vp->a, vp->b, p, &n),
        MERKLE_OK);
    ASSERT_UINT_EQ(n, vp->n);
    ASSERT_MEM_EQ(p, vp->proof, n * 32);
    s->limit = vp->b;
    n = 99;
    ASSERT_INT_EQ(merkle_consistency_proof(store_get, s, vp->a, vp->b, p, &n), MERKLE_OK);
    ASSERT_UINT_EQ(n, vp->n);
    ASSERT_MEM_EQ(p, vp->proof, n * 32);
    ASSERT_UINT_EQ(merkle_consistency_proof_len(vp->a, vp->b), vp->n);
    tamper_consistency(vp->a, vp->b, (const hash_t *)vp->proof, vp->n, roots[vp->a],
                       roots[vp->b], true);
  }
  /* Edge cases. */
  hash_t p[MERKLE_MAX_PROOF];
  size_t n = 5;
  s->limit = 8;
  ASSERT_INT_EQ(merkle_consistency_proof(store_get, s, 5, 4, p, &n), MERKLE_ERR_RANGE);
  ASSERT_INT_EQ(merkle_consistency_proof(store_get, s, 4, 4, p, &n), MERKLE_OK);
  ASSERT_UINT_EQ(n, 0);
  ASSERT_INT_EQ(merkle_consistency_proof(store_get, s, 0, 8, p, &n), MERKLE_OK);
  ASSERT_UINT_EQ(n, 0);
  for (uint64_t k = 0; k <= 8; k++) {
    /* size1 == size2: empty proof and equal roots */
    ASSERT(merkle_verify_consistency(k, k, NULL, 0, roots[k], roots[k]));
    ASSERT(!merkle_verify_consistency(k, k, (const hash_t *)roots, 1, roots[k], roots[k]));
    ASSERT(!merkle_verify_consistency(k, k, NULL, 0, roots[k], roots[(k + 1) % 9]));
    /* size1 == 0: empty proof, and root1 must be the empty-tree root */
    ASSERT(merkle_verify_consistency(0, k, NULL, 0, roots[0], roots[k]));
    ASSERT(!merkle_verify_consistency(0, k, (const hash_t *)roots, 1, roots[0], roots[k]));
    ASSERT(!merkle_verify_consistency(0, k, NULL, 0, roots[1], roots[k]));
  }
  /* 0 < size1 < size2 with an empty proof fails */
  ASSERT(!merkle_verify_consistency(1, 2, NULL, 0, roots[1], roots[2]));
  ASSERT(!merkle_verify_consistency(4, 8, NULL, 0, roots[4], roots[8]));
  free(s);
}

/* For every size 1..64 and every m: callback proofs == in-memory proofs, and they verify. */
static void test_property(void) {
  mem_store *s = malloc(sizeof *s);
  hash_t leaves[STORE_LEAVES];
  build_store(s, STORE_LEAVES, leaves);
  merkle_frontier f;
  merkle_frontier_init(&f);
  for (uint64_t size = 1; size <= STORE_LEAVES; size++) {
    ASSERT_INT_EQ(merkle_frontier_append(&f, leaves[size - 1], NULL, NULL), MERKLE_OK);
    hash_t root, r2, r3;
    merkle_mem_root((const hash_t *)leaves, size, root);
    merkle_frontier_root(&f, r2);
    ASSERT_MEM_EQ(r2, root, 32);
    s->limit = size;
    ASSERT_INT_EQ(merkle_root(store_get, s, size, r3), MERKLE_OK);
    ASSERT_MEM_EQ(r3, root, 32);
    unsigned maxcalls = 2u * (unsigned)bitlen(size) + 2;
    for (uint64_t m = 0; m < size; m++) {
      hash_t p1[MERKLE_MAX_PROOF], p2[MERKLE_MAX_PROOF];
      size_t n1 = 0, n2 = 0;
      ASSERT_INT_EQ(merkle_mem_inclusion_proof((const hash_t *)leaves, size, m, p1, &n1),
                    MERKLE_OK);
      s->calls = 0;
      ASSERT_INT_EQ(merkle_inclusion_proof(store_get, s, m, size, p2, &n2), MERKLE_OK);
      ASSERT(s->calls <= maxcalls);
      ASSERT_UINT_EQ(n1, n2);
      ASSERT_UINT_EQ(n1, merkle_inclusion_proof_len(m, size));
      ASSERT_MEM_EQ(p1, p2, n1 * 32);
      ASSERT(merkle_verify_inclusion(leaves[m], m, size, (const hash_t *)p2, n2, root));
      if (size <= 9) /* full tampering for small trees, sampled bits */
        tamper_inclusion(leaves[m], m, size, (const hash_t *)p2, n2, root, false);
      else if (m + 1 < size)
        ASSERT(!merkle_verify_inclusion(leaves[m + 1], m, size, (const hash_t *)p2, n2, root));

      /* consistency m -> size (m == 0 gives the empty proof) */
      hash_t root1;
      merkle_mem_root((const hash_t *)leaves, m, root1);
      ASSERT_INT_EQ(merkle_mem_consistency_proof((const hash_t *)leaves, m, size, p1, &n1),
                    MERKLE_OK);
      s->calls = 0;
      ASSERT_INT_EQ(merkle_consistency_proof(store_get, s, m, size, p2, &n2), MERKLE_OK);
      ASSERT(s->calls <= maxcalls + 1);
      ASSERT_UINT_EQ(n1, n2);
      ASSERT_UINT_EQ(n1, merkle_consistency_proof_len(m, size));
      ASSERT_MEM_EQ(p1, p2, n1 * 32);
      ASSERT(merkle_verify_consistency(m, size, (const hash_t *)p2, n2, root1, root));
      if (size <= 9 && m > 0)
        tamper_consistency(m, size, (const hash_t *)p2, n2, root1, root, false);
      else if (m > 0)
        ASSERT(!merkle_verify_consistency(m, size, (const hash_t *)p2, n2, root, root1));
    }
  }
  free(s);
}

static void test_frontier(void) {
  mem_store *s = calloc(1, sizeof *s);
  merkle_frontier f;
  merkle_frontier_init(&f);
  hash_t r0, r1;
  ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[0], store_put, s), MERKLE_OK);
  merkle_frontier_root(&f, r0);
  /* A store failure at level >= 1 leaves the frontier unchanged. */
  ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[1], store_fail, NULL), MERKLE_ERR_NODE);
  ASSERT_UINT_EQ(f.size, 1);
  merkle_frontier_root(&f, r1);
  ASSERT_MEM_EQ(r0, r1, 32);
  ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[1], store_put, s), MERKLE_OK);
  merkle_frontier_root(&f, r1);
  ASSERT_MEM_EQ(r1, roots[2], 32);
  /* Reported nodes: (0,0), (0,1), (1,0) */
  ASSERT_UINT_EQ(s->stored, 3);
  ASSERT_MEM_EQ(s->node[1][0], roots[2], 32);
  /* A full frontier refuses further appends. */
  f.size = UINT64_MAX;
  ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[0], NULL, NULL), MERKLE_ERR_FULL);
  free(s);
}

/* Append-order positions: every reported subtree gets the next one, and the range ends where
 * MERKLE_POS_MAX_SIZE says. */
typedef struct {
  int64_t next;
  bool ok;
} pos_check;

static int check_pos(void *ctx, uint64_t level, uint64_t index, const uint8_t hash[32]) {
  (void)hash;
  pos_check *c = ctx;
  if (merkle_node_pos(level, index) != c->next) c->ok = false;
  c->next++;
  return 0;
}

static void test_node_pos(void) {
  /* Size 4: leaves 0, 1, (1,0), leaf 2, leaf 3, (1,1), (2,0). */
  ASSERT_INT_EQ(merkle_node_pos(0, 0), 0);
  ASSERT_INT_EQ(merkle_node_pos(0, 1), 1);
  ASSERT_INT_EQ(merkle_node_pos(1, 0), 2);
  ASSERT_INT_EQ(merkle_node_pos(0, 2), 3);
  ASSERT_INT_EQ(merkle_node_pos(1, 1), 5);
  ASSERT_INT_EQ(merkle_node_pos(2, 0), 6);
  ASSERT_INT_EQ(merkle_node_pos(2, 3), 28); /* completes 16 leaves: 30 - 4 before, level 2 */
  merkle_frontier f;
  merkle_frontier_init(&f);
  pos_check c = {0, true};
  for (int i = 0; i < 5000; i++)
    ASSERT_INT_EQ(merkle_frontier_append(&f, leaf_hashes[i % 8], check_pos, &c), MERKLE_OK);
  ASSERT(c.ok);
  ASSERT_INT_EQ(c.next, 2 * 5000 - __builtin_popcount(5000)); /* every subtree of 5000 leaves */
  /* The last leaf and the largest subtree inside 2^61 leaves, and one past each. */
  const int64_t last = (int64_t)(2 * (MERKLE_POS_MAX_SIZE - 1) - 61); /* 2^61 - 1 has 61 ones */
  ASSERT_INT_EQ(merkle_node_pos(0, MERKLE_POS_MAX_SIZE - 1), last);
  ASSERT_INT_EQ(merkle_node_pos(0, MERKLE_POS_MAX_SIZE), -1);
  ASSERT_INT_EQ(merkle_node_pos(61, 0), last + 61);
  ASSERT_INT_EQ(merkle_node_pos(61, 1), -1);
  ASSERT_INT_EQ(merkle_node_pos(60, 1), last + 60);
  ASSERT_INT_EQ(merkle_node_pos(60, 2), -1);
  ASSERT_INT_EQ(merkle_node_pos(62, 0), -1);
  ASSERT_INT_EQ(merkle_node_pos(64, 0), -1);
  ASSERT_INT_EQ(merkle_node_pos(1, UINT64_MAX), -1);
}

/* Large sizes: lengths of proofs and a sanity check on the verifier's arithmetic. */
static void test_large_sizes(void) {
  ASSERT_UINT_EQ(merkle_inclusion_proof_len(0, UINT64_MAX), 64);
  ASSERT_UINT_EQ(merkle_inclusion_proof_len(UINT64_MAX - 1, UINT64_MAX), 63);
  ASSERT_UINT_EQ(merkle_inclusion_proof_len(10000, 961984013), 30);
  ASSERT(merkle_consistency_proof_len(3654490, 961984013) <= MERKLE_MAX_PROOF);
  ASSERT(merkle_consistency_proof_len(3, UINT64_MAX) <= MERKLE_MAX_PROOF);
  ASSERT_UINT_EQ(merkle_consistency_proof_len(1ull << 62, 1ull << 63), 1);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  load_vectors();
  RUN_TEST(test_leaf_hashes);
  RUN_TEST(test_roots);
  RUN_TEST(test_inclusion_vectors);
  RUN_TEST(test_consistency_vectors);
  RUN_TEST(test_property);
  RUN_TEST(test_frontier);
  RUN_TEST(test_node_pos);
  RUN_TEST(test_large_sizes);
  for (int i = 0; i < 8; i++) free(leaf_data[i]);
  return 0;
}

/* merkle.h -- RFC 6962 / RFC 9162 Merkle tree over SHA-256: hashes, proofs, frontier. */
#ifndef SAMVIRKE_MERKLE_H
#define SAMVIRKE_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
/* Upper bound on the hashes in any inclusion or consistency proof for a tree of < 2^64 leaves. */
#define MERKLE_MAX_PROOF 65
/* Right-edge perfect subtrees a frontier can hold (one per bit of the tree size). */
#define MERKLE_FRONTIER_LEVELS 64

enum merkle_status {
  MERKLE_OK = 0,
  MERKLE_ERR_RANGE = -1, /* index/size out of range (leaf >= size, size1 > size2, ...) */
  MERKLE_ERR_NODE = -2,  /* a node callback reported failure */
  MERKLE_ERR_FULL = -3,  /* frontier already holds 2^64 - 1 leaves */
};

/* Node addressing used throughout: (level, index) names the perfect subtree of 2^level
 * leaves covering [index << level, (index + 1) << level). Level 0 nodes are leaf hashes. */

/* Read callback: write the hash of the perfect subtree (level, index) into out and return 0,
 * or return nonzero on failure (e.g. storage error, node missing). Only nodes that lie
 * entirely inside the tree being proven are asked for. */
typedef int (*merkle_node_fn)(void *ctx, uint64_t level, uint64_t index,
                              uint8_t out[MERKLE_HASH_LEN]);

/* Store callback: a perfect subtree (level, index) with the given hash has just become
 * complete. Return 0, or nonzero to abort the append. */
typedef int (*merkle_store_fn)(void *ctx, uint64_t level, uint64_t index,
                               const uint8_t hash[MERKLE_HASH_LEN]);

/* ---- hashing ---- */

/* Leaf hash SHA-256(0x00 || data). */
void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN]);
/* Interior node hash SHA-256(0x01 || left || right). out may alias left or right. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN]);
/* Root of the empty tree: SHA-256 of the empty string. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN]);

/* ---- proof generation from stored perfect subtrees (daemon side) ---- */

/* Root of the first `size` leaves, composed from the perfect subtrees of the binary
 * decomposition of size (popcount(size) callback calls). size 0 gives SHA-256(""). */
int merkle_root(merkle_node_fn node, void *ctx, uint64_t size, uint8_t out[MERKLE_HASH_LEN]);

/* Inclusion proof (RFC 9162 2.1.3.1 PATH) of leaf `index` in the tree of `size` leaves,
 * ordered from the leaf level upward. Writes *nproof (<= MERKLE_MAX_PROOF) hashes into
 * proof. O(log size) callback calls. Returns MERKLE_OK, MERKLE_ERR_RANGE if index >= size,
 * or MERKLE_ERR_NODE if the callback failed. */
int merkle_inclusion_proof(merkle_node_fn node, void *ctx, uint64_t index, uint64_t size,
                           uint8_t proof[][MERKLE_HASH_LEN], size_t *nproof);

/* Consistency proof (RFC 9162 2.1.4.1 PROOF) from size1 to size2. Empty when
 * size1 == size2 or size1 == 0. O(log size2) callback calls. Returns MERKLE_OK,
 * MERKLE_ERR_RANGE if size1 > size2, or MERKLE_ERR_NODE. */
int merkle_consistency_proof(merkle_node_fn node, void *ctx, uint64_t size1, uint64_t size2,
                             uint8_t proof[][MERKLE_HASH_LEN], size_t *nproof);

/* ---- compact range / frontier for O(1) amortized appends ---- */

/* The right edge of a tree: for every bit `l` set in size, hash[l] is the root of the perfect
 * subtree of 2^l leaves at that position. Plain value type; no resources to free. */
typedef struct merkle_frontier {
  uint64_t size;
  uint8_t hash[MERKLE_FRONTIER_LEVELS][MERKLE_HASH_LEN];
} merkle_frontier;

/* Empty frontier (size 0). */
void merkle_frontier_init(merkle_frontier *f);

/* Rebuild the frontier of a tree of `size` leaves from stored nodes (popcount(size)
 * callback calls), e.g. when the daemon restarts. Returns MERKLE_OK or MERKLE_ERR_NODE
 * (f is then left empty). */
int merkle_frontier_load(merkle_frontier *f, uint64_t size, merkle_node_fn node, void *ctx);

/* Append one leaf hash. Every perfect subtree completed by the append is reported through
 * store (may be NULL), lowest level first: the leaf itself (0, old size), then each
 * completed parent. If store returns nonzero the frontier is left unchanged and
 * MERKLE_ERR_NODE is returned (the caller should roll back what it stored). Returns
 * MERKLE_OK, MERKLE_ERR_NODE or MERKLE_ERR_FULL. */
int merkle_frontier_append(merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH_LEN],
                           merkle_store_fn store, void *ctx);

/* Root hash of the frontier's tree (SHA-256("") when empty). */
void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN]);

/* Largest tree size merkle_node_pos numbers (2^61 leaves). */
#define MERKLE_POS_MAX_SIZE (1ull << 61)

/* Position of the perfect subtree (level, index) in the order merkle_frontier_append reports
 * subtrees: each leaf, then the parents it completes, lowest first. The subtree completes the
 * tree of m = (index + 1) << level leaves, after the 2(m-1) - popcount(m-1) subtrees of the
 * tree before, so its position is that plus level. Appends report positions 0, 1, 2, ... in
 * turn: a table keyed by it only ever grows at its end. Returns -1 when m would exceed
 * MERKLE_POS_MAX_SIZE. */
int64_t merkle_node_pos(uint64_t level, uint64_t index);

/* ---- in-memory helpers (direct RFC 9162 recursive definitions; O(n) per call) ---- */

/* MTH over an array of n leaf hashes. */
void merkle_mem_root(const uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                     uint8_t out[MERKLE_HASH_LEN]);
/* PATH(index, leaves[0:n]). Returns MERKLE_OK or MERKLE_ERR_RANGE. */
int merkle_mem_inclusion_proof(const uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                               uint64_t index, uint8_t proof[][MERKLE_HASH_LEN], size_t *nproof);
/* PROOF(size1, leaves[0:size2]) (empty for size1 == 0 or size1 == size2).
 * Returns MERKLE_OK or MERKLE_ERR_RANGE. */
int merkle_mem_consistency_proof(const uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t size1,
                                 uint64_t size2, uint8_t proof[][MERKLE_HASH_LEN],
                                 size_t *nproof);

/* ---- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ---- */

/* Number of hashes an inclusion proof for (index, size) must have; 0 if index >= size. */
size_t merkle_inclusion_proof_len(uint64_t index, uint64_t size);
/* Number of hashes a consistency proof size1 -> size2 must have (0 if size1 == 0 or
 * size1 >= size2). */
size_t merkle_consistency_proof_len(uint64_t size1, uint64_t size2);

/* Compute the root implied by an inclusion proof (RFC 9162 2.1.3.2 steps 1-4, plus the
 * sn == 0 check). Returns false if index >= size or the proof has the wrong length. */
bool merkle_root_from_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index,
                                uint64_t size, const uint8_t (*proof)[MERKLE_HASH_LEN],
                                size_t nproof, uint8_t root_out[MERKLE_HASH_LEN]);

/* True iff proof shows leaf_hash at index in the tree of `size` leaves with root `root`. */
bool merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index,
                             uint64_t size, const uint8_t (*proof)[MERKLE_HASH_LEN], size_t nproof,
                             const uint8_t root[MERKLE_HASH_LEN]);

/* True iff proof shows the tree (size1, root1) is a prefix of (size2, root2).
 * Edge cases: size1 > size2 fails; size1 == size2 needs an empty proof and root1 == root2;
 * size1 == 0 needs an empty proof and root1 == SHA-256("") (any tree extends the empty
 * tree, but a size-0 tree head with another root is not a valid tree head). */
bool merkle_verify_consistency(uint64_t size1, uint64_t size2,
                               const uint8_t (*proof)[MERKLE_HASH_LEN], size_t nproof,
                               const uint8_t root1[MERKLE_HASH_LEN],
                               const uint8_t root2[MERKLE_HASH_LEN]);

#endif

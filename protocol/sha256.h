/* sha256.h -- SHA-256 (FIPS 180-4) of one or two concatenated pieces, for the Merkle tree's leaf
 * and node hashes, which the storage thread computes for every audit entry. On a CPU with the
 * SHA extensions it runs on them; elsewhere it is libsodium's crypto_hash_sha256. */
#ifndef SAMVIRKE_SHA256_H
#define SAMVIRKE_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* out = SHA-256(a || b); either piece may be empty (NULL with length 0). */
void sha256_2(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Whether sha256_2 uses the CPU's SHA extensions. sha256_use_cpu(false) makes it use libsodium
 * (for tests that compare the two); sha256_use_cpu(true) goes back to what the CPU offers.
 * Not thread-safe: call it before other threads hash. */
bool sha256_on_cpu(void);
void sha256_use_cpu(bool use);

#endif

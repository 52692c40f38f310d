/* rng.c -- test support: reproducible and libsodium random numbers. */
#include "support/rng.h"

#include <assert.h>
#include <sodium.h>

uint32_t test_rng_below(test_rng *r, uint32_t n) {
  assert(r != NULL && r->state != 0 && n > 0);
  r->state ^= r->state << 13;
  r->state ^= r->state >> 7;
  r->state ^= r->state << 17;
  return (uint32_t)(r->state >> 32) % n;
}

uint64_t test_random_below(uint64_t bound) {
  assert(bound > 0);
  return ((uint64_t)randombytes_random() << 32 | randombytes_random()) % bound;
}

/* rng.h -- test support: random numbers for tests and benchmarks, reproducible (a seeded
 * xorshift64 generator) or not (libsodium's). */
#ifndef SAMVIRKE_TEST_RNG_H
#define SAMVIRKE_TEST_RNG_H

#include <stdint.h>

/* A reproducible generator: the same seed (not 0) gives the same sequence on every machine. */
typedef struct test_rng {
  uint64_t state;
} test_rng;

/* The next number of r in [0, n) (n > 0), from the high 32 bits of xorshift64 (13, 7, 17). */
uint32_t test_rng_below(test_rng *r, uint32_t n);

/* A number in [0, bound) (bound > 0) from libsodium's generator (sodium_init done). */
uint64_t test_random_below(uint64_t bound);

#endif

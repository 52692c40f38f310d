/* bench_handshake.c -- in-memory Noise IK handshakes per second, and raw X25519 for scale.
 * The first figure is a handshake as the two ends run it: each knows its own static public
 * key (no X25519 to derive it), and the daemon remembers the client's ss from an earlier
 * handshake (noise_sscache.h), while the client, a process of its own, computes it. So the
 * crypto is 2 ephemeral key pairs and 7 DH. The second is the same with nothing remembered. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise.h"
#include "noise_sscache.h"
#include "util.h"

/* One complete IK handshake between two fresh HandshakeStates plus Split(); the responder uses
 * the cache when it is not NULL. Returns 0 or -1. */
static int one_handshake(const uint8_t i_sk[32], const uint8_t i_pk[32], const uint8_t r_sk[32],
                         const uint8_t r_pk[32], noise_sscache *cache) {
  static const char prologue[] = SAMVIRKE_PROLOGUE;
  uint8_t msg[256], pl[64];
  size_t mlen = 0, plen = 0;
  int rc = -1;
  noise_cipher *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  noise_handshake *i = noise_handshake_new_with_pk(true, (const uint8_t *)prologue,
                                                   sizeof prologue - 1, i_sk, i_pk, r_pk);
  noise_handshake *r = noise_handshake_new_with_pk(false, (const uint8_t *)prologue,
                                                   sizeof prologue - 1, r_sk, r_pk, NULL);
  if (i == NULL || r == NULL) goto err;
  if (cache != NULL && noise_handshake_use_sscache(r, cache) != NOISE_OK) goto err;
  if (noise_handshake_write(i, (const uint8_t *)"hello", 5, msg, sizeof msg, &mlen) != NOISE_OK)
    goto err;
  if (noise_handshake_read(r, msg, mlen, pl, sizeof pl, &plen) != NOISE_OK) goto err;
  if (noise_handshake_write(r, (const uint8_t *)"welcome", 7, msg, sizeof msg, &mlen) != NOISE_OK)
    goto err;
  if (noise_handshake_read(i, msg, mlen, pl, sizeof pl, &plen) != NOISE_OK) goto err;
  if (noise_handshake_split(i, &a, &b) != NOISE_OK) goto err;
  if (noise_handshake_split(r, &c, &d) != NOISE_OK) goto err;
  rc = 0;
err:
  noise_cipher_free(a);
  noise_cipher_free(b);
  noise_cipher_free(c);
  noise_cipher_free(d);
  noise_handshake_free(i);
  noise_handshake_free(r);
  return rc;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
  if (n <= 0) {
    fprintf(stderr, "usage: %s [handshakes]\n", argv[0]);
    return 2;
  }
  if (sodium_init() < 0) return 1;
  uint8_t i_sk[32], i_pk[32], r_sk[32], r_pk[32];
  crypto_box_keypair(i_pk, i_sk);
  crypto_box_keypair(r_pk, r_sk);

  noise_sscache *rc = noise_sscache_new(r_pk, 16);
  if (rc == NULL || one_handshake(i_sk, i_pk, r_sk, r_pk, rc) != 0) return 1; /* remembers ss */
  /* The two kinds alternate, one of each in turn, so that a change in the machine's speed
   * during the run (seen here within seconds) falls on both alike. */
  double hs_s = 0, full_s = 0;
  for (long k = 0; k < n; k++) {
    for (int kind = 0; kind < 2; kind++) {
      uint64_t t0 = util_now_ns();
      if (one_handshake(i_sk, i_pk, r_sk, r_pk, kind == 0 ? rc : NULL) != 0) {
        fprintf(stderr, "handshake %ld failed\n", k);
        return 1;
      }
      *(kind == 0 ? &hs_s : &full_s) += (double)(util_now_ns() - t0) / 1e9;
    }
  }
  noise_sscache_stats st;
  noise_sscache_get_stats(rc, &st);
  if (st.hits != (uint64_t)n) {
    fprintf(stderr, "the responder's cache answered %llu of %ld handshakes\n",
            (unsigned long long)st.hits, n);
    return 1;
  }
  noise_sscache_free(rc);

  /* X25519 variable-base scalar multiplications (crypto_scalarmult), as many as the DH
   * operations of the handshakes without the cache: 4 per side per handshake. */
  long ops = n * 8;
  uint8_t q[32], sk[32], pk[32];
  memcpy(sk, i_sk, 32);
  memcpy(pk, r_pk, 32);
  unsigned acc = 0;
  uint64_t t2 = util_now_ns();
  for (long k = 0; k < ops; k++) {
    if (crypto_scalarmult(q, sk, pk) != 0) return 1;
    acc ^= q[0];
    sk[0] ^= q[1]; /* keep the compiler from hoisting the call */
  }
  uint64_t t3 = util_now_ns();
  double dh_s = (double)(t3 - t2) / 1e9;

  printf("noise IK handshakes as the ends run them: %ld in %.3f s = %.0f handshakes/s (both "
         "sides, %.1f us each)\n",
         n, hs_s, (double)n / hs_s, hs_s * 1e6 / (double)n);
  printf("  2 ephemeral key pairs + 7 DH each; with no ss remembered (8 DH): %.0f handshakes/s, "
         "%.1f us each\n",
         (double)n / full_s, full_s * 1e6 / (double)n);
  printf("x25519 crypto_scalarmult: %ld in %.3f s = %.0f ops/s\n", ops, dh_s, (double)ops / dh_s);
  printf("DH-only bound without the cache = %.0f handshakes/s (check %u)\n",
         (double)ops / dh_s / 8.0, acc & 1u);
  sodium_memzero(sk, sizeof sk);
  sodium_memzero(i_sk, sizeof i_sk);
  sodium_memzero(r_sk, sizeof r_sk);
  return 0;
}

/* sha256.c -- SHA-256 on the x86 SHA extensions, or libsodium (sha256.h).
 *
 * The compression function follows Intel's description of the SHA extensions: the state is
 * kept as the register pairs ABEF and CDGH, SHA256RNDS2 runs two rounds, SHA256MSG1 and
 * SHA256MSG2 extend the message schedule four words at a time. Padding is FIPS 180-4's: 0x80,
 * zeros, and the bit length as a 64-bit big-endian number ending a 64-byte block. */
#include "sha256.h"

#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#ifdef SHA256_X86
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

/* Process nblocks 64-byte blocks of data into state (H0..H7). */
__attribute__((target("sha,sse4.1"))) static void compress(uint32_t state[8],
                                                            const uint8_t *data,
                                                            size_t nblocks) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);    /* DCBA */
  __m128i s1 = _mm_loadu_si128((const __m128i *)&state[4]);     /* HGFE */
  tmp = _mm_shuffle_epi32(tmp, 0xB1);                           /* CDAB */
  s1 = _mm_shuffle_epi32(s1, 0x1B);                             /* EFGH */
  __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);                     /* ABEF */
  s1 = _mm_blend_epi16(s1, tmp, 0xF0);                          /* CDGH */
  for (; nblocks > 0; nblocks--, data += 64) {
    __m128i abef = s0, cdgh = s1, w[4], msg;
    for (int g = 0; g < 16; g++) { /* rounds 4g .. 4g+3 */
      if (g < 4)
        w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), bswap);
      msg = _mm_add_epi32(w[g % 4], _mm_loadu_si128((const __m128i *)&K[4 * g]));
      s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
      if (g >= 3 && g <= 14) { /* finish schedule words 4(g+1) .. 4(g+1)+3 */
        __m128i t = _mm_alignr_epi8(w[g % 4], w[(g + 3) % 4], 4);
        w[(g + 1) % 4] = _mm_sha256msg2_epu32(_mm_add_epi32(w[(g + 1) % 4], t), w[g % 4]);
      }
      msg = _mm_shuffle_epi32(msg, 0x0E);
      s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
      if (g >= 1 && g <= 12) w[(g + 3) % 4] = _mm_sha256msg1_epu32(w[(g + 3) % 4], w[g % 4]);
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
  }
  tmp = _mm_shuffle_epi32(s0, 0x1B);                            /* FEBA */
  s1 = _mm_shuffle_epi32(s1, 0xB1);                             /* DCHG */
  s0 = _mm_blend_epi16(tmp, s1, 0xF0);                          /* DCBA */
  s1 = _mm_alignr_epi8(s1, tmp, 8);                             /* HGFE */
  _mm_storeu_si128((__m128i *)&state[0], s0);
  _mm_storeu_si128((__m128i *)&state[4], s1);
}

typedef struct {
  uint32_t h[8];
  uint8_t buf[64];
  size_t nbuf;   /* bytes in buf */
  uint64_t len;  /* bytes hashed in all */
} ctx;

static void update(ctx *c, const uint8_t *p, size_t n) {
  c->len += n;
  if (c->nbuf > 0) {
    size_t take = 64 - c->nbuf < n ? 64 - c->nbuf : n;
    memcpy(c->buf + c->nbuf, p, take);
    c->nbuf += take;
    p += take;
    n -= take;
    if (c->nbuf < 64) return;
    compress(c->h, c->buf, 1);
    c->nbuf = 0;
  }
  if (n >= 64) {
    compress(c->h, p, n / 64);
    p += n - n % 64;
    n %= 64;
  }
  memcpy(c->buf, p, n);
  c->nbuf = n;
}

static void hash_cpu(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b,
                     size_t blen) {
  ctx c = {.h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
                 0x1f83d9ab, 0x5be0cd19}};
  if (alen) update(&c, a, alen);
  if (blen) update(&c, b, blen);
  uint64_t bits = c.len * 8;
  c.buf[c.nbuf++] = 0x80;
  if (c.nbuf > 56) {
    memset(c.buf + c.nbuf, 0, 64 - c.nbuf);
    compress(c.h, c.buf, 1);
    c.nbuf = 0;
  }
  memset(c.buf + c.nbuf, 0, 56 - c.nbuf);
  for (int i = 0; i < 8; i++) c.buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
  compress(c.h, c.buf, 1);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(c.h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(c.h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(c.h[i] >> 8);
    out[4 * i + 3] = (uint8_t)c.h[i];
  }
  sodium_memzero(&c, sizeof c);
}

/* CPUID: SHA is leaf 7 EBX bit 29; SSSE3 and SSE4.1 are leaf 1 ECX bits 9 and 19. (x86-64
 * always has the XMM state enabled.) */
static int cpu_has_sha(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19))) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 29) & 1u;
}
#endif

static _Atomic int use_cpu = -1; /* -1: not decided yet (threads may race to decide: same answer) */

bool sha256_on_cpu(void) {
#ifdef SHA256_X86
  if (use_cpu < 0) use_cpu = cpu_has_sha();
  return use_cpu == 1;
#else
  return false;
#endif
}

void sha256_use_cpu(bool use) {
#ifdef SHA256_X86
  use_cpu = use ? cpu_has_sha() : 0;
#else
  (void)use;
#endif
}

void sha256_2(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
#ifdef SHA256_X86
  if (sha256_on_cpu()) {
    hash_cpu(out, a, alen, b, blen);
    return;
  }
#endif
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  if (alen) crypto_hash_sha256_update(&st, a, alen);
  if (blen) crypto_hash_sha256_update(&st, b, blen);
  crypto_hash_sha256_final(&st, out);
}

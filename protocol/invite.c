/* invite.c -- invite codes: format, parse and hash the one-time codes that admit a new member. */
#include "invite.h"

#include <assert.h>
#include <ctype.h>
#include <sodium.h>
#include <string.h>

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void invite_format(const uint8_t raw[INVITE_RAW_LEN], char out[INVITE_CODE_LEN]) {
  size_t o = 0;
  for (size_t i = 0; i < INVITE_RAW_LEN; i += 5) {
    uint64_t v = 0;
    for (size_t k = 0; k < 5; k++) v = (v << 8) | raw[i + k];
    for (int k = 7; k >= 0; k--) {
      out[o++] = b32_alphabet[(v >> (5 * k)) & 31];
      if (k == 4) out[o++] = '-';
    }
    if (i + 5 < INVITE_RAW_LEN) out[o++] = '-';
  }
  assert(o == INVITE_CODE_LEN - 1);
  out[o] = '\0';
}

int invite_parse(const char *code, uint8_t raw[INVITE_RAW_LEN]) {
  uint64_t acc = 0;
  size_t nsym = 0, nout = 0;
  for (const char *p = code; *p; p++) {
    if (*p == '-' || *p == ' ') continue;
    int c = toupper((unsigned char)*p);
    const char *hit = c ? strchr(b32_alphabet, c) : NULL;
    if (hit == NULL || nsym == 32) return -1;
    acc = (acc << 5) | (uint64_t)(hit - b32_alphabet);
    if (++nsym % 8 == 0) {
      for (int k = 4; k >= 0; k--) raw[nout++] = (uint8_t)(acc >> (8 * k));
      acc = 0;
    }
  }
  return nsym == 32 ? 0 : -1;
}

void invite_hash(const uint8_t raw[INVITE_RAW_LEN], uint8_t out[32]) {
  static const char ctx[] = "samvirke-invite-v1"; /* hashed with its NUL */
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  crypto_hash_sha256_update(&h, (const unsigned char *)ctx, sizeof ctx);
  crypto_hash_sha256_update(&h, raw, INVITE_RAW_LEN);
  crypto_hash_sha256_final(&h, out);
}

/* fuzz_noise.c -- feeds arbitrary bytes to the Noise IK message readers (both roles). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fixed keys from the cacophony IK vector, so the published messages are valid seeds. */
static const uint8_t prologue[] = "John Galt";
static const uint8_t init_static[32] = {
    0xe6, 0x1e, 0xf9, 0x91, 0x9c, 0xde, 0x45, 0xdd, 0x5f, 0x82, 0x16, 0x64, 0x04, 0xbd, 0x08, 0xe3,
    0x8b, 0xce, 0xb5, 0xdf, 0xdf, 0xde, 0xd0, 0xa3, 0x4c, 0x8d, 0xf7, 0xed, 0x54, 0x22, 0x14, 0xd1};
static const uint8_t init_ephemeral[32] = {
    0x89, 0x3e, 0x28, 0xb9, 0xdc, 0x6c, 0xa8, 0xd6, 0x11, 0xab, 0x66, 0x47, 0x54, 0xb8, 0xce, 0xb7,
    0xba, 0xc5, 0x11, 0x73, 0x49, 0xa4, 0x43, 0x9a, 0x6b, 0x05, 0x69, 0xda, 0x97, 0x7c, 0x46, 0x4a};
static const uint8_t resp_static[32] = {
    0x4a, 0x3a, 0xcb, 0xfd, 0xb1, 0x63, 0xde, 0xc6, 0x51, 0xdf, 0xa3, 0x19, 0x4d, 0xec, 0xe6, 0x76,
    0xd4, 0x37, 0x02, 0x9c, 0x62, 0xa4, 0x08, 0xb4, 0xc5, 0xea, 0x91, 0x14, 0x24, 0x6e, 0x48, 0x93};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t payload[NOISE_MAX_MSG];
  size_t plen = 0;
  if (sodium_init() < 0) abort();

  /* Responder reading message 1. */
  noise_handshake *r = noise_handshake_new(false, prologue, sizeof prologue - 1, resp_static, NULL);
  if (r == NULL) abort();
  int rc = noise_handshake_read(r, data, size, payload, sizeof payload, &plen);
  if (rc == NOISE_OK && plen + 96 != size) abort();
  if (rc != NOISE_OK && plen != 0) abort();
  noise_handshake_free(r);

  /* Initiator that sent the vector's message 1, reading message 2. */
  uint8_t r_pk[32], msg1[128];
  size_t m1len = 0;
  crypto_scalarmult_base(r_pk, resp_static);
  noise_handshake *i = noise_handshake_new(true, prologue, sizeof prologue - 1, init_static, r_pk);
  if (i == NULL) abort();
  if (noise_handshake_set_ephemeral(i, init_ephemeral) != NOISE_OK) abort();
  static const uint8_t p1[] = "Ludwig von Mises";
  if (noise_handshake_write(i, p1, sizeof p1 - 1, msg1, sizeof msg1, &m1len) != NOISE_OK) abort();
  rc = noise_handshake_read(i, data, size, payload, sizeof payload, &plen);
  if (rc == NOISE_OK) {
    noise_cipher *s = NULL, *c = NULL;
    if (!noise_handshake_done(i) || plen + 48 != size) abort();
    if (noise_handshake_split(i, &s, &c) != NOISE_OK) abort();
    noise_cipher_free(s);
    noise_cipher_free(c);
  }
  noise_handshake_free(i);
  return 0;
}

/* fuzz_frame.c -- fuzz the frame reader: arbitrary socket bytes, or arbitrary plaintext streams
 * sealed with a fixed key, fed in pieces, with every complete frame drained.
 *
 * Input: byte 0 selects the mode and the read size.
 *   bit 0 clear: the rest is raw socket bytes (length-prefixed Noise messages).
 *   bit 0 set:   the rest is a decrypted stream; it is sealed into Noise messages of
 *                (byte0 >> 1) + 1 plaintext bytes each (last one shorter) and then fed, so the
 *                frame reassembly is reached without having to forge a tag.
 *   The socket bytes are fed in reads of (byte0 * 13 % 251) + 1 bytes.
 * The corpus in corpus/frame/ was made by tests/fuzz/gen_corpus.c. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key both the corpus generator and this harness use. */
static const uint8_t FUZZ_KEY[NOISE_KEYLEN] = "samvirke-fuzz-frame-key-00000000";
#define FUZZ_MAX_FRAME 4096

static uint8_t *seal_stream(const uint8_t *pt, size_t n, size_t chunk, size_t *outlen) {
  size_t nmsg = n / chunk + 1;
  uint8_t *out = malloc(n + nmsg * (2 + NOISE_TAGLEN));
  noise_cipher *c = noise_cipher_new(FUZZ_KEY);
  if (out == NULL || c == NULL) abort();
  size_t o = 0, pos = 0;
  do {
    size_t m = n - pos < chunk ? n - pos : chunk;
    size_t mlen = m + NOISE_TAGLEN;
    out[o] = (uint8_t)(mlen >> 8);
    out[o + 1] = (uint8_t)mlen;
    if (noise_cipher_encrypt(c, NULL, 0, pt + pos, m, out + o + 2) != NOISE_OK) abort();
    o += 2 + mlen;
    pos += m;
  } while (pos < n);
  noise_cipher_free(c);
  *outlen = o;
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || sodium_init() < 0) return 0;
  uint8_t mode = data[0];
  const uint8_t *in = data + 1;
  size_t inlen = size - 1;
  uint8_t *sealed = NULL;
  if (mode & 1) {
    sealed = seal_stream(in, inlen, (size_t)(mode >> 1) + 1, &inlen);
    in = sealed;
  }
  size_t step = (size_t)(mode * 13u % 251u) + 1;

  noise_cipher *c = noise_cipher_new(FUZZ_KEY);
  if (c == NULL) abort();
  frame_reader *r = frame_reader_new(c, FUZZ_MAX_FRAME);
  if (r == NULL) abort();
  int rc = FRAME_OK;
  for (size_t off = 0; off < inlen && rc == FRAME_OK; off += step) {
    size_t n = inlen - off < step ? inlen - off : step;
    rc = frame_reader_feed(r, in + off, n);
    const uint8_t *body;
    size_t len;
    int got;
    volatile uint8_t sink = 0;
    while ((got = frame_reader_next(r, &body, &len)) == 1) {
      if (len == 0 || len > FUZZ_MAX_FRAME) abort();
      sink ^= body[0];
      sink ^= body[len - 1];
    }
    if (got < 0 && got != rc) abort(); /* next reports the same sticky error */
    (void)sink;
  }
  frame_reader_free(r);
  free(sealed);
  return 0;
}

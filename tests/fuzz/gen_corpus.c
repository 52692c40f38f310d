/* gen_corpus.c -- writes the seed corpora of fuzz_frame and fuzz_card (not built by CMake).
 * Build and run from the source root after building the protocol library, e.g.:
 *   cc -std=c11 -D_XOPEN_SOURCE=700 -Iprotocol tests/fuzz/gen_corpus.c \
 *      build/test/protocol/libsamvirke_protocol.a -lsodium -o /tmp/gen_corpus
 *   /tmp/gen_corpus tests/fuzz/corpus
 * Output is deterministic (fixed keys and seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "keys.h"
#include "noise.h"

static const uint8_t FUZZ_KEY[NOISE_KEYLEN] = "samvirke-fuzz-frame-key-00000000";

static void write_file(const char *dir, const char *name, const void *d, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

/* The harness's mode byte (even: raw socket bytes) followed by a stream of frames of the
 * given sizes sealed by frame_writer. */
static void sealed(const char *dir, const char *name, uint8_t mode, const size_t *sizes,
                   size_t count) {
  frame_writer *w = frame_writer_new(noise_cipher_new(FUZZ_KEY));
  size_t cap = 1, n = 1;
  for (size_t i = 0; i < count; i++) cap += sizes[i] + 4 + 18 * (sizes[i] / 65000 + 1);
  uint8_t *all = malloc(cap);
  all[0] = mode;
  for (size_t i = 0; i < count; i++) {
    uint8_t *body = malloc(sizes[i]);
    /* A msgpack-ish body: fixmap 1 {"id": i} padded with nil. */
    memset(body, 0xc0, sizes[i]);
    if (sizes[i] >= 5) memcpy(body, "\x81\xa2id", 4), body[4] = (uint8_t)(i & 0x7f);
    uint8_t *out;
    size_t outlen;
    if (frame_writer_seal(w, body, sizes[i], &out, &outlen) != FRAME_OK) exit(1);
    memcpy(all + n, out, outlen);
    n += outlen;
    free(out);
    free(body);
  }
  write_file(dir, name, all, n);
  free(all);
  frame_writer_free(w);
}

static void frame_corpus(const char *dir) {
  /* Reads of (mode * 13 % 251) + 1 bytes: 1, 27, 53, 79. */
  sealed(dir, "bytewise", 0x00, (const size_t[]){12, 7}, 2);
  sealed(dir, "one-small", 0x02, (const size_t[]){5}, 1);
  sealed(dir, "three", 0x04, (const size_t[]){5, 40, 300}, 3);
  sealed(dir, "at-cap", 0x06, (const size_t[]){4096}, 1);
  sealed(dir, "over-cap", 0x06, (const size_t[]){4097}, 1);
  /* Plaintext-stream mode (bit 0 set): these bytes are sealed by the harness itself. */
  write_file(dir, "plain-two-frames", "\x03\x00\x00\x00\x03\x81\xa1" "a\x00\x00\x00\x01\xc0", 14);
  write_file(dir, "plain-zero-frame", "\x01\x00\x00\x00\x00", 5);
  write_file(dir, "plain-huge-header", "\x05\xff\xff\xff\xff\x00", 6);
  write_file(dir, "plain-partial", "\x07\x00\x00\x10\x00\x01\x02", 7);
  /* Junk socket bytes. */
  write_file(dir, "junk-short-msg", "\x00\x00\x05\x01\x02\x03\x04\x05", 8);
  write_file(dir, "junk-empty-msg", "\x00\x00\x00", 3);
  write_file(dir, "junk-bad-tag", "\x00\x00\x14\x00\x00\x00\x01\x41\x00\x00\x00\x00\x00\x00\x00\x00"
             "\x00\x00\x00\x00\x00\x00\x00\x00", 24);
}

static void card_corpus(const char *dir) {
  uint8_t seed[32];
  memset(seed, 7, sizeof seed);
  int st;
  sv_identity *id = identity_from_seed("Kari Nordmann", seed, 1700000000, &st);
  if (id == NULL) exit(1);
  uint8_t *enc;
  size_t n;
  char *text;
  card_encode(&id->card, &enc, &n);
  write_file(dir, "valid-binary", enc, n);
  card_to_text(&id->card, &text);
  write_file(dir, "valid-text", text, strlen(text));
  enc[n - 1] ^= 1;
  write_file(dir, "bad-signature", enc, n);
  enc[n - 1] ^= 1;
  write_file(dir, "truncated", enc, n - 10);
  uint8_t *longer = malloc(n + 1);
  memcpy(longer, enc, n);
  longer[n] = 0;
  write_file(dir, "trailing-byte", longer, n + 1);
  free(longer);
  free(text);
  free(enc);
  identity_free(id);
  memset(seed, 8, sizeof seed);
  id = identity_from_seed("Åse Ødegård with a rather long name of 40+ bytes", seed, 0, &st);
  if (id == NULL) exit(1);
  card_encode(&id->card, &enc, &n);
  write_file(dir, "valid-str8-name", enc, n);
  free(enc);
  identity_free(id);
  write_file(dir, "junk-map", "\x87\xa1v\x01\xa4name\xa0", 11);
  write_file(dir, "junk-text", "samvirke-card-v1 AAAA====\n", 26);
  write_file(dir, "junk-empty", "", 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  char d[4096];
  snprintf(d, sizeof d, "%s/frame", argv[1]);
  frame_corpus(d);
  snprintf(d, sizeof d, "%s/card", argv[1]);
  card_corpus(d);
  return 0;
}

/* fuzz_signed_note.c -- signed-note and verifier-key parsing on arbitrary bytes. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signed_note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The published Go sumdb note test keys. */
static const char *const vkeys[] = {
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static note_verifier known[2];
  static int ready;
  if (!ready) {
    if (sodium_init() < 0) abort();
    for (int i = 0; i < 2; i++)
      if (note_verifier_parse(vkeys[i], strlen(vkeys[i]), &known[i]) != NOTE_OK) abort();
    ready = 1;
  }
  const char *s = (const char *)data;
  size_t tl = 0;
  bool by[2];
  if (note_open(s, size, known, 2, &tl, by) == NOTE_OK) {
    if (tl == 0 || tl >= size || s[tl - 1] != '\n' || !(by[0] || by[1])) abort();
  }
  note_verifier v;
  if (note_verifier_parse(s, size, &v) == NOTE_OK) {
    char *out = NULL;
    if (note_verifier_format(&v, &out) != NOTE_OK) abort();
    if (strlen(out) != size || memcmp(out, s, size) != 0) abort(); /* one string per key */
    free(out);
  }
  int st;
  note_signer_free(note_signer_parse(s, size, &st));
  return 0;
}

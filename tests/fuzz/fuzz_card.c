/* fuzz_card.c -- fuzz the member card parsers: card_decode on the raw input, and
 * card_from_text on the input as a NUL-terminated string. Whatever decodes must re-encode to
 * exactly the input bytes (canonical form). The corpus in corpus/card/ was made by
 * tests/fuzz/gen_corpus.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sv_card card;
  if (card_decode(data, size, &card) == KEYS_OK) {
    uint8_t *enc = NULL;
    size_t n = 0;
    if (card_encode(&card, &enc, &n) != KEYS_OK) abort();
    if (n != size || memcmp(enc, data, n) != 0) abort();
    free(enc);
  }
  char *text = malloc(size + 1);
  if (text == NULL) abort();
  memcpy(text, data, size);
  text[size] = '\0';
  if (card_from_text(text, &card) == KEYS_OK) {
    char *back = NULL;
    if (card_to_text(&card, &back) != KEYS_OK) abort();
    if (strncmp(back, text, strlen(back) - 1) != 0) abort(); /* same up to the newline */
    free(back);
  }
  free(text);
  return 0;
}

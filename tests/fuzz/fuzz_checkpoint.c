/* fuzz_checkpoint.c -- checkpoint body parsing: never crashes; accepted text formats back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  checkpoint c;
  if (checkpoint_parse((const char *)data, size, &c) != CHECKPOINT_OK) return 0;
  char *out = NULL;
  size_t len = 0;
  if (checkpoint_format(&c, &out, &len) != CHECKPOINT_OK) abort();
  if (len != size || memcmp(out, data, size) != 0) abort();
  free(out);
  return 0;
}

/* fuzz_audit_entry.c -- audit entry decoding: never crashes, and accepts only canonical bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  audit_entry e;
  if (audit_entry_decode(data, size, &e) != AUDIT_OK) return 0;
  uint8_t *buf = NULL;
  size_t len = 0;
  if (audit_entry_encode(&e, &buf, &len) != AUDIT_OK) abort();
  if (len != size || memcmp(buf, data, size) != 0) abort(); /* decoding must be canonical */
  free(buf);
  return 0;
}

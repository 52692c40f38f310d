/* signer.c -- signs audit-log checkpoints with the daemon's log key (see signer.h). */
#include "signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "signed_note.h"

struct signer {
  char origin[256];
  note_signer *key; /* sodium_malloc'd by signed_note.c */
};

signer *signer_new(const char *origin, const uint8_t log_sk[64], char *err, size_t errlen) {
  signer *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  snprintf(s->origin, sizeof s->origin, "%s", origin);
  int status = 0;
  s->key = note_signer_from_seed(origin, log_sk, &status);
  if (s->key == NULL || strcmp(s->origin, origin) != 0) {
    snprintf(err, errlen, "cannot set up the log key for origin '%s'", origin);
    signer_free(s);
    return NULL;
  }
  return s;
}

void signer_free(signer *s) {
  if (s == NULL) return;
  note_signer_free(s->key);
  free(s);
}

int signer_sign(signer *s, uint64_t size, const uint8_t root[32], char **note) {
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, "%s", s->origin);
  cp.size = size;
  memcpy(cp.root, root, 32);
  size_t len = 0;
  return checkpoint_sign(&cp, s->key, note, &len) == CHECKPOINT_OK ? 0 : -1;
}

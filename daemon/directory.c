/* directory.c -- the loop thread's cache of enrolled members, keyed by Noise static key. */
#include "directory.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void directory_init(directory *d) { memset(d, 0, sizeof *d); }

void directory_free(directory *d) {
  free(d->m);
  memset(d, 0, sizeof *d);
}

int directory_put(directory *d, const dir_member *m) {
  for (size_t i = 0; i < d->n; i++) {
    if (d->m[i].id == m->id) {
      d->m[i] = *m;
      return 0;
    }
  }
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    dir_member *nm = realloc(d->m, cap * sizeof *nm);
    if (nm == NULL) return -1;
    d->m = nm;
    d->cap = cap;
  }
  d->m[d->n++] = *m;
  return 0;
}

const dir_member *directory_by_noise(const directory *d, const uint8_t pk[32]) {
  for (size_t i = 0; i < d->n; i++)
    if (!d->m[i].revoked && sodium_memcmp(d->m[i].noise_pk, pk, 32) == 0) return &d->m[i];
  return NULL;
}

const dir_member *directory_by_id(const directory *d, int64_t id) {
  for (size_t i = 0; i < d->n; i++)
    if (d->m[i].id == id) return &d->m[i];
  return NULL;
}

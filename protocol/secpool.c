/* secpool.c -- pools of fixed-size secure blocks (secpool.h). */
#include "secpool.h"

#include <sodium.h>
#include <string.h>

void *secpool_get(secpool *p) {
  if (sodium_init() < 0) return NULL;
  pthread_mutex_lock(&p->mu);
  void *b = p->n > 0 ? p->free[--p->n] : NULL;
  pthread_mutex_unlock(&p->mu);
  if (b == NULL && (b = sodium_malloc(p->size)) == NULL) return NULL;
  memset(b, 0, p->size);
  return b;
}

void secpool_put(secpool *p, void *b) {
  if (b == NULL) return;
  sodium_memzero(b, p->size);
  pthread_mutex_lock(&p->mu);
  int kept = p->n < p->max && p->n < SECPOOL_MAX;
  if (kept) p->free[p->n++] = b;
  pthread_mutex_unlock(&p->mu);
  if (!kept) sodium_free(b);
}

unsigned secpool_count(secpool *p) {
  pthread_mutex_lock(&p->mu);
  unsigned n = p->n;
  pthread_mutex_unlock(&p->mu);
  return n;
}

void secpool_drain(secpool *p) {
  pthread_mutex_lock(&p->mu);
  while (p->n > 0) sodium_free(p->free[--p->n]);
  pthread_mutex_unlock(&p->mu);
}

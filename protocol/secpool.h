/* secpool.h -- pools of fixed-size secure blocks for secrets that are made and dropped often
 * (a handshake's state, an envelope's keys and body). A block comes from sodium_malloc (guard
 * pages, locked, canary); a released block is wiped and kept for the next caller, so the mmap,
 * mprotects and mlock of a new one (and the matching calls of sodium_free) are paid once. A
 * pool keeps at most its max blocks and frees the rest. Thread-safe. */
#ifndef SAMVIRKE_SECPOOL_H
#define SAMVIRKE_SECPOOL_H

#include <pthread.h>
#include <stddef.h>

#define SECPOOL_MAX 64 /* most blocks any pool keeps */

typedef struct secpool {
  pthread_mutex_t mu;
  size_t size;  /* bytes of each block */
  unsigned max; /* blocks kept at most (<= SECPOOL_MAX) */
  unsigned n;
  void *free[SECPOOL_MAX];
} secpool;

#define SECPOOL_INIT(bytes, keep) \
  { .mu = PTHREAD_MUTEX_INITIALIZER, .size = (bytes), .max = (keep) }

/* A zeroed block of p->size bytes, or NULL when secure memory is exhausted. */
void *secpool_get(secpool *p);
/* Wipe b (from secpool_get of p) and keep it, or free it when p is full. NULL is ignored. */
void secpool_put(secpool *p, void *b);
/* How many wiped blocks p keeps. */
unsigned secpool_count(secpool *p);
/* Free every kept block. */
void secpool_drain(secpool *p);

#endif

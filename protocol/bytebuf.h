/* bytebuf.h -- bounded byte writers and readers for the key formats (card, key file, identity):
 * the caller sizes the writer's buffer; a reader never reads past its end. */
#ifndef SAMVIRKE_BYTEBUF_H
#define SAMVIRKE_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Appends to p[0..): the caller guarantees room for every byte written. */
typedef struct bytebuf_w {
  uint8_t *p;
  size_t n; /* bytes written */
} bytebuf_w;

/* Reads p[0..n), advancing as it goes. */
typedef struct bytebuf_r {
  const uint8_t *p;
  size_t n; /* bytes left */
} bytebuf_r;

static inline void bytebuf_put(bytebuf_w *w, const void *d, size_t n) {
  memcpy(w->p + w->n, d, n);
  w->n += n;
}

static inline void bytebuf_put_byte(bytebuf_w *w, uint8_t b) { w->p[w->n++] = b; }

/* True (and past them) when the next n bytes are lit. */
static inline bool bytebuf_expect(bytebuf_r *r, const void *lit, size_t n) {
  if (r->n < n || memcmp(r->p, lit, n) != 0) return false;
  r->p += n;
  r->n -= n;
  return true;
}

/* The next n bytes in *out (pointing into the buffer), false when fewer are left. */
static inline bool bytebuf_take(bytebuf_r *r, size_t n, const uint8_t **out) {
  if (r->n < n) return false;
  *out = r->p;
  r->p += n;
  r->n -= n;
  return true;
}

#endif

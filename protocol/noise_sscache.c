/* noise_sscache.c -- remembered static-static DH results (noise_sscache.h). */
#include "noise_sscache.h"

#include <sodium.h>
#include <string.h>

#define SLOTS_MAX ((size_t)1 << 16)

typedef struct slot {
  uint8_t rs[NOISE_DHLEN];
  uint8_t ss[NOISE_DHLEN];
  uint64_t age; /* 0: empty; else the value of the cache's clock when stored */
} slot;

/* The whole cache, header and slots, is one sodium_malloc block. */
struct noise_sscache {
  uint8_t local[NOISE_DHLEN];
  uint8_t hkey[crypto_shorthash_KEYBYTES];
  size_t nsets; /* a power of two */
  uint64_t clock;
  noise_sscache_stats st;
  slot slots[]; /* nsets * NOISE_SSCACHE_WAYS */
};

noise_sscache *noise_sscache_new(const uint8_t s_pk[NOISE_DHLEN], size_t slots) {
  if (slots == 0 || slots > SLOTS_MAX) return NULL;
  size_t nsets = 1;
  while (nsets * NOISE_SSCACHE_WAYS < slots) nsets <<= 1;
  size_t n = nsets * NOISE_SSCACHE_WAYS;
  noise_sscache *c = sodium_malloc(sizeof *c + n * sizeof(slot));
  if (c == NULL) return NULL;
  memset(c, 0, sizeof *c + n * sizeof(slot));
  memcpy(c->local, s_pk, NOISE_DHLEN);
  crypto_shorthash_keygen(c->hkey);
  c->nsets = nsets;
  c->st.slots = n;
  return c;
}

void noise_sscache_free(noise_sscache *c) { sodium_free(c); /* wipes the whole block */ }

const uint8_t *noise_sscache_local(const noise_sscache *c) { return c->local; }

static slot *set_of(noise_sscache *c, const uint8_t rs[NOISE_DHLEN]) {
  uint8_t h[crypto_shorthash_BYTES];
  crypto_shorthash(h, rs, NOISE_DHLEN, c->hkey);
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof h; i++) v = (v << 8) | h[i];
  return &c->slots[(v & (c->nsets - 1)) * NOISE_SSCACHE_WAYS];
}

static slot *find(slot *set, const uint8_t rs[NOISE_DHLEN]) {
  for (size_t i = 0; i < NOISE_SSCACHE_WAYS; i++)
    if (set[i].age != 0 && sodium_memcmp(set[i].rs, rs, NOISE_DHLEN) == 0) return &set[i];
  return NULL;
}

int noise_sscache_get(noise_sscache *c, const uint8_t rs[NOISE_DHLEN], uint8_t out[NOISE_DHLEN]) {
  slot *s = find(set_of(c, rs), rs);
  if (s == NULL) {
    c->st.misses++;
    return 0;
  }
  c->st.hits++;
  memcpy(out, s->ss, NOISE_DHLEN);
  return 1;
}

void noise_sscache_put(noise_sscache *c, const uint8_t rs[NOISE_DHLEN],
                       const uint8_t ss[NOISE_DHLEN]) {
  slot *set = set_of(c, rs);
  slot *s = find(set, rs);
  if (s == NULL) {
    s = &set[0];
    for (size_t i = 1; i < NOISE_SSCACHE_WAYS && s->age != 0; i++)
      if (set[i].age < s->age) s = &set[i];
    if (s->age != 0)
      c->st.replaced++;
    else
      c->st.used++;
  }
  memcpy(s->rs, rs, NOISE_DHLEN);
  memcpy(s->ss, ss, NOISE_DHLEN);
  s->age = ++c->clock;
  c->st.stored++;
}

int noise_sscache_forget(noise_sscache *c, const uint8_t rs[NOISE_DHLEN]) {
  slot *s = find(set_of(c, rs), rs);
  if (s == NULL) return 0;
  sodium_memzero(s, sizeof *s); /* age 0: empty */
  c->st.used--;
  return 1;
}

void noise_sscache_get_stats(const noise_sscache *c, noise_sscache_stats *out) { *out = c->st; }

/* admit.c -- admission control: a bounded open-addressing table of peers (see admit.h). */
#include "admit.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
  admit_id id;         /* kind 0: empty slot */
  uint32_t conns;      /* not-yet-member connections (addresses) */
  uint32_t suppressed; /* refusals not audited since audit_ms */
  bool bucket;         /* tokens holds a bucket */
  double tokens;
  uint64_t last_ms;    /* last activity */
  uint64_t audit_ms;   /* last audited refusal, 0: none */
} entry;

struct admit {
  entry *slot; /* ADMIT_TABLE slots */
  size_t used;
  uint8_t key[crypto_shorthash_KEYBYTES];
};

_Static_assert((ADMIT_TABLE & (ADMIT_TABLE - 1)) == 0, "ADMIT_TABLE is a power of two");

admit_id admit_id_make(enum admit_kind kind, const void *bytes, size_t len) {
  admit_id id;
  memset(&id, 0, sizeof id);
  id.kind = (uint8_t)kind;
  id.len = (uint8_t)(len < sizeof id.b ? len : sizeof id.b);
  memcpy(id.b, bytes, id.len);
  return id;
}

admit *admit_new(void) {
  admit *a = calloc(1, sizeof *a);
  if (a == NULL) return NULL;
  a->slot = calloc(ADMIT_TABLE, sizeof *a->slot);
  if (a->slot == NULL) {
    free(a);
    return NULL;
  }
  /* A secret hash key: peers cannot choose addresses or keys that collide. */
  crypto_shorthash_keygen(a->key);
  return a;
}

void admit_free(admit *a) {
  if (a == NULL) return;
  free(a->slot);
  free(a);
}

size_t admit_size(const admit *a) { return a->used; }

static size_t home(const admit *a, const admit_id *id) {
  uint8_t h[crypto_shorthash_BYTES];
  crypto_shorthash(h, (const uint8_t *)id, 2 + (size_t)id->len, a->key);
  uint64_t v = 0;
  memcpy(&v, h, sizeof v);
  return (size_t)(v & (ADMIT_TABLE - 1));
}

bool admit_id_same(const admit_id *x, const admit_id *y) {
  return x->kind == y->kind && x->len == y->len && memcmp(x->b, y->b, x->len) == 0;
}

static bool idle(const entry *e, uint64_t now_ms) {
  return e->conns == 0 && now_ms - e->last_ms > ADMIT_IDLE_MS &&
         (e->audit_ms == 0 || now_ms - e->audit_ms > ADMIT_IDLE_MS);
}

/* Find id; NULL when absent. */
static entry *find(admit *a, const admit_id *id) {
  for (size_t i = home(a, id), n = 0; n < ADMIT_TABLE; i = (i + 1) & (ADMIT_TABLE - 1), n++) {
    entry *e = &a->slot[i];
    if (e->id.kind == 0) return NULL;
    if (admit_id_same(&e->id, id)) return e;
  }
  return NULL;
}

/* Forget idle entries: rebuild the table without them. */
static void sweep(admit *a, uint64_t now_ms) {
  entry *old = a->slot;
  entry *fresh = calloc(ADMIT_TABLE, sizeof *fresh);
  if (fresh == NULL) return; /* keep the full table; callers then refuse or fail open */
  a->slot = fresh;
  a->used = 0;
  for (size_t k = 0; k < ADMIT_TABLE; k++) {
    if (old[k].id.kind == 0 || idle(&old[k], now_ms)) continue;
    size_t i = home(a, &old[k].id);
    while (a->slot[i].id.kind != 0) i = (i + 1) & (ADMIT_TABLE - 1);
    a->slot[i] = old[k];
    a->used++;
  }
  free(old);
}

/* Find or add id. NULL when the table stays full of entries in use. */
static entry *get(admit *a, const admit_id *id, uint64_t now_ms) {
  assert(id->kind != 0);
  entry *e = find(a, id);
  if (e != NULL) return e;
  if (a->used >= ADMIT_TABLE / 4 * 3) {
    sweep(a, now_ms);
    if (a->used >= ADMIT_TABLE / 4 * 3) return NULL;
  }
  size_t i = home(a, id);
  while (a->slot[i].id.kind != 0) i = (i + 1) & (ADMIT_TABLE - 1);
  e = &a->slot[i];
  memset(e, 0, sizeof *e);
  e->id = *id;
  e->last_ms = now_ms;
  a->used++;
  return e;
}

bool admit_conn_add(admit *a, const admit_id *id, uint32_t max, uint64_t now_ms) {
  entry *e = get(a, id, now_ms);
  if (e == NULL || e->conns >= max) return false;
  e->conns++;
  e->last_ms = now_ms;
  return true;
}

void admit_conn_del(admit *a, const admit_id *id) {
  entry *e = find(a, id);
  assert(e != NULL && e->conns > 0);
  if (e != NULL && e->conns > 0) e->conns--;
}

uint32_t admit_conns(admit *a, const admit_id *id) {
  entry *e = find(a, id);
  return e ? e->conns : 0;
}

bool admit_take(admit *a, const admit_id *id, uint32_t rate, uint32_t burst, uint64_t now_ms,
                bool fail_open) {
  if (rate == 0) return true;
  entry *e = get(a, id, now_ms);
  if (e == NULL) return fail_open;
  double cap = burst > 0 ? (double)burst : (double)rate;
  if (!e->bucket) {
    e->bucket = true;
    e->tokens = cap;
  } else if (now_ms > e->last_ms) {
    e->tokens += (double)(now_ms - e->last_ms) * rate / 1000.0;
    if (e->tokens > cap) e->tokens = cap;
  }
  e->last_ms = now_ms;
  if (e->tokens < 1.0) return false;
  e->tokens -= 1.0;
  return true;
}

bool admit_audit_due(admit *a, const admit_id *id, uint64_t every_ms, uint64_t now_ms,
                     uint32_t *suppressed) {
  *suppressed = 0;
  entry *e = get(a, id, now_ms);
  if (e == NULL) return false; /* a table full of peers in use: the log is not flooded either */
  e->last_ms = now_ms;
  if (e->audit_ms != 0 && now_ms - e->audit_ms < every_ms) {
    e->suppressed++;
    return false;
  }
  *suppressed = e->suppressed;
  e->suppressed = 0;
  e->audit_ms = now_ms;
  return true;
}

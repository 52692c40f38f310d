/* compile.c -- string interning and the decision table: per (role, action, class) its candidate rules. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

/* Cap on cells (roles x actions x classes) and on rule entries over all cells, so that a
 * hostile policy cannot make the loader allocate without bound. */
#define COMPILE_MAX_CELLS   (1u << 20)
#define COMPILE_MAX_ENTRIES (1u << 22)

static uint32_t intern_hash(const char *s) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 16777619u;
  }
  return h;
}

int policy_intern_find(const pol_intern *t, const char *s) {
  assert(t != NULL && s != NULL);
  if (t->nslots == 0) return -1;
  uint32_t mask = t->nslots - 1;
  for (uint32_t i = intern_hash(s) & mask;; i = (i + 1) & mask) {
    int v = t->slots[i];
    if (v == 0) return -1;
    if (strcmp(t->strs[v - 1], s) == 0) return v - 1;
  }
}

/* Rehash into a table of nslots (a power of two larger than 2n). */
static int intern_rehash(pol_intern *t, uint32_t nslots) {
  int *slots = calloc(nslots, sizeof *slots);
  if (slots == NULL) return -1;
  for (int id = 0; id < t->n; id++) {
    uint32_t i = intern_hash(t->strs[id]) & (nslots - 1);
    while (slots[i] != 0) i = (i + 1) & (nslots - 1);
    slots[i] = id + 1;
  }
  free(t->slots);
  t->slots = slots;
  t->nslots = nslots;
  return 0;
}

int policy_intern_add(pol_intern *t, const char *s) {
  assert(t != NULL && s != NULL);
  int id = policy_intern_find(t, s);
  if (id >= 0) return id;
  if ((uint32_t)(t->n + 1) * 2 > t->nslots &&
      intern_rehash(t, t->nslots ? t->nslots * 2 : 16) != 0)
    return -1;
  if (t->n == t->cap) {
    int ncap = t->cap ? t->cap * 2 : 8;
    char **ns = realloc(t->strs, (size_t)ncap * sizeof *ns);
    if (ns == NULL) return -1;
    t->strs = ns;
    t->cap = ncap;
  }
  char *copy = strdup(s);
  if (copy == NULL) return -1;
  id = t->n++;
  t->strs[id] = copy;
  uint32_t i = intern_hash(s) & (t->nslots - 1);
  while (t->slots[i] != 0) i = (i + 1) & (t->nslots - 1);
  t->slots[i] = id + 1;
  return id;
}

void policy_intern_free(pol_intern *t) {
  if (t == NULL) return;
  for (int i = 0; i < t->n; i++) free(t->strs[i]);
  free(t->strs);
  free(t->slots);
  memset(t, 0, sizeof *t);
}

int policy_compile(policy *p, policy_diag *diag) {
  assert(p != NULL);
  uint64_t nr = (uint64_t)p->role_ix.n, na = (uint64_t)p->action_ix.n,
           nc = (uint64_t)p->class_ix.n;
  uint64_t cells = nr * na * nc;
  uint64_t entries = 0;
  for (int ri = 0; ri < p->nrules; ri++) {
    const pol_rule *r = &p->rules[ri];
    uint64_t a = 0, b = 0, c = 0;
    for (uint64_t i = 0; i < nr; i++) a += r->role_set[i];
    for (uint64_t i = 0; i < na; i++) b += r->action_set[i];
    for (uint64_t i = 0; i < nc; i++) c += r->class_set[i];
    entries += a * b * c;
  }
  if (cells > COMPILE_MAX_CELLS || entries > COMPILE_MAX_ENTRIES) {
    policy_diag_add(diag, p->file, 1, 1, -1,
                    "policy too large to compile (%llu role/action/class combinations, %llu "
                    "rule entries)",
                    (unsigned long long)cells, (unsigned long long)entries);
    return -1;
  }
  p->cell_off = malloc((size_t)(cells + 1) * sizeof *p->cell_off);
  p->cell_rules = malloc((size_t)(entries + 1) * sizeof *p->cell_rules);
  if (p->cell_off == NULL || p->cell_rules == NULL) {
    policy_diag_add(diag, p->file, 0, 0, -1, "out of memory");
    return -1;
  }
  /* Rule-major fill, bounded by entries (not cells x rules): count per cell, prefix sums, then
   * append forbids (file order) before permits (file order), which is the order eval.c needs. */
  int *ids = malloc(((size_t)nr + (size_t)na + (size_t)nc + 1) * sizeof *ids);
  uint32_t *fill = calloc((size_t)cells + 1, sizeof *fill);
  if (ids == NULL || fill == NULL) goto oom;
  for (int pass = 0; pass < 3; pass++) { /* 0: count, 1: forbids, 2: permits */
    for (int ri = 0; ri < p->nrules; ri++) {
      const pol_rule *r = &p->rules[ri];
      if (pass > 0 && r->forbid != (pass == 1)) continue;
      int *rs = ids, *as, *cs, nrs = 0, nas = 0, ncs = 0;
      for (uint64_t i = 0; i < nr; i++)
        if (r->role_set[i]) rs[nrs++] = (int)i;
      as = rs + nrs;
      for (uint64_t i = 0; i < na; i++)
        if (r->action_set[i]) as[nas++] = (int)i;
      cs = as + nas;
      for (uint64_t i = 0; i < nc; i++)
        if (r->class_set[i]) cs[ncs++] = (int)i;
      for (int x = 0; x < nrs; x++)
        for (int y = 0; y < nas; y++)
          for (int z = 0; z < ncs; z++) {
            uint64_t cell = ((uint64_t)rs[x] * na + (uint64_t)as[y]) * nc + (uint64_t)cs[z];
            if (pass == 0)
              fill[cell]++;
            else
              p->cell_rules[p->cell_off[cell] + fill[cell]++] = (uint32_t)ri;
          }
    }
    if (pass == 0) {
      uint32_t pos = 0;
      for (uint64_t cell = 0; cell < cells; cell++) {
        p->cell_off[cell] = pos;
        pos += fill[cell];
        fill[cell] = 0;
      }
      p->cell_off[cells] = pos;
      assert(pos == entries);
    }
  }
  free(fill);
  free(ids);
  return 0;
oom:
  free(fill);
  free(ids);
  policy_diag_add(diag, p->file, 0, 0, -1, "out of memory");
  return -1;
}

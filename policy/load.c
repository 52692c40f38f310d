/* load.c -- loading a policy (read, parse, check, compile, run expectations) and freeing it. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

static void load_free_list(pol_list *l) {
  for (int i = 0; i < l->n; i++) free(l->v[i].name);
  free(l->v);
}

static void load_free_names(pol_names *n) {
  for (int i = 0; i < n->n; i++) free(n->v[i].name);
  free(n->v);
}

void policy_free(policy *p) {
  if (p == NULL) return;
  load_free_names(&p->roles);
  load_free_names(&p->actions);
  load_free_names(&p->classes);
  policy_intern_free(&p->role_ix);
  policy_intern_free(&p->action_ix);
  policy_intern_free(&p->class_ix);
  policy_intern_free(&p->rule_ix);
  policy_intern_free(&p->strings);
  for (int i = 0; i < p->nrules; i++) {
    pol_rule *r = &p->rules[i];
    free(r->name);
    load_free_list(&r->roles);
    load_free_list(&r->actions);
    load_free_list(&r->classes);
    for (int j = 0; j < r->nconds; j++) load_free_list(&r->conds[j].vals);
    free(r->conds);
    free(r->area.ids);
    free(r->purpose.ids);
    free(r->role_set);
    free(r->action_set);
    free(r->class_set);
  }
  free(p->rules);
  for (int i = 0; i < p->nregimes; i++) {
    free(p->regimes[i].name);
    load_free_list(&p->regimes[i].roles);
    load_free_list(&p->regimes[i].classes);
  }
  free(p->regimes);
  for (int i = 0; i < p->nexpects; i++) {
    pol_expect *e = &p->expects[i];
    free(e->role.name);
    free(e->action.name);
    free(e->klass.name);
    free(e->area);
    free(e->purpose);
    free(e->by);
    free(e->unit.name);
  }
  free(p->expects);
  for (int i = 0; i < p->nsettings; i++) {
    free(p->settings[i].name);
    free(p->settings[i].string);
  }
  free(p->settings);
  for (int i = 0; i < p->npurposes; i++) {
    free(p->purposes[i].code.name);
    free(p->purposes[i].basis);
    free(p->purposes[i].description);
  }
  free(p->purposes);
  for (int i = 0; i < p->nretains; i++) {
    load_free_list(&p->retains[i].classes);
    free(p->retains[i].unit.name);
  }
  free(p->retains);
  policy_intern_free(&p->purpose_ix);
  free(p->purpose_tab);
  free(p->class_retention);
  free(p->class_retain);
  free(p->rule_of_name);
  free(p->class_regime);
  free(p->role_in_regime);
  free(p->regime_role);
  free(p->cell_off);
  free(p->cell_rules);
  free(p->source);
  free(p->file);
  free(p);
}

policy *policy_load_text_flags(const char *filename, const char *text, size_t len, unsigned flags,
                               policy_diag *diag) {
  assert(text != NULL || len == 0);
  policy_diag_clear(diag);
  if (filename == NULL) filename = "(policy)";
  if (len > POLICY_MAX_SOURCE) {
    policy_diag_add(diag, filename, 0, 0, -1, "policy larger than %u bytes", POLICY_MAX_SOURCE);
    return NULL;
  }
  policy *p = calloc(1, sizeof *p);
  if (p == NULL) goto oom;
  p->file = strdup(filename);
  p->source = malloc(len + 1);
  if (p->file == NULL || p->source == NULL) goto oom;
  if (len > 0) memcpy(p->source, text, len);
  p->source[len] = '\0';
  p->source_len = len;
  if (policy_parse(p, diag) != 0) goto err;
  if (policy_check(p, diag) != 0) goto err;
  if (policy_compile(p, diag) != 0) goto err;
  if (!(flags & POLICY_LOAD_SKIP_EXPECT) && policy_expect_check(p, diag) != 0) goto err;
  return p;
oom:
  policy_diag_add(diag, filename, 0, 0, -1, "out of memory");
err:
  policy_free(p);
  return NULL;
}

policy *policy_load_text(const char *filename, const char *text, size_t len, policy_diag *diag) {
  return policy_load_text_flags(filename, text, len, 0, diag);
}

/* Read a whole file (at most POLICY_MAX_SOURCE bytes). Returns malloc'd text or NULL. */
static char *load_read_file(const char *path, size_t *len, policy_diag *diag) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    policy_diag_add(diag, path, 0, 0, -1, "cannot open: %s", strerror(errno));
    return NULL;
  }
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  while (buf != NULL) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
    if (n > POLICY_MAX_SOURCE) break;
    if (n == cap) {
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  bool bad = buf == NULL || ferror(f);
  int err = errno;
  fclose(f);
  if (bad) {
    free(buf);
    policy_diag_add(diag, path, 0, 0, -1, "cannot read: %s", strerror(err));
    return NULL;
  }
  if (n > POLICY_MAX_SOURCE) {
    free(buf);
    policy_diag_add(diag, path, 0, 0, -1, "policy larger than %u bytes", POLICY_MAX_SOURCE);
    return NULL;
  }
  *len = n;
  return buf;
}

static policy *load_file(const char *path, unsigned flags, policy_diag *diag) {
  assert(path != NULL);
  policy_diag_clear(diag);
  size_t len = 0;
  char *text = load_read_file(path, &len, diag);
  if (text == NULL) return NULL;
  policy *p = policy_load_text_flags(path, text, len, flags, diag);
  free(text);
  return p;
}

policy *policy_load_file(const char *path, policy_diag *diag) { return load_file(path, 0, diag); }

policy *policy_load_file_flags(const char *path, unsigned flags, policy_diag *diag) {
  return load_file(path, flags, diag);
}

const char *policy_source(const policy *p, size_t *len) {
  if (len != NULL) *len = p->source_len;
  return p->source;
}

const char *policy_filename(const policy *p) { return p->file; }

/* check.c -- name resolution and static checks of a parsed policy, including the regime proof. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

typedef struct {
  policy *p;
  policy_diag *diag;
  int errors;
} checker;

#define CHECK_ERR(ck, line, col, rule, ...)                                   \
  do {                                                                        \
    policy_diag_add((ck)->diag, (ck)->p->file, (line), (col), (rule), __VA_ARGS__); \
    (ck)->errors++;                                                           \
  } while (0)

/* Intern every declared name of one kind; duplicates are errors. Returns -1 on OOM. */
static int check_declarations(checker *ck, const pol_names *names, pol_intern *ix,
                              const char *kind, int max) {
  int *first = NULL;
  if (names->n > 0) {
    first = calloc((size_t)names->n, sizeof *first);
    if (first == NULL) return -1;
  }
  for (int i = 0; i < names->n; i++) {
    const pol_ident *id = &names->v[i];
    int prev = policy_intern_find(ix, id->name);
    if (prev >= 0) {
      const pol_ident *f = &names->v[first[prev]];
      CHECK_ERR(ck, id->line, id->col, -1, "duplicate %s '%s' (first declared at line %d)", kind,
                id->name, f->line);
      continue;
    }
    if (ix->n >= max) {
      CHECK_ERR(ck, id->line, id->col, -1, "more than %d %ss", max, kind);
      break;
    }
    int nid = policy_intern_add(ix, id->name);
    if (nid < 0) {
      free(first);
      return -1;
    }
    first[nid] = i;
  }
  free(first);
  return 0;
}

/* Resolve a list against ix into a 0/1 set of size ix->n (caller frees *set). Unknown and
 * repeated names are errors. Returns -1 on OOM. */
static int check_list(checker *ck, const pol_list *l, const pol_intern *ix, const char *kind,
                      int rule, uint8_t **set) {
  *set = calloc((size_t)ix->n + 1, 1);
  if (*set == NULL) return -1;
  if (l->star) {
    if (ix->n == 0)
      CHECK_ERR(ck, l->line, l->col, rule, "'*' matches no %s: none are declared", kind);
    memset(*set, 1, (size_t)ix->n);
    return 0;
  }
  for (int i = 0; i < l->n; i++) {
    const pol_ident *id = &l->v[i];
    int k = policy_intern_find(ix, id->name);
    if (k < 0) {
      CHECK_ERR(ck, id->line, id->col, rule, "unknown %s '%s'", kind, id->name);
    } else if ((*set)[k]) {
      CHECK_ERR(ck, id->line, id->col, rule, "%s '%s' listed twice", kind, id->name);
    } else {
      (*set)[k] = 1;
    }
  }
  return 0;
}

static int check_settings(checker *ck) {
  policy *p = ck->p;
  p->min_group_size = 5;
  for (int i = 0; i < p->nsettings; i++) {
    pol_setting *s = &p->settings[i];
    for (int j = 0; j < i; j++) {
      if (strcmp(p->settings[j].name, s->name) == 0) {
        CHECK_ERR(ck, s->line, s->col, -1, "setting '%s' already set at line %d", s->name,
                  p->settings[j].line);
        goto next;
      }
    }
    if (strcmp(s->name, "min_group_size") == 0) {
      if (s->is_string) {
        CHECK_ERR(ck, s->line, s->col, -1, "min_group_size must be a number");
      } else if (s->number < 1 || s->number > 1000000) {
        CHECK_ERR(ck, s->line, s->col, -1, "min_group_size must be between 1 and 1000000");
      } else {
        p->min_group_size = (int)s->number;
      }
    } else {
      CHECK_ERR(ck, s->line, s->col, -1, "unknown setting '%s' (known: min_group_size)",
                s->name);
    }
  next:;
  }
  return 0;
}

static int check_regimes(checker *ck) {
  policy *p = ck->p;
  int nroles = p->role_ix.n, nclasses = p->class_ix.n;
  p->class_regime = malloc(((size_t)nclasses + 1) * sizeof *p->class_regime);
  p->role_in_regime = calloc((size_t)nroles + 1, 1);
  p->regime_role = calloc((size_t)p->nregimes * (size_t)nroles + 1, 1);
  if (p->class_regime == NULL || p->role_in_regime == NULL || p->regime_role == NULL) return -1;
  for (int c = 0; c < nclasses; c++) p->class_regime[c] = -1;
  for (int g = 0; g < p->nregimes; g++) {
    pol_regime *rg = &p->regimes[g];
    for (int h = 0; h < g; h++) {
      if (strcmp(p->regimes[h].name, rg->name) == 0) {
        CHECK_ERR(ck, rg->line, rg->col, -1, "duplicate regime \"%s\" (first at line %d)",
                  rg->name, p->regimes[h].line);
        break;
      }
    }
    for (int i = 0; i < rg->roles.n; i++) {
      const pol_ident *id = &rg->roles.v[i];
      int r = policy_intern_find(&p->role_ix, id->name);
      if (r < 0) {
        CHECK_ERR(ck, id->line, id->col, -1, "regime \"%s\" names unknown role '%s'", rg->name,
                  id->name);
      } else if (p->regime_role[(size_t)g * (size_t)nroles + (size_t)r]) {
        CHECK_ERR(ck, id->line, id->col, -1, "role '%s' listed twice", id->name);
      } else {
        p->regime_role[(size_t)g * (size_t)nroles + (size_t)r] = 1;
        p->role_in_regime[r] = 1;
      }
    }
    for (int i = 0; i < rg->classes.n; i++) {
      const pol_ident *id = &rg->classes.v[i];
      int c = policy_intern_find(&p->class_ix, id->name);
      if (c < 0) {
        CHECK_ERR(ck, id->line, id->col, -1, "regime \"%s\" names unknown class '%s'", rg->name,
                  id->name);
      } else if (p->class_regime[c] == g) {
        CHECK_ERR(ck, id->line, id->col, -1, "class '%s' listed twice", id->name);
      } else if (p->class_regime[c] >= 0) {
        CHECK_ERR(ck, id->line, id->col, -1, "class '%s' is already in regime \"%s\"", id->name,
                  p->regimes[p->class_regime[c]].name);
      } else {
        p->class_regime[c] = g;
      }
    }
  }
  return 0;
}

/* Merge a value condition (area or purpose) into vc. Returns 1 when the conditions so far can
 * still hold, 0 when they cannot, -1 on OOM. */
static int check_valcond(policy *p, pol_valcond *vc, const pol_cond *c) {
  if (c->op == OP_PRESENT) {
    if (vc->presence == PRES_ABSENT) return 0;
    vc->presence = PRES_PRESENT;
    return 1;
  }
  if (c->op == OP_ABSENT) {
    if (vc->presence == PRES_PRESENT || vc->has_values) return 0;
    vc->presence = PRES_ABSENT;
    return 1;
  }
  if (vc->presence == PRES_ABSENT) return 0;
  vc->presence = PRES_PRESENT;
  int *ids = malloc((size_t)c->vals.n * sizeof *ids);
  if (ids == NULL) return -1;
  int n = 0;
  for (int i = 0; i < c->vals.n; i++) {
    int id = policy_intern_add(&p->strings, c->vals.v[i].name);
    if (id < 0) {
      free(ids);
      return -1;
    }
    bool keep = true;
    if (vc->has_values) {
      keep = false;
      for (int j = 0; j < vc->n; j++) keep = keep || vc->ids[j] == id;
    }
    for (int j = 0; j < n; j++) keep = keep && ids[j] != id;
    if (keep) ids[n++] = id;
  }
  free(vc->ids);
  vc->ids = ids;
  vc->n = n;
  vc->has_values = true;
  return n > 0 ? 1 : 0;
}

static const char *const check_attr_names[] = {"level", "area", "purpose"};

/* Resolve rule conditions into level_mask / area / purpose. Returns -1 on OOM. */
static int check_conditions(checker *ck, int ri) {
  policy *p = ck->p;
  pol_rule *r = &p->rules[ri];
  r->level_mask = 0x0f;
  for (int i = 0; i < r->nconds; i++) {
    const pol_cond *c = &r->conds[i];
    int ok;
    if (c->attr == ATTR_LEVEL) {
      uint8_t mask = 0;
      bool bad = false;
      for (int j = 0; j < c->vals.n; j++) {
        int lv = policy_level_parse(c->vals.v[j].name);
        if (lv < 0) {
          CHECK_ERR(ck, c->vals.v[j].line, c->vals.v[j].col, ri,
                    "unknown level '%s' (expected none, area, group or individual)",
                    c->vals.v[j].name);
          bad = true;
        } else {
          mask |= (uint8_t)(1u << lv);
        }
      }
      if (bad) continue;
      r->level_mask &= mask;
      ok = r->level_mask != 0;
    } else {
      ok = check_valcond(p, c->attr == ATTR_AREA ? &r->area : &r->purpose, c);
      if (ok < 0) return -1;
    }
    if (!ok) {
      CHECK_ERR(ck, c->line, c->col, ri,
                "condition on %s can never hold together with the rule's earlier conditions",
                check_attr_names[c->attr]);
      return 0;
    }
  }
  return 0;
}

/* The regime proof for one permit rule: no role outside a regime may be given any action on
 * one of the regime's classes. Reports the first crossing found. */
static void check_regime_crossing(checker *ck, int ri) {
  policy *p = ck->p;
  const pol_rule *r = &p->rules[ri];
  int nroles = p->role_ix.n, nclasses = p->class_ix.n;
  bool any_action = false;
  for (int a = 0; a < p->action_ix.n; a++) any_action = any_action || r->action_set[a];
  if (!any_action) return;
  for (int c = 0; c < nclasses; c++) {
    int g = p->class_regime[c];
    if (g < 0 || !r->class_set[c]) continue;
    for (int role = 0; role < nroles; role++) {
      if (!r->role_set[role] || p->regime_role[(size_t)g * (size_t)nroles + (size_t)role])
        continue;
      int line = r->roles.line, col = r->roles.col;
      for (int i = 0; i < r->roles.n; i++) {
        if (strcmp(r->roles.v[i].name, p->role_ix.strs[role]) == 0) {
          line = r->roles.v[i].line;
          col = r->roles.v[i].col;
        }
      }
      char rulename[POLICY_MAX_STRING + 32];
      if (r->name != NULL)
        snprintf(rulename, sizeof rulename, "rule '%s'", r->name);
      else
        snprintf(rulename, sizeof rulename, "the rule at line %d", r->line);
      CHECK_ERR(ck, line, col, ri,
                "%s permits role '%s' access to class '%s', but regime \"%s\" allows class '%s' "
                "only to its own roles",
                rulename, p->role_ix.strs[role], p->class_ix.strs[c], p->regimes[g].name,
                p->class_ix.strs[c]);
      return;
    }
  }
}

static int check_rules(checker *ck) {
  policy *p = ck->p;
  if (p->nrules > 0) {
    p->rule_of_name = malloc((size_t)p->nrules * sizeof *p->rule_of_name);
    if (p->rule_of_name == NULL) return -1;
  }
  for (int ri = 0; ri < p->nrules; ri++) {
    pol_rule *r = &p->rules[ri];
    if (r->name != NULL) {
      int prev = policy_intern_find(&p->rule_ix, r->name);
      if (prev >= 0) {
        CHECK_ERR(ck, r->line, r->col, ri, "duplicate rule name '%s' (first used at line %d)",
                  r->name, p->rules[p->rule_of_name[prev]].line);
      } else {
        int id = policy_intern_add(&p->rule_ix, r->name);
        if (id < 0) return -1;
        p->rule_of_name[id] = ri;
      }
    }
    int before = ck->errors;
    if (check_list(ck, &r->roles, &p->role_ix, "role", ri, &r->role_set) != 0 ||
        check_list(ck, &r->actions, &p->action_ix, "action", ri, &r->action_set) != 0 ||
        check_list(ck, &r->classes, &p->class_ix, "class", ri, &r->class_set) != 0 ||
        check_conditions(ck, ri) != 0)
      return -1;
    if (ck->errors == before && !r->forbid) check_regime_crossing(ck, ri);
  }
  return 0;
}

static void check_expect_name(checker *ck, const pol_ident *id, const pol_intern *ix,
                              const char *kind, int *out) {
  *out = policy_intern_find(ix, id->name);
  if (*out < 0) CHECK_ERR(ck, id->line, id->col, -1, "unknown %s '%s'", kind, id->name);
}

static void check_expects(checker *ck) {
  policy *p = ck->p;
  for (int i = 0; i < p->nexpects; i++) {
    pol_expect *e = &p->expects[i];
    check_expect_name(ck, &e->role, &p->role_ix, "role", &e->role_id);
    check_expect_name(ck, &e->action, &p->action_ix, "action", &e->action_id);
    check_expect_name(ck, &e->klass, &p->class_ix, "class", &e->class_id);
    if (e->have_by && e->by != NULL && policy_intern_find(&p->rule_ix, e->by) < 0)
      CHECK_ERR(ck, e->by_line, e->by_col, -1, "no rule named '%s'", e->by);
    if (e->have_by && e->by == NULL && e->want_permit)
      CHECK_ERR(ck, e->by_line, e->by_col, -1, "'by default' only fits 'expect deny'");
  }
}

int policy_check(policy *p, policy_diag *diag) {
  assert(p != NULL);
  checker ck = {p, diag, 0};
  if (check_declarations(&ck, &p->roles, &p->role_ix, "role", POLICY_MAX_ROLES) != 0 ||
      check_declarations(&ck, &p->actions, &p->action_ix, "action", POLICY_MAX_ACTIONS) != 0 ||
      check_declarations(&ck, &p->classes, &p->class_ix, "class", POLICY_MAX_CLASSES) != 0 ||
      check_settings(&ck) != 0 || check_regimes(&ck) != 0 || check_rules(&ck) != 0)
    goto err;
  check_expects(&ck);
  return ck.errors;
err:
  policy_diag_add(diag, p->file, 0, 0, -1, "out of memory");
  return ck.errors + 1;
}

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

/* True when s is well-formed UTF-8 (shortest forms, no surrogates, at most U+10FFFF). */
static bool check_utf8(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    unsigned c = *u;
    int n;
    unsigned min;
    if (c < 0x80) {
      u++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, min = 0x80, c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, min = 0x800, c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, min = 0x10000, c &= 0x07;
    } else {
      return false;
    }
    for (int i = 1; i <= n; i++) {
      if ((u[i] & 0xc0) != 0x80) return false;
      c = (c << 6) | (u[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return false;
    u += n + 1;
  }
  return true;
}

/* Codes go into requests and the permanent audit log, so they are kept to a small alphabet that
 * cannot spell a person's name the way people write it (policy.h). */
bool policy_purpose_code_valid(const char *s) {
  if (s == NULL) return false;
  size_t n = strlen(s);
  if (n == 0 || n > POLICY_MAX_PURPOSE_CODE || s[0] < 'a' || s[0] > 'z') return false;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
      return false;
  return true;
}

/* Resolve the "purposes" blocks: codes are unique and well-formed, basis and description are
 * non-empty UTF-8. Builds purpose_ix and purpose_tab. Returns -1 on OOM. */
static int check_purposes(checker *ck) {
  policy *p = ck->p;
  if (p->npurposes > 0) {
    p->purpose_tab = calloc((size_t)p->npurposes, sizeof *p->purpose_tab);
    if (p->purpose_tab == NULL) return -1;
  }
  for (int i = 0; i < p->npurposes; i++) {
    const pol_purpose *u = &p->purposes[i];
    const pol_ident *id = &u->code;
    int prev = policy_intern_find(&p->purpose_ix, id->name);
    if (prev >= 0) {
      CHECK_ERR(ck, id->line, id->col, -1, "duplicate purpose '%s' (first declared at line %d)",
                id->name, p->purpose_tab[prev].line);
      continue;
    }
    if (!policy_purpose_code_valid(id->name)) {
      CHECK_ERR(ck, id->line, id->col, -1,
                "purpose code '%s' must be at most %d lowercase letters a-z, digits and '-', "
                "starting with a letter",
                id->name, POLICY_MAX_PURPOSE_CODE);
      continue;
    }
    bool bad = false;
    const char *what[2] = {"basis", "description"};
    const char *text[2] = {u->basis, u->description};
    int line[2] = {u->basis_line, u->desc_line}, col[2] = {u->basis_col, u->desc_col};
    for (int k = 0; k < 2; k++) {
      if (text[k][0] == '\0') {
        CHECK_ERR(ck, line[k], col[k], -1, "the %s of purpose '%s' must not be empty", what[k],
                  id->name);
        bad = true;
      } else if (!check_utf8(text[k])) {
        CHECK_ERR(ck, line[k], col[k], -1, "the %s of purpose '%s' is not valid UTF-8",
                  what[k], id->name);
        bad = true;
      }
    }
    if (bad) continue;
    int nid = policy_intern_add(&p->purpose_ix, id->name);
    if (nid < 0) return -1;
    p->purpose_tab[nid] = (policy_purpose){p->purpose_ix.strs[nid], u->basis, u->description,
                                           id->line};
  }
  return 0;
}

int64_t policy_unit_seconds(const char *unit) {
  static const struct {
    const char *one, *many;
    int64_t seconds;
  } units[] = {{"second", "seconds", 1},        {"minute", "minutes", 60},
               {"hour", "hours", 3600},         {"day", "days", 86400},
               {"week", "weeks", 7 * 86400},    {"month", "months", 30 * 86400},
               {"year", "years", 365 * 86400}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(unit, units[i].one) == 0 || strcmp(unit, units[i].many) == 0)
      return units[i].seconds;
  return 0;
}

/* Resolve "retain" lines into class_retention (seconds per class, -1 = none). */
static int check_retention(checker *ck) {
  policy *p = ck->p;
  int nclasses = p->class_ix.n;
  p->class_retention = malloc(((size_t)nclasses + 1) * sizeof *p->class_retention);
  p->class_retain = malloc(((size_t)nclasses + 1) * sizeof *p->class_retain);
  if (p->class_retention == NULL || p->class_retain == NULL) return -1;
  for (int c = 0; c < nclasses; c++) {
    p->class_retention[c] = -1;
    p->class_retain[c] = -1;
  }
  for (int i = 0; i < p->nretains; i++) {
    const pol_retain *t = &p->retains[i];
    int64_t unit = policy_unit_seconds(t->unit.name);
    int64_t secs = unit * (int64_t)t->amount;
    if (unit == 0) {
      CHECK_ERR(ck, t->unit.line, t->unit.col, -1,
                "unknown unit of time '%s' (expected seconds, minutes, hours, days, weeks, "
                "months or years)",
                t->unit.name);
    } else if (t->amount < 1) {
      CHECK_ERR(ck, t->amount_line, t->amount_col, -1,
                "a retention of %ld %s keeps nothing: it must be at least 1", t->amount,
                t->unit.name);
      secs = 0;
    } else if (secs > POLICY_MAX_RETENTION) {
      CHECK_ERR(ck, t->amount_line, t->amount_col, -1,
                "a retention of %ld %s is longer than 100 years", t->amount, t->unit.name);
      secs = 0;
    }
    for (int k = 0; k < t->classes.n; k++) {
      const pol_ident *id = &t->classes.v[k];
      int c = policy_intern_find(&p->class_ix, id->name);
      if (c < 0) {
        CHECK_ERR(ck, id->line, id->col, -1, "unknown class '%s'", id->name);
      } else if (p->class_retain[c] >= 0) {
        CHECK_ERR(ck, id->line, id->col, -1, "class '%s' already has a retention (line %d)",
                  id->name, p->retains[p->class_retain[c]].line);
      } else {
        p->class_retain[c] = i;
        if (unit != 0 && secs > 0) p->class_retention[c] = secs;
      }
    }
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

/* Merge a value condition (area or purpose) into vc, its values resolved to ids of ix (interned
 * into it when add). Returns 1 when the conditions so far can still hold, 0 when they cannot,
 * -1 on OOM. Every value must already be resolvable (see check_purpose_values). */
static int check_valcond(pol_intern *ix, bool add, pol_valcond *vc, const pol_cond *c) {
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
    int id = add ? policy_intern_add(ix, c->vals.v[i].name)
                 : policy_intern_find(ix, c->vals.v[i].name);
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

/* Report "unknown purpose" for a purpose name that the policy does not declare, listing the
 * declared codes (as many as fit). */
static void check_unknown_purpose(checker *ck, int line, int col, int rule, const char *name) {
  const pol_intern *ix = &ck->p->purpose_ix;
  if (ix->n == 0) {
    CHECK_ERR(ck, line, col, rule,
              "unknown purpose '%s': the policy declares no purposes (declare it in a "
              "'purposes' block)",
              name);
    return;
  }
  char known[200];
  size_t used = 0;
  known[0] = '\0';
  for (int i = 0; i < ix->n; i++) {
    size_t len = strlen(ix->strs[i]);
    if (used + len + 8 >= sizeof known) {
      snprintf(known + used, sizeof known - used, ", ...");
      break;
    }
    used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                             ix->strs[i]);
  }
  CHECK_ERR(ck, line, col, rule, "unknown purpose '%s' (declared: %s)", name, known);
}

/* A purpose condition names declared codes only; 'purpose present' needs at least one declared
 * purpose. Returns true when c is usable. */
static bool check_purpose_values(checker *ck, int ri, const pol_cond *c) {
  policy *p = ck->p;
  if (c->op == OP_PRESENT && p->purpose_ix.n == 0) {
    CHECK_ERR(ck, c->line, c->col, ri,
              "'purpose present' can never hold: the policy declares no purposes (add a "
              "'purposes' block)");
    return false;
  }
  bool ok = true;
  for (int j = 0; j < c->vals.n; j++) {
    if (policy_intern_find(&p->purpose_ix, c->vals.v[j].name) >= 0) continue;
    check_unknown_purpose(ck, c->vals.v[j].line, c->vals.v[j].col, ri, c->vals.v[j].name);
    ok = false;
  }
  return ok;
}

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
    } else if (c->attr == ATTR_AREA) {
      ok = check_valcond(&p->strings, true, &r->area, c);
      if (ok < 0) return -1;
    } else {
      if (!check_purpose_values(ck, ri, c)) continue;
      ok = check_valcond(&p->purpose_ix, false, &r->purpose, c);
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

/* "rule 'x'" or "the rule at line N" into buf, for messages. */
static void check_rule_label(const pol_rule *r, char *buf, size_t n) {
  if (r->name != NULL)
    snprintf(buf, n, "%s '%s'", r->intake ? "intake rule" : "rule", r->name);
  else
    snprintf(buf, n, "the %s at line %d", r->intake ? "intake rule" : "rule", r->line);
}

/* The place of name in list l (its own position when listed, else the list's: the star). */
static void check_place(const pol_list *l, const char *name, int *line, int *col) {
  *line = l->line;
  *col = l->col;
  for (int i = 0; i < l->n; i++) {
    if (strcmp(l->v[i].name, name) == 0) {
      *line = l->v[i].line;
      *col = l->v[i].col;
    }
  }
}

/* The regime proof for one permit rule: no role outside a regime may be given any action on
 * one of the regime's classes. Reports the first crossing found. (Intake rules are checked by
 * check_intake instead: they may cross, for 'submit' only.) */
static void check_regime_crossing(checker *ck, int ri) {
  policy *p = ck->p;
  const pol_rule *r = &p->rules[ri];
  assert(!r->intake && !r->forbid);
  int nroles = p->role_ix.n, nclasses = p->class_ix.n;
  bool any_action = false;
  for (int a = 0; a < p->action_ix.n; a++) any_action = any_action || r->action_set[a];
  if (!any_action) return;
  int submit = policy_intern_find(&p->action_ix, "submit");
  bool gives_submit = submit >= 0 && r->action_set[submit];
  for (int c = 0; c < nclasses; c++) {
    int g = p->class_regime[c];
    if (g < 0 || !r->class_set[c]) continue;
    for (int role = 0; role < nroles; role++) {
      if (!r->role_set[role] || p->regime_role[(size_t)g * (size_t)nroles + (size_t)role])
        continue;
      int line, col;
      check_place(&r->roles, p->role_ix.strs[role], &line, &col);
      char rulename[POLICY_MAX_STRING + 32];
      check_rule_label(r, rulename, sizeof rulename);
      CHECK_ERR(ck, line, col, ri,
                "%s permits role '%s' access to class '%s', but regime \"%s\" allows class '%s' "
                "only to its own roles%s",
                rulename, p->role_ix.strs[role], p->class_ix.strs[c], p->regimes[g].name,
                p->class_ix.strs[c],
                gives_submit ? " (to let a role outside the regime hand data in, write an "
                               "'intake' rule: it permits 'submit' and nothing else)"
                             : "");
      return;
    }
  }
}

/* An intake rule permits the action 'submit' into regime classes, to any role it names (also
 * outside the regime). It must name only regime classes, and the policy must declare 'submit'.
 * Fills action_set. Returns -1 on OOM. */
static int check_intake(checker *ck, int ri) {
  policy *p = ck->p;
  pol_rule *r = &p->rules[ri];
  assert(r->intake && r->action_set == NULL);
  r->action_set = calloc((size_t)p->action_ix.n + 1, 1);
  if (r->action_set == NULL) return -1;
  char label[POLICY_MAX_STRING + 32];
  check_rule_label(r, label, sizeof label);
  int submit = policy_intern_find(&p->action_ix, "submit");
  if (submit < 0) {
    CHECK_ERR(ck, r->line, r->col, ri,
              "%s needs the action 'submit', which the policy does not declare", label);
  } else {
    r->action_set[submit] = 1;
  }
  for (int c = 0; c < p->class_ix.n; c++) {
    if (!r->class_set[c] || p->class_regime[c] >= 0) continue;
    int line, col;
    check_place(&r->classes, p->class_ix.strs[c], &line, &col);
    CHECK_ERR(ck, line, col, ri,
              "%s names class '%s', which is in no regime: an intake rule only lets roles hand "
              "data into a regime (use 'permit' for other classes)",
              label, p->class_ix.strs[c]);
    break;
  }
  return 0;
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
        (!r->intake &&
         check_list(ck, &r->actions, &p->action_ix, "action", ri, &r->action_set) != 0) ||
        check_list(ck, &r->classes, &p->class_ix, "class", ri, &r->class_set) != 0 ||
        check_conditions(ck, ri) != 0)
      return -1;
    if (r->intake) {
      if (check_intake(ck, ri) != 0) return -1;
    } else if (ck->errors == before && !r->forbid) {
      check_regime_crossing(ck, ri);
    }
  }
  return 0;
}

static void check_expect_name(checker *ck, const pol_ident *id, const pol_intern *ix,
                              const char *kind, int *out) {
  *out = policy_intern_find(ix, id->name);
  if (*out < 0) CHECK_ERR(ck, id->line, id->col, -1, "unknown %s '%s'", kind, id->name);
}

/* "expect retain CLASS ...": a known class and, unless none, a known unit and amount >= 1. */
static void check_expect_retain(checker *ck, pol_expect *e) {
  check_expect_name(ck, &e->klass, &ck->p->class_ix, "class", &e->class_id);
  if (e->want_none) return;
  if (policy_unit_seconds(e->unit.name) == 0)
    CHECK_ERR(ck, e->unit.line, e->unit.col, -1,
              "unknown unit of time '%s' (expected seconds, minutes, hours, days, weeks, months "
              "or years)",
              e->unit.name);
  else if (e->amount < 1 ||
           policy_unit_seconds(e->unit.name) * (int64_t)e->amount > POLICY_MAX_RETENTION)
    CHECK_ERR(ck, e->amount_line, e->amount_col, -1,
              "an expected retention must be between 1 %s and 100 years", e->unit.name);
}

static void check_expects(checker *ck) {
  policy *p = ck->p;
  for (int i = 0; i < p->nexpects; i++) {
    pol_expect *e = &p->expects[i];
    if (e->retain) {
      check_expect_retain(ck, e);
      continue;
    }
    check_expect_name(ck, &e->role, &p->role_ix, "role", &e->role_id);
    check_expect_name(ck, &e->action, &p->action_ix, "action", &e->action_id);
    check_expect_name(ck, &e->klass, &p->class_ix, "class", &e->class_id);
    if (e->purpose != NULL && policy_intern_find(&p->purpose_ix, e->purpose) < 0)
      check_unknown_purpose(ck, e->purpose_line, e->purpose_col, -1, e->purpose);
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
      check_settings(&ck) != 0 || check_purposes(&ck) != 0 || check_retention(&ck) != 0 ||
      check_regimes(&ck) != 0 || check_rules(&ck) != 0)
    goto err;
  check_expects(&ck);
  return ck.errors;
err:
  policy_diag_add(diag, p->file, 0, 0, -1, "out of memory");
  return ck.errors + 1;
}

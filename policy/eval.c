/* eval.c -- decisions: a table look-up per (role, action, class), then the few candidate rules' conditions. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

/* Does value s (NULL = absent) meet vc? *id is s's id in ix, looked up on first need: -2 = not
 * looked up yet, -1 = absent or not in ix. */
static bool eval_valcond(const pol_valcond *vc, const char *s, int *id, const pol_intern *ix) {
  if (vc->presence == PRES_PRESENT && s == NULL) return false;
  if (vc->presence == PRES_ABSENT && s != NULL) return false;
  if (!vc->has_values) return true;
  if (*id == -2) *id = s == NULL ? -1 : policy_intern_find(ix, s);
  for (int i = 0; i < vc->n; i++)
    if (vc->ids[i] == *id) return true;
  return false;
}

void policy_decide(const policy *p, const policy_request *req, policy_decision *out) {
  assert(p != NULL && req != NULL && out != NULL);
  out->permit = false;
  out->rule_index = -1;
  out->rule_name = NULL;
  out->file = p->file;
  out->line = 0;
  out->undeclared_purpose = false;
  if (req->role < 0 || req->role >= p->role_ix.n || req->action < 0 ||
      req->action >= p->action_ix.n || req->klass < 0 || req->klass >= p->class_ix.n ||
      (unsigned)req->level > POLICY_LEVEL_INDIVIDUAL)
    return;
  size_t cell = ((size_t)req->role * (size_t)p->action_ix.n + (size_t)req->action) *
                    (size_t)p->class_ix.n +
                (size_t)req->klass;
  uint32_t lo = p->cell_off[cell], hi = p->cell_off[cell + 1];
  unsigned level_bit = 1u << req->level;
  int area_id = -2; /* interned lazily: -2 = not looked up yet */
  int purpose_id = -1;
  if (req->purpose != NULL) {
    /* a purpose is a declared code or nothing: anything else is denied whatever the rules say,
     * so that "Efterforskning" cannot slip past a forbid on "efterforskning" */
    purpose_id = policy_intern_find(&p->purpose_ix, req->purpose);
    if (purpose_id < 0) {
      out->undeclared_purpose = true;
      return;
    }
  }
  for (uint32_t k = lo; k < hi; k++) {
    const pol_rule *r = &p->rules[p->cell_rules[k]];
    if (!(r->level_mask & level_bit)) continue;
    if (!eval_valcond(&r->area, req->area, &area_id, &p->strings)) continue;
    if (!eval_valcond(&r->purpose, req->purpose, &purpose_id, &p->purpose_ix)) continue;
    out->permit = !r->forbid;
    out->rule_index = (int)p->cell_rules[k];
    out->rule_name = r->name;
    out->line = r->line;
    return;
  }
}

void policy_decision_describe(const policy *p, const policy_decision *d, char *buf, size_t n) {
  assert(p != NULL && d != NULL && buf != NULL && n > 0);
  (void)p;
  const char *verdict = d->permit ? "permit" : "deny";
  if (d->undeclared_purpose)
    snprintf(buf, n, "deny: the purpose is not one the policy declares");
  else if (d->rule_index < 0)
    snprintf(buf, n, "deny by default (no rule permits)");
  else if (d->rule_name != NULL)
    snprintf(buf, n, "%s by rule '%s' (%s:%d)", verdict, d->rule_name, d->file, d->line);
  else
    snprintf(buf, n, "%s by the rule at %s:%d", verdict, d->file, d->line);
}

static const char *const eval_level_names[] = {"none", "area", "group", "individual"};

const char *policy_level_name(enum policy_level level) {
  return (unsigned)level <= POLICY_LEVEL_INDIVIDUAL ? eval_level_names[level] : "?";
}

int policy_level_parse(const char *s) {
  for (int i = 0; i <= POLICY_LEVEL_INDIVIDUAL; i++)
    if (strcmp(s, eval_level_names[i]) == 0) return i;
  return -1;
}

int policy_role(const policy *p, const char *name) { return policy_intern_find(&p->role_ix, name); }
int policy_action(const policy *p, const char *name) {
  return policy_intern_find(&p->action_ix, name);
}
int policy_class(const policy *p, const char *name) {
  return policy_intern_find(&p->class_ix, name);
}
int policy_role_count(const policy *p) { return p->role_ix.n; }
int policy_action_count(const policy *p) { return p->action_ix.n; }
int policy_class_count(const policy *p) { return p->class_ix.n; }
int policy_rule_count(const policy *p) { return p->nrules; }

const char *policy_role_name(const policy *p, int role) {
  return role >= 0 && role < p->role_ix.n ? p->role_ix.strs[role] : NULL;
}
const char *policy_action_name(const policy *p, int action) {
  return action >= 0 && action < p->action_ix.n ? p->action_ix.strs[action] : NULL;
}
const char *policy_class_name(const policy *p, int klass) {
  return klass >= 0 && klass < p->class_ix.n ? p->class_ix.strs[klass] : NULL;
}

int policy_min_group_size(const policy *p) { return p->min_group_size; }

bool policy_class_in_regime(const policy *p, int klass) {
  return klass >= 0 && klass < p->class_ix.n && p->class_regime[klass] >= 0;
}

bool policy_role_in_regime(const policy *p, int role) {
  return role >= 0 && role < p->role_ix.n && p->role_in_regime[role];
}

bool policy_role_may_receive(const policy *p, int role, int klass) {
  if (role < 0 || role >= p->role_ix.n || klass < 0 || klass >= p->class_ix.n) return false;
  int g = p->class_regime[klass];
  if (g < 0) return true;
  return p->regime_role[(size_t)g * (size_t)p->role_ix.n + (size_t)role] != 0;
}

const char *policy_class_regime(const policy *p, int klass) {
  if (!policy_class_in_regime(p, klass)) return NULL;
  return p->regimes[p->class_regime[klass]].name;
}

const char *policy_rule_name(const policy *p, int rule) {
  return rule >= 0 && rule < p->nrules ? p->rules[rule].name : NULL;
}
int policy_rule_line(const policy *p, int rule) {
  return rule >= 0 && rule < p->nrules ? p->rules[rule].line : 0;
}
bool policy_rule_is_forbid(const policy *p, int rule) {
  return rule >= 0 && rule < p->nrules && p->rules[rule].forbid;
}
bool policy_rule_is_intake(const policy *p, int rule) {
  return rule >= 0 && rule < p->nrules && p->rules[rule].intake;
}

bool policy_rule_covers(const policy *p, int rule, int role, int action, int klass) {
  if (rule < 0 || rule >= p->nrules || role < 0 || role >= p->role_ix.n || action < 0 ||
      action >= p->action_ix.n || klass < 0 || klass >= p->class_ix.n)
    return false;
  const pol_rule *r = &p->rules[rule];
  return r->role_set[role] && r->action_set[action] && r->class_set[klass];
}

int policy_purpose_count(const policy *p) { return p->purpose_ix.n; }

const policy_purpose *policy_purpose_at(const policy *p, int i) {
  return i >= 0 && i < p->purpose_ix.n ? &p->purpose_tab[i] : NULL;
}

const policy_purpose *policy_purpose_find(const policy *p, const char *code) {
  if (code == NULL) return NULL;
  int id = policy_intern_find(&p->purpose_ix, code);
  return id >= 0 ? &p->purpose_tab[id] : NULL;
}

int64_t policy_retention(const policy *p, int klass) {
  return klass >= 0 && klass < p->class_ix.n ? p->class_retention[klass] : -1;
}

void policy_retention_describe(const policy *p, int klass, char *buf, size_t n) {
  assert(p != NULL && buf != NULL && n > 0);
  int64_t secs = policy_retention(p, klass);
  if (secs < 0) {
    snprintf(buf, n, "no retention");
    return;
  }
  const pol_retain *t = &p->retains[p->class_retain[klass]];
  snprintf(buf, n, "%ld %s (%lld s)", t->amount, t->unit.name, (long long)secs);
}

/* policy_walk.c -- the policy library against the model's oracle (see policy_walk.h). */
#include "support/policy_walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool pm_error_is_regime(const policy_error *e) { return strstr(e->text, " permits role ") != NULL; }

static int failf(pm_fail_fn fail, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int failf(pm_fail_fn fail, void *ctx, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  fail(ctx, what);
  return -1;
}

/* One request of the walk. */
static int walk_one(const pm_model *m, const policy *p, int role, int a, int c, int lv, int pu,
                    int ar, pm_walk_counts *n, pm_fail_fn fail, void *ctx) {
  policy_request rq = {role, a, c, (enum policy_level)lv, pm_areas[ar], pm_purposes[pu]};
  policy_decision dd;
  policy_decide(p, &rq, &dd);
  n->decisions++;
  if (dd.permit && pm_crosses(m, role, c)) { /* the separation property */
    if (a != 0 || dd.rule_index < 0 || !m->rules[dd.rule_index].intake ||
        !policy_rule_is_intake(p, dd.rule_index))
      return failf(fail, ctx, "permit of regime class c%d to role r%d, action a%d", c, role, a);
    n->intake_crossings++;
  }
  if (!pm_purpose_declared(m, pu)) {
    if (dd.permit || !dd.undeclared_purpose)
      return failf(fail, ctx, "undeclared purpose %s not refused", pm_purposes[pu]);
    n->undeclared++;
  }
  int want = pm_oracle(m, role, a, c, lv, pu, ar);
  if (dd.rule_index != want)
    return failf(fail, ctx, "r%d a%d c%d level %d purpose %d area %d: rule %d, oracle %d", role, a,
                 c, lv, pu, ar, dd.rule_index, want);
  if (dd.permit != (want >= 0 && !m->rules[want].forbid))
    return failf(fail, ctx, "r%d a%d c%d level %d purpose %d area %d: permit %d, rule %d", role, a,
                 c, lv, pu, ar, dd.permit, want);
  char why[256];
  memset(why, 'x', sizeof why);
  policy_decision_describe(p, &dd, why, sizeof why);
  if (memchr(why, 0, sizeof why) == NULL)
    return failf(fail, ctx, "the description of rule %d is not terminated", dd.rule_index);
  return 0;
}

int pm_walk_accepted(const pm_model *m, const policy *p, pm_walk_counts *counts, pm_fail_fn fail,
                     void *ctx) {
  pm_walk_counts n = {0, 0, 0};
  for (int i = 0; i < m->nrules; i++)
    if (policy_rule_is_intake(p, i) != m->rules[i].intake)
      return failf(fail, ctx, "rule %d: intake %d, model %d", i, policy_rule_is_intake(p, i),
                   m->rules[i].intake);
  for (int role = 0; role < m->nr; role++)
    for (int c = 0; c < m->nc; c++) {
      if (policy_role_may_receive(p, role, c) != !pm_crosses(m, role, c))
        return failf(fail, ctx, "r%d may receive c%d: %d, model %d", role, c,
                     policy_role_may_receive(p, role, c), !pm_crosses(m, role, c));
      if (policy_class_in_regime(p, c) != (pm_class_regime(m, c) >= 0))
        return failf(fail, ctx, "c%d in a regime: %d, model regime %d", c,
                     policy_class_in_regime(p, c), pm_class_regime(m, c));
      for (int a = 0; a < m->na; a++)
        for (int lv = 0; lv < 4; lv++)
          for (int pu = 0; pu < PM_NPURP; pu++)
            for (int ar = 0; ar < PM_NAREA; ar++)
              if (walk_one(m, p, role, a, c, lv, pu, ar, &n, fail, ctx) != 0) return -1;
    }
  /* out-of-range requests are denied by default */
  policy_request out = {m->nr, 0, 0, POLICY_LEVEL_NONE, NULL, NULL};
  policy_decision od;
  policy_decide(p, &out, &od);
  if (od.permit || od.rule_index != -1)
    return failf(fail, ctx, "a role out of range decided by rule %d", od.rule_index);
  if (counts) {
    counts->decisions += n.decisions;
    counts->intake_crossings += n.intake_crossings;
    counts->undeclared += n.undeclared;
  }
  return 0;
}

int pm_walk_rejected(const pm_model *m, const pm_verdict *v, const policy_diag *d, bool clean,
                     pm_fail_fn fail, void *ctx) {
  if (d->count < 1 || d->count > POLICY_DIAG_MAX || d->total < d->count)
    return failf(fail, ctx, "refused with %d of %d errors", d->count, d->total);
  for (int e = 0; e < d->count; e++) {
    if (!pm_error_is_regime(&d->errors[e])) continue;
    int ri = d->errors[e].rule;
    if (ri < 0 || ri >= m->nrules)
      return failf(fail, ctx, "regime error without a rule: %s", d->errors[e].text);
    if (!v->crossing[ri] || m->rules[ri].forbid)
      return failf(fail, ctx, "refusal names rule %d that does not cross: %s", ri,
                   d->errors[e].text);
  }
  if (!v->any_unsat && !v->any_cross && clean)
    return failf(fail, ctx, "policy refused without reason: %s", d->errors[0].text);
  if (v->any_unsat || !clean || d->total != d->count) return 0;
  for (int i = 0; i < m->nrules; i++) {
    bool named = false;
    for (int e = 0; e < d->count; e++) named = named || d->errors[e].rule == i;
    if (v->crossing[i] && !named) return failf(fail, ctx, "crossing rule %d not reported", i);
  }
  return 0;
}

/* test_policy_property.c -- random policies: the regime proof is sound and precise (intake rules included), decisions match a naive oracle. */
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"
#include "support/policy_model.h"
#include "support/rng.h"
#include "task.h"

#define NPOLICIES 10000

static test_rng rng = {0x9e3779b97f4a7c15ull};

static uint32_t rng_below(void *ctx, uint32_t n) { return test_rng_below(ctx, n); }
static const pm_source source = {rng_below, &rng};

/* Brute force with the library: load the rule alone (no regimes) and look for a permit that
 * would cross one of m's regimes. */
static bool rule_alone_crosses(const pm_model *m, int ri) {
  static char buf[8192];
  static policy_diag d;
  size_t n = pm_render(m, ri, buf, sizeof buf);
  policy *p = policy_load_text("alone.policy", buf, n, &d);
  if (p == NULL) TASK_FAIL("rule alone does not load: %s\n%s", d.errors[0].text, buf);
  bool found = false;
  for (int role = 0; role < m->nr && !found; role++)
    for (int a = 0; a < m->na && !found; a++)
      for (int c = 0; c < m->nc && !found; c++)
        for (int lv = 0; lv < 4 && !found; lv++)
          for (int pu = 0; pu < PM_NPURP && !found; pu++)
            for (int ar = 0; ar < PM_NAREA && !found; ar++) {
              policy_request rq = {role, a, c, (enum policy_level)lv, pm_areas[ar], pm_purposes[pu]};
              policy_decision dd;
              policy_decide(p, &rq, &dd);
              found = dd.permit && pm_crosses(m, role, c);
            }
  policy_free(p);
  return found;
}

static void test_random_policies(void) {
  const char *seed = getenv("POLICY_PROPERTY_SEED");
  if (seed != NULL) rng.state = strtoull(seed, NULL, 10) | 1;
  static char buf[8192];
  static policy_diag d;
  int accepted = 0, rejected_regime = 0, rejected_other = 0, rejected_intake = 0,
      rejected_purpose = 0, accepted_intake = 0;
  long decisions = 0, intake_crossings = 0, undeclared = 0;
  for (int iter = 0; iter < NPOLICIES; iter++) {
    pm_model m;
    pm_generate(&m, &source, 0);
    size_t n = pm_render(&m, -1, buf, sizeof buf);
    /* the oracle's view of which rules are unsatisfiable and which permits cross */
    pm_verdict v;
    pm_judge(&m, &v);
    bool any_unsat = v.any_unsat, any_cross = v.any_cross;
    const bool *crossing = v.crossing;
    policy *p = policy_load_text("rand.policy", buf, n, &d);
    if (p == NULL) {
      int regime_errors = 0;
      for (int e = 0; e < d.count; e++) {
        if (strstr(d.errors[e].text, " permits role ") == NULL) continue;
        regime_errors++;
        int ri = d.errors[e].rule;
        if (ri < 0 || ri >= m.nrules) TASK_FAIL("regime error without a rule: %s", d.errors[e].text);
        if (!crossing[ri] || !rule_alone_crosses(&m, ri))
          TASK_FAIL("rejection names rule %d that does not cross: %s\n%s", ri, d.errors[e].text,
                    buf);
        ASSERT(!m.rules[ri].forbid);
      }
      if (regime_errors > 0)
        rejected_regime++;
      else
        rejected_other++;
      for (int e = 0; e < d.count; e++) {
        rejected_intake += strstr(d.errors[e].text, "which is in no regime") != NULL;
        rejected_purpose += strstr(d.errors[e].text, "unknown purpose") != NULL ||
                            strstr(d.errors[e].text, "declares no purposes") != NULL;
      }
      /* rejected exactly when the oracle finds a problem */
      if (!any_unsat && !any_cross)
        TASK_FAIL("policy rejected without reason: %s\n%s", d.errors[0].text, buf);
      /* every crossing permit is named when nothing else is wrong */
      if (!any_unsat) {
        for (int i = 0; i < m.nrules; i++) {
          bool named = false;
          for (int e = 0; e < d.count; e++) named = named || d.errors[e].rule == i;
          if (crossing[i] && !named) TASK_FAIL("crossing rule %d not reported\n%s", i, buf);
        }
      }
      continue;
    }
    accepted++;
    if (any_unsat || any_cross) TASK_FAIL("policy accepted although the oracle rejects it\n%s", buf);
    bool has_intake = false;
    for (int i = 0; i < m.nrules; i++) {
      ASSERT_INT_EQ(policy_rule_is_intake(p, i), m.rules[i].intake);
      has_intake = has_intake || m.rules[i].intake;
    }
    accepted_intake += has_intake;
    for (int role = 0; role < m.nr; role++)
      for (int a = 0; a < m.na; a++)
        for (int c = 0; c < m.nc; c++) {
          ASSERT_INT_EQ(policy_role_may_receive(p, role, c), !pm_crosses(&m, role, c));
          ASSERT_INT_EQ(policy_class_in_regime(p, c), pm_class_regime(&m, c) >= 0);
          for (int lv = 0; lv < 4; lv++)
            for (int pu = 0; pu < PM_NPURP; pu++)
              for (int ar = 0; ar < PM_NAREA; ar++) {
                policy_request rq = {role, a, c, (enum policy_level)lv, pm_areas[ar], pm_purposes[pu]};
                policy_decision dd;
                policy_decide(p, &rq, &dd);
                decisions++;
                /* the separation property: across a regime only an intake's submit */
                if (dd.permit && pm_crosses(&m, role, c)) {
                  if (a != 0 || !m.rules[dd.rule_index].intake ||
                      !policy_rule_is_intake(p, dd.rule_index))
                    TASK_FAIL("permit of regime class c%d to role r%d, action a%d\n%s", c, role,
                              a, buf);
                  intake_crossings++;
                }
                if (!pm_purpose_declared(&m, pu)) {
                  if (dd.permit || !dd.undeclared_purpose)
                    TASK_FAIL("undeclared purpose %s not refused\n%s", pm_purposes[pu], buf);
                  undeclared++;
                }
                /* and the decision is the naive evaluation's */
                int want = pm_oracle(&m, role, a, c, lv, pu, ar);
                if (dd.rule_index != want)
                  TASK_FAIL("r%d a%d c%d level %d purpose %d area %d: rule %d, oracle %d\n%s",
                            role, a, c, lv, pu, ar, dd.rule_index, want, buf);
                ASSERT_INT_EQ(dd.permit, want >= 0 && !m.rules[want].forbid);
              }
        }
    policy_free(p);
  }
  fprintf(stderr, "%d policies: %d accepted (%d with intake rules), %d rejected by the regime "
                  "proof, %d for other reasons (%d errors on intake classes, %d on purposes); "
                  "%ld decisions checked, %ld intake submits across a regime, %ld undeclared "
                  "purposes refused\n",
          NPOLICIES, accepted, accepted_intake, rejected_regime, rejected_other, rejected_intake,
          rejected_purpose, decisions, intake_crossings, undeclared);
  /* the generator must exercise every branch */
  ASSERT(accepted > NPOLICIES / 10);
  ASSERT(rejected_regime > NPOLICIES / 10);
  ASSERT(rejected_other > 0);
  ASSERT(accepted_intake > NPOLICIES / 50);
  ASSERT(intake_crossings > 0);
  ASSERT(rejected_intake > 0);
  ASSERT(rejected_purpose > 0);
  ASSERT(undeclared > 0);
}

int main(void) {
  RUN_TEST(test_random_policies);
  return 0;
}

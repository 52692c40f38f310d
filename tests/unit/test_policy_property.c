/* test_policy_property.c -- random policies: the regime proof is sound and precise (intake rules included), decisions match a naive oracle. */
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"
#include "support/policy_model.h"
#include "support/policy_walk.h"
#include "support/rng.h"
#include "task.h"

#define NPOLICIES 10000

static test_rng rng = {0x9e3779b97f4a7c15ull};
static const char *current_text; /* the policy being checked, for a failure's message */

static void violation(void *ctx, const char *what) {
  (void)ctx;
  TASK_FAIL("%s\n%s", what, current_text);
}

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
  pm_walk_counts counts = {0, 0, 0};
  for (int iter = 0; iter < NPOLICIES; iter++) {
    pm_model m;
    pm_generate(&m, &source, 0);
    size_t n = pm_render(&m, -1, buf, sizeof buf);
    /* the oracle's view of which rules are unsatisfiable and which permits cross */
    pm_verdict v;
    pm_judge(&m, &v);
    current_text = buf;
    policy *p = policy_load_text("rand.policy", buf, n, &d);
    if (p == NULL) {
      pm_walk_rejected(&m, &v, &d, true, violation, NULL);
      int regime_errors = 0;
      for (int e = 0; e < d.count; e++) {
        if (!pm_error_is_regime(&d.errors[e])) continue;
        regime_errors++;
        /* the named rule crosses by brute force too, not only in the oracle's reckoning */
        if (!rule_alone_crosses(&m, d.errors[e].rule))
          TASK_FAIL("refusal names rule %d that does not cross alone: %s\n%s", d.errors[e].rule,
                    d.errors[e].text, buf);
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
      continue;
    }
    accepted++;
    if (v.any_unsat || v.any_cross)
      TASK_FAIL("policy accepted although the oracle rejects it\n%s", buf);
    bool has_intake = false;
    for (int i = 0; i < m.nrules; i++) has_intake = has_intake || m.rules[i].intake;
    accepted_intake += has_intake;
    pm_walk_accepted(&m, p, &counts, violation, NULL);
    policy_free(p);
  }
  fprintf(stderr, "%d policies: %d accepted (%d with intake rules), %d rejected by the regime "
                  "proof, %d for other reasons (%d errors on intake classes, %d on purposes); "
                  "%ld decisions checked, %ld intake submits across a regime, %ld undeclared "
                  "purposes refused\n",
          NPOLICIES, accepted, accepted_intake, rejected_regime, rejected_other, rejected_intake,
          rejected_purpose, counts.decisions, counts.intake_crossings, counts.undeclared);
  /* the generator must exercise every branch */
  ASSERT(accepted > NPOLICIES / 10);
  ASSERT(rejected_regime > NPOLICIES / 10);
  ASSERT(rejected_other > 0);
  ASSERT(accepted_intake > NPOLICIES / 50);
  ASSERT(counts.intake_crossings > 0);
  ASSERT(rejected_intake > 0);
  ASSERT(rejected_purpose > 0);
  ASSERT(counts.undeclared > 0);
}

int main(void) {
  RUN_TEST(test_random_policies);
  return 0;
}

/* fuzz_policy_check.c -- fuzz the policy checker and evaluator with valid-but-random policies:
 * the input bytes drive the generator of tests/support/policy_model.c (roles, actions, classes,
 * purposes, regimes, permit/forbid/intake rules with conditions, retention lines and
 * expectations), so every input is a policy the parser accepts and what is fuzzed is the check
 * (the static regime proof, purposes, intake classes, retention, expectations) and decide.
 *
 * Invariants (abort on violation):
 * - a policy is rejected exactly when the naive oracle finds a problem; a regime error names a
 *   permit rule that does cross a regime, and when nothing else is wrong every crossing rule is
 *   named;
 * - a policy that loads never lets a role outside a regime have any action but an intake rule's
 *   submit on a regime class (policy_role_may_receive agrees), refuses undeclared purposes, and
 *   decides every request (role x action x class x level x purpose x area) as the oracle does;
 * - its retention is what the retain lines say, in seconds.
 * Each input byte is one draw (two for a draw above 256); past the end every draw is 0. The seed
 * corpus in corpus/policy_check/ began as 24 random byte strings (Python random.Random(14)) and
 * grew in tests/fuzz/campaign.sh runs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "support/policy_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct bytes {
  const uint8_t *p;
  size_t n, off;
} bytes;

static uint32_t bytes_below(void *ctx, uint32_t n) {
  bytes *b = ctx;
  uint32_t v = 0;
  for (uint32_t span = 1; span < n && span != 0; span <<= 8)
    v = v << 8 | (b->off < b->n ? b->p[b->off++] : 0);
  return v % n;
}

static bool rejected_for_regime(const policy_error *e) { return strstr(e->text, " permits role ") != NULL; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bytes b = {data, size, 0};
  const pm_source src = {bytes_below, &b};
  pm_model m;
  pm_generate(&m, &src, PM_GEN_EXTRAS);
  static char buf[16384];
  size_t n = pm_render(&m, -1, buf, sizeof buf);
  if (n + 1 >= sizeof buf) abort(); /* the model always fits */

  /* the oracle's view of which rules are unsatisfiable and which permits cross */
  pm_verdict v;
  pm_judge(&m, &v);
  bool any_unsat = v.any_unsat, any_cross = v.any_cross;
  const bool *crossing = v.crossing;
  bool extras = pm_extras_hold(&m);

  static policy_diag d;
  policy *p = policy_load_text("fuzz.policy", buf, n, &d);
  if (p == NULL) {
    if (d.count < 1 || d.count > POLICY_DIAG_MAX || d.total < d.count) abort();
    static char text[POLICY_DIAG_MAX * 420];
    policy_diag_format(&d, text, sizeof text);
    for (int e = 0; e < d.count; e++) {
      if (!rejected_for_regime(&d.errors[e])) continue;
      int ri = d.errors[e].rule;
      if (ri < 0 || ri >= m.nrules || !crossing[ri] || m.rules[ri].forbid) abort();
    }
    if (!any_unsat && !any_cross && extras) abort(); /* rejected without reason */
    if (!any_unsat && extras) {
      for (int i = 0; i < m.nrules; i++) {
        bool named = false;
        for (int e = 0; e < d.count; e++) named = named || d.errors[e].rule == i;
        if (crossing[i] && !named && d.total == d.count) abort(); /* a crossing rule not reported */
      }
    }
    return 0;
  }
  if (any_unsat || any_cross || !extras) abort(); /* accepted although the oracle rejects it */

  if (policy_role_count(p) != m.nr || policy_action_count(p) != m.na ||
      policy_class_count(p) != m.nc || policy_rule_count(p) != m.nrules)
    abort();
  for (int i = 0; i < m.nrules; i++)
    if (policy_rule_is_intake(p, i) != m.rules[i].intake) abort();
  for (int c = 0; c < m.nc; c++) {
    int64_t want = m.retain_days[c] > 0 ? m.retain_days[c] * 86400 : -1;
    if (policy_retention(p, c) != want) abort();
    if (policy_class_in_regime(p, c) != (pm_class_regime(&m, c) >= 0)) abort();
  }
  for (int role = 0; role < m.nr; role++)
    for (int c = 0; c < m.nc; c++) {
      if (policy_role_may_receive(p, role, c) != !pm_crosses(&m, role, c)) abort();
      for (int a = 0; a < m.na; a++)
        for (int lv = 0; lv < 4; lv++)
          for (int pu = 0; pu < PM_NPURP; pu++)
            for (int ar = 0; ar < PM_NAREA; ar++) {
              policy_request rq = {role, a, c, (enum policy_level)lv, pm_areas[ar], pm_purposes[pu]};
              policy_decision dd;
              policy_decide(p, &rq, &dd);
              /* the separation property: across a regime only an intake rule's submit */
              if (dd.permit && pm_crosses(&m, role, c) &&
                  (a != 0 || dd.rule_index < 0 || !m.rules[dd.rule_index].intake ||
                   !policy_rule_is_intake(p, dd.rule_index)))
                abort();
              if (!pm_purpose_declared(&m, pu) && (dd.permit || !dd.undeclared_purpose)) abort();
              int want = pm_oracle(&m, role, a, c, lv, pu, ar);
              if (dd.rule_index != want) abort();
              if (dd.permit != (want >= 0 && !m.rules[want].forbid)) abort();
              char why[256];
              policy_decision_describe(p, &dd, why, sizeof why);
              if (strlen(why) >= sizeof why) abort();
            }
    }
  /* out-of-range requests are denied by default */
  policy_request out = {m.nr, 0, 0, POLICY_LEVEL_NONE, NULL, NULL};
  policy_decision od;
  policy_decide(p, &out, &od);
  if (od.permit || od.rule_index != -1) abort();
  policy_free(p);
  return 0;
}

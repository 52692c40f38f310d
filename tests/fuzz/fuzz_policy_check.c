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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "support/policy_model.h"
#include "support/policy_walk.h"

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

/* A violation of an invariant: a finding. */
static void found(void *ctx, const char *what) {
  (void)ctx;
  fprintf(stderr, "fuzz_policy_check: %s\n", what);
  abort();
}

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
  bool extras = pm_extras_hold(&m);

  static policy_diag d;
  policy *p = policy_load_text("fuzz.policy", buf, n, &d);
  if (p == NULL) {
    static char text[POLICY_DIAG_MAX * 420];
    policy_diag_format(&d, text, sizeof text);
    pm_walk_rejected(&m, &v, &d, extras, found, NULL);
    return 0;
  }
  if (v.any_unsat || v.any_cross || !extras) found(NULL, "accepted although the oracle rejects it");
  if (policy_role_count(p) != m.nr || policy_action_count(p) != m.na ||
      policy_class_count(p) != m.nc || policy_rule_count(p) != m.nrules)
    found(NULL, "the counts of roles, actions, classes or rules differ from the model");
  for (int c = 0; c < m.nc; c++) {
    int64_t want = m.retain_days[c] > 0 ? m.retain_days[c] * 86400 : -1;
    if (policy_retention(p, c) != want) found(NULL, "a retention is not the retain line's");
  }
  pm_walk_accepted(&m, p, NULL, found, NULL);
  policy_free(p);
  return 0;
}

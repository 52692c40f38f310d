/* fuzz_policy_parser.c -- fuzz harness: load arbitrary bytes as a policy; if it loads, decide and explain. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static policy_diag diag;
  char out[4096];
  policy *p = policy_load_text_flags("fuzz.policy", (const char *)data, size,
                                     POLICY_LOAD_SKIP_EXPECT, &diag);
  if (p == NULL) {
    if (diag.count < 1) abort(); /* a rejection always says why */
    policy_diag_format(&diag, out, sizeof out);
    return 0;
  }
  /* everything that loads can be evaluated: every cell, every level, some purposes/areas (one
   * of them a declared purpose when there is one) */
  const policy_purpose *first = policy_purpose_at(p, 0);
  const char *strs[] = {NULL, "", "x", first ? first->code : "forebyggelse"};
  int submit = policy_action(p, "submit");
  int nr = policy_role_count(p), na = policy_action_count(p), nc = policy_class_count(p);
  long budget = 20000;
  for (int r = 0; r < nr && budget > 0; r++)
    for (int a = 0; a < na && budget > 0; a++)
      for (int c = 0; c < nc && budget > 0; c++)
        for (int lv = 0; lv <= POLICY_LEVEL_INDIVIDUAL; lv++)
          for (int s = 0; s < 4; s++, budget--) {
            policy_request rq = {r, a, c, (enum policy_level)lv, strs[s], strs[3 - s]};
            policy_decision d;
            policy_decide(p, &rq, &d);
            /* the separation the loader proved: across a regime only an intake's submit */
            if (d.permit && !policy_role_may_receive(p, r, c) &&
                (a != submit || !policy_rule_is_intake(p, d.rule_index)))
              abort();
            /* a purpose is a declared code or refused */
            if (rq.purpose != NULL && policy_purpose_find(p, rq.purpose) == NULL &&
                (d.permit || !d.undeclared_purpose))
              abort();
            policy_decision_describe(p, &d, out, sizeof out);
          }
  for (int i = 0; i < policy_expect_count(p); i++) {
    policy_expect_result res;
    policy_expect_run(p, i, &res);
    policy_expect_text(p, i, out, sizeof out);
    policy_expect_got_text(p, &res, out, sizeof out);
  }
  for (int c = 0; c < nc; c++) {
    policy_retention_describe(p, c, out, sizeof out);
    if (policy_retention(p, c) == 0 || policy_retention(p, c) > POLICY_MAX_RETENTION) abort();
  }
  for (int i = 0; i < policy_purpose_count(p); i++) {
    const policy_purpose *u = policy_purpose_at(p, i);
    if (u == NULL || policy_purpose_find(p, u->code) != u || u->basis[0] == '\0') abort();
  }
  policy_free(p);
  return 0;
}

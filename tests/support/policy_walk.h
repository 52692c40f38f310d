/* policy_walk.h -- test support: check what the policy library made of a model's text against
 * the model's oracle (support/policy_model.h). Shared by the seeded property test
 * (tests/unit/test_policy_property.c) and the fuzzer (tests/fuzz/fuzz_policy_check.c), which
 * differ only in what a violation does: the first fails the test with a message, the second
 * aborts. Each function stops at the first violation, reports it through fail and returns -1. */
#ifndef SAMVIRKE_TEST_POLICY_WALK_H
#define SAMVIRKE_TEST_POLICY_WALK_H

#include "policy.h"
#include "support/policy_model.h"

/* A violation: what (one line, no newline) about the policy text the check was given. */
typedef void (*pm_fail_fn)(void *ctx, const char *what);

/* What a walk of an accepted policy saw, for the caller's coverage assertions. */
typedef struct pm_walk_counts {
  long decisions;        /* requests decided */
  long intake_crossings; /* intake submits permitted across a regime */
  long undeclared;       /* requests with an undeclared purpose (all refused) */
} pm_walk_counts;

/* p was loaded from m's text. Every request (role x action x class x level x purpose x area)
 * is decided as pm_oracle decides it; across a regime only an intake rule's submit is
 * permitted; an undeclared purpose is refused as undeclared; policy_role_may_receive and
 * policy_class_in_regime agree with the model; every decision has a description that fits.
 * counts (may be NULL) is added to. Returns 0, or -1 after fail. */
int pm_walk_accepted(const pm_model *m, const policy *p, pm_walk_counts *counts, pm_fail_fn fail,
                     void *ctx);

/* m's text was refused with d; v is pm_judge's verdict on m. A refusal for a regime names a
 * permit rule that does cross; a refusal has a reason the oracle knows of (clean: the model has
 * no other problem, e.g. pm_extras_hold); when clean and nothing is unsatisfiable, every crossing
 * rule is named (as far as d holds all the errors). Returns 0, or -1 after fail. */
int pm_walk_rejected(const pm_model *m, const pm_verdict *v, const policy_diag *d, bool clean,
                     pm_fail_fn fail, void *ctx);

/* The diagnostic is the regime proof's (a permit rule that crosses a regime). */
bool pm_error_is_regime(const policy_error *e);

#endif

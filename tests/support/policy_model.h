/* policy_model.h -- test support: random policies in model form (roles, actions, classes,
 * purposes, regimes, permit/forbid/intake rules with conditions, and optionally retention and
 * expectations), their text, and a naive oracle for what the library must decide about them.
 * The numbers come from a caller's source: a seeded generator (tests/unit/test_policy_property.c)
 * or a fuzzer's input bytes (tests/fuzz/fuzz_policy_check.c). */
#ifndef SAMVIRKE_TEST_POLICY_MODEL_H
#define SAMVIRKE_TEST_POLICY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PM_MAXR 5 /* roles */
#define PM_MAXA 3 /* actions */
#define PM_MAXC 4 /* classes */
#define PM_MAXRULES 6
#define PM_MAXCONDS 3
#define PM_MAXEXPECT 4

/* The values requests use: index 0 = absent, others are strings. Purposes 1..3 may be declared
 * by a policy (model.purposes); "P0" never is (a case variant of a code). */
extern const char *const pm_purposes[];
extern const char *const pm_areas[];
#define PM_NPURP 5
#define PM_NAREA 3

/* Where the numbers come from: below(ctx, n) returns a number in [0, n) (n > 0). */
typedef struct pm_source {
  uint32_t (*below)(void *ctx, uint32_t n);
  void *ctx;
} pm_source;

/* A condition in model form: admitted levels, purposes and areas (by index above). */
typedef struct pm_cond {
  char text[96];
  unsigned levels;   /* bit per level */
  unsigned purposes; /* bit per pm_purposes[] index */
  unsigned areas;    /* bit per pm_areas[] index */
} pm_cond;

typedef struct pm_rule {
  bool forbid;
  bool intake; /* actions is then {0}: action 0 is "submit" */
  char name[16];
  unsigned roles, actions, classes; /* bit sets */
  bool star[3];
  pm_cond conds[PM_MAXCONDS];
  int nconds;
} pm_rule;

/* An expectation: "expect permit|deny rR aA cC [level L] [area "x"] [purpose "x"]", or
 * (retain) "expect retain cC none|at most N days". */
typedef struct pm_expect {
  bool retain;
  bool permit;          /* expect permit (else deny) */
  int role, action, klass, level, purpose, area; /* level -1: not given; purpose/area 0: not given */
  int64_t at_most_days; /* retain: -1 for "none" */
} pm_expect;

typedef struct pm_model {
  int nr, na, nc;
  unsigned purposes; /* declared: bit per pm_purposes[] index (within 1..3) */
  int nregimes;
  unsigned regime_roles[2], regime_classes[2];
  pm_rule rules[PM_MAXRULES];
  int nrules;
  /* PM_GEN_EXTRAS only */
  int64_t retain_days[PM_MAXC]; /* 0: no retain line for the class */
  int retain_dup;               /* a class given a second retention (-1: none) */
  pm_expect expects[PM_MAXEXPECT];
  int nexpects;
} pm_model;

/* Generation flags. */
enum { PM_GEN_EXTRAS = 1u << 0 /* retention lines and expectations too */ };

/* A random model from src. */
void pm_generate(pm_model *m, const pm_source *src, unsigned flags);
/* The model's policy text into buf (NUL-terminated); with only_rule >= 0 the declarations and
 * that rule alone (no regimes, retention or expectations). Returns the length. */
size_t pm_render(const pm_model *m, int only_rule, char *buf, size_t cap);

/* The oracle. A request's purpose index is declared when 0 (absent) or declared by m. */
bool pm_purpose_declared(const pm_model *m, int pu);
/* The rule index deciding the request (forbids first), or -1 (default deny). */
int pm_oracle(const pm_model *m, int role, int action, int klass, int lv, int pu, int ar);
/* Some request satisfies every condition of r. */
bool pm_rule_satisfiable(const pm_model *m, const pm_rule *r);
/* r's purpose conditions name declared codes and, for an intake rule, its classes are all in a
 * regime. */
bool pm_rule_valid(const pm_model *m, const pm_rule *r);
/* The regime (or -1) klass belongs to. */
int pm_class_regime(const pm_model *m, int klass);
/* A permit for (role, klass) crosses a regime of m. */
bool pm_crosses(const pm_model *m, int role, int klass);
/* The oracle's view of a whole model: which rules are ill-formed or unsatisfiable (any_unsat),
 * and which permit rules cross a regime (crossing[i]; any_cross when one does). */
typedef struct pm_verdict {
  bool any_unsat, any_cross;
  bool crossing[PM_MAXRULES];
} pm_verdict;
void pm_judge(const pm_model *m, pm_verdict *v);
/* PM_GEN_EXTRAS: the retention lines and expectations are all valid and hold (a policy with
 * one that does not must be rejected). */
bool pm_extras_hold(const pm_model *m);

#endif

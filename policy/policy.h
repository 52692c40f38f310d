/* policy.h -- public API of the disclosure policy: load (parse + check + expectations), decide, explain. */
#ifndef SAMVIRKE_POLICY_H
#define SAMVIRKE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Limits of the language (a policy beyond them is rejected with an error, never truncated). */
#define POLICY_MAX_NAME      64      /* bytes in a role/action/class/setting name */
#define POLICY_MAX_STRING    256     /* bytes in a string literal (after escapes) */
#define POLICY_MAX_SOURCE    (1u << 22) /* bytes of policy text */
#define POLICY_MAX_ROLES     1024
#define POLICY_MAX_ACTIONS   256
#define POLICY_MAX_CLASSES   1024
#define POLICY_MAX_RULES     65535
#define POLICY_DIAG_MAX      16      /* errors kept in a policy_diag (more are counted only) */

typedef struct policy policy;

/* One load error: "file:line:col: message" in text; line/col 1-based (0 when not tied to a place);
 * rule is the 0-based ordinal (in file order) of the rule the error is about, or -1. */
typedef struct {
  int line, col;
  int rule;
  char text[400];
} policy_error;

/* Errors from a load. count = errors stored (<= POLICY_DIAG_MAX), total = errors found. */
typedef struct {
  int count;
  int total;
  policy_error errors[POLICY_DIAG_MAX];
} policy_diag;

/* Loading flags for policy_load_text_flags. */
enum {
  POLICY_LOAD_SKIP_EXPECT = 1u << 0 /* do not run the file's expectations while loading */
};

/* Load a policy file: read, parse, check (including the static regime proof) and run its
 * expectations (a failing one is a load error). Returns a new policy (caller frees with
 * policy_free) or NULL with the reasons in *diag (diag may be NULL). */
policy *policy_load_file(const char *path, policy_diag *diag);
/* As policy_load_file, for text already in memory; filename is used in messages. The text is
 * copied (see policy_source). */
policy *policy_load_text(const char *filename, const char *text, size_t len, policy_diag *diag);
policy *policy_load_text_flags(const char *filename, const char *text, size_t len, unsigned flags,
                               policy_diag *diag);
policy *policy_load_file_flags(const char *path, unsigned flags, policy_diag *diag);
void policy_free(policy *p);

/* All errors of a diag as lines "file:line:col: message\n" into buf (always NUL-terminated). */
void policy_diag_format(const policy_diag *diag, char *buf, size_t n);

/* The exact text that was loaded (for hashing) and the file name given at load. */
const char *policy_source(const policy *p, size_t *len);
const char *policy_filename(const policy *p);

/* Names <-> ids. Lookups return the id or -1 for an unknown name. */
int policy_role(const policy *p, const char *name);
int policy_action(const policy *p, const char *name);
int policy_class(const policy *p, const char *name);
int policy_role_count(const policy *p);
int policy_action_count(const policy *p);
int policy_class_count(const policy *p);
int policy_rule_count(const policy *p);
const char *policy_role_name(const policy *p, int role);     /* NULL when out of range */
const char *policy_action_name(const policy *p, int action);
const char *policy_class_name(const policy *p, int klass);

enum policy_level {
  POLICY_LEVEL_NONE = 0, /* the request has no data level */
  POLICY_LEVEL_AREA,
  POLICY_LEVEL_GROUP,
  POLICY_LEVEL_INDIVIDUAL
};
/* "none", "area", "group", "individual"; parse returns -1 for anything else. */
const char *policy_level_name(enum policy_level level);
int policy_level_parse(const char *s);

/* A request to decide. area/purpose are NULL when the request has none. */
typedef struct {
  int role, action, klass;
  enum policy_level level;
  const char *area;
  const char *purpose;
} policy_request;

/* The outcome and what decided it. rule_index is the rule's 0-based ordinal in file order, or -1
 * for the default deny; rule_name (may be NULL for an unnamed rule) and file point into the
 * policy and live as long as it does. */
typedef struct {
  bool permit;
  int rule_index;
  const char *rule_name;
  const char *file;
  int line;
} policy_decision;

/* Decide a request: default deny, a matching forbid beats any permit, else the first matching
 * permit (in file order) decides. Pure and thread-safe; a request with an out-of-range role,
 * action or class is denied by default. */
void policy_decide(const policy *p, const policy_request *req, policy_decision *out);
/* Human sentence: "permit by rule 'x' (file:42)", "deny by rule at file:42", "deny by default
 * (no rule permits)". Always NUL-terminates buf (n > 0). */
void policy_decision_describe(const policy *p, const policy_decision *d, char *buf, size_t n);

/* Settings. */
int policy_min_group_size(const policy *p); /* "set min_group_size = N"; 5 when not set */

/* Regimes. A class in a regime may reach only the regime's roles. */
bool policy_class_in_regime(const policy *p, int klass);
bool policy_role_in_regime(const policy *p, int role);       /* member of any regime */
/* True when role may receive data of klass under the regimes: for a regime class, role is one of
 * that regime's roles; for any other class always true. (Not a decision: also ask policy_decide.) */
bool policy_role_may_receive(const policy *p, int role, int klass);
/* The name of the regime a class belongs to, or NULL. */
const char *policy_class_regime(const policy *p, int klass);

/* Rules, for listing and explanation. */
const char *policy_rule_name(const policy *p, int rule); /* NULL if unnamed or out of range */
int policy_rule_line(const policy *p, int rule);
bool policy_rule_is_forbid(const policy *p, int rule);

/* Expectations ("expect ..." lines) of the policy, in file order. */
typedef struct {
  int line, col;
  bool want_permit;
  const char *want_rule;  /* expected deciding rule name, "" for the default deny, NULL = any */
  policy_request request;
  policy_decision got;
  bool passed;
} policy_expect_result;

int policy_expect_count(const policy *p);
/* Run expectation i into *out; returns out->passed. */
bool policy_expect_run(const policy *p, int i, policy_expect_result *out);
/* "expect deny partner read individual purpose \"x\"" for expectation i. */
void policy_expect_text(const policy *p, int i, char *buf, size_t n);
/* Run all; returns the number that failed. */
int policy_expect_run_all(const policy *p);

#endif

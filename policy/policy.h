/* policy.h -- public API of the disclosure policy: load (parse + check + expectations), decide, explain. */
#ifndef SAMVIRKE_POLICY_H
#define SAMVIRKE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of the language (a policy beyond them is rejected with an error, never truncated). */
#define POLICY_MAX_NAME      64      /* bytes in a role/action/class/setting name */
#define POLICY_MAX_STRING    256     /* bytes in a string literal (after escapes) */
#define POLICY_MAX_SOURCE    (1u << 22) /* bytes of policy text */
#define POLICY_MAX_ROLES     1024
#define POLICY_MAX_ACTIONS   256
#define POLICY_MAX_CLASSES   1024
#define POLICY_MAX_RULES     65535
#define POLICY_MAX_PURPOSES  1024
#define POLICY_MAX_PURPOSE_CODE 32   /* bytes in a purpose code: [a-z][a-z0-9-]* */
#define POLICY_MAX_RETENTION ((int64_t)100 * 365 * 86400) /* seconds: 100 years */
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

/* A request to decide. area/purpose are NULL when the request has none; a purpose must be one
 * of the codes the policy declares (policy_purpose_find), else the request is denied. */
typedef struct {
  int role, action, klass;
  enum policy_level level;
  const char *area;
  const char *purpose;
} policy_request;

/* The outcome and what decided it. rule_index is the rule's 0-based ordinal in file order, or -1
 * for the default deny; rule_name (may be NULL for an unnamed rule) and file point into the
 * policy and live as long as it does. undeclared_purpose is true when the request was denied
 * because its purpose is not a code the policy declares (rule_index is then -1). */
typedef struct {
  bool permit;
  int rule_index;
  const char *rule_name;
  const char *file;
  int line;
  bool undeclared_purpose;
} policy_decision;

/* Decide a request: default deny, a matching forbid beats any permit, else the first matching
 * permit or intake rule (in file order) decides. Pure and thread-safe; a request with an
 * out-of-range role, action or class, or with a purpose the policy does not declare, is denied
 * by default. */
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

/* Declared purposes ("purposes { forebyggelse basis "..." description "..." }"). The strings
 * live as long as the policy. A code is 1..POLICY_MAX_PURPOSE_CODE bytes of [a-z0-9-],
 * starting with a letter; basis and description are non-empty UTF-8. */
typedef struct {
  const char *code;
  const char *basis;       /* the legal basis, e.g. "Retsplejeloven § 115" */
  const char *description; /* what the purpose covers, for people choosing it */
  int line;                /* where it is declared */
} policy_purpose;

/* True when s has the shape of a purpose code (1..POLICY_MAX_PURPOSE_CODE bytes of [a-z0-9-],
 * starting with a letter): the one syntax check of a purpose, used by the policy checker, the
 * client before it seals a note, and the daemon. Declared or not is policy_purpose_find. */
bool policy_purpose_code_valid(const char *s);
int policy_purpose_count(const policy *p);
/* Purpose i (0 <= i < count) in declaration order; NULL when out of range. */
const policy_purpose *policy_purpose_at(const policy *p, int i);
/* The declared purpose whose code is exactly code (byte for byte: no case folding, no trimming);
 * NULL when code is NULL or not declared. */
const policy_purpose *policy_purpose_find(const policy *p, const char *code);

/* Retention ("retain area 2 years"): how long content of klass is kept, in seconds (a minute is
 * 60 s, an hour 3600, a day 86400, a week 7 days, a month 30 days, a year 365 days), or -1 when
 * the policy declares none for it (or klass is out of range). */
int64_t policy_retention(const policy *p, int klass);

/* Rules, for listing and explanation. */
const char *policy_rule_name(const policy *p, int rule); /* NULL if unnamed or out of range */
int policy_rule_line(const policy *p, int rule);
bool policy_rule_is_forbid(const policy *p, int rule);
/* True for an intake rule (it permits only the action 'submit', into a regime class). */
bool policy_rule_is_intake(const policy *p, int rule);
/* True when rule names role, action and klass (its role, action and class lists, '*' included);
 * its conditions are not considered. False for out-of-range arguments. */
bool policy_rule_covers(const policy *p, int rule, int role, int action, int klass);

/* "2 years (63072000 s)" as the policy writes klass's retention, or "no retention". Always
 * NUL-terminates buf (n > 0). */
void policy_retention_describe(const policy *p, int klass, char *buf, size_t n);

/* Expectations ("expect ..." lines) of the policy, in file order. A decision expectation
 * ("expect permit|deny ...") fills request/got; a retention expectation ("expect retain CLASS
 * none | at most N UNIT") has retention set and fills klass, want_seconds and got_seconds. */
typedef struct {
  int line, col;
  bool want_permit;
  const char *want_rule;  /* expected deciding rule name, "" for the default deny, NULL = any */
  policy_request request;
  policy_decision got;
  bool retention;
  int klass;              /* retention: the class */
  int64_t want_seconds;   /* retention: at most this many seconds, or -1 for "none" */
  int64_t got_seconds;    /* retention: policy_retention of the class */
  bool passed;
} policy_expect_result;

int policy_expect_count(const policy *p);
/* Run expectation i into *out; returns out->passed. */
bool policy_expect_run(const policy *p, int i, policy_expect_result *out);
/* "expect deny partner read individual purpose \"x\"" for expectation i. */
void policy_expect_text(const policy *p, int i, char *buf, size_t n);
/* What an expectation got: policy_decision_describe of the decision, or for a retention
 * expectation policy_retention_describe of the class. Always NUL-terminates buf (n > 0). */
void policy_expect_got_text(const policy *p, const policy_expect_result *r, char *buf, size_t n);
/* Run all; returns the number that failed. */
int policy_expect_run_all(const policy *p);

#endif

/* policy_int.h -- internal structures shared by the policy lexer, parser, checker, compiler and evaluator. */
#ifndef SAMVIRKE_POLICY_INT_H
#define SAMVIRKE_POLICY_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "policy.h"

/* ---- diagnostics (lexer.c) ---- */

/* Record one error "file:line:col: message" (printf-style) in diag (may be NULL). */
void policy_diag_add(policy_diag *diag, const char *file, int line, int col, int rule,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void policy_diag_clear(policy_diag *diag);

/* ---- lexer (lexer.c) ---- */

enum policy_tok {
  TOK_EOF = 0,
  TOK_NAME,   /* [A-Za-z_][A-Za-z0-9_-]* */
  TOK_STRING, /* "..." with \" and \\ escapes; text holds the decoded value */
  TOK_NUMBER, /* decimal digits; number holds the value */
  TOK_COMMA,
  TOK_SEMI,
  TOK_LBRACE,
  TOK_RBRACE,
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_EQ,
  TOK_STAR
};

typedef struct {
  enum policy_tok type;
  int line, col;
  long number;
  size_t len; /* bytes in text */
  char text[POLICY_MAX_STRING + 1];
} policy_token;

typedef struct {
  const char *file;
  const char *src;
  size_t len, pos;
  int line, col;
} policy_lexer;

void policy_lexer_init(policy_lexer *lx, const char *file, const char *src, size_t len);
/* Read the next token into *tok. Returns 0, or -1 with one error added to diag. */
int policy_lexer_next(policy_lexer *lx, policy_token *tok, policy_diag *diag);
/* Short description of a token for messages: "name 'x'", "string \"x\"", "','", "end of file". */
void policy_token_describe(const policy_token *tok, char *buf, size_t n);

/* ---- syntax tree (parser.c) ---- */

typedef struct {
  char *name;
  int line, col;
} pol_ident;

typedef struct {
  pol_ident *v;
  int n, cap;
  bool star;      /* "*" */
  int line, col;  /* of the first item or the star */
} pol_list;

enum pol_attr { ATTR_LEVEL, ATTR_AREA, ATTR_PURPOSE };
enum pol_op { OP_IN, OP_PRESENT, OP_ABSENT }; /* "= x" is OP_IN with one value */

typedef struct {
  enum pol_attr attr;
  enum pol_op op;
  int line, col;
  pol_list vals; /* level names (ATTR_LEVEL) or string values */
} pol_cond;

enum pol_presence { PRES_ANY = 0, PRES_PRESENT, PRES_ABSENT };

/* A compiled value condition on area or purpose. */
typedef struct {
  uint8_t presence; /* enum pol_presence */
  bool has_values;  /* value must be one of ids[0..n) (implies present) */
  int *ids;
  int n;
} pol_valcond;

typedef struct {
  bool forbid;
  bool intake; /* "intake": permits only 'submit', into regime classes; actions is empty */
  char *name; /* NULL when unnamed */
  int line, col;
  pol_list roles, actions, classes;
  pol_cond *conds;
  int nconds, capconds;
  /* resolved (check.c) */
  uint8_t level_mask; /* bit (1 << policy_level) per admitted level */
  pol_valcond area;     /* ids in policy.strings */
  pol_valcond purpose;  /* ids in policy.purpose_ix */
  uint8_t *role_set, *action_set, *class_set; /* 0/1 per id */
} pol_rule;

typedef struct {
  char *name;
  int line, col;
  pol_list roles, classes;
  bool have_roles, have_classes;
} pol_regime;

typedef struct {
  int line, col;
  bool retain;      /* "expect retain CLASS (none | at most N UNIT)"; only klass is set */
  bool want_none;   /* retain: the class must have no retention */
  long amount;      /* retain: at most amount units */
  int amount_line, amount_col;
  pol_ident unit;
  bool want_permit;
  pol_ident role, action, klass;
  int level; /* enum policy_level */
  char *area, *purpose;
  int purpose_line, purpose_col;
  bool have_by;
  char *by;  /* rule name; NULL with have_by = "default" */
  int by_line, by_col;
  /* resolved */
  int role_id, action_id, class_id;
} pol_expect;

typedef struct {
  char *name;
  int line, col;
  bool is_string;
  long number;
  char *string;
} pol_setting;

typedef struct {
  pol_ident *v;
  int n, cap;
} pol_names;

/* One entry of a "purposes { ... }" block. */
typedef struct {
  pol_ident code;
  char *basis, *description;
  int basis_line, basis_col, desc_line, desc_col;
} pol_purpose;

/* "retain CLASS {, CLASS} NUMBER UNIT". */
typedef struct {
  int line, col;
  pol_list classes;
  long amount;
  int amount_line, amount_col;
  pol_ident unit;
} pol_retain;

/* ---- string interning (compile.c) ---- */

typedef struct {
  char **strs;   /* id -> string */
  int n, cap;
  int *slots;    /* open addressing: id + 1, 0 = empty */
  uint32_t nslots;
} pol_intern;

int policy_intern_add(pol_intern *t, const char *s); /* id, or -1 on allocation failure */
int policy_intern_find(const pol_intern *t, const char *s); /* id or -1 */
void policy_intern_free(pol_intern *t);

struct policy {
  char *file;
  char *source;
  size_t source_len;

  pol_names roles, actions, classes; /* declarations as written */
  pol_intern role_ix, action_ix, class_ix, rule_ix; /* name -> id (check.c) */
  int *rule_of_name;       /* rule_ix id -> rule index */
  pol_rule *rules;
  int nrules, caprules;
  pol_regime *regimes;
  int nregimes, capregimes;
  pol_expect *expects;
  int nexpects, capexpects;
  pol_setting *settings;
  int nsettings, capsettings;
  pol_purpose *purposes;
  int npurposes, cappurposes;
  pol_retain *retains;
  int nretains, capretains;

  int min_group_size;
  int *class_retain;            /* per class: index into retains of its retain line, or -1 */
  pol_intern purpose_ix;        /* code -> id (check.c); ids are declaration order */
  policy_purpose *purpose_tab;  /* per purpose id: the public view, strings owned by purposes */
  int64_t *class_retention;     /* per class: seconds, or -1 */
  int *class_regime;       /* per class: regime index or -1 */
  uint8_t *role_in_regime; /* per role: member of any regime */
  uint8_t *regime_role;    /* nregimes x nroles membership */

  /* compiled decision table (compile.c) */
  pol_intern strings;      /* area literals */
  uint32_t *cell_off;      /* nroles*nactions*nclasses + 1 offsets into cell_rules */
  uint32_t *cell_rules;    /* rule indices; per cell forbids first, then permits, file order */
};

/* Parse text into p's tree. Returns 0 or -1 (syntax error added to diag). */
int policy_parse(policy *p, policy_diag *diag);
/* Resolve names and run all static checks (duplicates, unknown names, impossible conditions,
 * regime proof). Returns the number of errors found (0 = ok). */
int policy_check(policy *p, policy_diag *diag);
/* Build the decision table. Returns 0 or -1 (error added to diag). */
int policy_compile(policy *p, policy_diag *diag);
/* Seconds in one unit of time named in a retention ("day", "years", ...), 0 when unknown. */
int64_t policy_unit_seconds(const char *unit);
/* Run the expectations; each failure is added to diag. Returns the number that failed. */
int policy_expect_check(const policy *p, policy_diag *diag);

#endif

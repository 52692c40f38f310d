/* parser.c -- recursive-descent parser from policy text to the syntax tree in struct policy. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

typedef struct {
  policy *p;
  policy_lexer lx;
  policy_token tok; /* current token */
  policy_diag *diag;
} parser;

static const char *const parser_keywords[] = {"roles",  "actions", "classes", "purposes",
                                              "regime", "set",     "permit",  "forbid",
                                              "intake", "retain",  "expect"};

static bool parser_is_keyword(const char *s) {
  for (size_t i = 0; i < sizeof parser_keywords / sizeof parser_keywords[0]; i++)
    if (strcmp(s, parser_keywords[i]) == 0) return true;
  return false;
}

/* Grow *v (elements of size sz) so that it holds at least n+1 elements. Returns 0 or -1. */
static int parser_grow(void **v, int *cap, int n, size_t sz) {
  if (n < *cap) return 0;
  int ncap = *cap ? *cap * 2 : 8;
  void *nv = realloc(*v, (size_t)ncap * sz);
  if (nv == NULL) return -1;
  memset((char *)nv + (size_t)*cap * sz, 0, (size_t)(ncap - *cap) * sz);
  *v = nv;
  *cap = ncap;
  return 0;
}

static int parser_next(parser *ps) { return policy_lexer_next(&ps->lx, &ps->tok, ps->diag); }

static bool parser_at_name(const parser *ps, const char *word) {
  return ps->tok.type == TOK_NAME && strcmp(ps->tok.text, word) == 0;
}

/* Report "expected WHAT, found <current token>" at the current token. Returns -1. */
static int parser_expected(parser *ps, const char *what) {
  char found[80];
  policy_token_describe(&ps->tok, found, sizeof found);
  policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1, "expected %s, found %s",
                  what, found);
  return -1;
}

static int parser_oom(parser *ps) {
  policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1, "out of memory");
  return -1;
}

/* Append the current token's text as an identifier to list l. */
static int parser_list_push(parser *ps, pol_list *l) {
  if (parser_grow((void **)&l->v, &l->cap, l->n, sizeof l->v[0]) != 0) return parser_oom(ps);
  pol_ident *id = &l->v[l->n];
  id->name = strdup(ps->tok.text);
  if (id->name == NULL) return parser_oom(ps);
  id->line = ps->tok.line;
  id->col = ps->tok.col;
  if (l->n == 0) {
    l->line = id->line;
    l->col = id->col;
  }
  l->n++;
  return 0;
}

/* names = name { "," name }, or with allow_star also "*". what names the kind for messages. */
static int parser_names(parser *ps, pol_list *l, bool allow_star, const char *what) {
  if (allow_star && ps->tok.type == TOK_STAR) {
    l->star = true;
    l->line = ps->tok.line;
    l->col = ps->tok.col;
    return parser_next(ps);
  }
  for (;;) {
    if (ps->tok.type != TOK_NAME) return parser_expected(ps, what);
    if (parser_is_keyword(ps->tok.text)) {
      policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                      "'%s' is a keyword and cannot be used as a name", ps->tok.text);
      return -1;
    }
    if (parser_list_push(ps, l) != 0 || parser_next(ps) != 0) return -1;
    if (ps->tok.type != TOK_COMMA) return 0;
    if (parser_next(ps) != 0) return -1;
  }
}

/* "(" string { "," string } ")" or, for levels, "(" name { "," name } ")". */
static int parser_value_list(parser *ps, pol_list *l, enum policy_tok type, const char *what) {
  if (ps->tok.type != TOK_LPAREN) return parser_expected(ps, "'('");
  if (parser_next(ps) != 0) return -1;
  for (;;) {
    if (ps->tok.type != type) return parser_expected(ps, what);
    if (parser_list_push(ps, l) != 0 || parser_next(ps) != 0) return -1;
    if (ps->tok.type == TOK_RPAREN) return parser_next(ps);
    if (ps->tok.type != TOK_COMMA) return parser_expected(ps, "',' or ')'");
    if (parser_next(ps) != 0) return -1;
  }
}

/* condition = "level" ("=" level | "in" "(" levels ")")
 *           | ("area"|"purpose") ("present" | "absent" | "=" string | "in" "(" strings ")") */
static int parser_condition(parser *ps, pol_rule *r) {
  if (parser_grow((void **)&r->conds, &r->capconds, r->nconds, sizeof r->conds[0]) != 0)
    return parser_oom(ps);
  pol_cond *c = &r->conds[r->nconds++];
  c->line = ps->tok.line;
  c->col = ps->tok.col;
  if (parser_at_name(ps, "level")) {
    c->attr = ATTR_LEVEL;
  } else if (parser_at_name(ps, "area")) {
    c->attr = ATTR_AREA;
  } else if (parser_at_name(ps, "purpose")) {
    c->attr = ATTR_PURPOSE;
  } else {
    return parser_expected(ps, "a condition on 'level', 'area' or 'purpose'");
  }
  if (parser_next(ps) != 0) return -1;
  bool is_level = c->attr == ATTR_LEVEL;
  enum policy_tok vtype = is_level ? TOK_NAME : TOK_STRING;
  const char *vwhat = is_level ? "a level (area, group or individual)" : "a string";
  c->op = OP_IN;
  if (!is_level && parser_at_name(ps, "present")) {
    c->op = OP_PRESENT;
    return parser_next(ps);
  }
  if (!is_level && parser_at_name(ps, "absent")) {
    c->op = OP_ABSENT;
    return parser_next(ps);
  }
  if (ps->tok.type == TOK_EQ) {
    if (parser_next(ps) != 0) return -1;
    if (ps->tok.type != vtype) return parser_expected(ps, vwhat);
    if (parser_list_push(ps, &c->vals) != 0) return -1;
    return parser_next(ps);
  }
  if (parser_at_name(ps, "in")) {
    if (parser_next(ps) != 0) return -1;
    return parser_value_list(ps, &c->vals, vtype, vwhat);
  }
  return parser_expected(ps, is_level ? "'=' or 'in'" : "'=', 'in', 'present' or 'absent'");
}

/* rule   = ("permit"|"forbid") [string] "role" names "action" names "class" names
 *          ["when" condition {"and" condition}]
 * intake = "intake" [string] "role" names "class" names ["when" condition {"and" condition}] */
static int parser_rule(parser *ps) {
  policy *p = ps->p;
  if (p->nrules >= POLICY_MAX_RULES) {
    policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                    "more than %d rules", POLICY_MAX_RULES);
    return -1;
  }
  if (parser_grow((void **)&p->rules, &p->caprules, p->nrules, sizeof p->rules[0]) != 0)
    return parser_oom(ps);
  pol_rule *r = &p->rules[p->nrules++];
  r->forbid = parser_at_name(ps, "forbid");
  r->intake = parser_at_name(ps, "intake");
  r->line = ps->tok.line;
  r->col = ps->tok.col;
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type == TOK_STRING) {
    if (ps->tok.len == 0) {
      policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                      "a rule name must not be empty");
      return -1;
    }
    r->name = strdup(ps->tok.text);
    if (r->name == NULL) return parser_oom(ps);
    if (parser_next(ps) != 0) return -1;
  }
  if (!parser_at_name(ps, "role")) return parser_expected(ps, "'role'");
  if (parser_next(ps) != 0 || parser_names(ps, &r->roles, true, "a role name or '*'") != 0)
    return -1;
  if (r->intake) {
    /* an intake rule's action is always 'submit': it says so by its keyword */
    if (parser_at_name(ps, "action")) {
      policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                      "an intake rule has no 'action' clause: it permits 'submit' only");
      return -1;
    }
  } else {
    if (!parser_at_name(ps, "action")) return parser_expected(ps, "',' or 'action'");
    if (parser_next(ps) != 0 ||
        parser_names(ps, &r->actions, true, "an action name or '*'") != 0)
      return -1;
  }
  if (!parser_at_name(ps, "class")) return parser_expected(ps, "',' or 'class'");
  if (parser_next(ps) != 0 || parser_names(ps, &r->classes, true, "a class name or '*'") != 0)
    return -1;
  if (!parser_at_name(ps, "when")) return 0;
  do {
    if (parser_next(ps) != 0 || parser_condition(ps, r) != 0) return -1;
  } while (parser_at_name(ps, "and"));
  return 0;
}

/* regime = "regime" string "{" { ("roles"|"classes") names [";"] } "}" */
static int parser_regime(parser *ps) {
  policy *p = ps->p;
  if (parser_grow((void **)&p->regimes, &p->capregimes, p->nregimes, sizeof p->regimes[0]) != 0)
    return parser_oom(ps);
  pol_regime *g = &p->regimes[p->nregimes++];
  g->line = ps->tok.line;
  g->col = ps->tok.col;
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_STRING) return parser_expected(ps, "the regime's name as a string");
  if (ps->tok.len == 0) {
    policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                    "a regime name must not be empty");
    return -1;
  }
  g->name = strdup(ps->tok.text);
  if (g->name == NULL) return parser_oom(ps);
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_LBRACE) return parser_expected(ps, "'{'");
  if (parser_next(ps) != 0) return -1;
  while (ps->tok.type != TOK_RBRACE) {
    bool roles = parser_at_name(ps, "roles");
    if (!roles && !parser_at_name(ps, "classes"))
      return parser_expected(ps, "'roles', 'classes' or '}'");
    bool *have = roles ? &g->have_roles : &g->have_classes;
    if (*have) {
      policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                      "regime \"%s\" already has a '%s' line", g->name, ps->tok.text);
      return -1;
    }
    *have = true;
    if (parser_next(ps) != 0) return -1;
    if (parser_names(ps, roles ? &g->roles : &g->classes, false,
                     roles ? "a role name" : "a class name") != 0)
      return -1;
    if (ps->tok.type == TOK_SEMI && parser_next(ps) != 0) return -1;
    if (ps->tok.type != TOK_RBRACE && ps->tok.type != TOK_NAME)
      return parser_expected(ps, "',', ';' or '}'");
  }
  if (!g->have_roles || !g->have_classes) {
    policy_diag_add(ps->diag, ps->lx.file, g->line, g->col, -1, "regime \"%s\" has no '%s' line",
                    g->name, g->have_roles ? "classes" : "roles");
    return -1;
  }
  return parser_next(ps);
}

/* Copy the current token (a name) into id and move on. */
static int parser_ident(parser *ps, pol_ident *id, const char *what) {
  if (ps->tok.type != TOK_NAME) return parser_expected(ps, what);
  id->name = strdup(ps->tok.text);
  if (id->name == NULL) return parser_oom(ps);
  id->line = ps->tok.line;
  id->col = ps->tok.col;
  return parser_next(ps);
}

/* The rest of "expect retain" CLASS ( "none" | "at" "most" number unit ), after "retain". */
static int parser_expect_retain(parser *ps, pol_expect *e) {
  e->retain = true;
  if (parser_next(ps) != 0 || parser_ident(ps, &e->klass, "a class name") != 0) return -1;
  if (parser_at_name(ps, "none")) {
    e->want_none = true;
    return parser_next(ps);
  }
  if (!parser_at_name(ps, "at")) return parser_expected(ps, "'none' or 'at most'");
  if (parser_next(ps) != 0) return -1;
  if (!parser_at_name(ps, "most")) return parser_expected(ps, "'most'");
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_NUMBER) return parser_expected(ps, "a number");
  e->amount = ps->tok.number;
  e->amount_line = ps->tok.line;
  e->amount_col = ps->tok.col;
  if (parser_next(ps) != 0) return -1;
  return parser_ident(ps, &e->unit, "a unit of time (days, weeks, months, years, ...)");
}

/* expectation = "expect" ("permit"|"deny") role action class
 *               { "level" level | "area" string | "purpose" string } ["by" (string|"default")]
 *             | "expect" "retain" class ("none" | "at" "most" number unit) */
static int parser_expectation(parser *ps) {
  policy *p = ps->p;
  if (parser_grow((void **)&p->expects, &p->capexpects, p->nexpects, sizeof p->expects[0]) != 0)
    return parser_oom(ps);
  pol_expect *e = &p->expects[p->nexpects++];
  e->line = ps->tok.line;
  e->col = ps->tok.col;
  e->role_id = e->action_id = e->class_id = -1;
  if (parser_next(ps) != 0) return -1;
  if (parser_at_name(ps, "retain")) return parser_expect_retain(ps, e);
  if (parser_at_name(ps, "permit")) {
    e->want_permit = true;
  } else if (!parser_at_name(ps, "deny")) {
    return parser_expected(ps, "'permit', 'deny' or 'retain'");
  }
  if (parser_next(ps) != 0) return -1;
  pol_ident *parts[3] = {&e->role, &e->action, &e->klass};
  const char *what[3] = {"a role name", "an action name", "a class name"};
  for (int i = 0; i < 3; i++) {
    if (ps->tok.type != TOK_NAME) return parser_expected(ps, what[i]);
    parts[i]->name = strdup(ps->tok.text);
    if (parts[i]->name == NULL) return parser_oom(ps);
    parts[i]->line = ps->tok.line;
    parts[i]->col = ps->tok.col;
    if (parser_next(ps) != 0) return -1;
  }
  for (;;) {
    if (parser_at_name(ps, "level")) {
      if (parser_next(ps) != 0) return -1;
      int lv = ps->tok.type == TOK_NAME ? policy_level_parse(ps->tok.text) : -1;
      if (lv < 0) return parser_expected(ps, "a level (none, area, group or individual)");
      e->level = lv;
    } else if (parser_at_name(ps, "area") || parser_at_name(ps, "purpose")) {
      bool is_purpose = parser_at_name(ps, "purpose");
      char **slot = is_purpose ? &e->purpose : &e->area;
      if (*slot != NULL) {
        policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                        "'%s' given twice in an expectation", ps->tok.text);
        return -1;
      }
      if (parser_next(ps) != 0) return -1;
      if (ps->tok.type != TOK_STRING) return parser_expected(ps, "a string");
      if (is_purpose) {
        e->purpose_line = ps->tok.line;
        e->purpose_col = ps->tok.col;
      }
      *slot = strdup(ps->tok.text);
      if (*slot == NULL) return parser_oom(ps);
    } else {
      break;
    }
    if (parser_next(ps) != 0) return -1;
  }
  if (!parser_at_name(ps, "by")) return 0;
  e->have_by = true;
  if (parser_next(ps) != 0) return -1;
  e->by_line = ps->tok.line;
  e->by_col = ps->tok.col;
  if (ps->tok.type == TOK_STRING) {
    e->by = strdup(ps->tok.text);
    if (e->by == NULL) return parser_oom(ps);
  } else if (!parser_at_name(ps, "default")) {
    return parser_expected(ps, "a rule name as a string or 'default'");
  }
  return parser_next(ps);
}

/* setting = "set" name "=" (number | string) */
static int parser_setting(parser *ps) {
  policy *p = ps->p;
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_NAME) return parser_expected(ps, "a setting name");
  if (parser_grow((void **)&p->settings, &p->capsettings, p->nsettings, sizeof p->settings[0]) !=
      0)
    return parser_oom(ps);
  pol_setting *s = &p->settings[p->nsettings++];
  s->line = ps->tok.line;
  s->col = ps->tok.col;
  s->name = strdup(ps->tok.text);
  if (s->name == NULL) return parser_oom(ps);
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_EQ) return parser_expected(ps, "'='");
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type == TOK_NUMBER) {
    s->number = ps->tok.number;
  } else if (ps->tok.type == TOK_STRING) {
    s->is_string = true;
    s->string = strdup(ps->tok.text);
    if (s->string == NULL) return parser_oom(ps);
  } else {
    return parser_expected(ps, "a number or a string");
  }
  return parser_next(ps);
}

/* The string after the context word `word` (basis, description) into *out, with its place. */
static int parser_purpose_field(parser *ps, const char *word, char **out, int *line, int *col) {
  if (!parser_at_name(ps, word)) {
    char what[32];
    snprintf(what, sizeof what, "'%s'", word);
    return parser_expected(ps, what);
  }
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_STRING) return parser_expected(ps, "a string");
  *line = ps->tok.line;
  *col = ps->tok.col;
  *out = strdup(ps->tok.text);
  if (*out == NULL) return parser_oom(ps);
  return parser_next(ps);
}

/* purposes = "purposes" "{" { name "basis" string "description" string [";"] } "}" */
static int parser_purposes(parser *ps) {
  policy *p = ps->p;
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_LBRACE) return parser_expected(ps, "'{'");
  if (parser_next(ps) != 0) return -1;
  while (ps->tok.type != TOK_RBRACE) {
    if (ps->tok.type != TOK_NAME) return parser_expected(ps, "a purpose code or '}'");
    if (parser_is_keyword(ps->tok.text)) {
      policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                      "'%s' is a keyword and cannot be used as a name", ps->tok.text);
      return -1;
    }
    if (p->npurposes >= POLICY_MAX_PURPOSES) {
      policy_diag_add(ps->diag, ps->lx.file, ps->tok.line, ps->tok.col, -1,
                      "more than %d purposes", POLICY_MAX_PURPOSES);
      return -1;
    }
    if (parser_grow((void **)&p->purposes, &p->cappurposes, p->npurposes,
                    sizeof p->purposes[0]) != 0)
      return parser_oom(ps);
    pol_purpose *u = &p->purposes[p->npurposes++];
    u->code.line = ps->tok.line;
    u->code.col = ps->tok.col;
    u->code.name = strdup(ps->tok.text);
    if (u->code.name == NULL) return parser_oom(ps);
    if (parser_next(ps) != 0) return -1;
    if (parser_purpose_field(ps, "basis", &u->basis, &u->basis_line, &u->basis_col) != 0 ||
        parser_purpose_field(ps, "description", &u->description, &u->desc_line,
                             &u->desc_col) != 0)
      return -1;
    if (ps->tok.type == TOK_SEMI && parser_next(ps) != 0) return -1;
  }
  return parser_next(ps);
}

/* retention = "retain" name {"," name} number name */
static int parser_retain(parser *ps) {
  policy *p = ps->p;
  if (parser_grow((void **)&p->retains, &p->capretains, p->nretains, sizeof p->retains[0]) != 0)
    return parser_oom(ps);
  pol_retain *t = &p->retains[p->nretains++];
  t->line = ps->tok.line;
  t->col = ps->tok.col;
  if (parser_next(ps) != 0 || parser_names(ps, &t->classes, false, "a class name") != 0)
    return -1;
  if (ps->tok.type != TOK_NUMBER) return parser_expected(ps, "',' or a number");
  t->amount = ps->tok.number;
  t->amount_line = ps->tok.line;
  t->amount_col = ps->tok.col;
  if (parser_next(ps) != 0) return -1;
  if (ps->tok.type != TOK_NAME)
    return parser_expected(ps, "a unit of time (days, weeks, months, years, ...)");
  t->unit.name = strdup(ps->tok.text);
  if (t->unit.name == NULL) return parser_oom(ps);
  t->unit.line = ps->tok.line;
  t->unit.col = ps->tok.col;
  return parser_next(ps);
}

/* declaration = ("roles"|"actions"|"classes") name {"," name} */
static int parser_declaration(parser *ps, pol_names *names) {
  if (parser_next(ps) != 0) return -1;
  pol_list l;
  memset(&l, 0, sizeof l);
  int rc = parser_names(ps, &l, false, "a name");
  for (int i = 0; i < l.n; i++) {
    if (rc == 0 && parser_grow((void **)&names->v, &names->cap, names->n, sizeof names->v[0]) != 0)
      rc = parser_oom(ps);
    if (rc == 0) {
      names->v[names->n++] = l.v[i];
    } else {
      free(l.v[i].name);
    }
  }
  free(l.v);
  return rc;
}

int policy_parse(policy *p, policy_diag *diag) {
  assert(p != NULL);
  parser ps;
  memset(&ps, 0, sizeof ps);
  ps.p = p;
  ps.diag = diag;
  policy_lexer_init(&ps.lx, p->file, p->source, p->source_len);
  if (parser_next(&ps) != 0) return -1;
  while (ps.tok.type != TOK_EOF) {
    int rc;
    if (parser_at_name(&ps, "roles")) {
      rc = parser_declaration(&ps, &p->roles);
    } else if (parser_at_name(&ps, "actions")) {
      rc = parser_declaration(&ps, &p->actions);
    } else if (parser_at_name(&ps, "classes")) {
      rc = parser_declaration(&ps, &p->classes);
    } else if (parser_at_name(&ps, "regime")) {
      rc = parser_regime(&ps);
    } else if (parser_at_name(&ps, "set")) {
      rc = parser_setting(&ps);
    } else if (parser_at_name(&ps, "purposes")) {
      rc = parser_purposes(&ps);
    } else if (parser_at_name(&ps, "permit") || parser_at_name(&ps, "forbid") ||
               parser_at_name(&ps, "intake")) {
      rc = parser_rule(&ps);
    } else if (parser_at_name(&ps, "retain")) {
      rc = parser_retain(&ps);
    } else if (parser_at_name(&ps, "expect")) {
      rc = parser_expectation(&ps);
    } else {
      rc = parser_expected(&ps, "a statement (roles, actions, classes, purposes, regime, set, "
                                "permit, forbid, intake, retain or expect)");
    }
    if (rc != 0) return -1;
    if (ps.tok.type == TOK_SEMI) {
      if (parser_next(&ps) != 0) return -1;
    } else if (ps.tok.type != TOK_EOF &&
               !(ps.tok.type == TOK_NAME && parser_is_keyword(ps.tok.text))) {
      return parser_expected(&ps, "';' or the next statement");
    }
  }
  return 0;
}

/* test_policy_parser.c -- the policy grammar: accepted forms and every syntax error with its position. */
#include <stdlib.h>

#include "policy.h"
#include "task.h"

static policy_diag diag;

/* Load text; expect failure with exactly one error; return it. */
static const char *parse_error(const char *text) {
  policy *p = policy_load_text("t.policy", text, strlen(text), &diag);
  if (p != NULL) TASK_FAIL("policy unexpectedly loaded: %s", text);
  ASSERT_INT_EQ(diag.count, 1);
  return diag.errors[0].text;
}

static policy *parse_ok(const char *text) {
  policy *p = policy_load_text("t.policy", text, strlen(text), &diag);
  if (p == NULL) TASK_FAIL("policy failed to load: %s", diag.count ? diag.errors[0].text : "?");
  return p;
}

#define DECLS "roles a, b\nactions r, w\nclasses c, d\n"

static void test_accepted_forms(void) {
  policy *p = parse_ok("");
  ASSERT_INT_EQ(policy_rule_count(p), 0);
  ASSERT_INT_EQ(policy_role_count(p), 0);
  policy_free(p);

  /* statements on one line, optional semicolons, declarations after use, several declarations */
  p = parse_ok("permit role a action r class c; roles a; roles b actions r, w; classes c\n"
               "classes d; set min_group_size = 7;\n"
               "regime \"g\" { roles a; classes d; }\n"
               "forbid \"f\" role * action * class * when level in (none, area) and "
               "purpose in (\"x\", \"y\") and area = \"z\" and area present;\n"
               "permit \"p\"\n  role a, b\n  action w\n  class c\n  when purpose absent\n"
               "expect permit a r c; expect deny a r d level area area \"z\" purpose \"x\" "
               "by \"f\"\nexpect deny b w d by default\n"
               "purposes { x basis \"b\" description \"d\"; y basis \"b\" description \"d\" }\n");
  ASSERT_INT_EQ(policy_rule_count(p), 3);
  ASSERT_INT_EQ(policy_role_count(p), 2);
  ASSERT_INT_EQ(policy_action_count(p), 2);
  ASSERT_INT_EQ(policy_class_count(p), 2);
  ASSERT_INT_EQ(policy_expect_count(p), 3);
  ASSERT_INT_EQ(policy_min_group_size(p), 7);
  ASSERT(policy_rule_name(p, 0) == NULL);
  ASSERT_STR_EQ(policy_rule_name(p, 1), "f");
  ASSERT(policy_rule_is_forbid(p, 1));
  ASSERT(!policy_rule_is_forbid(p, 2));
  ASSERT_INT_EQ(policy_rule_line(p, 2), 5);
  ASSERT_STR_EQ(policy_role_name(p, 1), "b");
  ASSERT(policy_role_name(p, 2) == NULL);
  ASSERT(policy_role_name(p, -1) == NULL);
  ASSERT_INT_EQ(policy_class(p, "d"), 1);
  ASSERT_INT_EQ(policy_class(p, "e"), -1);
  char buf[256];
  policy_expect_text(p, 1, buf, sizeof buf);
  ASSERT_STR_EQ(buf, "expect deny a r d level area area \"z\" purpose \"x\" by \"f\"");
  policy_expect_text(p, 2, buf, sizeof buf);
  ASSERT_STR_EQ(buf, "expect deny b w d by default");
  size_t len;
  const char *src = policy_source(p, &len);
  ASSERT(len > 100 && strncmp(src, "permit role a", 13) == 0);
  ASSERT_STR_EQ(policy_filename(p), "t.policy");
  policy_free(p);

  /* names that are words elsewhere in the grammar are fine: classes area, group; role "when" */
  p = parse_ok("roles when, level\nactions in\nclasses area, group\n"
               "permit role when, level action in class area, group when level = area\n");
  ASSERT_INT_EQ(policy_class(p, "area"), 0);
  policy_free(p);
}

static void test_statement_errors(void) {
  ASSERT_STR_EQ(parse_error("roles a\nallow a"),
                "t.policy:2:1: expected ';' or the next statement, found 'allow'");
  ASSERT_STR_EQ(parse_error("\n  allow a"),
                "t.policy:2:3: expected a statement (roles, actions, classes, purposes, regime, "
                "set, permit, forbid, intake, retain or expect), found 'allow'");
  ASSERT_STR_EQ(parse_error("roles a b"), "t.policy:1:9: expected ';' or the next statement, "
                                          "found 'b'");
  ASSERT_STR_EQ(parse_error("roles"), "t.policy:1:6: expected a name, found end of file");
  ASSERT_STR_EQ(parse_error("roles a,"), "t.policy:1:9: expected a name, found end of file");
  ASSERT_STR_EQ(parse_error("roles a, permit"),
                "t.policy:1:10: 'permit' is a keyword and cannot be used as a name");
  ASSERT_STR_EQ(parse_error("classes \"x\""),
                "t.policy:1:9: expected a name, found string \"x\"");
  ASSERT_STR_EQ(parse_error(";"), "t.policy:1:1: expected a statement (roles, actions, classes, "
                                  "purposes, regime, set, permit, forbid, intake, retain or "
                                  "expect), found ';'");
  /* the new statement words are keywords */
  ASSERT_STR_EQ(parse_error("roles a, intake"),
                "t.policy:1:10: 'intake' is a keyword and cannot be used as a name");
  ASSERT_STR_EQ(parse_error("classes retain"),
                "t.policy:1:9: 'retain' is a keyword and cannot be used as a name");
  ASSERT_STR_EQ(parse_error("roles purposes"),
                "t.policy:1:7: 'purposes' is a keyword and cannot be used as a name");
}

static void test_setting_errors(void) {
  ASSERT_STR_EQ(parse_error("set = 3"), "t.policy:1:5: expected a setting name, found '='");
  ASSERT_STR_EQ(parse_error("set x 3"), "t.policy:1:7: expected '=', found number 3");
  ASSERT_STR_EQ(parse_error("set x = y"),
                "t.policy:1:9: expected a number or a string, found 'y'");
}

static void test_rule_errors(void) {
  ASSERT_STR_EQ(parse_error(DECLS "permit a"), "t.policy:4:8: expected 'role', found 'a'");
  ASSERT_STR_EQ(parse_error(DECLS "permit \"\" role a action r class c"),
                "t.policy:4:8: a rule name must not be empty");
  ASSERT_STR_EQ(parse_error(DECLS "permit role"),
                "t.policy:4:12: expected a role name or '*', found end of file");
  ASSERT_STR_EQ(parse_error(DECLS "permit role a b"),
                "t.policy:4:15: expected ',' or 'action', found 'b'");
  ASSERT_STR_EQ(parse_error(DECLS "permit role * action"),
                "t.policy:4:21: expected an action name or '*', found end of file");
  ASSERT_STR_EQ(parse_error(DECLS "permit role * action r clas c"),
                "t.policy:4:24: expected ',' or 'class', found 'clas'");
  ASSERT_STR_EQ(parse_error(DECLS "permit role * action r class ,"),
                "t.policy:4:30: expected a class name or '*', found ','");
  ASSERT_STR_EQ(parse_error(DECLS "permit role * action r class c wen"),
                "t.policy:4:32: expected ';' or the next statement, found 'wen'");
  ASSERT_STR_EQ(parse_error(DECLS "permit role expect action r class c"),
                "t.policy:4:13: 'expect' is a keyword and cannot be used as a name");
}

/* The forms of the declarations and rules added for purposes, intake and retention. */
static void test_new_forms(void) {
  /* several purposes blocks, entries over lines, with and without ';', comments between */
  policy *p = parse_ok("purposes {\n  forebyggelse # prevention\n    basis \"Retsplejeloven\"\n"
                       "    description \"Forebyggelse\";\n  bekymring basis \"b\" description "
                       "\"d\"\n}\npurposes { } purposes { x basis \"b\" description \"d\" };\n"
                       "roles a, x\nactions submit\nclasses s, c, k\n"
                       "regime \"g\" { roles a; classes s }\n"
                       "intake \"in\"\n  role x\n  class s\n  when purpose = \"bekymring\";\n"
                       "intake role a class s\n"
                       "retain s 1 year; retain c 2 days\n"
                       "expect permit x submit s purpose \"bekymring\" by \"in\"\n"
                       "expect retain s at most 1 year; expect retain k none\n"
                       "permit role x action submit class c\n"
                       "expect retain c at most 3 days\n");
  ASSERT_INT_EQ(policy_purpose_count(p), 3);
  ASSERT_STR_EQ(policy_purpose_at(p, 0)->code, "forebyggelse");
  ASSERT_STR_EQ(policy_purpose_at(p, 0)->basis, "Retsplejeloven");
  ASSERT_INT_EQ(policy_purpose_at(p, 0)->line, 2);
  ASSERT_STR_EQ(policy_purpose_at(p, 2)->code, "x");
  ASSERT_INT_EQ(policy_rule_count(p), 3);
  ASSERT(policy_rule_is_intake(p, 0));
  ASSERT(policy_rule_is_intake(p, 1));
  ASSERT_INT_EQ(policy_rule_line(p, 0), 12);
  ASSERT_INT_EQ(policy_expect_count(p), 4);
  char buf[128];
  policy_expect_text(p, 1, buf, sizeof buf);
  ASSERT_STR_EQ(buf, "expect retain s at most 1 year");
  ASSERT_INT_EQ(policy_expect_count(p), 4);
  ASSERT_INT_EQ(policy_expect_run_all(p), 0);
  policy_expect_text(p, 2, buf, sizeof buf);
  ASSERT_STR_EQ(buf, "expect retain k none");
  policy_free(p);
}

static void test_new_form_errors(void) {
  ASSERT_STR_EQ(parse_error("purposes x"), "t.policy:1:10: expected '{', found 'x'");
  ASSERT_STR_EQ(parse_error("purposes { \"x\" }"),
                "t.policy:1:12: expected a purpose code or '}', found string \"x\"");
  ASSERT_STR_EQ(parse_error("purposes { x }"), "t.policy:1:14: expected 'basis', found '}'");
  ASSERT_STR_EQ(parse_error("purposes { x basis y }"),
                "t.policy:1:20: expected a string, found 'y'");
  ASSERT_STR_EQ(parse_error("purposes { x basis \"b\" }"),
                "t.policy:1:24: expected 'description', found '}'");
  ASSERT_STR_EQ(parse_error("purposes { x description \"d\" basis \"b\" }"),
                "t.policy:1:14: expected 'basis', found 'description'");
  ASSERT_STR_EQ(parse_error("purposes { x basis \"b\" description 3 }"),
                "t.policy:1:36: expected a string, found number 3");
  ASSERT_STR_EQ(parse_error("purposes { x basis \"b\" description \"d\""),
                "t.policy:1:39: expected a purpose code or '}', found end of file");
  ASSERT_STR_EQ(parse_error("purposes { permit basis \"b\" description \"d\" }"),
                "t.policy:1:12: 'permit' is a keyword and cannot be used as a name");

  ASSERT_STR_EQ(parse_error(DECLS "intake role a action r class c"),
                "t.policy:4:15: an intake rule has no 'action' clause: it permits 'submit' only");
  ASSERT_STR_EQ(parse_error(DECLS "intake role a"),
                "t.policy:4:14: expected ',' or 'class', found end of file");
  ASSERT_STR_EQ(parse_error(DECLS "intake class c"), "t.policy:4:8: expected 'role', found 'class'");
  ASSERT_STR_EQ(parse_error(DECLS "intake \"\" role a class c"),
                "t.policy:4:8: a rule name must not be empty");

  ASSERT_STR_EQ(parse_error(DECLS "retain 2 years"),
                "t.policy:4:8: expected a class name, found number 2");
  ASSERT_STR_EQ(parse_error(DECLS "retain * 2 years"),
                "t.policy:4:8: expected a class name, found '*'");
  ASSERT_STR_EQ(parse_error(DECLS "retain c years"),
                "t.policy:4:10: expected ',' or a number, found 'years'");
  ASSERT_STR_EQ(parse_error(DECLS "retain c 2"),
                "t.policy:4:11: expected a unit of time (days, weeks, months, years, ...), found "
                "end of file");
  ASSERT_STR_EQ(parse_error(DECLS "retain c 2 \"years\""),
                "t.policy:4:12: expected a unit of time (days, weeks, months, years, ...), found "
                "string \"years\"");

  ASSERT_STR_EQ(parse_error(DECLS "expect retain"),
                "t.policy:4:14: expected a class name, found end of file");
  ASSERT_STR_EQ(parse_error(DECLS "expect retain c"),
                "t.policy:4:16: expected 'none' or 'at most', found end of file");
  ASSERT_STR_EQ(parse_error(DECLS "expect retain c 2 years"),
                "t.policy:4:17: expected 'none' or 'at most', found number 2");
  ASSERT_STR_EQ(parse_error(DECLS "expect retain c at 2 years"),
                "t.policy:4:20: expected 'most', found number 2");
  ASSERT_STR_EQ(parse_error(DECLS "expect retain c at most years"),
                "t.policy:4:25: expected a number, found 'years'");
  ASSERT_STR_EQ(parse_error(DECLS "expect retain c at most 2"),
                "t.policy:4:26: expected a unit of time (days, weeks, months, years, ...), found "
                "end of file");
  ASSERT_STR_EQ(parse_error(DECLS "expect keep c"),
                "t.policy:4:8: expected 'permit', 'deny' or 'retain', found 'keep'");
}

static void test_condition_errors(void) {
  const char *head = DECLS "permit role * action * class * when ";
  char buf[512];
#define COND_ERR(cond) (snprintf(buf, sizeof buf, "%s%s", head, cond), parse_error(buf))
  ASSERT_STR_EQ(COND_ERR("who = a"),
                "t.policy:4:37: expected a condition on 'level', 'area' or 'purpose', found 'who'");
  ASSERT_STR_EQ(COND_ERR("level group"), "t.policy:4:43: expected '=' or 'in', found 'group'");
  ASSERT_STR_EQ(COND_ERR("level present"),
                "t.policy:4:43: expected '=' or 'in', found 'present'");
  ASSERT_STR_EQ(COND_ERR("level = \"area\""),
                "t.policy:4:45: expected a level (area, group or individual), found string "
                "\"area\"");
  ASSERT_STR_EQ(COND_ERR("level in area"), "t.policy:4:46: expected '(', found 'area'");
  ASSERT_STR_EQ(COND_ERR("level in (area group)"),
                "t.policy:4:52: expected ',' or ')', found 'group'");
  ASSERT_STR_EQ(COND_ERR("level in ()"),
                "t.policy:4:47: expected a level (area, group or individual), found ')'");
  ASSERT_STR_EQ(COND_ERR("purpose = x"), "t.policy:4:47: expected a string, found 'x'");
  ASSERT_STR_EQ(COND_ERR("purpose is"),
                "t.policy:4:45: expected '=', 'in', 'present' or 'absent', found 'is'");
  ASSERT_STR_EQ(COND_ERR("area in (\"x\", y)"), "t.policy:4:51: expected a string, found 'y'");
  ASSERT_STR_EQ(COND_ERR("area present and"),
                "t.policy:4:53: expected a condition on 'level', 'area' or 'purpose', found end "
                "of file");
#undef COND_ERR
}

static void test_regime_errors(void) {
  ASSERT_STR_EQ(parse_error(DECLS "regime ssp"),
                "t.policy:4:8: expected the regime's name as a string, found 'ssp'");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"\" { roles a classes c }"),
                "t.policy:4:8: a regime name must not be empty");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" roles a"),
                "t.policy:4:12: expected '{', found 'roles'");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" { members a }"),
                "t.policy:4:14: expected 'roles', 'classes' or '}', found 'members'");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" { roles a; roles b }"),
                "t.policy:4:23: regime \"g\" already has a 'roles' line");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" { roles a }"),
                "t.policy:4:1: regime \"g\" has no 'classes' line");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" {\n classes c\n}"),
                "t.policy:4:1: regime \"g\" has no 'roles' line");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" { roles a ( }"),
                "t.policy:4:22: expected ',', ';' or '}', found '('");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" { roles * classes c }"),
                "t.policy:4:20: expected a role name, found '*'");
  ASSERT_STR_EQ(parse_error(DECLS "regime \"g\" { roles a classes c"),
                "t.policy:4:31: expected ',', ';' or '}', found end of file");
}

static void test_expect_errors(void) {
  ASSERT_STR_EQ(parse_error(DECLS "expect maybe a r c"),
                "t.policy:4:8: expected 'permit', 'deny' or 'retain', found 'maybe'");
  ASSERT_STR_EQ(parse_error(DECLS "expect deny a r"),
                "t.policy:4:16: expected a class name, found end of file");
  ASSERT_STR_EQ(parse_error(DECLS "expect deny * r c"),
                "t.policy:4:13: expected a role name, found '*'");
  ASSERT_STR_EQ(parse_error(DECLS "expect deny a r c level high"),
                "t.policy:4:25: expected a level (none, area, group or individual), found 'high'");
  ASSERT_STR_EQ(parse_error(DECLS "expect deny a r c purpose \"x\" purpose \"y\""),
                "t.policy:4:31: 'purpose' given twice in an expectation");
  ASSERT_STR_EQ(parse_error(DECLS "expect deny a r c area x"),
                "t.policy:4:24: expected a string, found 'x'");
  ASSERT_STR_EQ(parse_error(DECLS "expect deny a r c by 3"),
                "t.policy:4:22: expected a rule name as a string or 'default', found number 3");
  ASSERT_STR_EQ(parse_error(DECLS "expect deny a r c d"),
                "t.policy:4:19: expected ';' or the next statement, found 'd'");
}

static void test_lexer_error_through_load(void) {
  ASSERT_STR_EQ(parse_error(DECLS "permit role a action r class c when purpose = \"x"),
                "t.policy:4:47: unterminated string");
}

static void test_rule_limit(void) {
  const char *rule = "permit role a action r class c\n";
  size_t rl = strlen(rule), n = (size_t)POLICY_MAX_RULES + 1;
  char *text = malloc(n * rl + 64);
  ASSERT(text != NULL);
  size_t len = (size_t)sprintf(text, DECLS);
  for (size_t i = 0; i < n; i++, len += rl) memcpy(text + len, rule, rl);
  policy *p = policy_load_text("t.policy", text, len, &diag);
  ASSERT(p == NULL);
  ASSERT_STR_EQ(diag.errors[0].text, "t.policy:65539:1: more than 65535 rules");
  p = policy_load_text("t.policy", text, len - rl, &diag); /* exactly the limit */
  ASSERT(p != NULL);
  ASSERT_INT_EQ(policy_rule_count(p), POLICY_MAX_RULES);
  policy_free(p);
  free(text);
}

int main(void) {
  RUN_TEST(test_accepted_forms);
  RUN_TEST(test_statement_errors);
  RUN_TEST(test_setting_errors);
  RUN_TEST(test_rule_errors);
  RUN_TEST(test_new_forms);
  RUN_TEST(test_new_form_errors);
  RUN_TEST(test_condition_errors);
  RUN_TEST(test_regime_errors);
  RUN_TEST(test_expect_errors);
  RUN_TEST(test_lexer_error_through_load);
  RUN_TEST(test_rule_limit);
  return 0;
}

/* test_policy_check.c -- static checks: names, settings, regimes, impossible conditions, the regime proof. */
#include "policy.h"
#include "task.h"

static policy_diag diag;

/* Load text expecting failure; return the number of errors. */
static int check_fail(const char *text) {
  policy *p = policy_load_text("t.policy", text, strlen(text), &diag);
  if (p != NULL) TASK_FAIL("policy unexpectedly loaded: %s", text);
  return diag.total;
}

/* Load text expecting exactly one error; return it. */
static const char *check_error(const char *text) {
  int n = check_fail(text);
  if (n != 1) TASK_FAIL("%d errors, first: %s", n, diag.errors[0].text);
  return diag.errors[0].text;
}

static policy *check_ok(const char *text) {
  policy *p = policy_load_text("t.policy", text, strlen(text), &diag);
  if (p == NULL) TASK_FAIL("policy failed to load: %s", diag.count ? diag.errors[0].text : "?");
  return p;
}

#define DECLS "roles a, b, x\nactions r, w\nclasses c, d, s\n"
#define REGIME "regime \"g\" { roles a, b; classes s }\n"

static void test_declarations(void) {
  ASSERT_STR_EQ(check_error("roles a, b\nroles a"),
                "t.policy:2:7: duplicate role 'a' (first declared at line 1)");
  ASSERT_STR_EQ(check_error("actions r, r"),
                "t.policy:1:12: duplicate action 'r' (first declared at line 1)");
  ASSERT_STR_EQ(check_error("classes c\n\nclasses c"),
                "t.policy:3:9: duplicate class 'c' (first declared at line 1)");
  /* separate namespaces: a role and a class may share a name */
  policy_free(check_ok("roles x\nclasses x\nactions x\npermit role x action x class x"));
}

static void test_unknown_names(void) {
  ASSERT_STR_EQ(check_error(DECLS "permit role q action r class c"),
                "t.policy:4:13: unknown role 'q'");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action q class c"),
                "t.policy:4:22: unknown action 'q'");
  ASSERT_STR_EQ(check_error(DECLS "forbid role a action r class q"),
                "t.policy:4:30: unknown class 'q'");
  ASSERT_STR_EQ(check_error(DECLS "permit role a, a action r class c"),
                "t.policy:4:16: role 'a' listed twice");
  ASSERT_STR_EQ(check_error("roles a\nclasses c\npermit role a action * class c"),
                "t.policy:3:22: '*' matches no action: none are declared");
  ASSERT_INT_EQ(diag.errors[0].rule, 0);
  ASSERT_STR_EQ(check_error(DECLS "expect deny q r c"), "t.policy:4:13: unknown role 'q'");
  ASSERT_STR_EQ(check_error(DECLS "expect deny a q c"), "t.policy:4:15: unknown action 'q'");
  ASSERT_STR_EQ(check_error(DECLS "expect deny a r q"), "t.policy:4:17: unknown class 'q'");
  ASSERT_STR_EQ(check_error(DECLS "expect deny a r c by \"nope\""),
                "t.policy:4:22: no rule named 'nope'");
  ASSERT_STR_EQ(check_error(DECLS "expect permit a r c by default"),
                "t.policy:4:24: 'by default' only fits 'expect deny'");
}

static void test_rule_names(void) {
  ASSERT_STR_EQ(check_error(DECLS "permit \"p\" role a action r class c\n"
                                  "forbid \"p\" role a action r class d"),
                "t.policy:5:1: duplicate rule name 'p' (first used at line 4)");
  ASSERT_INT_EQ(diag.errors[0].rule, 1);
}

static void test_settings(void) {
  ASSERT_STR_EQ(check_error("set max_size = 3"),
                "t.policy:1:5: unknown setting 'max_size' (known: min_group_size)");
  ASSERT_STR_EQ(check_error("set min_group_size = 3\nset min_group_size = 4"),
                "t.policy:2:5: setting 'min_group_size' already set at line 1");
  ASSERT_STR_EQ(check_error("set min_group_size = \"5\""),
                "t.policy:1:5: min_group_size must be a number");
  ASSERT_STR_EQ(check_error("set min_group_size = 0"),
                "t.policy:1:5: min_group_size must be between 1 and 1000000");
  ASSERT_STR_EQ(check_error("set min_group_size = 1000001"),
                "t.policy:1:5: min_group_size must be between 1 and 1000000");
  policy *p = check_ok("");
  ASSERT_INT_EQ(policy_min_group_size(p), 5);
  policy_free(p);
  p = check_ok("set min_group_size = 12");
  ASSERT_INT_EQ(policy_min_group_size(p), 12);
  policy_free(p);
}

static void test_regime_declarations(void) {
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles q; classes s }"),
                "t.policy:4:20: regime \"g\" names unknown role 'q'");
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles a; classes q }"),
                "t.policy:4:31: regime \"g\" names unknown class 'q'");
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles a, a; classes s }"),
                "t.policy:4:23: role 'a' listed twice");
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles a; classes s, s }"),
                "t.policy:4:34: class 's' listed twice");
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles a; classes s }\n"
                                  "regime \"h\" { roles b; classes s }"),
                "t.policy:5:31: class 's' is already in regime \"g\"");
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles a; classes s }\n"
                                  "regime \"g\" { roles b; classes d }"),
                "t.policy:5:1: duplicate regime \"g\" (first at line 4)");
  policy *p = check_ok(DECLS REGIME "regime \"h\" { roles a; classes d }");
  ASSERT(policy_class_in_regime(p, policy_class(p, "s")));
  ASSERT(policy_class_in_regime(p, policy_class(p, "d")));
  ASSERT(!policy_class_in_regime(p, policy_class(p, "c")));
  ASSERT(!policy_class_in_regime(p, -1));
  ASSERT(!policy_class_in_regime(p, 3));
  ASSERT(policy_role_in_regime(p, policy_role(p, "a")));
  ASSERT(policy_role_in_regime(p, policy_role(p, "b")));
  ASSERT(!policy_role_in_regime(p, policy_role(p, "x")));
  ASSERT(policy_role_may_receive(p, policy_role(p, "b"), policy_class(p, "s")));
  ASSERT(!policy_role_may_receive(p, policy_role(p, "b"), policy_class(p, "d")));
  ASSERT(policy_role_may_receive(p, policy_role(p, "a"), policy_class(p, "d")));
  ASSERT(!policy_role_may_receive(p, policy_role(p, "x"), policy_class(p, "s")));
  ASSERT(policy_role_may_receive(p, policy_role(p, "x"), policy_class(p, "c")));
  ASSERT(!policy_role_may_receive(p, 7, policy_class(p, "c")));
  ASSERT_STR_EQ(policy_class_regime(p, policy_class(p, "d")), "h");
  ASSERT(policy_class_regime(p, policy_class(p, "c")) == NULL);
  policy_free(p);
}

static void test_conditions(void) {
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c when level = high"),
                "t.policy:4:45: unknown level 'high' (expected none, area, group or individual)");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c\n"
                                  "  when level = area and level in (group, individual)"),
                "t.policy:5:25: condition on level can never hold together with the rule's "
                "earlier conditions");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c\n"
                                  "  when purpose absent and purpose present"),
                "t.policy:5:27: condition on purpose can never hold together with the rule's "
                "earlier conditions");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c\n"
                                  "  when purpose = \"x\" and purpose absent"),
                "t.policy:5:26: condition on purpose can never hold together with the rule's "
                "earlier conditions");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c\n"
                                  "  when area absent and area = \"x\""),
                "t.policy:5:24: condition on area can never hold together with the rule's "
                "earlier conditions");
  ASSERT_STR_EQ(check_error(DECLS "forbid role a action r class c\n"
                                  "  when area in (\"x\", \"y\") and area = \"z\""),
                "t.policy:5:31: condition on area can never hold together with the rule's "
                "earlier conditions");
  ASSERT_INT_EQ(diag.errors[0].rule, 0);
  /* compatible conditions narrow each other and are fine */
  policy *p = check_ok(DECLS "permit role a action r class c\n"
                             "  when area in (\"x\", \"y\") and area = \"y\" and area present\n"
                             "  and level in (area, group) and level = group");
  policy_request rq = {0, 0, 0, POLICY_LEVEL_GROUP, "y", NULL};
  policy_decision d;
  policy_decide(p, &rq, &d);
  ASSERT(d.permit);
  rq.area = "x";
  policy_decide(p, &rq, &d);
  ASSERT(!d.permit);
  rq.area = "y";
  rq.level = POLICY_LEVEL_AREA;
  policy_decide(p, &rq, &d);
  ASSERT(!d.permit);
  policy_free(p);
}

static void test_regime_proof(void) {
  /* explicit role outside the regime */
  ASSERT_STR_EQ(check_error(DECLS REGIME "permit \"leak\" role a, x action r class s"),
                "t.policy:5:23: rule 'leak' permits role 'x' access to class 's', but regime "
                "\"g\" allows class 's' only to its own roles");
  ASSERT_INT_EQ(diag.errors[0].rule, 0);
  ASSERT_INT_EQ(diag.errors[0].line, 5);
  ASSERT_INT_EQ(diag.errors[0].col, 23);
  /* wildcard roles: reported at the star */
  ASSERT_STR_EQ(check_error(DECLS REGIME "permit role * action r class s"),
                "t.policy:5:13: the rule at line 5 permits role 'x' access to class 's', but "
                "regime \"g\" allows class 's' only to its own roles");
  /* wildcard classes include the regime class */
  ASSERT_STR_EQ(check_error(DECLS REGIME "permit \"all\" role x action r class *"),
                "t.policy:5:19: rule 'all' permits role 'x' access to class 's', but regime "
                "\"g\" allows class 's' only to its own roles");
  /* conditions do not excuse a crossing */
  ASSERT_STR_EQ(check_error(DECLS REGIME "permit \"p\" role x action * class s\n"
                                         "  when purpose = \"forebyggelse\" and level = individual"),
                "t.policy:5:17: rule 'p' permits role 'x' access to class 's', but regime \"g\" "
                "allows class 's' only to its own roles");
  /* a forbid elsewhere does not excuse it either */
  ASSERT_INT_EQ(check_fail(DECLS REGIME "forbid role x action * class s\n"
                                        "permit \"p\" role x action r class s"),
                1);
  ASSERT_INT_EQ(diag.errors[0].rule, 1);
  /* several crossing rules: each is reported */
  ASSERT_INT_EQ(check_fail(DECLS REGIME "permit role x action r class s\n"
                                        "permit role a action r class s\n"
                                        "permit role * action w class *\n"),
                2);
  ASSERT_INT_EQ(diag.errors[0].rule, 0);
  ASSERT_INT_EQ(diag.errors[1].rule, 2);
  /* forbids may name anyone; permits inside the regime are fine */
  policy *p = check_ok(DECLS REGIME "forbid role * action * class s when purpose absent\n"
                                    "permit role a, b action * class s\n"
                                    "permit role * action r class c, d\n");
  policy_free(p);
  /* a class outside any regime may go anywhere; a regime with no rules is fine */
  p = check_ok(DECLS "regime \"g\" { roles a; classes s }\npermit role * action * class c, d");
  policy_free(p);
}

static void test_many_errors(void) {
  /* all errors of a file are reported, not only the first */
  int n = check_fail(DECLS REGIME "roles a\n"
                                  "permit role q action r class c\n"
                                  "permit role x action r class s\n"
                                  "set colour = 1\n");
  ASSERT_INT_EQ(n, 4);
  ASSERT_STR_CONTAINS(diag.errors[0].text, "t.policy:5:7: duplicate role 'a'");
  char buf[4096];
  policy_diag_format(&diag, buf, sizeof buf);
  ASSERT_STR_CONTAINS(buf, "t.policy:6:13: unknown role 'q'\n");
  ASSERT_STR_CONTAINS(buf, "t.policy:7:13: the rule at line 7 permits role 'x'");
  ASSERT_STR_CONTAINS(buf, "t.policy:8:5: unknown setting 'colour'");
}

static void test_too_large(void) {
  /* 1024 roles x 256 actions x 8 classes cells exceed the compile cap */
  size_t cap = 64 * 1024;
  char *text = malloc(cap);
  ASSERT(text != NULL);
  size_t n = 0;
  n += (size_t)snprintf(text + n, cap - n, "roles r0");
  for (int i = 1; i < 1024; i++) n += (size_t)snprintf(text + n, cap - n, ",r%d", i);
  n += (size_t)snprintf(text + n, cap - n, "\nactions a0");
  for (int i = 1; i < 256; i++) n += (size_t)snprintf(text + n, cap - n, ",a%d", i);
  n += (size_t)snprintf(text + n, cap - n, "\nclasses c0,c1,c2,c3,c4,c5,c6,c7\n");
  policy *p = policy_load_text("t.policy", text, n, &diag);
  ASSERT(p == NULL);
  ASSERT_STR_CONTAINS(diag.errors[0].text, "t.policy:1:1: policy too large to compile");
  n += (size_t)snprintf(text + n, cap - n, "roles extra\n");
  p = policy_load_text("t.policy", text, n, &diag);
  ASSERT(p == NULL);
  ASSERT_STR_EQ(diag.errors[0].text, "t.policy:4:7: more than 1024 roles");
  free(text);
  p = policy_load_text("t.policy", "", POLICY_MAX_SOURCE + 1, &diag);
  ASSERT(p == NULL);
  ASSERT_STR_EQ(diag.errors[0].text, "t.policy: policy larger than 4194304 bytes");
}

int main(void) {
  RUN_TEST(test_declarations);
  RUN_TEST(test_unknown_names);
  RUN_TEST(test_rule_names);
  RUN_TEST(test_settings);
  RUN_TEST(test_regime_declarations);
  RUN_TEST(test_conditions);
  RUN_TEST(test_regime_proof);
  RUN_TEST(test_many_errors);
  RUN_TEST(test_too_large);
  return 0;
}

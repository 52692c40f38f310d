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
/* declared after the rules so that line numbers stay put */
#define PURPOSES "\npurposes { x basis \"b\" description \"d\" forebyggelse basis \"b\" description \"d\" }"

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
                                  "  when purpose absent and purpose present" PURPOSES),
                "t.policy:5:27: condition on purpose can never hold together with the rule's "
                "earlier conditions");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c\n"
                                  "  when purpose = \"x\" and purpose absent" PURPOSES),
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
                                         "  when purpose = \"forebyggelse\" and level = individual"
                                         PURPOSES),
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
  /* a fixed example with two regimes: a role of one regime may not reach the other's class */
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles a; classes s }\n"
                                  "regime \"h\" { roles b; classes d }\n"
                                  "permit \"both\" role a, b action r class s, d\n"),
                "t.policy:6:20: rule 'both' permits role 'a' access to class 'd', but regime "
                "\"h\" allows class 'd' only to its own roles");
  ASSERT_STR_EQ(check_error(DECLS "regime \"g\" { roles a; classes s }\n"
                                  "regime \"h\" { roles a, b; classes d }\n"
                                  "permit \"to-h\" role a, b action r class d\n"
                                  "permit \"to-g\" role a, b action w class s\n"),
                "t.policy:7:23: rule 'to-g' permits role 'b' access to class 's', but regime "
                "\"g\" allows class 's' only to its own roles");
  ASSERT_INT_EQ(diag.errors[0].rule, 1);
  policy_free(check_ok(DECLS "regime \"g\" { roles a; classes s }\n"
                             "regime \"h\" { roles a, b; classes d }\n"
                             "permit role a action * class s, d\npermit role b action r class d\n"));
  policy *p = check_ok(DECLS REGIME "forbid role * action * class s when purpose absent\n"
                                    "permit role a, b action * class s\n"
                                    "permit role * action r class c, d\n");
  policy_free(p);
  /* a class outside any regime may go anywhere; a regime with no rules is fine */
  p = check_ok(DECLS "regime \"g\" { roles a; classes s }\npermit role * action * class c, d");
  policy_free(p);
}

static void test_purposes(void) {
  ASSERT_STR_EQ(check_error("purposes { p basis \"b\" description \"d\"\n p basis \"c\" "
                            "description \"e\" }"),
                "t.policy:2:2: duplicate purpose 'p' (first declared at line 1)");
  ASSERT_STR_EQ(check_error("purposes { p basis \"b\" description \"d\" }\n"
                            "purposes { q basis \"b\" description \"d\" p basis \"b\" "
                            "description \"d\" }"),
                "t.policy:2:40: duplicate purpose 'p' (first declared at line 1)");
  const char *bad_codes[] = {"Efterforskning", "_x", "x_y", "forebyggelsE",
                             "abcdefghijklmnopqrstuvwxyz0123456"};
  for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
    char text[256], want[256];
    snprintf(text, sizeof text, "purposes { %s basis \"b\" description \"d\" }", bad_codes[i]);
    snprintf(want, sizeof want, "t.policy:1:12: purpose code '%s' must be at most 32 lowercase "
             "letters a-z, digits and '-', starting with a letter", bad_codes[i]);
    ASSERT_STR_EQ(check_error(text), want);
  }
  /* 32 bytes is the longest code; digits and '-' after the first letter */
  policy *p = check_ok("purposes { abcdefghijklmnopqrstuvwxyz012345 basis \"b\" description \"d\"\n"
                       "  a-1 basis \"b\" description \"d\" }");
  ASSERT(policy_purpose_find(p, "abcdefghijklmnopqrstuvwxyz012345") != NULL);
  ASSERT(policy_purpose_find(p, "a-1") != NULL);
  policy_free(p);
  ASSERT_STR_EQ(check_error("purposes { p basis \"\" description \"d\" }"),
                "t.policy:1:20: the basis of purpose 'p' must not be empty");
  ASSERT_STR_EQ(check_error("purposes { p basis \"b\" description \"\" }"),
                "t.policy:1:36: the description of purpose 'p' must not be empty");
  ASSERT_STR_EQ(check_error("purposes { p basis \"\xc3\" description \"d\" }"),
                "t.policy:1:20: the basis of purpose 'p' is not valid UTF-8");
  ASSERT_STR_EQ(check_error("purposes { p basis \"b\" description \"\xe2\x82\" }"),
                "t.policy:1:36: the description of purpose 'p' is not valid UTF-8");
  ASSERT_STR_EQ(check_error("purposes { p basis \"\xc0\xaf\" description \"d\" }"),
                "t.policy:1:20: the basis of purpose 'p' is not valid UTF-8");
  ASSERT_STR_EQ(check_error("purposes { p basis \"\xed\xa0\x80\" description \"d\" }"),
                "t.policy:1:20: the basis of purpose 'p' is not valid UTF-8");
  p = check_ok("purposes { p basis \"\xc2\xa7 115 \xc3\xa6\xc3\xb8\xc3\xa5 \xf0\x9f\x99\x82\" "
               "description \"d\" }");
  policy_free(p);

  /* rules and expectations name declared codes only */
  ASSERT_STR_EQ(check_error(DECLS "forbid \"f\" role * action * class c\n"
                                  "  when purpose = \"Efterforskning\"\n"
                                  "purposes { efterforskning basis \"b\" description \"d\"\n"
                                  "  forebyggelse basis \"b\" description \"d\" }"),
                "t.policy:5:18: unknown purpose 'Efterforskning' (declared: efterforskning, "
                "forebyggelse)");
  ASSERT_INT_EQ(diag.errors[0].rule, 0);
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c when purpose in (\"x\", \"y\")"
                                  PURPOSES),
                "t.policy:4:54: unknown purpose 'y' (declared: x, forebyggelse)");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c when purpose = \"x\""),
                "t.policy:4:47: unknown purpose 'x': the policy declares no purposes (declare it "
                "in a 'purposes' block)");
  ASSERT_STR_EQ(check_error(DECLS "permit role a action r class c when purpose present"),
                "t.policy:4:37: 'purpose present' can never hold: the policy declares no "
                "purposes (add a 'purposes' block)");
  ASSERT_STR_EQ(check_error(DECLS "expect deny a r c purpose \"efterforskning \"" PURPOSES),
                "t.policy:4:27: unknown purpose 'efterforskning ' (declared: x, forebyggelse)");
  ASSERT_STR_EQ(check_error(DECLS "expect deny a r c purpose \"x\""),
                "t.policy:4:27: unknown purpose 'x': the policy declares no purposes (declare it "
                "in a 'purposes' block)");
  /* 'purpose absent' needs no declaration; a policy without purposes loads */
  policy_free(check_ok(DECLS "permit role a action r class c when purpose absent\n"
                             "expect permit a r c"));
  /* the list of declared codes in a message is cut, not overflowed */
  char big[8192];
  size_t n = (size_t)snprintf(big, sizeof big, DECLS "permit role a action r class c when "
                              "purpose = \"nope\"\npurposes {\n");
  for (int i = 0; i < 40; i++)
    n += (size_t)snprintf(big + n, sizeof big - n, "  code-number-%02d basis \"b\" description \"d\"\n", i);
  snprintf(big + n, sizeof big - n, "}\n");
  ASSERT_STR_CONTAINS(check_error(big), "t.policy:4:47: unknown purpose 'nope' (declared: "
                                        "code-number-00, code-number-01, ");
  ASSERT_STR_CONTAINS(diag.errors[0].text, ", ...)");
  /* the limit on purposes, at both sides */
  size_t cap = 64 * 1024;
  char *text = malloc(cap);
  ASSERT(text != NULL);
  n = (size_t)snprintf(text, cap, "purposes {\n");
  for (int i = 0; i < POLICY_MAX_PURPOSES; i++)
    n += (size_t)snprintf(text + n, cap - n, "p%d basis \"b\" description \"d\"\n", i);
  size_t at_limit = n;
  n += (size_t)snprintf(text + n, cap - n, "}\n");
  p = policy_load_text("t.policy", text, n, &diag);
  ASSERT(p != NULL);
  ASSERT_INT_EQ(policy_purpose_count(p), POLICY_MAX_PURPOSES);
  policy_free(p);
  n = at_limit + (size_t)snprintf(text + at_limit, cap - at_limit, "extra basis \"b\" "
                                  "description \"d\" }\n");
  ASSERT(policy_load_text("t.policy", text, n, &diag) == NULL);
  ASSERT_STR_EQ(diag.errors[0].text, "t.policy:1026:1: more than 1024 purposes");
  free(text);
}

#define INTAKE_DECLS "roles a, b, x\nactions read, submit, update\nclasses c, s\n" \
                     "regime \"g\" { roles a, b; classes s }\n"

static void test_intake(void) {
  /* roles outside the regime may submit through an intake rule, and that is all */
  policy *p = check_ok(INTAKE_DECLS "intake \"in\" role x, a class s\n"
                                    "permit role a, b action * class s\n"
                                    "expect permit x submit s by \"in\"\nexpect deny x read s\n");
  ASSERT(policy_rule_is_intake(p, 0));
  ASSERT_STR_EQ(policy_rule_name(p, 0), "in");
  policy_free(p);
  /* an intake with '*' roles is fine: it still only permits submit */
  policy_free(check_ok(INTAKE_DECLS "intake role * class s when purpose absent\n"));
  /* the proof still rejects any other action for a role outside the regime, beside an intake */
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "intake \"in\" role x class s\n"
                                         "permit \"read-back\" role x action read class s\n"),
                "t.policy:6:25: rule 'read-back' permits role 'x' access to class 's', but "
                "regime \"g\" allows class 's' only to its own roles");
  ASSERT_INT_EQ(diag.errors[0].rule, 1);
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "intake \"in\" role x class s\n"
                                         "permit \"own\" role * action update class s\n"),
                "t.policy:6:19: rule 'own' permits role 'x' access to class 's', but regime "
                "\"g\" allows class 's' only to its own roles");
  /* submit through a permit is refused too, with a pointer to intake */
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "permit \"in\" role x action submit class s\n"),
                "t.policy:5:18: rule 'in' permits role 'x' access to class 's', but regime \"g\" "
                "allows class 's' only to its own roles (to let a role outside the regime hand "
                "data in, write an 'intake' rule: it permits 'submit' and nothing else)");
  /* intake is only for regime classes */
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "intake \"in\" role x class s, c\n"),
                "t.policy:5:29: intake rule 'in' names class 'c', which is in no regime: an "
                "intake rule only lets roles hand data into a regime (use 'permit' for other "
                "classes)");
  ASSERT_INT_EQ(diag.errors[0].rule, 0);
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "intake role x class *\n"),
                "t.policy:5:21: the intake rule at line 5 names class 'c', which is in no regime: "
                "an intake rule only lets roles hand data into a regime (use 'permit' for other "
                "classes)");
  /* it needs the action 'submit' */
  ASSERT_STR_EQ(check_error("roles a, x\nactions read\nclasses s\nregime \"g\" { roles a; "
                            "classes s }\nintake \"in\" role x class s\n"),
                "t.policy:5:1: intake rule 'in' needs the action 'submit', which the policy does "
                "not declare");
  /* names as in any rule */
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "intake role q class s\n"),
                "t.policy:5:13: unknown role 'q'");
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "permit \"n\" role a action read class s\n"
                                         "intake \"n\" role x class s\n"),
                "t.policy:6:1: duplicate rule name 'n' (first used at line 5)");
  ASSERT_STR_EQ(check_error(INTAKE_DECLS "intake role x class s when purpose = \"q\"\n"),
                "t.policy:5:38: unknown purpose 'q': the policy declares no purposes (declare it "
                "in a 'purposes' block)");
}

static void test_retention_checks(void) {
  ASSERT_STR_EQ(check_error(DECLS "retain q 2 years"), "t.policy:4:8: unknown class 'q'");
  ASSERT_STR_EQ(check_error(DECLS "retain c 2 years\nretain d, c 1 year"),
                "t.policy:5:11: class 'c' already has a retention (line 4)");
  ASSERT_STR_EQ(check_error(DECLS "retain c 2 fortnights"),
                "t.policy:4:12: unknown unit of time 'fortnights' (expected seconds, minutes, "
                "hours, days, weeks, months or years)");
  ASSERT_STR_EQ(check_error(DECLS "retain c 0 days"),
                "t.policy:4:10: a retention of 0 days keeps nothing: it must be at least 1");
  ASSERT_STR_EQ(check_error(DECLS "retain c 36501 days"),
                "t.policy:4:10: a retention of 36501 days is longer than 100 years");
  ASSERT_STR_EQ(check_error(DECLS "retain c 101 years"),
                "t.policy:4:10: a retention of 101 years is longer than 100 years");
  ASSERT_STR_EQ(check_error(DECLS "retain c 1000000000 years"),
                "t.policy:4:10: a retention of 1000000000 years is longer than 100 years");
  policy *p = check_ok(DECLS "retain c 36500 days\nretain d 1 second");
  ASSERT_INT_EQ(policy_retention(p, 0), 36500LL * 86400);
  ASSERT_INT_EQ(policy_retention(p, 1), 1);
  policy_free(p);
  /* expectations about retention */
  ASSERT_STR_EQ(check_error(DECLS "expect retain q none"), "t.policy:4:15: unknown class 'q'");
  ASSERT_STR_EQ(check_error(DECLS "expect retain c at most 2 eons"),
                "t.policy:4:27: unknown unit of time 'eons' (expected seconds, minutes, hours, "
                "days, weeks, months or years)");
  ASSERT_STR_EQ(check_error(DECLS "expect retain c at most 0 days"),
                "t.policy:4:25: an expected retention must be between 1 days and 100 years");
  ASSERT_STR_EQ(check_error(DECLS "expect retain c at most 101 years"),
                "t.policy:4:25: an expected retention must be between 1 years and 100 years");
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
  RUN_TEST(test_purposes);
  RUN_TEST(test_intake);
  RUN_TEST(test_retention_checks);
  RUN_TEST(test_many_errors);
  RUN_TEST(test_too_large);
  return 0;
}

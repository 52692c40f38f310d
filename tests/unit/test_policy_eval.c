/* test_policy_eval.c -- decisions (default deny, forbid wins, first permit decides), expectations, default.policy. */
#include <stdlib.h>

#include "policy.h"
#include "task.h"

static policy_diag diag;

static policy *eval_load(const char *text) {
  policy *p = policy_load_text("e.policy", text, strlen(text), &diag);
  if (p == NULL) TASK_FAIL("policy failed to load: %s", diag.count ? diag.errors[0].text : "?");
  return p;
}

/* Decide by names; returns the decision and its description in desc (static). */
static policy_decision decide(const policy *p, const char *role, const char *action,
                              const char *klass, enum policy_level level, const char *area,
                              const char *purpose) {
  policy_request rq = {policy_role(p, role), policy_action(p, action), policy_class(p, klass),
                       level, area, purpose};
  policy_decision d;
  policy_decide(p, &rq, &d);
  return d;
}

static char *describe(const policy *p, policy_decision d) {
  static char buf[256];
  policy_decision_describe(p, &d, buf, sizeof buf);
  return buf;
}

#define DECLS "roles a, b, x\nactions r, w\nclasses c, d, s\n"

static void test_default_deny(void) {
  policy *p = eval_load(DECLS);
  policy_decision d = decide(p, "a", "r", "c", POLICY_LEVEL_NONE, NULL, NULL);
  ASSERT(!d.permit);
  ASSERT_INT_EQ(d.rule_index, -1);
  ASSERT(d.rule_name == NULL);
  ASSERT_STR_EQ(describe(p, d), "deny by default (no rule permits)");
  /* out of range ids and levels are denied, not read out of bounds */
  policy_request bad[] = {{-1, 0, 0, POLICY_LEVEL_NONE, NULL, NULL},
                          {3, 0, 0, POLICY_LEVEL_NONE, NULL, NULL},
                          {0, 2, 0, POLICY_LEVEL_NONE, NULL, NULL},
                          {0, 0, 3, POLICY_LEVEL_NONE, NULL, NULL},
                          {0, 0, 0, (enum policy_level)9, NULL, NULL}};
  policy_free(p);
  p = eval_load(DECLS "permit role * action * class *");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    policy_decide(p, &bad[i], &d);
    ASSERT(!d.permit);
    ASSERT_INT_EQ(d.rule_index, -1);
  }
  d = decide(p, "x", "w", "s", POLICY_LEVEL_INDIVIDUAL, "q", "z");
  ASSERT(d.permit);
  ASSERT_STR_EQ(describe(p, d), "permit by the rule at e.policy:4");
  policy_free(p);
}

static void test_forbid_wins(void) {
  policy *p = eval_load(DECLS "permit \"p1\" role a action r class c\n"
                              "permit \"p2\" role * action r class c\n"
                              "forbid \"f\" role a action * class c when purpose = \"bad\"\n");
  policy_decision d = decide(p, "a", "r", "c", POLICY_LEVEL_NONE, NULL, NULL);
  ASSERT(d.permit);
  ASSERT_INT_EQ(d.rule_index, 0); /* the first permit in file order */
  ASSERT_STR_EQ(d.rule_name, "p1");
  ASSERT_INT_EQ(d.line, 4);
  ASSERT_STR_EQ(d.file, "e.policy");
  ASSERT_STR_EQ(describe(p, d), "permit by rule 'p1' (e.policy:4)");
  d = decide(p, "b", "r", "c", POLICY_LEVEL_NONE, NULL, NULL);
  ASSERT_STR_EQ(describe(p, d), "permit by rule 'p2' (e.policy:5)");
  d = decide(p, "a", "r", "c", POLICY_LEVEL_NONE, NULL, "bad");
  ASSERT(!d.permit);
  ASSERT_INT_EQ(d.rule_index, 2);
  ASSERT_STR_EQ(describe(p, d), "deny by rule 'f' (e.policy:6)");
  d = decide(p, "a", "r", "c", POLICY_LEVEL_NONE, NULL, "good");
  ASSERT(d.permit);
  d = decide(p, "b", "r", "c", POLICY_LEVEL_NONE, NULL, "bad");
  ASSERT(d.permit);
  d = decide(p, "a", "w", "c", POLICY_LEVEL_NONE, NULL, "bad");
  ASSERT(!d.permit);
  ASSERT_INT_EQ(d.rule_index, 2); /* a matching forbid decides even without a permit */
  policy_free(p);
}

static void test_conditions(void) {
  policy *p = eval_load(DECLS
                        "permit \"lv\" role a action r class c when level in (area, group)\n"
                        "permit \"none\" role a action r class d when level = none\n"
                        "permit \"pp\" role a action w class c when purpose present\n"
                        "permit \"pa\" role b action w class c when purpose absent\n"
                        "permit \"pv\" role x action w class c when purpose in (\"p1\", \"p2\")\n"
                        "permit \"ap\" role a action w class d when area present\n"
                        "permit \"aa\" role b action w class d when area absent\n"
                        "permit \"av\" role x action w class d when area = \"north\"\n"
                        "permit \"mix\" role x action r class d when area = \"p1\" and "
                        "purpose = \"north\"\n");
  ASSERT(!decide(p, "a", "r", "c", POLICY_LEVEL_NONE, NULL, NULL).permit);
  ASSERT(decide(p, "a", "r", "c", POLICY_LEVEL_AREA, NULL, NULL).permit);
  ASSERT(decide(p, "a", "r", "c", POLICY_LEVEL_GROUP, NULL, NULL).permit);
  ASSERT(!decide(p, "a", "r", "c", POLICY_LEVEL_INDIVIDUAL, NULL, NULL).permit);
  ASSERT(decide(p, "a", "r", "d", POLICY_LEVEL_NONE, NULL, NULL).permit);
  ASSERT(!decide(p, "a", "r", "d", POLICY_LEVEL_AREA, NULL, NULL).permit);

  ASSERT(!decide(p, "a", "w", "c", POLICY_LEVEL_NONE, NULL, NULL).permit);
  ASSERT(decide(p, "a", "w", "c", POLICY_LEVEL_NONE, NULL, "anything").permit);
  ASSERT(decide(p, "b", "w", "c", POLICY_LEVEL_NONE, NULL, NULL).permit);
  ASSERT(!decide(p, "b", "w", "c", POLICY_LEVEL_NONE, NULL, "p1").permit);
  ASSERT(decide(p, "x", "w", "c", POLICY_LEVEL_NONE, NULL, "p1").permit);
  ASSERT(decide(p, "x", "w", "c", POLICY_LEVEL_NONE, NULL, "p2").permit);
  ASSERT(!decide(p, "x", "w", "c", POLICY_LEVEL_NONE, NULL, "p3").permit);
  ASSERT(!decide(p, "x", "w", "c", POLICY_LEVEL_NONE, NULL, "P1").permit);
  ASSERT(!decide(p, "x", "w", "c", POLICY_LEVEL_NONE, NULL, "north").permit);
  ASSERT(!decide(p, "x", "w", "c", POLICY_LEVEL_NONE, NULL, "").permit);
  ASSERT(!decide(p, "x", "w", "c", POLICY_LEVEL_NONE, NULL, NULL).permit);

  ASSERT(decide(p, "a", "w", "d", POLICY_LEVEL_NONE, "anywhere", NULL).permit);
  ASSERT(!decide(p, "a", "w", "d", POLICY_LEVEL_NONE, NULL, NULL).permit);
  ASSERT(decide(p, "b", "w", "d", POLICY_LEVEL_NONE, NULL, "p").permit);
  ASSERT(!decide(p, "b", "w", "d", POLICY_LEVEL_NONE, "north", NULL).permit);
  ASSERT(decide(p, "x", "w", "d", POLICY_LEVEL_NONE, "north", NULL).permit);
  ASSERT(!decide(p, "x", "w", "d", POLICY_LEVEL_NONE, "south", NULL).permit);
  ASSERT(!decide(p, "x", "w", "d", POLICY_LEVEL_NONE, "p1", NULL).permit);
  /* area and purpose literals share one intern table but are matched per attribute */
  ASSERT(decide(p, "x", "r", "d", POLICY_LEVEL_NONE, "p1", "north").permit);
  ASSERT(!decide(p, "x", "r", "d", POLICY_LEVEL_NONE, "north", "p1").permit);
  policy_free(p);
}

static void test_levels(void) {
  ASSERT_STR_EQ(policy_level_name(POLICY_LEVEL_NONE), "none");
  ASSERT_STR_EQ(policy_level_name(POLICY_LEVEL_GROUP), "group");
  ASSERT_STR_EQ(policy_level_name((enum policy_level)7), "?");
  ASSERT_INT_EQ(policy_level_parse("individual"), POLICY_LEVEL_INDIVIDUAL);
  ASSERT_INT_EQ(policy_level_parse("area"), POLICY_LEVEL_AREA);
  ASSERT_INT_EQ(policy_level_parse("Area"), -1);
}

static void test_expectations(void) {
  const char *text = DECLS "permit \"p\" role a action r class c\n"
                           "expect permit a r c by \"p\"\n"
                           "expect deny b r c\n"
                           "expect permit b r c\n"
                           "expect deny a r c by default\n"
                           "expect permit a r c purpose \"q\" by \"p\"\n";
  policy *p = policy_load_text("e.policy", text, strlen(text), &diag);
  ASSERT(p == NULL);
  ASSERT_INT_EQ(diag.total, 2);
  ASSERT_STR_EQ(diag.errors[0].text,
                "e.policy:7:1: expectation failed: expect permit b r c, but got deny by default "
                "(no rule permits)");
  ASSERT_INT_EQ(diag.errors[0].rule, -1);
  ASSERT_STR_EQ(diag.errors[1].text,
                "e.policy:8:1: expectation failed: expect deny a r c by default, but got permit "
                "by rule 'p' (e.policy:4)");
  ASSERT_INT_EQ(diag.errors[1].rule, 0);

  p = policy_load_text_flags("e.policy", text, strlen(text), POLICY_LOAD_SKIP_EXPECT, &diag);
  ASSERT(p != NULL);
  ASSERT_INT_EQ(policy_expect_count(p), 5);
  ASSERT_INT_EQ(policy_expect_run_all(p), 2);
  policy_expect_result r;
  ASSERT(policy_expect_run(p, 0, &r));
  ASSERT_INT_EQ(r.line, 5);
  ASSERT(r.want_permit);
  ASSERT_STR_EQ(r.want_rule, "p");
  ASSERT_STR_EQ(r.got.rule_name, "p");
  ASSERT(policy_expect_run(p, 1, &r));
  ASSERT(r.want_rule == NULL);
  ASSERT(!policy_expect_run(p, 2, &r));
  ASSERT(!r.passed);
  ASSERT(!r.got.permit);
  ASSERT(!policy_expect_run(p, 3, &r));
  ASSERT_STR_EQ(r.want_rule, "");
  ASSERT(policy_expect_run(p, 4, &r));
  ASSERT_STR_EQ(r.request.purpose, "q");
  policy_free(p);

  /* "by" names the wrong rule: a failure even though the verdict matches */
  const char *t2 = DECLS "permit \"p\" role a action r class c\npermit \"q\" role a action w class c\n"
                         "expect permit a r c by \"q\"\n";
  ASSERT(policy_load_text("e.policy", t2, strlen(t2), &diag) == NULL);
  ASSERT_STR_EQ(diag.errors[0].text, "e.policy:6:1: expectation failed: expect permit a r c by "
                                     "\"q\", but got permit by rule 'p' (e.policy:4)");
}

static void test_load_file(void) {
  ASSERT(policy_load_file("/nonexistent/x.policy", &diag) == NULL);
  ASSERT_STR_EQ(diag.errors[0].text, "/nonexistent/x.policy: cannot open: No such file or directory");
  ASSERT(policy_load_file("/", &diag) == NULL);
  ASSERT_STR_CONTAINS(diag.errors[0].text, "/: cannot read: ");
}

static char *default_policy_path(void) {
  const char *src = getenv("SAMVIRKE_SOURCE");
  ASSERT(src != NULL);
  char *path = malloc(strlen(src) + 32);
  ASSERT(path != NULL);
  sprintf(path, "%s/policy/default.policy", src);
  return path;
}

static void test_default_policy(void) {
  char *path = default_policy_path();
  policy *p = policy_load_file(path, &diag);
  if (p == NULL) TASK_FAIL("%s", diag.errors[0].text);
  ASSERT(policy_expect_count(p) >= 10);
  ASSERT_INT_EQ(policy_expect_run_all(p), 0);
  ASSERT_INT_EQ(policy_min_group_size(p), 5);
  const char *roles[] = {"coordinator", "ssp", "police", "partner", "auditor"};
  const char *actions[] = {"connect", "read", "submit", "update", "manage", "send", "receive"};
  const char *classes[] = {"individual", "group", "area", "intervention",
                           "directory",  "audit", "session"};
  for (size_t i = 0; i < 5; i++) ASSERT_INT_EQ(policy_role(p, roles[i]), (int)i);
  for (size_t i = 0; i < 7; i++) ASSERT_INT_EQ(policy_action(p, actions[i]), (int)i);
  for (size_t i = 0; i < 7; i++) ASSERT_INT_EQ(policy_class(p, classes[i]), (int)i);
  int individual = policy_class(p, "individual");
  ASSERT(policy_class_in_regime(p, individual));
  ASSERT_STR_EQ(policy_class_regime(p, individual), "ssp");
  ASSERT(!policy_role_may_receive(p, policy_role(p, "partner"), individual));
  ASSERT(!policy_role_may_receive(p, policy_role(p, "auditor"), individual));
  ASSERT(policy_role_may_receive(p, policy_role(p, "police"), individual));
  ASSERT(policy_role_may_receive(p, policy_role(p, "partner"), policy_class(p, "area")));

  /* the decisions the issue names */
  policy_decision d = decide(p, "partner", "read", "individual", POLICY_LEVEL_NONE, NULL, NULL);
  ASSERT(!d.permit);
  d = decide(p, "ssp", "send", "individual", POLICY_LEVEL_INDIVIDUAL, NULL, "forebyggelse");
  ASSERT(d.permit);
  ASSERT_STR_EQ(d.rule_name, "regime-notes");
  d = decide(p, "ssp", "send", "individual", POLICY_LEVEL_INDIVIDUAL, NULL, "efterforskning");
  ASSERT(!d.permit);
  ASSERT_STR_EQ(d.rule_name, "no-investigation");
  /* the auditor reads the audit trail and nothing else (besides connect, the directory and the
   * record of its own session) */
  int auditor = policy_role(p, "auditor");
  for (int a = 0; a < 7; a++) {
    for (int c = 0; c < 7; c++) {
      for (int lv = 0; lv <= POLICY_LEVEL_INDIVIDUAL; lv++) {
        policy_request rq = {auditor, a, c, (enum policy_level)lv, "x", "forebyggelse"};
        policy_decide(p, &rq, &d);
        bool allowed = (a == policy_action(p, "read") && c == policy_class(p, "audit")) ||
                       (a == policy_action(p, "connect") && c == policy_class(p, "session")) ||
                       (a == policy_action(p, "read") && c == policy_class(p, "directory")) ||
                       (a == policy_action(p, "read") && c == policy_class(p, "session"));
        ASSERT_INT_EQ(d.permit, allowed);
      }
    }
  }
  /* only the coordinator manages the directory; nobody outside the regime gets individual data */
  for (int r = 0; r < 5; r++) {
    for (int a = 0; a < 7; a++) {
      for (int pp = 0; pp < 2; pp++) {
        policy_request rq = {r, a, policy_class(p, "directory"), POLICY_LEVEL_NONE, NULL,
                             pp ? "forebyggelse" : NULL};
        policy_decide(p, &rq, &d);
        if (a == policy_action(p, "manage"))
          ASSERT_INT_EQ(d.permit, r == policy_role(p, "coordinator"));
        rq.klass = individual;
        policy_decide(p, &rq, &d);
        if (d.permit) ASSERT(policy_role_in_regime(p, r) && pp == 1);
      }
    }
  }
  /* every role may read the record of its own session (own audit entries), only auditors the
   * audit trail */
  for (int r = 0; r < 5; r++) {
    policy_request rq = {r, policy_action(p, "read"), policy_class(p, "session"),
                         POLICY_LEVEL_NONE, NULL, NULL};
    policy_decide(p, &rq, &d);
    ASSERT(d.permit);
    ASSERT_STR_EQ(d.rule_name, "own-trail");
    rq.klass = policy_class(p, "audit");
    policy_decide(p, &rq, &d);
    ASSERT_INT_EQ(d.permit, r == auditor);
  }
  policy_free(p);
  free(path);
}

int main(void) {
  RUN_TEST(test_default_deny);
  RUN_TEST(test_forbid_wins);
  RUN_TEST(test_conditions);
  RUN_TEST(test_levels);
  RUN_TEST(test_expectations);
  RUN_TEST(test_load_file);
  RUN_TEST(test_default_policy);
  return 0;
}

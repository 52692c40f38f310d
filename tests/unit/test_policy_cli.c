/* test_policy_cli.c -- `samvirke policy check|explain|test` (client/cmd_policy.c) with captured output. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#include "cmd_policy.h"
#include "support/tmpdir.h"
#include "task.h"

static char *dir;
static char out[65536], err[65536];

static void slurp(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  ASSERT(f != NULL);
  size_t got = fread(buf, 1, n - 1, f);
  buf[got] = '\0';
  fclose(f);
}

/* Run cmd_policy with the given NULL-terminated args, capturing stdout and stderr. */
static int run(int json, ...) {
  char *argv[32];
  int argc = 0;
  va_list ap;
  va_start(ap, json);
  for (char *a; (a = va_arg(ap, char *)) != NULL;) argv[argc++] = a;
  va_end(ap);
  char opath[4096], epath[4096];
  snprintf(opath, sizeof opath, "%s/stdout", dir);
  snprintf(epath, sizeof epath, "%s/stderr", dir);
  fflush(stdout);
  fflush(stderr);
  int so = dup(1), se = dup(2);
  int fo = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int fe = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
  dup2(fo, 1);
  dup2(fe, 2);
  int rc = cmd_policy(argc, argv, json != 0);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so);
  close(se);
  close(fo);
  close(fe);
  slurp(opath, out, sizeof out);
  slurp(epath, err, sizeof err);
  return rc;
}

static char *write_policy(const char *name, const char *text) {
  char *path = malloc(strlen(dir) + strlen(name) + 2);
  ASSERT(path != NULL);
  sprintf(path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs(text, f);
  fclose(f);
  return path;
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

static char *default_path(void) { return test_source_path("policy/default.policy"); }

static void test_check(void) {
  char *def = default_path();
  ASSERT_INT_EQ(run(0, "policy", "check", def, NULL), 0);
  ASSERT_STR_CONTAINS(out, ": ok (5 roles, 7 actions, 12 classes, 3 purposes, 17 rules,");
  ASSERT_STR_EQ(err, "");
  char *bad = write_policy("bad.policy", "roles a, x\nactions r\nclasses s\n"
                                         "regime \"g\" { roles a; classes s }\n"
                                         "permit \"leak\" role * action r class s\n");
  ASSERT_INT_EQ(run(0, "policy", "check", bad, NULL), 1);
  ASSERT_STR_EQ(out, "");
  ASSERT_STR_CONTAINS(err, "bad.policy:5:20: rule 'leak' permits role 'x' access to class 's'");
  ASSERT_INT_EQ(run(0, "policy", "check", "/nonexistent.policy", NULL), 1);
  ASSERT_STR_CONTAINS(err, "/nonexistent.policy: cannot open");
  ASSERT_INT_EQ(run(0, "policy", "check", NULL), 2);
  ASSERT_INT_EQ(count_lines(err), 1);
  ASSERT_STR_CONTAINS(err, "missing FILE");
  ASSERT_INT_EQ(run(0, "policy", "check", def, def, NULL), 2);
  ASSERT_INT_EQ(run(0, "policy", "check", "--frob", NULL), 2);
  ASSERT_STR_CONTAINS(err, "unknown option --frob");
  ASSERT_INT_EQ(run(0, "policy", "check", "--help", NULL), 0);
  ASSERT(strncmp(out, "usage: samvirke policy check FILE\n", 34) == 0);
  free(bad);
  free(def);
}

static void test_explain(void) {
  char *def = default_path();
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "partner", "--action", "read",
                    "--class", "individual", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "partner read individual: deny by default (no rule permits)\n");
  ASSERT_STR_CONTAINS(out, "role 'partner' is outside it");
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role=ssp", "--action", "send", "--class",
                    "individual", "--purpose", "efterforskning", "--level", "individual", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "ssp send individual level individual purpose \"efterforskning\": "
                           "deny by rule 'no-investigation' (");
  ASSERT_INT_EQ(run(1, "policy", "explain", def, "--role", "ssp", "--action", "send",
                    "--class", "individual", "--purpose", "forebyggelse", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "\"decision\":\"permit\",\"rule_index\":6,\"rule\":\"regime-notes\"");
  ASSERT_STR_CONTAINS(out, "\"purpose\":\"forebyggelse\"");
  ASSERT_STR_CONTAINS(out, "\"area\":null");
  ASSERT_STR_CONTAINS(out, "\"regime\":\"ssp\"");
  ASSERT_STR_CONTAINS(out, "\"purpose_declared\":true,\"basis\":\"Retsplejeloven \xc2\xa7 115\"");
  ASSERT_STR_CONTAINS(out, "\"retention\":15552000");
  /* a purpose that is not a declared code: denied, and said so */
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "ssp", "--action", "send", "--class",
                    "individual", "--purpose", "Efterforskning", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "ssp send individual purpose \"Efterforskning\": deny: the purpose is "
                           "not one the policy declares\n");
  ASSERT_STR_CONTAINS(out, "purpose 'Efterforskning' is not declared by the policy; declared: "
                           "forebyggelse bekymring efterforskning\n");
  ASSERT_INT_EQ(run(1, "policy", "explain", def, "--role", "ssp", "--action", "send", "--class",
                    "individual", "--purpose", "efterforskning ", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "\"decision\":\"deny\",\"rule_index\":-1,");
  ASSERT_STR_CONTAINS(out, "\"purpose_declared\":false,\"basis\":null");
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "ssp", "--action", "send", "--class",
                    "individual", "--purpose", "bekymring", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "purpose 'bekymring': Retsplejeloven \xc2\xa7 115");
  ASSERT_STR_CONTAINS(out, "class 'individual' retention: 6 months (15552000 s)\n");
  /* the intake: a partner submits a concern, and may not read it */
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "partner", "--action", "submit",
                    "--class", "concern", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "partner submit concern: permit by rule 'concern-intake' (");
  ASSERT_STR_CONTAINS(out, "class 'concern' is in regime \"ssp\"; role 'partner' is outside it");
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "partner", "--action", "read",
                    "--class", "concern", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "partner read concern: deny by default (no rule permits)\n");
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--json", "--role", "partner", "--action",
                    "read", "--class", "audit", NULL),
                0);
  ASSERT_STR_CONTAINS(out, "\"decision\":\"deny\",\"rule_index\":-1,\"rule\":null,\"file\":null,"
                           "\"line\":null");
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "nobody", "--action", "read",
                    "--class", "area", NULL),
                1);
  ASSERT_STR_EQ(err, "samvirke policy explain: unknown role 'nobody' (known: coordinator ssp "
                     "police partner auditor)\n");
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "ssp", "--action", "read", NULL),
                2);
  ASSERT_STR_CONTAINS(err, "missing --class");
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--purpose", "forebyggelse", NULL), 2);
  ASSERT_STR_CONTAINS(err, "missing --role");
  ASSERT_INT_EQ(count_lines(err), 1);
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", "ssp", "--action", "read",
                    "--class", "area", "--level", "street", NULL),
                2);
  ASSERT_INT_EQ(run(0, "policy", "explain", def, "--role", NULL), 2);
  ASSERT_STR_CONTAINS(err, "missing value for --role");
  ASSERT_INT_EQ(run(0, "policy", "explain", "--help", NULL), 0);
  ASSERT_STR_CONTAINS(out, "usage: samvirke policy explain FILE [--json]\n"
                           "       samvirke policy explain FILE --role R");
  free(def);
}

/* `policy explain FILE` alone lists the purposes, regimes, intake rules and retention. */
static void test_explain_summary(void) {
  char *def = default_path();
  ASSERT_INT_EQ(run(0, "policy", "explain", def, NULL), 0);
  ASSERT_STR_EQ(err, "");
  ASSERT_STR_CONTAINS(out, "purposes (3):\n  forebyggelse     Retsplejeloven \xc2\xa7 115\n");
  ASSERT_STR_CONTAINS(out, "\n  bekymring        Retsplejeloven \xc2\xa7 115");
  ASSERT_STR_CONTAINS(out, "\n  efterforskning   Ingen: ");
  ASSERT_STR_CONTAINS(out, "regime \"ssp\": roles coordinator, ssp, police; classes individual, "
                           "core-meeting, concern\n");
  ASSERT_STR_CONTAINS(out, "intake 'concern-intake' (");
  ASSERT_STR_CONTAINS(out, "): coordinator, ssp, police, partner may submit concern, and nothing "
                           "more\n");
  ASSERT_STR_CONTAINS(out, "retention:\n  individual       6 months (15552000 s)\n");
  ASSERT_STR_CONTAINS(out, "\n  audit            no retention\n");
  ASSERT_STR_CONTAINS(out, "\n  concern          1 year (31536000 s)\n");
  ASSERT_INT_EQ(run(1, "policy", "explain", def, NULL), 0);
  ASSERT_STR_CONTAINS(out, "\"purposes\":[{\"code\":\"forebyggelse\",\"basis\":\"Retsplejeloven "
                           "\xc2\xa7 115\",\"description\":\"");
  ASSERT_STR_CONTAINS(out, "{\"code\":\"efterforskning\",");
  ASSERT_STR_CONTAINS(out, "\"regimes\":[{\"name\":\"ssp\",\"roles\":[\"coordinator\",\"ssp\","
                           "\"police\"],\"classes\":[\"individual\",\"core-meeting\",\"concern\"]}]");
  ASSERT_STR_CONTAINS(out, "\"intake\":[{\"rule\":\"concern-intake\",\"line\":");
  ASSERT_STR_CONTAINS(out, "\"roles\":[\"coordinator\",\"ssp\",\"police\",\"partner\"],"
                           "\"classes\":[\"concern\"]}]");
  ASSERT_STR_CONTAINS(out, "\"retention\":{\"individual\":15552000,");
  ASSERT_STR_CONTAINS(out, "\"audit\":null,");
  ASSERT_STR_CONTAINS(out, "\"actor\":94608000}}\n");
  /* a policy without purposes says so */
  char *bare = write_policy("bare.policy", "roles a\nactions r\nclasses c\n");
  ASSERT_INT_EQ(run(0, "policy", "explain", bare, NULL), 0);
  ASSERT_STR_CONTAINS(out, "purposes (0):\n  none: requests may state no purpose\n");
  ASSERT_STR_CONTAINS(out, "retention:\n  c                no retention\n");
  ASSERT(strstr(out, "regime") == NULL);
  ASSERT(strstr(out, "intake") == NULL);
  ASSERT_INT_EQ(run(0, "policy", "explain", "/nonexistent.policy", NULL), 1);
  ASSERT_STR_CONTAINS(err, "/nonexistent.policy: cannot open");
  free(bare);
  free(def);
}

static void test_test(void) {
  char *p = write_policy("t.policy", "roles a\nactions r\nclasses c\n"
                                     "permit \"p\" role a action r class c\n"
                                     "expect permit a r c by \"p\"\n"
                                     "expect deny a r c\n");
  ASSERT_INT_EQ(run(0, "policy", "test", p, NULL), 1);
  ASSERT_STR_CONTAINS(out, "PASS ");
  ASSERT_STR_CONTAINS(out, "t.policy:5: expect permit a r c by \"p\" -- permit by rule 'p'");
  ASSERT_STR_CONTAINS(out, "FAIL ");
  ASSERT_STR_CONTAINS(out, "t.policy:6: expect deny a r c -- permit by rule 'p'");
  ASSERT_STR_CONTAINS(out, "1 passed, 1 failed\n");
  ASSERT_INT_EQ(run(1, "policy", "test", p, NULL), 1);
  ASSERT_STR_CONTAINS(out, "\"passed\":false");
  ASSERT_STR_CONTAINS(out, "],\"passed\":1,\"failed\":1}");
  /* check refuses the same file: a failing expectation is a load error */
  ASSERT_INT_EQ(run(0, "policy", "check", p, NULL), 1);
  ASSERT_STR_CONTAINS(err, "t.policy:6:1: expectation failed: expect deny a r c, but got permit");
  char *def = default_path();
  ASSERT_INT_EQ(run(0, "policy", "test", def, NULL), 0);
  ASSERT_STR_CONTAINS(out, " passed, 0 failed\n");
  ASSERT_STR_CONTAINS(out, ": expect retain individual at most 6 months -- 6 months (15552000 s)\n");
  ASSERT_STR_CONTAINS(out, ": expect retain audit none -- no retention\n");
  ASSERT_STR_CONTAINS(out, ": expect permit partner submit concern by \"concern-intake\" -- permit by "
                           "rule 'concern-intake' (");
  ASSERT(strstr(out, "FAIL") == NULL);
  ASSERT_INT_EQ(run(0, "policy", "test", NULL), 2);
  ASSERT_INT_EQ(run(0, "policy", "test", "--help", NULL), 0);
  free(def);
  free(p);
}

static void test_dispatch(void) {
  ASSERT_INT_EQ(run(0, "policy", NULL), 2);
  ASSERT_STR_CONTAINS(err, "missing subcommand");
  ASSERT_INT_EQ(run(0, "policy", "frob", NULL), 2);
  ASSERT_STR_EQ(err, "samvirke policy: unknown subcommand frob (see 'samvirke policy --help')\n");
  ASSERT_INT_EQ(run(0, "policy", "--help", NULL), 0);
  ASSERT_STR_CONTAINS(out, "samvirke policy explain FILE");
  ASSERT_STR_EQ(err, "");
}

int main(void) {
  dir = test_mkdtemp("policy-cli");
  RUN_TEST(test_check);
  RUN_TEST(test_explain);
  RUN_TEST(test_explain_summary);
  RUN_TEST(test_test);
  RUN_TEST(test_dispatch);
  test_rmtree(dir);
  free(dir);
  return 0;
}

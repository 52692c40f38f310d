/* cmd_policy.c -- `samvirke policy check|explain|test`: check, query and test a policy file offline. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_policy.h"
#include "policy.h"

static const char cmd_policy_usage[] =
    "usage: samvirke policy check FILE\n"
    "       samvirke policy explain FILE [--json]\n"
    "       samvirke policy explain FILE --role R --action A --class C [--level L]\n"
    "                               [--area AREA] [--purpose CODE] [--json]\n"
    "       samvirke policy test FILE [--json]\n"
    "\n"
    "  check    parse and check FILE (including the regime proof) and run its expectations\n"
    "  explain  list FILE's purposes, regimes, intake rules and retention; or show whether\n"
    "           role R may do action A on class C, and the rule that decides it\n"
    "  test     run FILE's expectations and print a pass/fail line for each\n"
    "\n"
    "  --level is one of none, area, group, individual (default none).\n";

static const char cmd_policy_check_usage[] =
    "usage: samvirke policy check FILE\n"
    "Parse and check FILE, including the static proof that no regime class can reach a role\n"
    "outside its regime, and run its expectations. Prints the errors (file:line:col: message)\n"
    "and exits 1 if there are any.\n";

static const char cmd_policy_explain_usage[] =
    "usage: samvirke policy explain FILE [--json]\n"
    "       samvirke policy explain FILE --role R --action A --class C [--level L]\n"
    "                               [--area AREA] [--purpose CODE] [--json]\n"
    "Without a request: list the purposes FILE declares (code, legal basis, description), its\n"
    "regimes, its intake rules and the retention of each class.\n"
    "With one: decide it against FILE and name the rule that decides it (or the default deny).\n"
    "--level is one of none, area, group, individual (default none); --purpose is one of the\n"
    "codes FILE declares.\n";

static const char cmd_policy_test_usage[] =
    "usage: samvirke policy test FILE [--json]\n"
    "Run FILE's expectations and print PASS or FAIL for each; exits 1 if any fails.\n";

/* Print s as a JSON string (with quotes) or null. */
static void cmd_policy_json_str(FILE *out, const char *s) {
  if (s == NULL) {
    fputs("null", out);
    return;
  }
  fputc('"', out);
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\')
      fprintf(out, "\\%c", *c);
    else if (*c < 0x20)
      fprintf(out, "\\u%04x", *c);
    else
      fputc(*c, out);
  }
  fputc('"', out);
}

static int cmd_policy_usage_error(const char *sub, const char *msg, const char *arg) {
  fprintf(stderr, "samvirke policy%s%s: %s%s%s (see 'samvirke policy%s%s --help')\n",
          sub ? " " : "", sub ? sub : "", msg, arg ? " " : "", arg ? arg : "", sub ? " " : "",
          sub ? sub : "");
  return 2;
}

/* Load FILE; on failure print the errors to stderr. */
static policy *cmd_policy_load(const char *file, unsigned flags) {
  policy_diag *diag = malloc(sizeof *diag);
  if (diag == NULL) {
    fprintf(stderr, "samvirke policy: out of memory\n");
    return NULL;
  }
  policy *p = policy_load_file_flags(file, flags, diag);
  if (p == NULL) {
    for (int i = 0; i < diag->count; i++) fprintf(stderr, "%s\n", diag->errors[i].text);
    if (diag->total > diag->count)
      fprintf(stderr, "%s: (%d more errors)\n", file, diag->total - diag->count);
  }
  free(diag);
  return p;
}

static int cmd_policy_check(int argc, char **argv) {
  const char *file = NULL;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(cmd_policy_check_usage, stdout);
      return 0;
    }
    if (strcmp(argv[i], "--json") == 0) continue;
    if (argv[i][0] == '-' && argv[i][1] != '\0')
      return cmd_policy_usage_error("check", "unknown option", argv[i]);
    if (file != NULL) return cmd_policy_usage_error("check", "unexpected argument", argv[i]);
    file = argv[i];
  }
  if (file == NULL) return cmd_policy_usage_error("check", "missing FILE", NULL);
  policy *p = cmd_policy_load(file, 0);
  if (p == NULL) return 1;
  printf("%s: ok (%d roles, %d actions, %d classes, %d purposes, %d rules, %d expectations "
         "passed)\n",
         file, policy_role_count(p), policy_action_count(p), policy_class_count(p),
         policy_purpose_count(p), policy_rule_count(p), policy_expect_count(p));
  policy_free(p);
  return 0;
}

/* Value of an option given as "--name value" or "--name=value"; advances *i. NULL = no match;
 * *missing set when the value is absent. */
static const char *cmd_policy_opt(int argc, char **argv, int *i, const char *name,
                                  bool *missing) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) != 0) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] != '\0') return NULL;
  if (*i + 1 >= argc) {
    *missing = true;
    return NULL;
  }
  return argv[++*i];
}

/* Resolve a name to an id, printing the known names on failure. */
static int cmd_policy_lookup(const policy *p, const char *kind, const char *name,
                             int (*find)(const policy *, const char *),
                             const char *(*nameof)(const policy *, int), int count) {
  int id = find(p, name);
  if (id >= 0) return id;
  fprintf(stderr, "samvirke policy explain: unknown %s '%s' (known:", kind, name);
  for (int i = 0; i < count; i++) fprintf(stderr, " %s", nameof(p, i));
  fprintf(stderr, ")\n");
  return -1;
}

/* Print the names of kind (count, nameof) for which pick(i) holds: "a, b, c" or as JSON array. */
static void cmd_policy_names(FILE *out, bool json, const policy *p, int count,
                             const char *(*nameof)(const policy *, int),
                             bool (*pick)(const policy *, int, const void *), const void *arg) {
  bool first = true;
  if (json) fputc('[', out);
  for (int i = 0; i < count; i++) {
    if (!pick(p, i, arg)) continue;
    if (!first) fputs(json ? "," : ", ", out);
    if (json)
      cmd_policy_json_str(out, nameof(p, i));
    else
      fputs(nameof(p, i), out);
    first = false;
  }
  if (json) fputc(']', out);
}

static bool cmd_policy_class_in(const policy *p, int c, const void *regime) {
  const char *g = policy_class_regime(p, c);
  return g != NULL && strcmp(g, regime) == 0;
}

/* A role is in the regime of a class (the first class of that regime stands for it). */
static bool cmd_policy_role_in(const policy *p, int role, const void *klass) {
  return policy_role_may_receive(p, role, *(const int *)klass);
}

typedef struct {
  int rule, action;
} cmd_policy_rule_ref;

static bool cmd_policy_role_of(const policy *p, int role, const void *ref) {
  const cmd_policy_rule_ref *r = ref;
  for (int c = 0; c < policy_class_count(p); c++)
    if (policy_rule_covers(p, r->rule, role, r->action, c)) return true;
  return false;
}

static bool cmd_policy_class_of(const policy *p, int klass, const void *ref) {
  const cmd_policy_rule_ref *r = ref;
  for (int role = 0; role < policy_role_count(p); role++)
    if (policy_rule_covers(p, r->rule, role, r->action, klass)) return true;
  return false;
}

/* The first class of each regime, in class order: the regime's representative. */
static bool cmd_policy_regime_first(const policy *p, int klass) {
  const char *g = policy_class_regime(p, klass);
  if (g == NULL) return false;
  for (int c = 0; c < klass; c++) {
    const char *h = policy_class_regime(p, c);
    if (h != NULL && strcmp(h, g) == 0) return false;
  }
  return true;
}

/* One regime, represented by its first class c: as a JSON object or a text line. */
static void cmd_policy_regime(const policy *p, int c, bool json) {
  const char *g = policy_class_regime(p, c);
  if (json) {
    printf("{\"name\":");
    cmd_policy_json_str(stdout, g);
    printf(",\"roles\":");
  } else {
    printf("regime \"%s\": roles ", g);
  }
  cmd_policy_names(stdout, json, p, policy_role_count(p), policy_role_name, cmd_policy_role_in,
                   &c);
  printf(json ? ",\"classes\":" : "; classes ");
  cmd_policy_names(stdout, json, p, policy_class_count(p), policy_class_name,
                   cmd_policy_class_in, g);
  printf(json ? "}" : "\n");
}

/* One intake rule r: who may submit what, as a JSON object or a text line. */
static void cmd_policy_intake(const policy *p, int r, bool json) {
  cmd_policy_rule_ref ref = {r, policy_action(p, "submit")};
  const char *name = policy_rule_name(p, r);
  if (json) {
    printf("{\"rule\":");
    cmd_policy_json_str(stdout, name);
    printf(",\"line\":%d,\"roles\":", policy_rule_line(p, r));
  } else {
    printf("intake%s%s%s (%s:%d): ", name ? " '" : "", name ? name : "", name ? "'" : "",
           policy_filename(p), policy_rule_line(p, r));
  }
  cmd_policy_names(stdout, json, p, policy_role_count(p), policy_role_name, cmd_policy_role_of,
                   &ref);
  printf(json ? ",\"classes\":" : " may submit ");
  cmd_policy_names(stdout, json, p, policy_class_count(p), policy_class_name,
                   cmd_policy_class_of, &ref);
  printf(json ? "}" : ", and nothing more\n");
}

/* `policy explain FILE` without a request: purposes, regimes, intake rules, retention. */
static void cmd_policy_summary(const policy *p, const char *file, bool json) {
  int np = policy_purpose_count(p), nc = policy_class_count(p), nr = policy_rule_count(p);
  bool first = true;
  if (json) {
    printf("{\"file\":");
    cmd_policy_json_str(stdout, file);
    printf(",\"purposes\":[");
    for (int i = 0; i < np; i++) {
      const policy_purpose *u = policy_purpose_at(p, i);
      printf("%s{\"code\":", i ? "," : "");
      cmd_policy_json_str(stdout, u->code);
      printf(",\"basis\":");
      cmd_policy_json_str(stdout, u->basis);
      printf(",\"description\":");
      cmd_policy_json_str(stdout, u->description);
      printf(",\"line\":%d}", u->line);
    }
    printf("],\"regimes\":[");
  } else {
    printf("purposes (%d):\n", np);
    for (int i = 0; i < np; i++) {
      const policy_purpose *u = policy_purpose_at(p, i);
      printf("  %-16s %s\n  %-16s %s\n", u->code, u->basis, "", u->description);
    }
    if (np == 0) printf("  none: requests may state no purpose\n");
  }
  for (int c = 0; c < nc; c++) {
    if (!cmd_policy_regime_first(p, c)) continue;
    if (json && !first) putchar(',');
    cmd_policy_regime(p, c, json);
    first = false;
  }
  if (json) printf("],\"intake\":[");
  first = true;
  for (int r = 0; r < nr; r++) {
    if (!policy_rule_is_intake(p, r)) continue;
    if (json && !first) putchar(',');
    cmd_policy_intake(p, r, json);
    first = false;
  }
  printf(json ? "],\"retention\":{" : "retention:\n");
  for (int c = 0; c < nc; c++) {
    int64_t secs = policy_retention(p, c);
    if (json) {
      printf("%s", c ? "," : "");
      cmd_policy_json_str(stdout, policy_class_name(p, c));
      if (secs < 0)
        printf(":null");
      else
        printf(":%lld", (long long)secs);
    } else {
      char how[128];
      policy_retention_describe(p, c, how, sizeof how);
      printf("  %-16s %s\n", policy_class_name(p, c), how);
    }
  }
  if (json) printf("}}\n");
}

static int cmd_policy_explain(int argc, char **argv, bool json) {
  const char *file = NULL, *role = NULL, *action = NULL, *klass = NULL, *level = NULL,
             *area = NULL, *purpose = NULL;
  for (int i = 2; i < argc; i++) {
    bool missing = false;
    const char *v;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(cmd_policy_explain_usage, stdout);
      return 0;
    }
    if (strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if ((v = cmd_policy_opt(argc, argv, &i, "--role", &missing)) != NULL) {
      role = v;
    } else if ((v = cmd_policy_opt(argc, argv, &i, "--action", &missing)) != NULL) {
      action = v;
    } else if ((v = cmd_policy_opt(argc, argv, &i, "--class", &missing)) != NULL) {
      klass = v;
    } else if ((v = cmd_policy_opt(argc, argv, &i, "--level", &missing)) != NULL) {
      level = v;
    } else if ((v = cmd_policy_opt(argc, argv, &i, "--area", &missing)) != NULL) {
      area = v;
    } else if ((v = cmd_policy_opt(argc, argv, &i, "--purpose", &missing)) != NULL) {
      purpose = v;
    } else if (missing) {
      return cmd_policy_usage_error("explain", "missing value for", argv[i]);
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return cmd_policy_usage_error("explain", "unknown option", argv[i]);
    } else if (file != NULL) {
      return cmd_policy_usage_error("explain", "unexpected argument", argv[i]);
    } else {
      file = argv[i];
    }
    if (missing) return cmd_policy_usage_error("explain", "missing value for", argv[i]);
  }
  if (file == NULL) return cmd_policy_usage_error("explain", "missing FILE", NULL);
  if (role == NULL && action == NULL && klass == NULL && level == NULL && area == NULL &&
      purpose == NULL) {
    policy *whole = cmd_policy_load(file, POLICY_LOAD_SKIP_EXPECT);
    if (whole == NULL) return 1;
    cmd_policy_summary(whole, file, json);
    policy_free(whole);
    return 0;
  }
  if (role == NULL) return cmd_policy_usage_error("explain", "missing --role", NULL);
  if (action == NULL) return cmd_policy_usage_error("explain", "missing --action", NULL);
  if (klass == NULL) return cmd_policy_usage_error("explain", "missing --class", NULL);
  int lv = level ? policy_level_parse(level) : POLICY_LEVEL_NONE;
  if (lv < 0)
    return cmd_policy_usage_error("explain", "--level must be none, area, group or individual:",
                                  level);
  policy *p = cmd_policy_load(file, POLICY_LOAD_SKIP_EXPECT);
  if (p == NULL) return 1;
  int rc = 1;
  policy_request req = {.level = (enum policy_level)lv, .area = area, .purpose = purpose};
  req.role = cmd_policy_lookup(p, "role", role, policy_role, policy_role_name,
                               policy_role_count(p));
  if (req.role < 0) goto done;
  req.action = cmd_policy_lookup(p, "action", action, policy_action, policy_action_name,
                                 policy_action_count(p));
  if (req.action < 0) goto done;
  req.klass = cmd_policy_lookup(p, "class", klass, policy_class, policy_class_name,
                                policy_class_count(p));
  if (req.klass < 0) goto done;
  policy_decision d;
  policy_decide(p, &req, &d);
  char why[1024];
  policy_decision_describe(p, &d, why, sizeof why);
  if (json) {
    printf("{\"role\":");
    cmd_policy_json_str(stdout, role);
    printf(",\"action\":");
    cmd_policy_json_str(stdout, action);
    printf(",\"class\":");
    cmd_policy_json_str(stdout, klass);
    printf(",\"level\":\"%s\",\"area\":", policy_level_name(req.level));
    cmd_policy_json_str(stdout, area);
    printf(",\"purpose\":");
    cmd_policy_json_str(stdout, purpose);
    printf(",\"decision\":\"%s\",\"rule_index\":%d,\"rule\":", d.permit ? "permit" : "deny",
           d.rule_index);
    cmd_policy_json_str(stdout, d.rule_name);
    printf(",\"file\":");
    cmd_policy_json_str(stdout, d.rule_index >= 0 ? d.file : NULL);
    printf(",\"line\":");
    if (d.rule_index >= 0)
      printf("%d", d.line);
    else
      printf("null");
    printf(",\"regime\":");
    cmd_policy_json_str(stdout, policy_class_regime(p, req.klass));
    const policy_purpose *u = policy_purpose_find(p, purpose);
    printf(",\"purpose_declared\":%s,\"basis\":", purpose == NULL || u ? "true" : "false");
    cmd_policy_json_str(stdout, u ? u->basis : NULL);
    printf(",\"retention\":");
    if (policy_retention(p, req.klass) < 0)
      printf("null");
    else
      printf("%lld", (long long)policy_retention(p, req.klass));
    printf(",\"explanation\":");
    cmd_policy_json_str(stdout, why);
    printf("}\n");
  } else {
    printf("%s %s %s", role, action, klass);
    if (req.level != POLICY_LEVEL_NONE) printf(" level %s", policy_level_name(req.level));
    if (area != NULL) printf(" area \"%s\"", area);
    if (purpose != NULL) printf(" purpose \"%s\"", purpose);
    printf(": %s\n", why);
    const char *regime = policy_class_regime(p, req.klass);
    if (regime != NULL)
      printf("class '%s' is in regime \"%s\"; role '%s' is %s\n", klass, regime, role,
             policy_role_may_receive(p, req.role, req.klass) ? "inside it" : "outside it");
    if (purpose != NULL) {
      const policy_purpose *u = policy_purpose_find(p, purpose);
      if (u != NULL) {
        printf("purpose '%s': %s -- %s\n", u->code, u->basis, u->description);
      } else {
        printf("purpose '%s' is not declared by the policy; declared:", purpose);
        for (int i = 0; i < policy_purpose_count(p); i++)
          printf(" %s", policy_purpose_at(p, i)->code);
        printf("%s\n", policy_purpose_count(p) ? "" : " none");
      }
    }
    char kept[128];
    policy_retention_describe(p, req.klass, kept, sizeof kept);
    printf("class '%s' retention: %s\n", klass, kept);
  }
  rc = 0;
done:
  policy_free(p);
  return rc;
}

static int cmd_policy_test(int argc, char **argv, bool json) {
  const char *file = NULL;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(cmd_policy_test_usage, stdout);
      return 0;
    }
    if (strcmp(argv[i], "--json") == 0) {
      json = true;
      continue;
    }
    if (argv[i][0] == '-' && argv[i][1] != '\0')
      return cmd_policy_usage_error("test", "unknown option", argv[i]);
    if (file != NULL) return cmd_policy_usage_error("test", "unexpected argument", argv[i]);
    file = argv[i];
  }
  if (file == NULL) return cmd_policy_usage_error("test", "missing FILE", NULL);
  policy *p = cmd_policy_load(file, POLICY_LOAD_SKIP_EXPECT);
  if (p == NULL) return 1;
  int n = policy_expect_count(p), failed = 0;
  if (json) {
    printf("{\"file\":");
    cmd_policy_json_str(stdout, file);
    printf(",\"results\":[");
  }
  for (int i = 0; i < n; i++) {
    policy_expect_result r;
    char text[1024], got[1024];
    bool ok = policy_expect_run(p, i, &r);
    failed += !ok;
    policy_expect_text(p, i, text, sizeof text);
    policy_expect_got_text(p, &r, got, sizeof got);
    if (json) {
      printf("%s{\"line\":%d,\"expect\":", i ? "," : "", r.line);
      cmd_policy_json_str(stdout, text);
      printf(",\"passed\":%s,\"got\":", ok ? "true" : "false");
      cmd_policy_json_str(stdout, got);
      printf("}");
    } else {
      printf("%s %s:%d: %s -- %s\n", ok ? "PASS" : "FAIL", file, r.line, text, got);
    }
  }
  if (json)
    printf("],\"passed\":%d,\"failed\":%d}\n", n - failed, failed);
  else
    printf("%d passed, %d failed\n", n - failed, failed);
  policy_free(p);
  return failed ? 1 : 0;
}

int cmd_policy(int argc, char **argv, bool json) {
  assert(argc >= 1 && argv != NULL);
  if (argc < 2) return cmd_policy_usage_error(NULL, "missing subcommand", NULL);
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
    fputs(cmd_policy_usage, stdout);
    return 0;
  }
  if (strcmp(sub, "check") == 0) return cmd_policy_check(argc, argv);
  if (strcmp(sub, "explain") == 0) return cmd_policy_explain(argc, argv, json);
  if (strcmp(sub, "test") == 0) return cmd_policy_test(argc, argv, json);
  return cmd_policy_usage_error(NULL, "unknown subcommand", sub);
}

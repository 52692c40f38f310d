/* test_policy_property.c -- random policies: the regime proof is sound and precise (intake rules included), decisions match a naive oracle. */
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"
#include "support/rng.h"
#include "task.h"

#define NPOLICIES 10000
#define MAXR 5 /* roles */
#define MAXA 3 /* actions */
#define MAXC 4 /* classes */
#define MAXRULES 6
#define MAXCONDS 3

static test_rng rng = {0x9e3779b97f4a7c15ull};

static uint32_t rnd(uint32_t n) { return test_rng_below(&rng, n); }

/* The values requests use: index 0 = absent, others are strings. Purposes 1..3 may be declared
 * by a policy (model.purposes); "P0" never is (a case variant of a code). */
static const char *const purposes[] = {NULL, "p0", "p1", "zz", "P0"};
static const char *const areas[] = {NULL, "n0", "zz"};
#define NPURP 5
#define NAREA 3
#define DECLARABLE 0xeu /* purposes[] indices 1..3 */

/* A condition in model form: admitted levels, purposes and areas (by index above). */
typedef struct {
  char text[96];
  unsigned levels;   /* bit per level */
  unsigned purposes; /* bit per purposes[] index */
  unsigned areas;    /* bit per areas[] index */
} cond;

typedef struct {
  bool forbid;
  bool intake; /* actions is then {0}: action 0 is "submit" */
  char name[16];
  unsigned roles, actions, classes; /* bit sets */
  bool star[3];
  cond conds[MAXCONDS];
  int nconds;
} rule;

typedef struct {
  int nr, na, nc;
  unsigned purposes; /* declared: bit per purposes[] index (within DECLARABLE) */
  int nregimes;
  unsigned regime_roles[2], regime_classes[2];
  rule rules[MAXRULES];
  int nrules;
} model;

static unsigned rnd_subset(int n) {
  unsigned s = 0;
  while (s == 0) s = rnd(1u << n);
  return s;
}

static void gen_cond(cond *c) {
  c->levels = 0xf;
  c->purposes = (1u << NPURP) - 1;
  c->areas = (1u << NAREA) - 1;
  static const char *const lv[] = {"none", "area", "group", "individual"};
  switch (rnd(8)) {
    case 0: {
      int l = (int)rnd(4);
      c->levels = 1u << l;
      snprintf(c->text, sizeof c->text, "level = %s", lv[l]);
      break;
    }
    case 1: {
      int l1 = (int)rnd(4), l2 = (int)rnd(4);
      c->levels = (1u << l1) | (1u << l2);
      snprintf(c->text, sizeof c->text, "level in (%s, %s)", lv[l1], lv[l2]);
      break;
    }
    case 2:
      c->purposes = ~1u & ((1u << NPURP) - 1);
      snprintf(c->text, sizeof c->text, "purpose present");
      break;
    case 3:
      c->purposes = 1u;
      snprintf(c->text, sizeof c->text, "purpose absent");
      break;
    case 4:
      c->purposes = 1u << 1;
      snprintf(c->text, sizeof c->text, "purpose = \"p0\"");
      break;
    case 5:
      c->purposes = (1u << 1) | (1u << 2);
      snprintf(c->text, sizeof c->text, "purpose in (\"p0\", \"p1\")");
      break;
    case 6:
      c->areas = 1u << 1;
      snprintf(c->text, sizeof c->text, "area = \"n0\"");
      break;
    default:
      if (rnd(2)) {
        c->areas = 1u;
        snprintf(c->text, sizeof c->text, "area absent");
      } else {
        c->areas = ~1u & ((1u << NAREA) - 1);
        snprintf(c->text, sizeof c->text, "area present");
      }
      break;
  }
}

static void gen_model(model *m) {
  memset(m, 0, sizeof *m);
  m->nr = 1 + (int)rnd(MAXR);
  m->na = 1 + (int)rnd(MAXA);
  m->nc = 1 + (int)rnd(MAXC);
  /* mostly p0 and p1, sometimes zz, sometimes missing ones (and then rules naming them fail) */
  if (rnd(10) != 0) m->purposes |= 1u << 1;
  if (rnd(10) != 0) m->purposes |= 1u << 2;
  if (rnd(2) != 0) m->purposes |= 1u << 3;
  m->nregimes = (int)rnd(3);
  unsigned used = 0;
  for (int g = 0; g < m->nregimes; g++) {
    unsigned free_classes = ((1u << m->nc) - 1) & ~used;
    if (free_classes == 0) {
      m->nregimes = g;
      break;
    }
    unsigned cls = rnd_subset(m->nc) & free_classes;
    if (cls == 0) cls = free_classes & (~free_classes + 1); /* lowest free class */
    used |= cls;
    m->regime_classes[g] = cls;
    m->regime_roles[g] = rnd_subset(m->nr);
  }
  m->nrules = 1 + (int)rnd(MAXRULES);
  for (int i = 0; i < m->nrules; i++) {
    rule *r = &m->rules[i];
    unsigned kind = rnd(20);
    r->forbid = kind < 6;
    r->intake = kind >= 6 && kind < 10;
    if (rnd(2)) snprintf(r->name, sizeof r->name, "rule%d", i);
    int n[3] = {m->nr, m->na, m->nc};
    unsigned *sets[3] = {&r->roles, &r->actions, &r->classes};
    for (int k = 0; k < 3; k++) {
      r->star[k] = rnd(5) == 0;
      *sets[k] = r->star[k] ? (1u << n[k]) - 1 : rnd_subset(n[k]);
    }
    if (r->intake) {
      r->star[1] = false;
      r->actions = 1u; /* submit */
      /* mostly regime classes, so that most intake rules are valid */
      unsigned regime_classes = m->regime_classes[0] | m->regime_classes[1];
      if (!r->star[2] && rnd(4) != 0 && (r->classes & regime_classes) != 0)
        r->classes &= regime_classes;
    }
    r->nconds = (int)rnd(MAXCONDS + 1);
    for (int c = 0; c < r->nconds; c++) gen_cond(&r->conds[c]);
  }
}

/* Names: r0.., c0..; actions a1.. with action 0 called "submit" (what intake rules permit). */
static size_t put_set(char *buf, size_t cap, size_t n, char prefix, unsigned set, bool star) {
  if (star) return n + (size_t)snprintf(buf + n, cap - n, " *");
  bool first = true;
  for (int i = 0; i < 32; i++) {
    if (!(set & (1u << i))) continue;
    if (prefix == 'a' && i == 0)
      n += (size_t)snprintf(buf + n, cap - n, "%ssubmit", first ? " " : ", ");
    else
      n += (size_t)snprintf(buf + n, cap - n, "%s%c%d", first ? " " : ", ", prefix, i);
    first = false;
  }
  return n;
}

static size_t put_rule(char *buf, size_t cap, size_t n, const rule *r) {
  n += (size_t)snprintf(buf + n, cap - n, "%s",
                        r->forbid ? "forbid" : r->intake ? "intake" : "permit");
  if (r->name[0]) n += (size_t)snprintf(buf + n, cap - n, " \"%s\"", r->name);
  n += (size_t)snprintf(buf + n, cap - n, "\n  role");
  n = put_set(buf, cap, n, 'r', r->roles, r->star[0]);
  if (!r->intake) {
    n += (size_t)snprintf(buf + n, cap - n, " action");
    n = put_set(buf, cap, n, 'a', r->actions, r->star[1]);
  }
  n += (size_t)snprintf(buf + n, cap - n, " class");
  n = put_set(buf, cap, n, 'c', r->classes, r->star[2]);
  for (int c = 0; c < r->nconds; c++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%s", c ? " and " : "\n  when ", r->conds[c].text);
  return n + (size_t)snprintf(buf + n, cap - n, "\n");
}

/* Render the model; with only_rule >= 0 emit declarations and that rule alone (no regimes). */
static size_t render(const model *m, int only_rule, char *buf, size_t cap) {
  size_t n = 0;
  n += (size_t)snprintf(buf + n, cap - n, "roles");
  n = put_set(buf, cap, n, 'r', (1u << m->nr) - 1, false);
  n += (size_t)snprintf(buf + n, cap - n, "\nactions");
  n = put_set(buf, cap, n, 'a', (1u << m->na) - 1, false);
  n += (size_t)snprintf(buf + n, cap - n, "\nclasses");
  n = put_set(buf, cap, n, 'c', (1u << m->nc) - 1, false);
  n += (size_t)snprintf(buf + n, cap - n, "\n");
  if (m->purposes != 0) {
    n += (size_t)snprintf(buf + n, cap - n, "purposes {\n");
    for (int i = 1; i < NPURP; i++)
      if (m->purposes >> i & 1)
        n += (size_t)snprintf(buf + n, cap - n, "  %s basis \"b\" description \"d\"\n",
                              purposes[i]);
    n += (size_t)snprintf(buf + n, cap - n, "}\n");
  }
  if (only_rule >= 0) return put_rule(buf, cap, n, &m->rules[only_rule]);
  for (int g = 0; g < m->nregimes; g++) {
    n += (size_t)snprintf(buf + n, cap - n, "regime \"g%d\" {\n  roles", g);
    n = put_set(buf, cap, n, 'r', m->regime_roles[g], false);
    n += (size_t)snprintf(buf + n, cap - n, "\n  classes");
    n = put_set(buf, cap, n, 'c', m->regime_classes[g], false);
    n += (size_t)snprintf(buf + n, cap - n, "\n}\n");
  }
  for (int i = 0; i < m->nrules; i++) n = put_rule(buf, cap, n, &m->rules[i]);
  return n;
}

/* A request's purpose index as the library sees it: undeclared ones deny before any rule. */
static bool purpose_declared(const model *m, int pu) { return pu == 0 || (m->purposes >> pu & 1); }

static bool rule_matches(const rule *r, int role, int action, int klass, int lv, int pu, int ar) {
  /* (undeclared purposes never reach here: the oracle denies them first) */
  if (!(r->roles >> role & 1) || !(r->actions >> action & 1) || !(r->classes >> klass & 1))
    return false;
  for (int c = 0; c < r->nconds; c++) {
    const cond *k = &r->conds[c];
    if (!(k->levels >> lv & 1) || !(k->purposes >> pu & 1) || !(k->areas >> ar & 1)) return false;
  }
  return true;
}

/* Naive oracle: rule index deciding the request (forbids first), or -1. */
static int oracle(const model *m, int role, int action, int klass, int lv, int pu, int ar) {
  if (!purpose_declared(m, pu)) return -1;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < m->nrules; i++)
      if (m->rules[i].forbid == (pass == 0) && rule_matches(&m->rules[i], role, action, klass, lv, pu, ar))
        return i;
  return -1;
}

static bool rule_satisfiable(const model *m, const rule *r) {
  unsigned lv = 0xf, pu = ~0u, ar = ~0u;
  for (int c = 0; c < r->nconds; c++) {
    lv &= r->conds[c].levels;
    pu &= r->conds[c].purposes;
    ar &= r->conds[c].areas;
  }
  return lv && (pu & (1u | m->purposes)) && (ar & ((1u << NAREA) - 1));
}

/* The regime g (or -1) that klass belongs to in the model. */
static int class_regime(const model *m, int klass);

/* A rule is well-formed when its purpose conditions name declared codes ('purpose present' needs
 * one declared) and, for an intake rule, every class it names is in a regime. */
static bool rule_valid(const model *m, const rule *r) {
  for (int c = 0; c < r->nconds; c++) {
    unsigned pu = r->conds[c].purposes;
    bool literal = pu != ((1u << NPURP) - 1) && !(pu & 1u); /* = or in: absent excluded */
    if (pu == (~1u & ((1u << NPURP) - 1))) { /* present */
      if (m->purposes == 0) return false;
    } else if (literal && (pu & ~m->purposes) != 0) {
      return false;
    }
  }
  if (r->intake)
    for (int k = 0; k < m->nc; k++)
      if ((r->classes >> k & 1) && class_regime(m, k) < 0) return false;
  return true;
}

static int class_regime(const model *m, int klass) {
  for (int g = 0; g < m->nregimes; g++)
    if (m->regime_classes[g] >> klass & 1) return g;
  return -1;
}

/* Does a permit decision for (role, klass) cross a regime of m? */
static bool crosses(const model *m, int role, int klass) {
  int g = class_regime(m, klass);
  return g >= 0 && !(m->regime_roles[g] >> role & 1);
}

/* Brute force with the library: load the rule alone (no regimes) and look for a permit that
 * would cross one of m's regimes. */
static bool rule_alone_crosses(const model *m, int ri) {
  static char buf[8192];
  static policy_diag d;
  size_t n = render(m, ri, buf, sizeof buf);
  policy *p = policy_load_text("alone.policy", buf, n, &d);
  if (p == NULL) TASK_FAIL("rule alone does not load: %s\n%s", d.errors[0].text, buf);
  bool found = false;
  for (int role = 0; role < m->nr && !found; role++)
    for (int a = 0; a < m->na && !found; a++)
      for (int c = 0; c < m->nc && !found; c++)
        for (int lv = 0; lv < 4 && !found; lv++)
          for (int pu = 0; pu < NPURP && !found; pu++)
            for (int ar = 0; ar < NAREA && !found; ar++) {
              policy_request rq = {role, a, c, (enum policy_level)lv, areas[ar], purposes[pu]};
              policy_decision dd;
              policy_decide(p, &rq, &dd);
              found = dd.permit && crosses(m, role, c);
            }
  policy_free(p);
  return found;
}

static void test_random_policies(void) {
  const char *seed = getenv("POLICY_PROPERTY_SEED");
  if (seed != NULL) rng.state = strtoull(seed, NULL, 10) | 1;
  static char buf[8192];
  static policy_diag d;
  int accepted = 0, rejected_regime = 0, rejected_other = 0, rejected_intake = 0,
      rejected_purpose = 0, accepted_intake = 0;
  long decisions = 0, intake_crossings = 0, undeclared = 0;
  for (int iter = 0; iter < NPOLICIES; iter++) {
    model m;
    gen_model(&m);
    size_t n = render(&m, -1, buf, sizeof buf);
    /* the oracle's view of which rules are unsatisfiable and which permits cross */
    bool any_unsat = false, crossing[MAXRULES] = {false}, any_cross = false;
    for (int i = 0; i < m.nrules; i++) {
      const rule *r = &m.rules[i];
      if (!rule_valid(&m, r) || !rule_satisfiable(&m, r)) {
        any_unsat = true;
        continue;
      }
      if (r->forbid || r->intake) continue; /* forbids may name anyone; intake may cross */
      for (int role = 0; role < m.nr; role++)
        for (int c = 0; c < m.nc; c++)
          if ((r->roles >> role & 1) && (r->classes >> c & 1) && crosses(&m, role, c))
            crossing[i] = true;
      any_cross = any_cross || crossing[i];
    }
    policy *p = policy_load_text("rand.policy", buf, n, &d);
    if (p == NULL) {
      int regime_errors = 0;
      for (int e = 0; e < d.count; e++) {
        if (strstr(d.errors[e].text, " permits role ") == NULL) continue;
        regime_errors++;
        int ri = d.errors[e].rule;
        if (ri < 0 || ri >= m.nrules) TASK_FAIL("regime error without a rule: %s", d.errors[e].text);
        if (!crossing[ri] || !rule_alone_crosses(&m, ri))
          TASK_FAIL("rejection names rule %d that does not cross: %s\n%s", ri, d.errors[e].text,
                    buf);
        ASSERT(!m.rules[ri].forbid);
      }
      if (regime_errors > 0)
        rejected_regime++;
      else
        rejected_other++;
      for (int e = 0; e < d.count; e++) {
        rejected_intake += strstr(d.errors[e].text, "which is in no regime") != NULL;
        rejected_purpose += strstr(d.errors[e].text, "unknown purpose") != NULL ||
                            strstr(d.errors[e].text, "declares no purposes") != NULL;
      }
      /* rejected exactly when the oracle finds a problem */
      if (!any_unsat && !any_cross)
        TASK_FAIL("policy rejected without reason: %s\n%s", d.errors[0].text, buf);
      /* every crossing permit is named when nothing else is wrong */
      if (!any_unsat) {
        for (int i = 0; i < m.nrules; i++) {
          bool named = false;
          for (int e = 0; e < d.count; e++) named = named || d.errors[e].rule == i;
          if (crossing[i] && !named) TASK_FAIL("crossing rule %d not reported\n%s", i, buf);
        }
      }
      continue;
    }
    accepted++;
    if (any_unsat || any_cross) TASK_FAIL("policy accepted although the oracle rejects it\n%s", buf);
    bool has_intake = false;
    for (int i = 0; i < m.nrules; i++) {
      ASSERT_INT_EQ(policy_rule_is_intake(p, i), m.rules[i].intake);
      has_intake = has_intake || m.rules[i].intake;
    }
    accepted_intake += has_intake;
    for (int role = 0; role < m.nr; role++)
      for (int a = 0; a < m.na; a++)
        for (int c = 0; c < m.nc; c++) {
          ASSERT_INT_EQ(policy_role_may_receive(p, role, c), !crosses(&m, role, c));
          ASSERT_INT_EQ(policy_class_in_regime(p, c), class_regime(&m, c) >= 0);
          for (int lv = 0; lv < 4; lv++)
            for (int pu = 0; pu < NPURP; pu++)
              for (int ar = 0; ar < NAREA; ar++) {
                policy_request rq = {role, a, c, (enum policy_level)lv, areas[ar], purposes[pu]};
                policy_decision dd;
                policy_decide(p, &rq, &dd);
                decisions++;
                /* the separation property: across a regime only an intake's submit */
                if (dd.permit && crosses(&m, role, c)) {
                  if (a != 0 || !m.rules[dd.rule_index].intake ||
                      !policy_rule_is_intake(p, dd.rule_index))
                    TASK_FAIL("permit of regime class c%d to role r%d, action a%d\n%s", c, role,
                              a, buf);
                  intake_crossings++;
                }
                if (!purpose_declared(&m, pu)) {
                  if (dd.permit || !dd.undeclared_purpose)
                    TASK_FAIL("undeclared purpose %s not refused\n%s", purposes[pu], buf);
                  undeclared++;
                }
                /* and the decision is the naive evaluation's */
                int want = oracle(&m, role, a, c, lv, pu, ar);
                if (dd.rule_index != want)
                  TASK_FAIL("r%d a%d c%d level %d purpose %d area %d: rule %d, oracle %d\n%s",
                            role, a, c, lv, pu, ar, dd.rule_index, want, buf);
                ASSERT_INT_EQ(dd.permit, want >= 0 && !m.rules[want].forbid);
              }
        }
    policy_free(p);
  }
  fprintf(stderr, "%d policies: %d accepted (%d with intake rules), %d rejected by the regime "
                  "proof, %d for other reasons (%d errors on intake classes, %d on purposes); "
                  "%ld decisions checked, %ld intake submits across a regime, %ld undeclared "
                  "purposes refused\n",
          NPOLICIES, accepted, accepted_intake, rejected_regime, rejected_other, rejected_intake,
          rejected_purpose, decisions, intake_crossings, undeclared);
  /* the generator must exercise every branch */
  ASSERT(accepted > NPOLICIES / 10);
  ASSERT(rejected_regime > NPOLICIES / 10);
  ASSERT(rejected_other > 0);
  ASSERT(accepted_intake > NPOLICIES / 50);
  ASSERT(intake_crossings > 0);
  ASSERT(rejected_intake > 0);
  ASSERT(rejected_purpose > 0);
  ASSERT(undeclared > 0);
}

int main(void) {
  RUN_TEST(test_random_policies);
  return 0;
}

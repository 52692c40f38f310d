/* test_policy_property.c -- random policies: the regime proof is sound and precise, decisions match a naive oracle. */
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"
#include "task.h"

#define NPOLICIES 10000
#define MAXR 5 /* roles */
#define MAXA 3 /* actions */
#define MAXC 4 /* classes */
#define MAXRULES 6
#define MAXCONDS 3

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 32) % n;
}

/* The values requests use: index 0 = absent, others are strings. */
static const char *const purposes[] = {NULL, "p0", "p1", "zz"};
static const char *const areas[] = {NULL, "n0", "zz"};
#define NPURP 4
#define NAREA 3

/* A condition in model form: admitted levels, purposes and areas (by index above). */
typedef struct {
  char text[96];
  unsigned levels;   /* bit per level */
  unsigned purposes; /* bit per purposes[] index */
  unsigned areas;    /* bit per areas[] index */
} cond;

typedef struct {
  bool forbid;
  char name[16];
  unsigned roles, actions, classes; /* bit sets */
  bool star[3];
  cond conds[MAXCONDS];
  int nconds;
} rule;

typedef struct {
  int nr, na, nc;
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
    r->forbid = rnd(10) < 3;
    if (rnd(2)) snprintf(r->name, sizeof r->name, "rule%d", i);
    int n[3] = {m->nr, m->na, m->nc};
    unsigned *sets[3] = {&r->roles, &r->actions, &r->classes};
    for (int k = 0; k < 3; k++) {
      r->star[k] = rnd(5) == 0;
      *sets[k] = r->star[k] ? (1u << n[k]) - 1 : rnd_subset(n[k]);
    }
    r->nconds = (int)rnd(MAXCONDS + 1);
    for (int c = 0; c < r->nconds; c++) gen_cond(&r->conds[c]);
  }
}

static size_t put_set(char *buf, size_t cap, size_t n, char prefix, unsigned set, bool star) {
  if (star) return n + (size_t)snprintf(buf + n, cap - n, " *");
  bool first = true;
  for (int i = 0; i < 32; i++) {
    if (!(set & (1u << i))) continue;
    n += (size_t)snprintf(buf + n, cap - n, "%s%c%d", first ? " " : ", ", prefix, i);
    first = false;
  }
  return n;
}

static size_t put_rule(char *buf, size_t cap, size_t n, const rule *r) {
  n += (size_t)snprintf(buf + n, cap - n, "%s", r->forbid ? "forbid" : "permit");
  if (r->name[0]) n += (size_t)snprintf(buf + n, cap - n, " \"%s\"", r->name);
  n += (size_t)snprintf(buf + n, cap - n, "\n  role");
  n = put_set(buf, cap, n, 'r', r->roles, r->star[0]);
  n += (size_t)snprintf(buf + n, cap - n, " action");
  n = put_set(buf, cap, n, 'a', r->actions, r->star[1]);
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

static bool rule_matches(const rule *r, int role, int action, int klass, int lv, int pu, int ar) {
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
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < m->nrules; i++)
      if (m->rules[i].forbid == (pass == 0) && rule_matches(&m->rules[i], role, action, klass, lv, pu, ar))
        return i;
  return -1;
}

static bool rule_satisfiable(const rule *r) {
  unsigned lv = 0xf, pu = ~0u, ar = ~0u;
  for (int c = 0; c < r->nconds; c++) {
    lv &= r->conds[c].levels;
    pu &= r->conds[c].purposes;
    ar &= r->conds[c].areas;
  }
  return lv && (pu & ((1u << NPURP) - 1)) && (ar & ((1u << NAREA) - 1));
}

/* The regime g (or -1) that klass belongs to in the model. */
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
  if (seed != NULL) rng_state = strtoull(seed, NULL, 10) | 1;
  static char buf[8192];
  static policy_diag d;
  int accepted = 0, rejected_regime = 0, rejected_other = 0;
  long decisions = 0;
  for (int iter = 0; iter < NPOLICIES; iter++) {
    model m;
    gen_model(&m);
    size_t n = render(&m, -1, buf, sizeof buf);
    /* the oracle's view of which rules are unsatisfiable and which permits cross */
    bool any_unsat = false, crossing[MAXRULES] = {false}, any_cross = false;
    for (int i = 0; i < m.nrules; i++) {
      const rule *r = &m.rules[i];
      if (!rule_satisfiable(r)) {
        any_unsat = true;
        continue;
      }
      if (r->forbid) continue;
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
                /* the separation property */
                if (dd.permit && crosses(&m, role, c))
                  TASK_FAIL("permit of regime class c%d to role r%d\n%s", c, role, buf);
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
  fprintf(stderr, "%d policies: %d accepted, %d rejected by the regime proof, %d for other "
                  "reasons; %ld decisions checked\n",
          NPOLICIES, accepted, rejected_regime, rejected_other, decisions);
  /* the generator must exercise every branch */
  ASSERT(accepted > NPOLICIES / 10);
  ASSERT(rejected_regime > NPOLICIES / 10);
  ASSERT(rejected_other > 0);
}

int main(void) {
  RUN_TEST(test_random_policies);
  return 0;
}

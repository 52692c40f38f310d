/* policy_model.c -- test support: random policies in model form, their text and a naive oracle
 * (see policy_model.h). */
#include "policy_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const pm_purposes[PM_NPURP] = {NULL, "p0", "p1", "zz", "P0"};
const char *const pm_areas[PM_NAREA] = {NULL, "n0", "zz"};
#define DECLARABLE 0xeu /* pm_purposes[] indices 1..3 */
#define MAX_RETAIN_DAYS 36500 /* 100 years */

static uint32_t rnd(const pm_source *src, uint32_t n) { return src->below(src->ctx, n); }

/* A non-empty subset of n elements, uniformly. */
static unsigned rnd_subset(const pm_source *src, int n) { return rnd(src, (1u << n) - 1) + 1; }

static const char *const level_names[] = {"none", "area", "group", "individual"};

static void gen_cond(pm_cond *c, const pm_source *src) {
  c->levels = 0xf;
  c->purposes = (1u << PM_NPURP) - 1;
  c->areas = (1u << PM_NAREA) - 1;
  switch (rnd(src, 8)) {
    case 0: {
      int l = (int)rnd(src, 4);
      c->levels = 1u << l;
      snprintf(c->text, sizeof c->text, "level = %s", level_names[l]);
      break;
    }
    case 1: {
      int l1 = (int)rnd(src, 4), l2 = (int)rnd(src, 4);
      c->levels = (1u << l1) | (1u << l2);
      snprintf(c->text, sizeof c->text, "level in (%s, %s)", level_names[l1], level_names[l2]);
      break;
    }
    case 2:
      c->purposes = ~1u & ((1u << PM_NPURP) - 1);
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
      if (rnd(src, 2)) {
        c->areas = 1u;
        snprintf(c->text, sizeof c->text, "area absent");
      } else {
        c->areas = ~1u & ((1u << PM_NAREA) - 1);
        snprintf(c->text, sizeof c->text, "area present");
      }
      break;
  }
}

/* Retention lines (mostly valid, sometimes over the limit or a class given twice) and
 * expectations (mostly the oracle's own answer, sometimes the opposite). */
static void gen_extras(pm_model *m, const pm_source *src) {
  m->retain_dup = -1;
  for (int c = 0; c < m->nc; c++) {
    switch (rnd(src, 4)) {
      case 0: m->retain_days[c] = 0; break;
      case 1: m->retain_days[c] = 1 + rnd(src, 400); break;
      case 2: m->retain_days[c] = MAX_RETAIN_DAYS - 1 + rnd(src, 3); break; /* the limit, both sides */
      default: m->retain_days[c] = 1 + rnd(src, 3650); break;
    }
  }
  if (rnd(src, 8) == 0) {
    int c = (int)rnd(src, (uint32_t)m->nc);
    if (m->retain_days[c] > 0) m->retain_dup = c; /* a second line for the class */
  }
  m->nexpects = (int)rnd(src, PM_MAXEXPECT + 1);
  for (int i = 0; i < m->nexpects; i++) {
    pm_expect *e = &m->expects[i];
    memset(e, 0, sizeof *e);
    e->retain = rnd(src, 3) == 0;
    e->klass = (int)rnd(src, (uint32_t)m->nc);
    if (e->retain) {
      e->at_most_days = rnd(src, 3) == 0 ? -1 : (int64_t)rnd(src, 4000) + 1;
      continue;
    }
    e->role = (int)rnd(src, (uint32_t)m->nr);
    e->action = (int)rnd(src, (uint32_t)m->na);
    e->level = rnd(src, 2) ? (int)rnd(src, 4) : -1;
    e->area = (int)rnd(src, PM_NAREA);
    e->purpose = 0;
    if (m->purposes != 0 && rnd(src, 2)) {
      /* a declared purpose only: naming another is a load error of its own */
      int declared[3], nd = 0;
      for (int pu = 1; pu <= 3; pu++)
        if (m->purposes >> pu & 1) declared[nd++] = pu;
      e->purpose = declared[rnd(src, (uint32_t)nd)];
    }
    int lv = e->level < 0 ? 0 : e->level;
    int want = pm_oracle(m, e->role, e->action, e->klass, lv, e->purpose, e->area);
    bool permit = want >= 0 && !m->rules[want].forbid;
    e->permit = rnd(src, 6) == 0 ? !permit : permit;
  }
}

void pm_generate(pm_model *m, const pm_source *src, unsigned flags) {
  memset(m, 0, sizeof *m);
  m->nr = 1 + (int)rnd(src, PM_MAXR);
  m->na = 1 + (int)rnd(src, PM_MAXA);
  m->nc = 1 + (int)rnd(src, PM_MAXC);
  /* mostly p0 and p1, sometimes zz, sometimes missing ones (and then rules naming them fail) */
  if (rnd(src, 10) != 0) m->purposes |= 1u << 1;
  if (rnd(src, 10) != 0) m->purposes |= 1u << 2;
  if (rnd(src, 2) != 0) m->purposes |= 1u << 3;
  m->nregimes = (int)rnd(src, 3);
  unsigned used = 0;
  for (int g = 0; g < m->nregimes; g++) {
    unsigned free_classes = ((1u << m->nc) - 1) & ~used;
    if (free_classes == 0) {
      m->nregimes = g;
      break;
    }
    unsigned cls = rnd_subset(src, m->nc) & free_classes;
    if (cls == 0) cls = free_classes & (~free_classes + 1); /* lowest free class */
    used |= cls;
    m->regime_classes[g] = cls;
    m->regime_roles[g] = rnd_subset(src, m->nr);
  }
  m->nrules = 1 + (int)rnd(src, PM_MAXRULES);
  for (int i = 0; i < m->nrules; i++) {
    pm_rule *r = &m->rules[i];
    unsigned kind = rnd(src, 20);
    r->forbid = kind < 6;
    r->intake = kind >= 6 && kind < 10;
    if (rnd(src, 2)) snprintf(r->name, sizeof r->name, "rule%d", i);
    int n[3] = {m->nr, m->na, m->nc};
    unsigned *sets[3] = {&r->roles, &r->actions, &r->classes};
    for (int k = 0; k < 3; k++) {
      r->star[k] = rnd(src, 5) == 0;
      *sets[k] = r->star[k] ? (1u << n[k]) - 1 : rnd_subset(src, n[k]);
    }
    if (r->intake) {
      r->star[1] = false;
      r->actions = 1u; /* submit */
      /* mostly regime classes, so that most intake rules are valid */
      unsigned regime_classes = m->regime_classes[0] | m->regime_classes[1];
      if (!r->star[2] && rnd(src, 4) != 0 && (r->classes & regime_classes) != 0)
        r->classes &= regime_classes;
    }
    r->nconds = (int)rnd(src, PM_MAXCONDS + 1);
    for (int c = 0; c < r->nconds; c++) gen_cond(&r->conds[c], src);
  }
  if (flags & PM_GEN_EXTRAS) gen_extras(m, src);
  else m->retain_dup = -1;
}

/* Names: r0.., c0..; actions a1.. with action 0 called "submit" (what intake rules permit).
 * put appends to buf[n..cap) and returns the new length (text past cap is cut). */
static size_t put(char *buf, size_t cap, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t cap, size_t n, const char *fmt, ...) {
  if (n >= cap) return n;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + n, cap - n, fmt, ap);
  va_end(ap);
  if (w < 0) return n;
  return n + (size_t)w >= cap ? cap - 1 : n + (size_t)w;
}

static size_t put_set(char *buf, size_t cap, size_t n, char prefix, unsigned set, bool star) {
  if (star) return put(buf, cap, n, " *");
  bool first = true;
  for (int i = 0; i < 32; i++) {
    if (!(set & (1u << i))) continue;
    if (prefix == 'a' && i == 0)
      n = put(buf, cap, n, "%ssubmit", first ? " " : ", ");
    else
      n = put(buf, cap, n, "%s%c%d", first ? " " : ", ", prefix, i);
    first = false;
  }
  return n;
}

static size_t put_name(char *buf, size_t cap, size_t n, char prefix, int i) {
  if (prefix == 'a' && i == 0) return put(buf, cap, n, " submit");
  return put(buf, cap, n, " %c%d", prefix, i);
}

static size_t put_rule(char *buf, size_t cap, size_t n, const pm_rule *r) {
  n = put(buf, cap, n, "%s", r->forbid ? "forbid" : r->intake ? "intake" : "permit");
  if (r->name[0]) n = put(buf, cap, n, " \"%s\"", r->name);
  n = put(buf, cap, n, "\n  role");
  n = put_set(buf, cap, n, 'r', r->roles, r->star[0]);
  if (!r->intake) {
    n = put(buf, cap, n, " action");
    n = put_set(buf, cap, n, 'a', r->actions, r->star[1]);
  }
  n = put(buf, cap, n, " class");
  n = put_set(buf, cap, n, 'c', r->classes, r->star[2]);
  for (int c = 0; c < r->nconds; c++)
    n = put(buf, cap, n, "%s%s", c ? " and " : "\n  when ", r->conds[c].text);
  return put(buf, cap, n, "\n");
}

static size_t put_extras(const pm_model *m, char *buf, size_t cap, size_t n) {
  for (int c = 0; c < m->nc; c++)
    if (m->retain_days[c] > 0) n = put(buf, cap, n, "retain c%d %lld days\n", c,
                                       (long long)m->retain_days[c]);
  if (m->retain_dup >= 0) n = put(buf, cap, n, "retain c%d 1 day\n", m->retain_dup);
  for (int i = 0; i < m->nexpects; i++) {
    const pm_expect *e = &m->expects[i];
    if (e->retain) {
      if (e->at_most_days < 0)
        n = put(buf, cap, n, "expect retain c%d none\n", e->klass);
      else
        n = put(buf, cap, n, "expect retain c%d at most %lld days\n", e->klass,
                (long long)e->at_most_days);
      continue;
    }
    n = put(buf, cap, n, "expect %s", e->permit ? "permit" : "deny");
    n = put_name(buf, cap, n, 'r', e->role);
    n = put_name(buf, cap, n, 'a', e->action);
    n = put_name(buf, cap, n, 'c', e->klass);
    if (e->level >= 0) n = put(buf, cap, n, " level %s", level_names[e->level]);
    if (e->area > 0) n = put(buf, cap, n, " area \"%s\"", pm_areas[e->area]);
    if (e->purpose > 0) n = put(buf, cap, n, " purpose \"%s\"", pm_purposes[e->purpose]);
    n = put(buf, cap, n, "\n");
  }
  return n;
}

size_t pm_render(const pm_model *m, int only_rule, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  n = put(buf, cap, n, "roles");
  n = put_set(buf, cap, n, 'r', (1u << m->nr) - 1, false);
  n = put(buf, cap, n, "\nactions");
  n = put_set(buf, cap, n, 'a', (1u << m->na) - 1, false);
  n = put(buf, cap, n, "\nclasses");
  n = put_set(buf, cap, n, 'c', (1u << m->nc) - 1, false);
  n = put(buf, cap, n, "\n");
  if (m->purposes != 0) {
    n = put(buf, cap, n, "purposes {\n");
    for (int i = 1; i < PM_NPURP; i++)
      if (m->purposes >> i & 1)
        n = put(buf, cap, n, "  %s basis \"b\" description \"d\"\n", pm_purposes[i]);
    n = put(buf, cap, n, "}\n");
  }
  if (only_rule >= 0) return put_rule(buf, cap, n, &m->rules[only_rule]);
  for (int g = 0; g < m->nregimes; g++) {
    n = put(buf, cap, n, "regime \"g%d\" {\n  roles", g);
    n = put_set(buf, cap, n, 'r', m->regime_roles[g], false);
    n = put(buf, cap, n, "\n  classes");
    n = put_set(buf, cap, n, 'c', m->regime_classes[g], false);
    n = put(buf, cap, n, "\n}\n");
  }
  for (int i = 0; i < m->nrules; i++) n = put_rule(buf, cap, n, &m->rules[i]);
  return put_extras(m, buf, cap, n);
}

bool pm_purpose_declared(const pm_model *m, int pu) {
  return pu == 0 || (m->purposes >> pu & 1);
}

static bool rule_matches(const pm_rule *r, int role, int action, int klass, int lv, int pu,
                         int ar) {
  /* (undeclared purposes never reach here: the oracle denies them first) */
  if (!(r->roles >> role & 1) || !(r->actions >> action & 1) || !(r->classes >> klass & 1))
    return false;
  for (int c = 0; c < r->nconds; c++) {
    const pm_cond *k = &r->conds[c];
    if (!(k->levels >> lv & 1) || !(k->purposes >> pu & 1) || !(k->areas >> ar & 1)) return false;
  }
  return true;
}

int pm_oracle(const pm_model *m, int role, int action, int klass, int lv, int pu, int ar) {
  if (!pm_purpose_declared(m, pu)) return -1;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < m->nrules; i++)
      if (m->rules[i].forbid == (pass == 0) &&
          rule_matches(&m->rules[i], role, action, klass, lv, pu, ar))
        return i;
  return -1;
}

bool pm_rule_satisfiable(const pm_model *m, const pm_rule *r) {
  unsigned lv = 0xf, pu = ~0u, ar = ~0u;
  for (int c = 0; c < r->nconds; c++) {
    lv &= r->conds[c].levels;
    pu &= r->conds[c].purposes;
    ar &= r->conds[c].areas;
  }
  return lv && (pu & (1u | m->purposes)) && (ar & ((1u << PM_NAREA) - 1));
}

int pm_class_regime(const pm_model *m, int klass) {
  for (int g = 0; g < m->nregimes; g++)
    if (m->regime_classes[g] >> klass & 1) return g;
  return -1;
}

bool pm_rule_valid(const pm_model *m, const pm_rule *r) {
  for (int c = 0; c < r->nconds; c++) {
    unsigned pu = r->conds[c].purposes;
    bool literal = pu != ((1u << PM_NPURP) - 1) && !(pu & 1u); /* = or in: absent excluded */
    if (pu == (~1u & ((1u << PM_NPURP) - 1))) { /* present */
      if (m->purposes == 0) return false;
    } else if (literal && (pu & ~m->purposes) != 0) {
      return false;
    }
  }
  if (r->intake)
    for (int k = 0; k < m->nc; k++)
      if ((r->classes >> k & 1) && pm_class_regime(m, k) < 0) return false;
  return true;
}

bool pm_crosses(const pm_model *m, int role, int klass) {
  int g = pm_class_regime(m, klass);
  return g >= 0 && !(m->regime_roles[g] >> role & 1);
}

void pm_judge(const pm_model *m, pm_verdict *v) {
  memset(v, 0, sizeof *v);
  for (int i = 0; i < m->nrules; i++) {
    const pm_rule *r = &m->rules[i];
    if (!pm_rule_valid(m, r) || !pm_rule_satisfiable(m, r)) {
      v->any_unsat = true;
      continue;
    }
    if (r->forbid || r->intake) continue; /* forbids may name anyone; intake may cross */
    for (int role = 0; role < m->nr; role++)
      for (int k = 0; k < m->nc; k++)
        if ((r->roles >> role & 1) && (r->classes >> k & 1) && pm_crosses(m, role, k))
          v->crossing[i] = true;
    v->any_cross = v->any_cross || v->crossing[i];
  }
}

bool pm_extras_hold(const pm_model *m) {
  for (int c = 0; c < m->nc; c++)
    if (m->retain_days[c] > MAX_RETAIN_DAYS) return false;
  if (m->retain_dup >= 0) return false;
  for (int i = 0; i < m->nexpects; i++) {
    const pm_expect *e = &m->expects[i];
    if (e->retain) {
      int64_t have = m->retain_days[e->klass];
      if (e->at_most_days < 0 ? have != 0 : (have == 0 || have > e->at_most_days)) return false;
      continue;
    }
    int lv = e->level < 0 ? 0 : e->level;
    int want = pm_oracle(m, e->role, e->action, e->klass, lv, e->purpose, e->area);
    bool permit = want >= 0 && !m->rules[want].forbid;
    if (permit != e->permit) return false;
  }
  return true;
}

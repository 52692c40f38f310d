/* expect.c -- the policy's own expectations ("expect deny partner read individual"): run and report. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

int policy_expect_count(const policy *p) { return p->nexpects; }

bool policy_expect_run(const policy *p, int i, policy_expect_result *out) {
  assert(p != NULL && out != NULL && i >= 0 && i < p->nexpects);
  const pol_expect *e = &p->expects[i];
  memset(out, 0, sizeof *out);
  out->line = e->line;
  out->col = e->col;
  if (e->retain) {
    out->retention = true;
    out->klass = e->class_id;
    out->want_seconds = e->want_none ? -1 : policy_unit_seconds(e->unit.name) * (int64_t)e->amount;
    out->got_seconds = policy_retention(p, e->class_id);
    out->got.rule_index = -1;
    if (e->want_none)
      out->passed = out->got_seconds < 0;
    else
      out->passed = out->got_seconds >= 0 && out->got_seconds <= out->want_seconds;
    return out->passed;
  }
  out->want_permit = e->want_permit;
  out->want_rule = e->have_by ? (e->by != NULL ? e->by : "") : NULL;
  out->request.role = e->role_id;
  out->request.action = e->action_id;
  out->request.klass = e->class_id;
  out->request.level = (enum policy_level)e->level;
  out->request.area = e->area;
  out->request.purpose = e->purpose;
  policy_decide(p, &out->request, &out->got);
  bool ok = out->got.permit == e->want_permit;
  if (ok && e->have_by) {
    if (e->by == NULL)
      ok = out->got.rule_index < 0;
    else
      ok = out->got.rule_name != NULL && strcmp(out->got.rule_name, e->by) == 0;
  }
  out->passed = ok;
  return ok;
}

/* printf-append to buf at *used (bounded, stays NUL-terminated). */
static void expect_append(char *buf, size_t n, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void expect_append(char *buf, size_t n, size_t *used, const char *fmt, ...) {
  if (*used >= n) return;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + *used, n - *used, fmt, ap);
  va_end(ap);
  if (w > 0) *used += (size_t)w;
}

void policy_expect_text(const policy *p, int i, char *buf, size_t n) {
  assert(p != NULL && buf != NULL && n > 0 && i >= 0 && i < p->nexpects);
  const pol_expect *e = &p->expects[i];
  size_t used = 0;
  buf[0] = '\0';
  if (e->retain) {
    if (e->want_none)
      expect_append(buf, n, &used, "expect retain %s none", e->klass.name);
    else
      expect_append(buf, n, &used, "expect retain %s at most %ld %s", e->klass.name, e->amount,
                    e->unit.name);
    return;
  }
  expect_append(buf, n, &used, "expect %s", e->want_permit ? "permit" : "deny");
  expect_append(buf, n, &used, " %s", e->role.name);
  expect_append(buf, n, &used, " %s", e->action.name);
  expect_append(buf, n, &used, " %s", e->klass.name);
  if (e->level != POLICY_LEVEL_NONE)
    expect_append(buf, n, &used, " level %s", policy_level_name((enum policy_level)e->level));
  if (e->area != NULL) expect_append(buf, n, &used, " area \"%s\"", e->area);
  if (e->purpose != NULL) expect_append(buf, n, &used, " purpose \"%s\"", e->purpose);
  if (e->have_by) {
    if (e->by != NULL)
      expect_append(buf, n, &used, " by \"%s\"", e->by);
    else
      expect_append(buf, n, &used, " by %s", "default");
  }
}

void policy_expect_got_text(const policy *p, const policy_expect_result *r, char *buf, size_t n) {
  assert(p != NULL && r != NULL && buf != NULL && n > 0);
  if (r->retention)
    policy_retention_describe(p, r->klass, buf, n);
  else
    policy_decision_describe(p, &r->got, buf, n);
}

int policy_expect_run_all(const policy *p) {
  int failed = 0;
  policy_expect_result r;
  for (int i = 0; i < p->nexpects; i++) failed += !policy_expect_run(p, i, &r);
  return failed;
}

int policy_expect_check(const policy *p, policy_diag *diag) {
  int failed = 0;
  for (int i = 0; i < p->nexpects; i++) {
    policy_expect_result r;
    if (policy_expect_run(p, i, &r)) continue;
    failed++;
    char got[POLICY_MAX_STRING + 128], text[2 * POLICY_MAX_STRING + 128];
    policy_expect_got_text(p, &r, got, sizeof got);
    policy_expect_text(p, i, text, sizeof text);
    policy_diag_add(diag, p->file, r.line, r.col, r.got.rule_index,
                    "expectation failed: %s, but got %s", text, got);
  }
  return failed;
}

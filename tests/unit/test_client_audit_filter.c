/* test_client_audit_filter.c -- the audit entry filters of `audit show` (client/audit_filter.c):
 * each option on its own and together, the outcome filter on version 2 entries (an exact code,
 * ok, or every failure) and never on version 1 entries, and the usage errors. */
#include <string.h>

#include "audit_entry.h"
#include "audit_filter.h"
#include "task.h"

static audit_entry entry(unsigned version, enum audit_decision d, const char *outcome) {
  audit_entry e;
  memset(&e, 0, sizeof e);
  e.version = version;
  e.seq = 3;
  e.time_ms = 1767225600000ull;
  strcpy(e.actor, "0123456789abcdef");
  strcpy(e.role, "partner");
  strcpy(e.op, "observation.add");
  strcpy(e.data_class, "area");
  e.decision = d;
  strcpy(e.rule, "area-work (policy.conf:4)");
  if (version == AUDIT_ENTRY_V2) strcpy(e.outcome, outcome);
  return e;
}

static bool pass(const audit_filter_args *a, const audit_entry *e) {
  audit_filter f;
  char err[300];
  ASSERT_INT_EQ(audit_filter_init(&f, a, 1767225600000ull, err, sizeof err), 0);
  return audit_filter_match(&f, e);
}

static void test_outcome(void) {
  audit_entry ok = entry(AUDIT_ENTRY_V2, AUDIT_PERMIT, "ok");
  audit_entry pd = entry(AUDIT_ENTRY_V2, AUDIT_PERMIT, "personal_data");
  audit_entry cf = entry(AUDIT_ENTRY_V2, AUDIT_PERMIT, "conflict");
  audit_entry dn = entry(AUDIT_ENTRY_V2, AUDIT_DENY, "denied");
  audit_entry v1p = entry(AUDIT_ENTRY_V1, AUDIT_PERMIT, NULL);
  audit_entry v1d = entry(AUDIT_ENTRY_V1, AUDIT_DENY, NULL);
  audit_filter_args a = {0};
  /* no outcome filter: everything passes */
  ASSERT(pass(&a, &ok) && pass(&a, &pd) && pass(&a, &dn) && pass(&a, &v1p) && pass(&a, &v1d));
  a.outcome = "personal_data";
  ASSERT(pass(&a, &pd));
  ASSERT(!pass(&a, &ok) && !pass(&a, &cf) && !pass(&a, &dn) && !pass(&a, &v1p));
  a.outcome = "personal";
  ASSERT(!pass(&a, &pd)); /* exact, not a prefix */
  a.outcome = "ok";
  ASSERT(pass(&a, &ok));
  ASSERT(!pass(&a, &pd) && !pass(&a, &dn) && !pass(&a, &v1p));
  a.outcome = AUDIT_FILTER_ANY_ERROR;
  ASSERT(pass(&a, &pd) && pass(&a, &cf) && pass(&a, &dn));
  ASSERT(!pass(&a, &ok));
  ASSERT(!pass(&a, &v1p) && !pass(&a, &v1d)); /* version 1 recorded no outcome */
  /* with the decision: permitted, then refused by a guard */
  a.decision = "permit";
  ASSERT(pass(&a, &pd) && pass(&a, &cf));
  ASSERT(!pass(&a, &dn) && !pass(&a, &ok));
  a.decision = "deny";
  ASSERT(pass(&a, &dn) && !pass(&a, &pd));
  /* and with the op */
  a.decision = NULL;
  a.op = "observation.add";
  ASSERT(pass(&a, &pd));
  a.op = "area.add";
  ASSERT(!pass(&a, &pd));
}

static void test_usage(void) {
  audit_filter f;
  char err[300];
  const char *bad[] = {"", "Personal_data", "personal data", "9x", "_x", "ok!",
                       "ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    audit_filter_args a = {0};
    a.outcome = bad[i];
    err[0] = '\0';
    ASSERT_INT_EQ(audit_filter_init(&f, &a, 0, err, sizeof err), -1);
    ASSERT(strstr(err, "--outcome takes") != NULL);
  }
  audit_filter_args a = {0};
  a.outcome = "invite_expired";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, 0, err, sizeof err), 0);
  a.decision = "maybe";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, 0, err, sizeof err), -1);
  ASSERT(strstr(err, "--decision takes") != NULL);
}

int main(void) {
  RUN_TEST(test_outcome);
  RUN_TEST(test_usage);
  return 0;
}

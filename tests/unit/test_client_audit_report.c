/* test_client_audit_report.c -- the audit report's model: names bound only by the registration
 * entry of exactly the member's card, the sections entries fall into (a v2 outcome other than ok
 * is a failure), the period's bounds, the actor filter, and escaping in CSV and HTML. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_report.h"
#include "keys.h"
#include "task.h"
#include "util.h"

/* A member: its identity, card bytes and card hash object. */
typedef struct {
  sv_identity *id;
  uint8_t *card;
  size_t cardlen;
  char keyid[CARD_KEYID_HEX];
  char object[72];
} member;

static member make_member(const char *name) {
  member m;
  int st = 0;
  m.id = identity_generate(name, &st);
  ASSERT(m.id != NULL);
  ASSERT_INT_EQ(card_encode(&m.id->card, &m.card, &m.cardlen), KEYS_OK);
  card_keyid(&m.id->card, m.keyid);
  uint8_t h[32];
  char hex[65];
  ASSERT_INT_EQ(card_hash(&m.id->card, h), KEYS_OK);
  util_hex(hex, h, 32);
  snprintf(m.object, sizeof m.object, "card:%s", hex);
  return m;
}

static void free_member(member *m) {
  identity_free(m->id);
  free(m->card);
}

static audit_entry entry(uint64_t seq, uint64_t t, const char *actor, const char *role,
                         const char *op, const char *klass, const char *object, bool permit,
                         const char *outcome) {
  audit_entry e;
  memset(&e, 0, sizeof e);
  e.version = AUDIT_ENTRY_V2;
  e.seq = seq;
  e.time_ms = t;
  snprintf(e.actor, sizeof e.actor, "%s", actor);
  snprintf(e.role, sizeof e.role, "%s", role);
  snprintf(e.op, sizeof e.op, "%s", op);
  snprintf(e.data_class, sizeof e.data_class, "%s", klass);
  snprintf(e.object, sizeof e.object, "%s", object);
  e.decision = permit ? AUDIT_PERMIT : AUDIT_DENY;
  snprintf(e.rule, sizeof e.rule, "%s", permit ? "some-rule" : "default deny");
  snprintf(e.outcome, sizeof e.outcome, "%s", outcome);
  return e;
}

/* Write r as text into a malloc'd string. */
static char *render(audit_report *r) {
  audit_report_source src = {.start = 0, .size = 10, .names = true};
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  ASSERT_INT_EQ(audit_report_write(r, &src, f), 0);
  fclose(f);
  return buf;
}

/* Two members; anna registered at #0 with her own card, bo at #1 with ANOTHER card's hash
 * (the directory says #1 registered him, but the log registered something else). */
static void feed_team(audit_report *r, const member *anna, const member *bo, const char *other) {
  audit_entry es[] = {
      entry(0, 1000, "-", "daemon", "member.register", "directory", anna->object, true, "ok"),
      entry(1, 2000, "-", "daemon", "member.register", "directory", other, true, "ok"),
      entry(2, 3000, anna->keyid, "coordinator", "area.add", "area", "area:1", true, "ok"),
      entry(3, 4000, bo->keyid, "partner", "audit.checkpoint", "audit", "", false, "denied"),
      entry(4, 5000, bo->keyid, "partner", "observation.add", "area", "", true, "not_found"),
      entry(5, 6000, "-", "daemon", "policy.reload", "policy", "abc", true, "ok"),
      entry(6, 7000, anna->keyid, "coordinator", "member.role", "directory", bo->object, true,
            "ok"),
  };
  for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) audit_report_entry(r, &es[i]);
}

static void test_names_and_sections(void) {
  member anna = make_member("Anna Koordinator"), bo = make_member("Bo Partner"),
         other = make_member("Someone Else");
  char err[256];
  audit_report *r = audit_report_new(AUDIT_REPORT_TEXT, 0, UINT64_MAX, NULL);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(audit_report_add_member(r, "Anna Koordinator", anna.keyid, "coordinator",
                                        anna.card, anna.cardlen, 0, true, err, sizeof err), 0);
  ASSERT_INT_EQ(audit_report_add_member(r, "Bo Partner", bo.keyid, "partner", bo.card,
                                        bo.cardlen, 1, true, err, sizeof err), 0);
  /* A card that is not the one the directory names for that key is refused. */
  ASSERT_INT_EQ(audit_report_add_member(r, "Bo Partner", anna.keyid, "partner", bo.card,
                                        bo.cardlen, 1, true, err, sizeof err), -1);
  ASSERT_INT_EQ(audit_report_add_member(r, "Bo Other", bo.keyid, "partner", bo.card, bo.cardlen,
                                        1, true, err, sizeof err), -1);
  feed_team(r, &anna, &bo, other.object);
  char *out = render(r);
  ASSERT_STR_CONTAINS(out, "  Anna Koordinator (coordinator), key ");
  ASSERT_STR_CONTAINS(out, "  Bo Partner [unverified] (partner), key ");
  ASSERT(strstr(out, "Anna Koordinator [unverified]") == NULL);
  /* The refusal and the failed request (v2 outcome not_found) are problems; the policy
   * reload a daemon event; the role change and both registrations directory changes. */
  ASSERT_STR_CONTAINS(out, "Refusals and failed requests (2)\n");
  ASSERT_STR_CONTAINS(out, "audit.checkpoint audit -  DENY denied");
  ASSERT_STR_CONTAINS(out, "observation.add area -  permit not_found");
  ASSERT_STR_CONTAINS(out, "Directory changes (3)\n");
  ASSERT_STR_CONTAINS(out, "Policy reloads and other daemon events (1)\n");
  ASSERT_STR_CONTAINS(out, "All requests in the period (7)\n");
  ASSERT_STR_CONTAINS(out, "1 refused, 1 failed");
  free(out);
  audit_report_free(r);
  free_member(&anna);
  free_member(&bo);
  free_member(&other);
}

/* Feed the team's entries to a report over [since, until] and find want in its text. */
static void expect_in_period(const member *anna, const member *bo, uint64_t since, uint64_t until,
                             const char *want) {
  audit_report *r = audit_report_new(AUDIT_REPORT_TEXT, since, until, NULL);
  ASSERT(r != NULL);
  feed_team(r, anna, bo, bo->object);
  char *out = render(r);
  ASSERT_STR_CONTAINS(out, want);
  free(out);
  audit_report_free(r);
}

static void test_period_and_actor(void) {
  member anna = make_member("Anna Koordinator"), bo = make_member("Bo Partner");
  char err[256];
  /* [3000, 5000]: entries at exactly the bounds are in, one ms outside are out. */
  audit_report *r = audit_report_new(AUDIT_REPORT_TEXT, 3000, 5000, "Bo Partner");
  ASSERT(r != NULL);
  ASSERT_INT_EQ(audit_report_add_member(r, "Anna Koordinator", anna.keyid, "coordinator",
                                        anna.card, anna.cardlen, 0, true, err, sizeof err), 0);
  ASSERT_INT_EQ(audit_report_add_member(r, "Bo Partner", bo.keyid, "partner", bo.card,
                                        bo.cardlen, 1, true, err, sizeof err), 0);
  ASSERT(audit_report_actor_known(r));
  feed_team(r, &anna, &bo, bo.object);
  char *out = render(r);
  ASSERT_STR_CONTAINS(out, "People (1)\n  Bo Partner (partner)");
  ASSERT_STR_CONTAINS(out, "All requests in the period (2)\n");
  free(out);
  audit_report_free(r);

  expect_in_period(&anna, &bo, 3000, 5000, "All requests in the period (3)\n");
  expect_in_period(&anna, &bo, 3001, 4999, "All requests in the period (1)\n");

  r = audit_report_new(AUDIT_REPORT_TEXT, 0, UINT64_MAX, "Nobody");
  ASSERT(!audit_report_actor_known(r));
  audit_report_free(r);
  r = audit_report_new(AUDIT_REPORT_TEXT, 0, UINT64_MAX, "abc");
  ASSERT(!audit_report_actor_known(r)); /* three hex digits: not yet a key id prefix */
  audit_report_free(r);
  r = audit_report_new(AUDIT_REPORT_TEXT, 0, UINT64_MAX, "abcd");
  ASSERT(audit_report_actor_known(r));
  audit_report_free(r);
  free_member(&anna);
  free_member(&bo);
}

static void test_escaping(void) {
  member m = make_member("=HYPERLINK(\"x\") <script>");
  char err[256];
  for (int fmt = AUDIT_REPORT_CSV; fmt <= AUDIT_REPORT_HTML; fmt++) {
    audit_report *r = audit_report_new((enum audit_report_format)fmt, 0, UINT64_MAX, NULL);
    ASSERT(r != NULL);
    ASSERT_INT_EQ(audit_report_add_member(r, m.id->card.name, m.keyid, "partner", m.card,
                                          m.cardlen, 0, true, err, sizeof err), 0);
    audit_entry e0 = entry(0, 1, "-", "daemon", "member.register", "directory", m.object, true,
                           "ok");
    audit_entry e1 = entry(1, 2, m.keyid, "partner", "ping", "session", "", true, "ok");
    audit_report_entry(r, &e0);
    audit_report_entry(r, &e1);
    char *out = render(r);
    if (fmt == AUDIT_REPORT_CSV) {
      ASSERT_STR_CONTAINS(out, "\"seq\",\"time\",\"name\",\"name_verified\"");
      ASSERT_STR_CONTAINS(out, "\"'=HYPERLINK(\"\"x\"\") <script>\",\"yes\"");
      ASSERT(strstr(out, ",\"=") == NULL);
    } else {
      ASSERT_STR_CONTAINS(out, "<td>=HYPERLINK(&quot;x&quot;) &lt;script&gt;</td>");
      ASSERT(strstr(out, "<script>") == NULL);
    }
    free(out);
    audit_report_free(r);
  }
  free_member(&m);
  enum audit_report_format f;
  ASSERT_INT_EQ(audit_report_format_parse("html", &f), 0);
  ASSERT_INT_EQ(f, AUDIT_REPORT_HTML);
  ASSERT_INT_EQ(audit_report_format_parse("HTML", &f), -1);
}

int main(void) {
  ASSERT(sodium_init() >= 0);
  RUN_TEST(test_names_and_sections);
  RUN_TEST(test_period_and_actor);
  RUN_TEST(test_escaping);
  return 0;
}

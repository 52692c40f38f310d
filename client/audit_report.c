/* audit_report.c -- the overseer's report of a verified audit trail, as text, CSV or HTML.
 *
 * Entries are classified as they are fed (refusal, failure, directory change, policy reload,
 * other daemon event, access), counted per actor, and rendered at once into one temporary file
 * per section, so that a long trail needs no memory per entry; audit_report_write puts the
 * heading, the table of people and the sections together. */
#include "audit_report.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit_print.h"
#include "html.h"
#include "keys.h"
#include "util.h"

#define CARD_OBJECT_LEN (5 + 64 + 1) /* "card:" + SHA-256 hex + NUL */

typedef struct report_member {
  char name[CARD_NAME_MAX + 1];
  char keyid[CARD_KEYID_HEX];
  char role[AUDIT_NAME_MAX + 1];
  char card_object[CARD_OBJECT_LEN];
  uint64_t reg_seq;
  bool has_reg_seq;
  bool verified; /* the registration entry of this card was seen in the trail */
} report_member;

typedef struct report_actor {
  char actor[AUDIT_ACTOR_MAX + 1];
  char role[AUDIT_NAME_MAX + 1]; /* the role of the actor's latest entry in the period */
  uint64_t requests, refused, failed;
  uint64_t first_ms, last_ms;
} report_actor;

enum report_section { SEC_PROBLEMS = 0, SEC_DIRECTORY, SEC_DAEMON, SEC_ALL, SEC_COUNT };

static const char *const section_titles[SEC_COUNT] = {
    "Refusals and failed requests",
    "Directory changes",
    "Policy reloads and other daemon events",
    "All requests in the period",
};

struct audit_report {
  enum audit_report_format format;
  uint64_t since_ms, until_ms;
  char *actor;
  report_member *members;
  size_t nmembers, capmembers;
  report_actor *actors;
  size_t nactors, capactors;
  FILE *sec[SEC_COUNT];
  uint64_t nsec[SEC_COUNT];
  bool failed; /* out of memory or a write error on the way */
};

/* The ops that change the directory (class directory). */
static const char *const directory_changes[] = {"enroll", "member.register", "member.invite",
                                                "member.role", "member.revoke", NULL};

int audit_report_format_parse(const char *s, enum audit_report_format *out) {
  if (s == NULL || strcmp(s, "text") == 0)
    *out = AUDIT_REPORT_TEXT;
  else if (strcmp(s, "csv") == 0)
    *out = AUDIT_REPORT_CSV;
  else if (strcmp(s, "html") == 0)
    *out = AUDIT_REPORT_HTML;
  else
    return -1;
  return 0;
}

audit_report *audit_report_new(enum audit_report_format format, uint64_t since_ms,
                               uint64_t until_ms, const char *actor) {
  audit_report *r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  r->format = format;
  r->since_ms = since_ms;
  r->until_ms = until_ms;
  if (actor != NULL && (r->actor = strdup(actor)) == NULL) goto err;
  for (int i = 0; i < SEC_COUNT; i++)
    if ((r->sec[i] = tmpfile()) == NULL) goto err;
  return r;
err:
  audit_report_free(r);
  return NULL;
}

void audit_report_free(audit_report *r) {
  if (r == NULL) return;
  for (int i = 0; i < SEC_COUNT; i++)
    if (r->sec[i] != NULL) fclose(r->sec[i]);
  free(r->actor);
  free(r->members);
  free(r->actors);
  free(r);
}

int audit_report_add_member(audit_report *r, const char *name, const char *keyid,
                            const char *role, const uint8_t *card, size_t cardlen,
                            uint64_t reg_seq, bool has_reg_seq, char *err, size_t errlen) {
  assert(r != NULL && name != NULL && keyid != NULL && role != NULL);
  sv_card c;
  uint8_t hash[32];
  char kid[CARD_KEYID_HEX], hex[65];
  if (card == NULL || card_decode(card, cardlen, &c) != KEYS_OK || card_hash(&c, hash) != KEYS_OK) {
    snprintf(err, errlen, "the directory's card of '%s' does not verify", name);
    return -1;
  }
  card_keyid(&c, kid);
  if (strcmp(kid, keyid) != 0 || strcmp(c.name, name) != 0) {
    snprintf(err, errlen, "the directory lists '%s' (key id %s) with a card for another name or "
             "key", name, keyid);
    return -1;
  }
  if (r->nmembers == r->capmembers) {
    size_t cap = r->capmembers ? 2 * r->capmembers : 16;
    report_member *m = realloc(r->members, cap * sizeof *m);
    if (m == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    r->members = m;
    r->capmembers = cap;
  }
  report_member *m = &r->members[r->nmembers++];
  memset(m, 0, sizeof *m);
  snprintf(m->name, sizeof m->name, "%s", name);
  snprintf(m->keyid, sizeof m->keyid, "%s", keyid);
  snprintf(m->role, sizeof m->role, "%s", role);
  util_hex(hex, hash, 32);
  snprintf(m->card_object, sizeof m->card_object, "card:%s", hex);
  m->reg_seq = reg_seq;
  m->has_reg_seq = has_reg_seq;
  return 0;
}

/* True when s may be a key id prefix: 4 to 16 lowercase hex digits. */
static bool keyid_prefix(const char *s) {
  size_t n = strlen(s);
  if (n < 4 || n > 16) return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) return false;
  return true;
}

bool audit_report_actor_known(const audit_report *r) {
  if (r->actor == NULL || keyid_prefix(r->actor)) return true;
  for (size_t i = 0; i < r->nmembers; i++)
    if (strcmp(r->members[i].name, r->actor) == 0) return true;
  return false;
}

/* The directory member with key id actor, or NULL. */
static const report_member *member_of(const audit_report *r, const char *actor) {
  for (size_t i = 0; i < r->nmembers; i++)
    if (strcmp(r->members[i].keyid, actor) == 0) return &r->members[i];
  return NULL;
}

/* Who an actor is, for people: a member's name (marked when its registration was not seen in
 * the trail), the daemon, or a key id the directory does not know. */
static void who_label(const audit_report *r, const char *actor, char *out, size_t outlen) {
  const report_member *m = member_of(r, actor);
  if (strcmp(actor, "-") == 0)
    snprintf(out, outlen, "samvirked");
  else if (m != NULL)
    snprintf(out, outlen, "%s%s", m->name, m->verified ? "" : " [unverified]");
  else
    snprintf(out, outlen, "key %s (not in the directory)", actor);
}

/* The entry at a member's registration number binds its name to its key. */
static void note_registration(audit_report *r, const audit_entry *e) {
  if (e->decision != AUDIT_PERMIT || strcmp(e->data_class, "directory") != 0 ||
      (strcmp(e->op, "enroll") != 0 && strcmp(e->op, "member.register") != 0))
    return;
  for (size_t i = 0; i < r->nmembers; i++) {
    report_member *m = &r->members[i];
    if (m->has_reg_seq && m->reg_seq == e->seq && strcmp(m->card_object, e->object) == 0)
      m->verified = true;
  }
}

static bool is_directory_change(const audit_entry *e) {
  if (strcmp(e->data_class, "directory") != 0) return false;
  for (int i = 0; directory_changes[i] != NULL; i++)
    if (strcmp(e->op, directory_changes[i]) == 0) return true;
  return false;
}

/* The request failed (version 2 entries record the outcome; a refusal is counted apart). */
static bool is_failure(const audit_entry *e) {
  return e->decision == AUDIT_PERMIT && e->outcome[0] != '\0' &&
         strcmp(e->outcome, AUDIT_OUTCOME_OK) != 0;
}

static const char *category(const audit_entry *e) {
  if (e->decision == AUDIT_DENY) return "refusal";
  if (is_failure(e)) return "failure";
  if (strcmp(e->op, "policy.reload") == 0) return "policy";
  if (is_directory_change(e)) return "directory";
  if (strcmp(e->role, "daemon") == 0) return "daemon";
  return "access";
}

static bool actor_matches(const audit_report *r, const audit_entry *e) {
  if (r->actor == NULL) return true;
  const report_member *m = member_of(r, e->actor);
  if (m != NULL && strcmp(m->name, r->actor) == 0) return true;
  return keyid_prefix(r->actor) && strncmp(e->actor, r->actor, strlen(r->actor)) == 0;
}

/* Count e for its actor. Returns 0, or -1 when out of memory. */
static int count_actor(audit_report *r, const audit_entry *e) {
  report_actor *a = NULL;
  for (size_t i = 0; i < r->nactors && a == NULL; i++)
    if (strcmp(r->actors[i].actor, e->actor) == 0) a = &r->actors[i];
  if (a == NULL) {
    if (r->nactors == r->capactors) {
      size_t cap = r->capactors ? 2 * r->capactors : 16;
      report_actor *na = realloc(r->actors, cap * sizeof *na);
      if (na == NULL) return -1;
      r->actors = na;
      r->capactors = cap;
    }
    a = &r->actors[r->nactors++];
    memset(a, 0, sizeof *a);
    snprintf(a->actor, sizeof a->actor, "%s", e->actor);
    a->first_ms = e->time_ms;
  }
  snprintf(a->role, sizeof a->role, "%s", e->role);
  a->requests++;
  a->refused += e->decision == AUDIT_DENY;
  a->failed += is_failure(e);
  a->last_ms = e->time_ms;
  return 0;
}

/* ---- rendering ---- */

/* Text for a terminal or a text file: control characters become '?'. */
static void put_text(FILE *f, const char *s) {
  for (; *s; s++) fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/* One CSV field (RFC 4180), always quoted; a leading = + - @ is defused for spreadsheets. */
static void put_csv(FILE *f, const char *s, bool last) {
  fputc('"', f);
  if (*s == '=' || *s == '+' || *s == '-' || *s == '@') fputc('\'', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
  }
  fputs(last ? "\"\r\n" : "\",", f);
}

static void put_cell(FILE *f, const char *s) {
  fputs("<td>", f);
  html_escape(f, s); /* entries and cards hold no control characters */
  fputs("</td>", f);
}

/* One entry as a row of format into f. */
static void put_row(const audit_report *r, FILE *f, const audit_entry *e, const char *cat) {
  char t[AUDIT_TIME_LEN], who[CARD_NAME_MAX + AUDIT_ACTOR_MAX + 40], seq[24];
  audit_print_time(e->time_ms, t);
  who_label(r, e->actor, who, sizeof who);
  snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->seq);
  const char *decision = e->decision == AUDIT_PERMIT ? "permit" : "deny";
  const char *outcome = e->outcome[0] ? e->outcome : "-";
  const report_member *m = member_of(r, e->actor);
  switch (r->format) {
  case AUDIT_REPORT_TEXT:
    fprintf(f, "  #%s %s  ", seq, t);
    put_text(f, who);
    fputs(" (", f);
    put_text(f, e->role);
    fputs(")  ", f);
    put_text(f, e->op);
    fputc(' ', f);
    put_text(f, e->data_class);
    fputc(' ', f);
    put_text(f, e->object[0] ? e->object : "-");
    fprintf(f, "  %s %s  rule=", e->decision == AUDIT_PERMIT ? "permit" : "DENY", outcome);
    put_text(f, e->rule);
    if (e->purpose[0]) {
      fputs("  purpose=", f);
      put_text(f, e->purpose);
    }
    fputc('\n', f);
    break;
  case AUDIT_REPORT_CSV: {
    put_csv(f, seq, false);
    put_csv(f, t, false);
    put_csv(f, m ? m->name : strcmp(e->actor, "-") == 0 ? "samvirked" : "", false);
    put_csv(f, m && m->verified ? "yes" : "no", false);
    put_csv(f, e->actor, false);
    put_csv(f, e->role, false);
    put_csv(f, e->op, false);
    put_csv(f, e->data_class, false);
    put_csv(f, e->object, false);
    put_csv(f, decision, false);
    put_csv(f, e->outcome, false);
    put_csv(f, e->rule, false);
    put_csv(f, e->purpose, false);
    put_csv(f, cat, true);
    break;
  }
  case AUDIT_REPORT_HTML:
    fprintf(f, "<tr class=\"%s\">", cat);
    put_cell(f, seq);
    put_cell(f, t);
    put_cell(f, who);
    put_cell(f, e->role);
    put_cell(f, e->op);
    put_cell(f, e->data_class);
    put_cell(f, e->object);
    put_cell(f, decision);
    put_cell(f, outcome);
    put_cell(f, e->rule);
    put_cell(f, e->purpose);
    fputs("</tr>\n", f);
    break;
  }
}

void audit_report_entry(void *ctx, const audit_entry *e) {
  audit_report *r = ctx;
  assert(r != NULL && e != NULL);
  note_registration(r, e);
  if (e->time_ms < r->since_ms || e->time_ms > r->until_ms || !actor_matches(r, e)) return;
  if (count_actor(r, e) != 0) {
    r->failed = true;
    return;
  }
  const char *cat = category(e);
  bool in[SEC_COUNT] = {
      [SEC_PROBLEMS] = strcmp(cat, "refusal") == 0 || strcmp(cat, "failure") == 0,
      [SEC_DIRECTORY] = strcmp(cat, "directory") == 0,
      [SEC_DAEMON] = strcmp(cat, "policy") == 0 || strcmp(cat, "daemon") == 0,
      [SEC_ALL] = true,
  };
  for (int i = 0; i < SEC_COUNT; i++) {
    /* CSV is one table: every entry once, its category in a column. */
    if (!in[i] || (r->format == AUDIT_REPORT_CSV && i != SEC_ALL)) continue;
    put_row(r, r->sec[i], e, cat);
    r->nsec[i]++;
  }
}

/* ---- the whole report ---- */

static const char *const html_head =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>samvirke audit report</title>\n<style>\n"
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}\n"
    "td,th{border:1px solid #999;padding:2px 6px;text-align:left;font-size:90%}\n"
    "tr.refusal,tr.failure{background:#fdd}th{background:#eee}\n"
    "</style></head><body>\n<h1>samvirke audit report</h1>\n";

static const char *const row_heads[] = {"Seq", "Time (UTC)", "Who", "Role", "Op", "Class",
                                        "Object", "Decision", "Outcome", "Rule", "Purpose", NULL};

/* Copy section i's rows into out. */
static int copy_section(audit_report *r, int i, FILE *out) {
  char buf[8192];
  size_t n;
  if (fflush(r->sec[i]) != 0) return -1;
  rewind(r->sec[i]);
  while ((n = fread(buf, 1, sizeof buf, r->sec[i])) > 0)
    if (fwrite(buf, 1, n, out) != n) return -1;
  return ferror(r->sec[i]) ? -1 : 0;
}

/* The heading lines: what was verified, the period, whose requests, where names come from. */
static void heading(const audit_report *r, const audit_report_source *src, char lines[4][512]) {
  char hex[65], a[AUDIT_TIME_LEN], b[AUDIT_TIME_LEN];
  util_hex(hex, src->root, 32);
  int n = snprintf(lines[0], 512,
                   "verified: entries %llu..%llu reproduce the signed checkpoint of %llu "
                   "entries (root %.16s...)",
                   (unsigned long long)src->start,
                   (unsigned long long)(src->size ? src->size - 1 : 0),
                   (unsigned long long)src->size, hex);
  if (src->have_trusted)
    snprintf(lines[0] + n, 512 - (size_t)n, ", which extends the trusted checkpoint of %llu",
             (unsigned long long)src->trusted_size);
  else
    snprintf(lines[0] + n, 512 - (size_t)n, "; it is now the trusted checkpoint");
  audit_print_time(r->since_ms, a);
  audit_print_time(r->until_ms, b);
  if (r->since_ms == 0 && r->until_ms == UINT64_MAX)
    snprintf(lines[1], 512, "everything in the trail");
  else if (r->until_ms == UINT64_MAX)
    snprintf(lines[1], 512, "from %s", a);
  else
    snprintf(lines[1], 512, "from %s to %s", r->since_ms ? a : "the start", b);
  snprintf(lines[2], 512, "%s", r->actor ? r->actor : "everyone");
  snprintf(lines[3], 512, "%s",
           src->names ? "from the directory, each bound to its key by the log's own registration "
                        "entry ([unverified]: that entry is not in the fetched trail)"
                      : "key ids only: the directory was not read");
}

/* The table of people: one row per actor in the period. */
static void people(const audit_report *r, FILE *out) {
  char who[CARD_NAME_MAX + AUDIT_ACTOR_MAX + 40], t1[AUDIT_TIME_LEN], t2[AUDIT_TIME_LEN];
  if (r->format == AUDIT_REPORT_TEXT) {
    fprintf(out, "\nPeople (%zu)\n", r->nactors);
    if (r->nactors == 0) fputs("  none\n", out);
  } else {
    fprintf(out, "<h2>People (%zu)</h2>\n<table><tr><th>Who</th><th>Role</th><th>Key id</th>"
            "<th>Requests</th><th>Refused</th><th>Failed</th><th>First</th><th>Last</th></tr>\n",
            r->nactors);
  }
  for (size_t i = 0; i < r->nactors; i++) {
    const report_actor *a = &r->actors[i];
    who_label(r, a->actor, who, sizeof who);
    audit_print_time(a->first_ms, t1);
    audit_print_time(a->last_ms, t2);
    if (r->format == AUDIT_REPORT_TEXT) {
      fputs("  ", out);
      put_text(out, who);
      fputs(" (", out);
      put_text(out, a->role);
      fprintf(out, "), key %s: %llu requests, %llu refused, %llu failed, %s to %s\n", a->actor,
              (unsigned long long)a->requests, (unsigned long long)a->refused,
              (unsigned long long)a->failed, t1, t2);
    } else {
      char n1[24], n2[24], n3[24];
      snprintf(n1, sizeof n1, "%llu", (unsigned long long)a->requests);
      snprintf(n2, sizeof n2, "%llu", (unsigned long long)a->refused);
      snprintf(n3, sizeof n3, "%llu", (unsigned long long)a->failed);
      fputs("<tr>", out);
      put_cell(out, who);
      put_cell(out, a->role);
      put_cell(out, a->actor);
      put_cell(out, n1);
      put_cell(out, n2);
      put_cell(out, n3);
      put_cell(out, t1);
      put_cell(out, t2);
      fputs("</tr>\n", out);
    }
  }
  if (r->format == AUDIT_REPORT_HTML) fputs("</table>\n", out);
}

int audit_report_write(audit_report *r, const audit_report_source *src, FILE *out) {
  assert(r != NULL && src != NULL && out != NULL);
  if (r->failed) return -1;
  if (r->format == AUDIT_REPORT_CSV) {
    static const char *const cols[] = {"seq", "time", "name", "name_verified", "actor_keyid",
                                       "role", "op", "class", "object", "decision", "outcome",
                                       "rule", "purpose", "category", NULL};
    for (int i = 0; cols[i] != NULL; i++) put_csv(out, cols[i], cols[i + 1] == NULL);
    if (copy_section(r, SEC_ALL, out) != 0) return -1;
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
  }
  char lines[4][512];
  heading(r, src, lines);
  static const char *const labels[4] = {"Trail", "Period", "Actor", "Names"};
  if (r->format == AUDIT_REPORT_TEXT) {
    fputs("samvirke audit report\n", out);
    for (int i = 0; i < 4; i++) {
      fprintf(out, "%-8s", labels[i]);
      put_text(out, lines[i]);
      fputc('\n', out);
    }
  } else {
    fputs(html_head, out);
    fputs("<table>\n", out);
    for (int i = 0; i < 4; i++) {
      fprintf(out, "<tr><th>%s</th>", labels[i]);
      put_cell(out, lines[i]);
      fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
  }
  people(r, out);
  for (int i = 0; i < SEC_COUNT; i++) {
    if (r->format == AUDIT_REPORT_TEXT) {
      fprintf(out, "\n%s (%llu)\n", section_titles[i], (unsigned long long)r->nsec[i]);
      if (r->nsec[i] == 0) fputs("  none\n", out);
    } else {
      fprintf(out, "<h2>%s (%llu)</h2>\n<table><tr>", section_titles[i],
              (unsigned long long)r->nsec[i]);
      for (int k = 0; row_heads[k] != NULL; k++) fprintf(out, "<th>%s</th>", row_heads[k]);
      fputs("</tr>\n", out);
    }
    if (copy_section(r, i, out) != 0) return -1;
    if (r->format == AUDIT_REPORT_HTML) fputs("</table>\n", out);
  }
  if (r->format == AUDIT_REPORT_HTML) fputs("</body></html>\n", out);
  return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* audit_report.h -- the overseer's report of a verified audit trail: who did what over a period,
 * by name and role (names bound to key ids by the log's own registration entries), refusals and
 * failed requests, directory changes, policy reloads and other daemon events, as text, CSV or
 * HTML.
 *
 * The caller adds the members the server's directory lists, feeds every entry of the trail in
 * order while verifying it (audit_report_entry is an audit_trail_fn), and writes the report only
 * when the trail verified. A member's name counts as verified when the entry at its registration
 * sequence number is a permitted directory registration of exactly its card (object "card:" and
 * the card's SHA-256); otherwise the report marks the name unverified. */
#ifndef SAMVIRKE_CLIENT_AUDIT_REPORT_H
#define SAMVIRKE_CLIENT_AUDIT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit_entry.h"

enum audit_report_format { AUDIT_REPORT_TEXT = 0, AUDIT_REPORT_CSV, AUDIT_REPORT_HTML };

typedef struct audit_report audit_report;

/* What the trail's verification established, for the report's heading. */
typedef struct audit_report_source {
  uint64_t start;        /* the first entry of the fetched trail */
  uint64_t size;         /* the signed checkpoint's size */
  uint8_t root[32];      /* and root */
  bool have_trusted;     /* a trusted checkpoint existed before */
  uint64_t trusted_size; /* and its size */
  bool names;            /* the directory was read (false: key ids only) */
} audit_report_source;

/* Parse "text", "csv" or "html" (NULL: text). Returns 0, or -1 for anything else. */
int audit_report_format_parse(const char *s, enum audit_report_format *out);

/* A new report over [since_ms, until_ms] (Unix milliseconds, inclusive), of the actor actor
 * (a member's name or a key id prefix; NULL: everyone). The strings are copied. Returns NULL
 * when out of memory. */
audit_report *audit_report_new(enum audit_report_format format, uint64_t since_ms,
                               uint64_t until_ms, const char *actor);
void audit_report_free(audit_report *r);

/* Add a member of the server's directory: its card (canonical encoding, cardlen bytes), and the
 * sequence number of the entry that registered it (has_reg_seq false: unknown). The card must
 * verify and carry the name and key id the directory gives. Returns 0, or -1 with err. */
int audit_report_add_member(audit_report *r, const char *name, const char *keyid,
                            const char *role, const uint8_t *card, size_t cardlen,
                            uint64_t reg_seq, bool has_reg_seq, char *err, size_t errlen);

/* When an actor was asked for: true when it names a member of the directory or may be a key id
 * prefix (4 to 16 lowercase hex digits). */
bool audit_report_actor_known(const audit_report *r);

/* audit_trail_fn: take the next entry of the trail, in order (ctx is the report). */
void audit_report_entry(void *ctx, const audit_entry *e);

/* Write the report to out. Returns 0, or -1 when it could not be written (out of memory for
 * a section, or a write error). */
int audit_report_write(audit_report *r, const audit_report_source *src, FILE *out);

#endif

/* audit_print.c -- audit entries as text lines and JSON objects. */
#include "audit_print.h"

#include <assert.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "util.h"

void audit_print_time(uint64_t ms, char out[AUDIT_TIME_LEN]) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  size_t n = strftime(out, AUDIT_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, AUDIT_TIME_LEN - n, ".%03uZ", (unsigned)(ms % 1000));
}

void audit_print_json(json_out *j, const audit_entry *e) {
  assert(j != NULL && e != NULL);
  char t[AUDIT_TIME_LEN], pol[65];
  audit_print_time(e->time_ms, t);
  util_hex(pol, e->policy, 32);
  json_begin_object(j);
  json_kv_uint(j, "seq", e->seq);
  json_kv_uint(j, "time_ms", e->time_ms);
  json_kv_str(j, "time", t);
  json_kv_str(j, "actor", e->actor);
  json_kv_str(j, "role", e->role);
  json_kv_str(j, "op", e->op);
  json_kv_str(j, "class", e->data_class);
  json_kv_str(j, "object", e->object);
  json_kv_str(j, "decision", e->decision == AUDIT_PERMIT ? "permit" : "deny");
  json_kv_str(j, "rule", e->rule);
  json_kv_str(j, "outcome", e->version >= AUDIT_ENTRY_V2 ? e->outcome : NULL); /* v1: null */
  json_kv_str(j, "purpose", e->purpose);
  json_kv_uint(j, "version", e->version);
  json_kv_str(j, "policy", pol);
  json_end_object(j);
}

void audit_print_line(FILE *f, const audit_entry *e) {
  assert(f != NULL && e != NULL);
  char t[AUDIT_TIME_LEN];
  audit_print_time(e->time_ms, t);
  char line[2048];
  bool failed = e->version >= AUDIT_ENTRY_V2 && strcmp(e->outcome, AUDIT_OUTCOME_OK) != 0;
  int n = snprintf(line, sizeof line, "#%llu %s %s %s %s %s %s %s %s%s%s%s%s",
                   (unsigned long long)e->seq, t, e->decision == AUDIT_PERMIT ? "permit" : "DENY",
                   e->actor, e->role, e->op, e->data_class, e->object[0] ? e->object : "-",
                   e->rule, failed ? " outcome=" : "", failed ? e->outcome : "",
                   e->purpose[0] ? " purpose=" : "", e->purpose);
  if (n < 0) return;
  cli_print_text(f, line, strlen(line));
  fputc('\n', f);
}

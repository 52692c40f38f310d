/* audit_filter.c -- parse the audit entry filter options and match entries against them. */
#include "audit_filter.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "timearg.h"

int audit_filter_init(audit_filter *f, const audit_filter_args *args, uint64_t now_ms, char *err,
                      size_t errlen) {
  assert(f != NULL && args != NULL && err != NULL);
  memset(f, 0, sizeof *f);
  f->actor = args->actor;
  f->op = args->op;
  f->decision = -1;
  if (args->decision != NULL) {
    if (strcmp(args->decision, "deny") == 0) {
      f->decision = AUDIT_DENY;
    } else if (strcmp(args->decision, "permit") == 0) {
      f->decision = AUDIT_PERMIT;
    } else {
      snprintf(err, errlen, "--decision takes deny or permit");
      return -1;
    }
  }
  if (args->outcome != NULL) {
    /* The codes are those of PROTOCOL.md section 5: lowercase letters, digits and '_'. */
    const char *o = args->outcome;
    bool ok = o[0] >= 'a' && o[0] <= 'z';
    for (const char *c = o; *c && ok; c++)
      ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
    if (!ok || strlen(o) > AUDIT_NAME_MAX) {
      snprintf(err, errlen,
               "--outcome takes ok, an error code such as personal_data or denied, or error "
               "(every failed request)");
      return -1;
    }
    f->outcome = o;
  }
  char terr[200];
  if (args->since != NULL &&
      timearg_parse_time(args->since, now_ms, TIMEARG_BACK, &f->since_ms, terr, sizeof terr) != 0) {
    snprintf(err, errlen, "--since takes a time: %s", terr);
    return -1;
  }
  return 0;
}

bool audit_filter_match(const audit_filter *f, const audit_entry *e) {
  assert(e != NULL);
  if (f == NULL) return true;
  if (f->actor != NULL && strncmp(e->actor, f->actor, strlen(f->actor)) != 0) return false;
  if (f->op != NULL && strcmp(e->op, f->op) != 0) return false;
  if (f->decision >= 0 && (int)e->decision != f->decision) return false;
  if (f->outcome != NULL) {
    if (e->version < AUDIT_ENTRY_V2) return false;
    if (strcmp(f->outcome, AUDIT_FILTER_ANY_ERROR) == 0) {
      if (strcmp(e->outcome, AUDIT_OUTCOME_OK) == 0) return false;
    } else if (strcmp(e->outcome, f->outcome) != 0) {
      return false;
    }
  }
  return e->time_ms >= f->since_ms;
}

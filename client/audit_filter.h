/* audit_filter.h -- which audit entries a command shows or counts: the filter options every
 * audit command that lists entries takes (one table row each), and the match (no I/O). To add a
 * filter: a field in audit_filter_args and audit_filter, a row in AUDIT_FILTER_OPTS, its check
 * in audit_filter_init and audit_filter_match. */
#ifndef SAMVIRKE_CLIENT_AUDIT_FILTER_H
#define SAMVIRKE_CLIENT_AUDIT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_entry.h"

/* The filter options as given on the command line (NULL: not given). */
typedef struct audit_filter_args {
  const char *actor, *op, *decision, *outcome, *since;
} audit_filter_args;

/* The cli_opt rows of the filter options, storing into the audit_filter_args args. */
#define AUDIT_FILTER_OPTS(args)                                                               \
  {"--actor", "KEYID", "only entries by this key id (or its prefix)", &(args).actor, NULL,    \
   false},                                                                                    \
      {"--op", "OP", "only this op (e.g. audit.entries)", &(args).op, NULL, false},           \
      {"--decision", "deny|permit", "only denials or only permits", &(args).decision, NULL,   \
       false},                                                                                \
      {"--outcome", "CODE|error",                                                             \
       "only requests that got this error code (or ok); error: every request that failed",    \
       &(args).outcome, NULL, false},                                                         \
      {"--since", "TIME", "only entries at or after TIME (see Times below)", &(args).since,   \
       NULL, false}

/* A parsed filter; an entry passes when it meets every condition set. */
typedef struct audit_filter {
  const char *actor; /* key id prefix, or NULL */
  const char *op;    /* exact op, or NULL */
  int decision;      /* AUDIT_DENY, AUDIT_PERMIT, or -1 for either */
  /* Exact outcome ("ok" or an error code), AUDIT_FILTER_ANY_ERROR for every outcome but "ok",
   * or NULL. Entries of version 1, which recorded no outcome, never pass an outcome filter. */
  const char *outcome;
  uint64_t since_ms; /* entries at or after this Unix time in milliseconds (0: all) */
} audit_filter;

#define AUDIT_FILTER_ANY_ERROR "error"

/* Parse args into *f, relative times counting from now_ms. Returns 0, or -1 with a usage
 * message in err naming the option. f borrows args' strings. */
int audit_filter_init(audit_filter *f, const audit_filter_args *args, uint64_t now_ms, char *err,
                      size_t errlen);

/* True when entry e passes f (NULL passes every entry). */
bool audit_filter_match(const audit_filter *f, const audit_entry *e);

#endif

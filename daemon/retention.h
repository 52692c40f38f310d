/* retention.h -- what the retention sweep deletes: content past its class's retention (the
 * policy's `retain` lines), counted per class. The same
 * queries count (a dry run, read only) and delete (inside the caller's transaction). The audit
 * log, the member directory and the areas themselves are never touched. */
#ifndef SAMVIRKED_RETENTION_H
#define SAMVIRKED_RETENTION_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define RETENTION_CLASSES 32   /* most classes with a retention a sweep handles */

/* When a sweep runs and how long each class with a retention is kept. */
typedef struct retention_plan {
  uint64_t now;      /* Unix s */
  int n;
  struct {
    char klass[32];
    int64_t secs;    /* the class's retention */
  } c[RETENTION_CLASSES];
} retention_plan;

/* What a sweep deleted (or, in a dry run, would delete): per class, in the plan's order, the
 * items and the oldest item's time (Unix s, 0 when none). */
typedef struct retention_result {
  int n;
  struct {
    char klass[32];
    int64_t items;
    int64_t oldest;
  } c[RETENTION_CLASSES];
  int64_t total;
} retention_result;

/* An item whose age is counted from ts has passed a retention of secs at now when it is
 * older than secs: ts < now - secs. An item exactly secs old is kept. */
bool retention_expired(int64_t ts, uint64_t now, int64_t secs);
/* The plan for pol at now: every class the policy gives a retention (at most
 * RETENTION_CLASSES; more are left out and logged). */
void retention_plan_make(const policy *pol, uint64_t now, retention_plan *p);
/* Count what a sweep under p would delete on db (read only). Returns 0, or -1 with the
 * reason in err. */
int retention_count(sqlite3 *db, const retention_plan *p, retention_result *r, char *err,
                    size_t errlen);
/* Delete it, in the transaction open on db, and fill r with what went. Returns 0, or -1 with
 * the reason in err (the caller rolls back). */
int retention_delete(sqlite3 *db, const retention_plan *p, retention_result *r, char *err,
                     size_t errlen);
/* The audit entry's object for r: "deleted:N" and then "CLASS:N" for each class with items,
 * cut at a space to fit n bytes. */
void retention_object(const retention_result *r, char *out, size_t n);

#endif

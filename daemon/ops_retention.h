/* ops_retention.h -- the daemon's retention sweep: at start-up and every retention_sweep_s,
 * one internal job deletes what retention.c finds expired, logs one
 * audit entry with the counts per class when it deleted anything, and has the store empty the
 * write-ahead log so that no copy of the deleted content is left in the files. */
#ifndef SAMVIRKED_OPS_RETENTION_H
#define SAMVIRKED_OPS_RETENTION_H

#include <stdint.h>

#include "job.h"
#include "policy.h"
#include "request.h"
#include "retention.h"

#define RETENTION_OP "retention.purge" /* the audit entry's op */

/* A purge job under pol at now, decided by rule (the audit entry's rule: "retention sweep",
 * "samvirked purge"): it deletes and counts on the storage thread (or in store_run_sync), and
 * is audited only when it deleted something. NULL on allocation failure. */
job *ops_retention_job(const policy *pol, uint64_t now, const char *rule);
/* What a purge job deleted (once it is back; NULL for another job), and its plan. */
const retention_result *ops_retention_result(const job *j);
const retention_plan *ops_retention_plan(const job *j);

/* Start-up (loop thread): the first sweep is due at once. */
void ops_retention_init(void);
/* Periodic (loop thread): submit a sweep when one is due and none is running. */
void ops_retention_sweep(rq_ctx *ctx);
/* When the next sweep is due (Unix s): while one runs, when it began; 0 before the first. */
uint64_t ops_retention_next(void);

#endif

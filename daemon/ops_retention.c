/* ops_retention.c -- the daemon's retention sweep (see ops_retention.h): when it runs, the job
 * that deletes, and its audit entry. */
#include "ops_retention.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "ops.h"
#include "store.h"
#include "util.h"

/* A purge job's state (j->op_data). */
typedef struct purge {
  retention_plan plan;
  retention_result res;
  uint64_t interval; /* the daemon's sweep: seconds to the next one */
} purge;

/* Loop-thread state of the daemon's sweep. */
static uint64_t next_sweep;   /* Unix s */
static bool running;          /* a sweep is in flight */

/* Storage thread (or store_run_sync): delete, count, and name the counts in the entry. */
static int purge_exec(store *st, job *j) {
  purge *w = j->op_data;
  char err[256];
  if (retention_delete(store_db(st), &w->plan, &w->res, err, sizeof err) != 0) {
    log_error("%s", err);
    job_fail(j, SV_ERR_INTERNAL, "%s", err);
    return -1;
  }
  retention_object(&w->res, j->object, sizeof j->object);
  /* The rows are zeroed in their pages (secure_delete); the log file still holds the pages
   * as they were until the store copies it into the database file and empties it. */
  if (w->res.total > 0) store_scrub(st);
  return 0;
}

job *ops_retention_job(const policy *pol, uint64_t now, const char *rule) {
  job *j = ops_internal_job(RETENTION_OP, "", rule, purge_exec, NULL, sizeof(purge));
  if (j == NULL) return NULL;
  purge *w = j->op_data;
  retention_plan_make(pol, now, &w->plan);
  j->audit_if_changed = true; /* a sweep that deleted nothing leaves no entry */
  return j;
}

const retention_result *ops_retention_result(const job *j) {
  if (j->exec != purge_exec || j->op_data == NULL) return NULL;
  return &((const purge *)j->op_data)->res;
}

const retention_plan *ops_retention_plan(const job *j) {
  if (j->exec != purge_exec || j->op_data == NULL) return NULL;
  return &((const purge *)j->op_data)->plan;
}

/* The daemon's sweep came back (loop thread): the next one is due an interval after this one
 * began, or at the next tick when it failed. */
static void sweep_done(job *j) {
  const purge *w = j->op_data;
  running = false;
  if (j->err != SV_OK) {
    log_error("retention sweep failed (%s); it is tried again shortly", j->errmsg);
    next_sweep = 0;
    return;
  }
  next_sweep = w->plan.now + w->interval;
  if (w->res.total > 0)
    log_info("retention sweep: %s (audit #%llu)", j->object, (unsigned long long)j->audit_seq);
}

void ops_retention_init(void) {
  next_sweep = 0;
  running = false;
}

void ops_retention_sweep(rq_ctx *ctx) {
  uint64_t now = util_unix_time();
  if (running || now < next_sweep) return;
  job *j = ops_retention_job(ctx->pol, now, "retention sweep");
  if (j == NULL) return; /* out of memory: the next tick tries again */
  ((purge *)j->op_data)->interval = ctx->cfg->retention_sweep_s;
  j->done = sweep_done;
  running = true;
  next_sweep = now;
  request_submit_internal(ctx, j);
}

uint64_t ops_retention_next(void) { return next_sweep; }

/* ops_area.h -- area data: areas, observations and interventions (the four-step model). */
#ifndef SAMVIRKED_OPS_AREA_H
#define SAMVIRKED_OPS_AREA_H

#include "request.h"
#include "store.h"

/* Loop-thread prepare functions: argument guards (CPR-shaped text, minimum group size, UTF-8,
 * lengths, coordinates), the data class and level the policy is asked about, and for ops whose
 * class depends on stored data the alternative decision (job->alt, settled in exec by request_settle). */
int ops_area_add_prepare(rq_ctx *ctx, job *j, int *level);
int ops_area_list_prepare(rq_ctx *ctx, job *j, int *level);
int ops_obs_add_prepare(rq_ctx *ctx, job *j, int *level);
int ops_obs_list_prepare(rq_ctx *ctx, job *j, int *level);
int ops_obs_update_prepare(rq_ctx *ctx, job *j, int *level);
int ops_obs_withdraw_prepare(rq_ctx *ctx, job *j, int *level);
int ops_iv_add_prepare(rq_ctx *ctx, job *j, int *level);
int ops_iv_list_prepare(rq_ctx *ctx, job *j, int *level);
int ops_iv_update_prepare(rq_ctx *ctx, job *j, int *level);

/* Storage-thread exec functions (inside the batch transaction). */
int ops_area_add_exec(store *st, job *j);
int ops_area_list_exec(store *st, job *j);
int ops_obs_add_exec(store *st, job *j);
int ops_obs_list_exec(store *st, job *j);
int ops_obs_update_exec(store *st, job *j);
int ops_obs_withdraw_exec(store *st, job *j);
int ops_iv_add_exec(store *st, job *j);
int ops_iv_list_exec(store *st, job *j);
int ops_iv_update_exec(store *st, job *j);

#endif

/* ops_concern.h -- concerns flow into the regime, never out: intake recipients, a partner's
 * sealed concern and its receipt, and the regime's list, read, assign, close and answer. */
#ifndef SAMVIRKED_OPS_CONCERN_H
#define SAMVIRKED_OPS_CONCERN_H

#include "request.h"
#include "store.h"

int ops_concern_intake_prepare(rq_ctx *ctx, job *j, int *level);
int ops_concern_submit_prepare(rq_ctx *ctx, job *j, int *level);
int ops_concern_submit_exec(store *st, job *j);
int ops_receipt_status_prepare(rq_ctx *ctx, job *j, int *level);
int ops_receipt_status_exec(store *st, job *j);
int ops_concern_list_prepare(rq_ctx *ctx, job *j, int *level);
int ops_concern_list_exec(store *st, job *j);
int ops_concern_fetch_exec(store *st, job *j);
int ops_concern_assign_prepare(rq_ctx *ctx, job *j, int *level);
int ops_concern_assign_exec(store *st, job *j);
int ops_concern_close_exec(store *st, job *j);
int ops_concern_answer_prepare(rq_ctx *ctx, job *j, int *level);
int ops_concern_answer_exec(store *st, job *j);

#endif

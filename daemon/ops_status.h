/* ops_status.h -- an area as a whole: its outline and description (area.update), and where it
 * stands in the four steps of the model (area.status), counted from what the caller may see. */
#ifndef SAMVIRKED_OPS_STATUS_H
#define SAMVIRKED_OPS_STATUS_H

#include "request.h"
#include "store.h"

int ops_area_update_prepare(rq_ctx *ctx, job *j, int *level);
int ops_area_update_exec(store *st, job *j);
int ops_area_status_prepare(rq_ctx *ctx, job *j, int *level);
int ops_area_status_exec(store *st, job *j);

#endif

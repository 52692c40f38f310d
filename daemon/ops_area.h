/* ops_area.h -- area data: areas, observations and interventions (the four-step model). */
#ifndef SAMVIRKED_OPS_AREA_H
#define SAMVIRKED_OPS_AREA_H

#include <stdbool.h>
#include <stdint.h>

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

/* ---- for the other area-data handlers ---- */

/* Loop thread: an intervention's step (when step is not NULL: one of the four) and its text
 * (j->req.a.text, guarded as area data). Returns 0 or -1 with j's error set. */
int ops_iv_check(const rq_ctx *ctx, job *j, const sv_str *step);
/* Loop thread: the owner argument (an active member: *owner becomes its id) and the due date,
 * when given. Returns 0 or -1 with invalid set. */
int ops_iv_owner_due(const rq_ctx *ctx, job *j, int64_t *owner);

/* Storage thread. The id of the area named name, with j->object set to "area:<id>": > 0, or 0
 * with not_found set, or -1 with a storage error set. */
int64_t ops_area_id(store *st, job *j, const sv_str *name);
/* Storage thread. Whether an area named name exists: 0, or -1 with not_found (what names it)
 * or a storage error set; j->object is left as it is. */
int ops_area_known(store *st, job *j, const char *what, const char *name);
/* Pack area id's map (with its outline) as j's result. Returns 0 or -1 (storage error). */
int ops_area_pack_result(store *st, job *j, int64_t area);

/* A new intervention. */
typedef struct ops_iv_new {
  int64_t area;
  const char *level, *step;  /* checked by the caller */
  const sv_str *text;        /* guarded by the caller */
  int64_t owner;             /* member id; 0: the caller */
  uint64_t due;              /* 0: none */
  uint64_t size;             /* the group's approximate size (checked); 0: none */
  uint64_t meeting;          /* the meeting whose decision it is; 0: none */
  bool meeting_core;         /* that meeting's track is core */
} ops_iv_new;
/* Insert v (status planned, the caller as author); j->object becomes "intervention:<id>".
 * Returns the id, or -1 with a storage error set. */
int64_t ops_iv_insert(store *st, job *j, const ops_iv_new *v);
/* Pack intervention id's map with pk (PROTOCOL.md's object maps; its meeting shown when the
 * meeting is of the area track or see_core). Returns 0 or -1 (storage error set). */
int ops_iv_pack(store *st, job *j, msgpack_packer *pk, int64_t id, bool see_core);

#endif

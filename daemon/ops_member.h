/* ops_member.h -- the member directory: registration, enrolment, roles, revocation. */
#ifndef SAMVIRKED_OPS_MEMBER_H
#define SAMVIRKED_OPS_MEMBER_H

#include "invite.h"
#include "job.h"
#include "keys.h"
#include "request.h"
#include "store.h"

/* Insert a member from a verified card with role (storage thread, inside the batch). Fills
 * j->object with "card:<sha256 hex>", j->effect/member with the new directory entry.
 * Returns 0, or -1 with j->err set (conflict when the name or keys are taken). */
int ops_member_insert(store *st, job *j, const sv_card *card, const char *role);
/* A daemon-internal job that registers card with role, its entry naming rule (samvirked init
 * runs it with store_run_sync). NULL on allocation failure. */
job *ops_member_register_job(const sv_card *card, const char *role, const char *rule);

/* Request handlers (see PROTOCOL.md section 6). prepare: loop thread; exec: storage thread. */
int ops_enroll_prepare(rq_ctx *ctx, job *j, int *level);
int ops_enroll_exec(store *st, job *j);
int ops_member_invite_prepare(rq_ctx *ctx, job *j, int *level);
int ops_member_invite_exec(store *st, job *j);
int ops_member_list_exec(store *st, job *j);
int ops_member_show_exec(store *st, job *j);
int ops_member_role_prepare(rq_ctx *ctx, job *j, int *level);
int ops_member_role_exec(store *st, job *j);
int ops_member_revoke_exec(store *st, job *j);
int ops_member_proof_exec(store *st, job *j);

#endif

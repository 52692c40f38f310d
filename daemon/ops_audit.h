/* ops_audit.h -- reading the audit trail: latest checkpoint, entries by range, inclusion and
 * consistency proofs. They answer as of the latest committed checkpoint (see ops_audit.c). */
#ifndef SAMVIRKED_OPS_AUDIT_H
#define SAMVIRKED_OPS_AUDIT_H

#include "request.h"
#include "store.h"

int ops_audit_checkpoint_prepare(rq_ctx *ctx, job *j, int *level);
int ops_audit_checkpoint_exec(store *st, job *j);
int ops_audit_entries_prepare(rq_ctx *ctx, job *j, int *level);
int ops_audit_entries_exec(store *st, job *j);
int ops_audit_inclusion_prepare(rq_ctx *ctx, job *j, int *level);
int ops_audit_inclusion_exec(store *st, job *j);
int ops_audit_consistency_prepare(rq_ctx *ctx, job *j, int *level);
int ops_audit_consistency_exec(store *st, job *j);

#endif

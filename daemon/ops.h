/* ops.h -- request handlers: loop-thread prepare functions and storage-thread exec functions,
 * one file per group of ops (ops_core.c, ops_audit.c, ops_member.c, ops_area.c, ops_note.c). */
#ifndef SAMVIRKED_OPS_H
#define SAMVIRKED_OPS_H

#include "server.h"

/* ops_core.c: ping, whoami */
int ops_ping_prepare(server *srv, job *j, int *level);
int ops_whoami_prepare(server *srv, job *j, int *level);

/* ops_audit.c: audit.checkpoint, audit.entries, audit.inclusion, audit.consistency (read audit).
 * They answer as of the latest committed checkpoint (see ops_audit.c). */
int ops_audit_checkpoint_prepare(server *srv, job *j, int *level);
int ops_audit_checkpoint_exec(store *st, job *j);
int ops_audit_entries_prepare(server *srv, job *j, int *level);
int ops_audit_entries_exec(store *st, job *j);
int ops_audit_inclusion_prepare(server *srv, job *j, int *level);
int ops_audit_inclusion_exec(store *st, job *j);
int ops_audit_consistency_prepare(server *srv, job *j, int *level);
int ops_audit_consistency_exec(store *st, job *j);

/* Pack a result map header into j->result and return the packer (helper for handlers). */
void ops_result_packer(job *j, msgpack_packer *pk);

#endif

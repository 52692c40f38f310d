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

/* ops_note.c: restricted notes (relay of end-to-end encrypted envelopes) */
int ops_note_send_prepare(server *srv, job *j, int *level);
int ops_note_send_exec(struct store *st, job *j);
int ops_note_id_prepare(server *srv, job *j, int *level);
int ops_note_list_exec(struct store *st, job *j);
int ops_note_fetch_exec(struct store *st, job *j);
int ops_note_ack_exec(struct store *st, job *j);
/* Loop thread: apply EFFECT_NOTE_STORED / _PUSH / _SWEPT of a finished job. */
void ops_note_effect(server *srv, job *j);
/* Start-up (before the storage thread runs): learn the earliest pending expiry. 0 or -1. */
int ops_note_init(server *srv, char *err, size_t errlen);
/* Periodic: submit an expiry job if a stored note has passed its time-to-live. */
void ops_note_sweep(server *srv);

#endif

/* ops_note.h -- restricted notes: relay end-to-end encrypted envelopes (send, list, fetch, ack),
 * push deliveries to connected recipients once audited, expire undelivered notes. */
#ifndef SAMVIRKED_OPS_NOTE_H
#define SAMVIRKED_OPS_NOTE_H

#include <stddef.h>

#include "request.h"
#include "store.h"

int ops_note_send_prepare(rq_ctx *ctx, job *j, int *level);
int ops_note_send_exec(store *st, job *j);
/* note.fetch and note.ack: the 16-byte note id argument. */
int ops_note_id_prepare(rq_ctx *ctx, job *j, int *level);
int ops_note_list_exec(store *st, job *j);
int ops_note_fetch_exec(store *st, job *j);
int ops_note_ack_exec(store *st, job *j);
/* Start-up (before the storage thread runs): learn the earliest pending expiry. 0 or -1. */
int ops_note_init(store *st, char *err, size_t errlen);
/* Periodic (loop thread): submit an expiry job if a stored note has passed its time-to-live. */
void ops_note_sweep(rq_ctx *ctx);

#endif

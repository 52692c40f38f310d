/* ops_note.h -- restricted notes: relay end-to-end encrypted envelopes (send, list, fetch, ack),
 * push deliveries to connected recipients once audited, expire undelivered notes. */
#ifndef SAMVIRKED_OPS_NOTE_H
#define SAMVIRKED_OPS_NOTE_H

#include <stddef.h>

#include "envelope.h"
#include "keys.h"
#include "request.h"
#include "store.h"

int ops_note_send_prepare(rq_ctx *ctx, job *j, int *level);
int ops_note_send_exec(store *st, job *j);
/* note.send's exec for an op that answers with more: its result map begins with the nlead
 * key-value pairs lead packs (the answer to a concern names the concern). */
int ops_note_send_exec_with(store *st, job *j, uint32_t nlead,
                            void (*lead)(msgpack_packer *, const job *));

/* An envelope handed in (note.send, a core-track meeting's minutes, a concern) as the daemon
 * vetted it: the header and, per recipient, its member id, role and key id. */
typedef struct note_vetted {
  envelope_header h;
  size_t n;
  int64_t member[ENVELOPE_MAX_RECIPIENTS];
  char role[ENVELOPE_MAX_RECIPIENTS][32];
  char keyid[ENVELOPE_MAX_RECIPIENTS][CARD_KEYID_HEX];
} note_vetted;

/* Loop thread. Parse env into v (else bad_request), of class klass when klass is not NULL
 * (else bad_request), and take the header's purpose as j's: none or a code the policy declares,
 * else invalid and not logged (request_purpose). Returns 0 or -1 with j's error set. */
int ops_note_parse(const rq_ctx *ctx, job *j, const sv_bin *env, const char *klass,
                   note_vetted *v);
/* Loop thread, after ops_note_parse: the envelope is from the caller (else denied, rule
 * "envelope sender is not the caller"), at most note_max bytes (too_large), signed with the
 * caller's card (bad_signature), and every recipient is a member (unknown_recipient), active
 * (revoked_recipient), and allowed to `action` the header's class at level with its area and
 * purpose, under the policy and its regimes (else denied with the deciding rule logged as
 * "<action>: <rule>"). Fills v's recipients. Returns 0 or -1 with j's error set. */
int ops_note_check(rq_ctx *ctx, job *j, const sv_bin *env, const char *action,
                   enum policy_level level, note_vetted *v);
/* ops_note_parse and then ops_note_check. */
int ops_note_vet(rq_ctx *ctx, job *j, const sv_bin *env, const char *klass, const char *action,
                 enum policy_level level, note_vetted *v);
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

/* ops_member.h -- the member directory: registration, enrolment, roles, revocation. */
#ifndef SAMVIRKED_OPS_MEMBER_H
#define SAMVIRKED_OPS_MEMBER_H

#include "job.h"
#include "keys.h"
#include "server.h"
#include "store.h"

/* Insert a member from a verified card with role (storage thread, inside the batch). Fills
 * j->object with "card:<sha256 hex>", j->effect/effect_data with the new directory entry.
 * Returns 0, or -1 with j->err set (conflict when the name or keys are taken). */
int ops_member_insert(store *st, job *j, const sv_card *card, const char *role);
/* Prepare a daemon-internal job that registers card with role (used by samvirked init). */
int ops_member_register_job(job *j, const sv_card *card, const char *role, const char *rule);

/* Invite codes: 20 random bytes written as 32 RFC 4648 base32 symbols in 8 groups of 4
 * separated by '-' (39 characters + NUL). Parsing ignores '-', spaces and letter case.
 * Only SHA-256("samvirke-invite-v1" 0x00 || the 20 bytes) is stored. */
#define INVITE_RAW_LEN 20
#define INVITE_CODE_LEN 40
void ops_invite_format(const uint8_t raw[INVITE_RAW_LEN], char out[INVITE_CODE_LEN]);
/* Returns 0 and fills raw, or -1 when code is not 32 base32 symbols. */
int ops_invite_parse(const char *code, uint8_t raw[INVITE_RAW_LEN]);
void ops_invite_hash(const uint8_t raw[INVITE_RAW_LEN], uint8_t out[32]);

/* Request handlers (see PROTOCOL.md section 6). prepare: loop thread; exec: storage thread. */
int ops_enroll_prepare(server *srv, job *j, int *level);
int ops_enroll_exec(store *st, job *j);
int ops_member_invite_prepare(server *srv, job *j, int *level);
int ops_member_invite_exec(store *st, job *j);
int ops_member_list_exec(store *st, job *j);
int ops_member_show_exec(store *st, job *j);
int ops_member_role_prepare(server *srv, job *j, int *level);
int ops_member_role_exec(store *st, job *j);
int ops_member_revoke_exec(store *st, job *j);
int ops_member_proof_exec(store *st, job *j);

#endif

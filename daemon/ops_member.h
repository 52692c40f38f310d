/* ops_member.h -- the member directory: registration, enrolment, roles, revocation. */
#ifndef SAMVIRKED_OPS_MEMBER_H
#define SAMVIRKED_OPS_MEMBER_H

#include "job.h"
#include "keys.h"
#include "store.h"

/* Insert a member from a verified card with role (storage thread, inside the batch). Fills
 * j->object with the card hash (hex), j->effect/effect_data with the new directory entry.
 * Returns 0, or -1 with j->err set (conflict when the name or keys are taken). */
int ops_member_insert(store *st, job *j, const sv_card *card, const char *role);
/* Prepare a daemon-internal job that registers card with role (used by samvirked init). */
int ops_member_register_job(job *j, const sv_card *card, const char *role, const char *rule);

#endif

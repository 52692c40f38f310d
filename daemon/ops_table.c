/* ops_table.c -- the daemon's op table: which policy action and class each op is asked as, and
 * its handlers (prepare on the loop thread, exec on the storage thread). To add an op, give it
 * a line here. */
#include "ops_table.h"

#include "ops_actor.h"
#include "ops_area.h"
#include "ops_audit.h"
#include "ops_concern.h"
#include "ops_core.h"
#include "ops_link.h"
#include "ops_meeting.h"
#include "ops_member.h"
#include "ops_note.h"
#include "ops_status.h"

/* A NULL class means prepare decides it from the request (e.g. an observation's level). */
const op_entry ops_table[SV_OP__COUNT] = {
    [SV_OP_PING] = {"connect", "session", true, ops_ping_prepare, NULL},
    [SV_OP_WHOAMI] = {"connect", "session", true, ops_whoami_prepare, NULL},
    [SV_OP_AREA_ADD] = {"submit", "area", false, ops_area_add_prepare, ops_area_add_exec},
    [SV_OP_AREA_LIST] = {"read", "area", false, ops_area_list_prepare, ops_area_list_exec},
    [SV_OP_OBS_ADD] = {"submit", NULL, false, ops_obs_add_prepare, ops_obs_add_exec},
    [SV_OP_OBS_LIST] = {"read", "area", false, ops_obs_list_prepare, ops_obs_list_exec},
    [SV_OP_OBS_UPDATE] = {"update", NULL, false, ops_obs_update_prepare, ops_obs_update_exec},
    [SV_OP_OBS_WITHDRAW] = {"update", NULL, false, ops_obs_withdraw_prepare, ops_obs_withdraw_exec},
    [SV_OP_IV_ADD] = {"submit", "intervention", false, ops_iv_add_prepare, ops_iv_add_exec},
    [SV_OP_IV_LIST] = {"read", "intervention", false, ops_iv_list_prepare, ops_iv_list_exec},
    [SV_OP_IV_UPDATE] = {"update", NULL, false, ops_iv_update_prepare, ops_iv_update_exec},
    [SV_OP_AUDIT_CHECKPOINT] = {"read", "audit", false, ops_audit_checkpoint_prepare,
                                ops_audit_checkpoint_exec},
    [SV_OP_AUDIT_ENTRIES] = {"read", "audit", false, ops_audit_entries_prepare,
                             ops_audit_entries_exec},
    [SV_OP_AUDIT_INCLUSION] = {"read", NULL, false, ops_audit_inclusion_prepare, /* audit|session */
                               ops_audit_inclusion_exec},
    [SV_OP_AUDIT_CONSISTENCY] = {"read", "audit", false, ops_audit_consistency_prepare,
                                 ops_audit_consistency_exec},
    [SV_OP_NOTE_SEND] = {"send", NULL, false, ops_note_send_prepare, ops_note_send_exec},
    [SV_OP_NOTE_LIST] = {"connect", "session", false, NULL, ops_note_list_exec},
    [SV_OP_NOTE_FETCH] = {"connect", "session", false, ops_note_id_prepare, ops_note_fetch_exec},
    [SV_OP_NOTE_ACK] = {"connect", "session", false, ops_note_id_prepare, ops_note_ack_exec},
    [SV_OP_ENROLL] = {"connect", "directory", true, ops_enroll_prepare, ops_enroll_exec},
    [SV_OP_MEMBER_INVITE] = {"manage", "directory", false, ops_member_invite_prepare,
                             ops_member_invite_exec},
    [SV_OP_MEMBER_LIST] = {"read", "directory", false, NULL, ops_member_list_exec},
    [SV_OP_MEMBER_SHOW] = {"read", "directory", false, NULL, ops_member_show_exec},
    [SV_OP_MEMBER_ROLE] = {"manage", "directory", false, ops_member_role_prepare,
                           ops_member_role_exec},
    [SV_OP_MEMBER_REVOKE] = {"manage", "directory", false, NULL, ops_member_revoke_exec},
    [SV_OP_MEMBER_PROOF] = {"read", "directory", false, NULL, ops_member_proof_exec},
    /* the two tracks: an area as a whole, links, meetings, concerns, actors */
    [SV_OP_AREA_UPDATE] = {"update", "area", false, ops_area_update_prepare, ops_area_update_exec},
    [SV_OP_AREA_STATUS] = {"read", "area", false, ops_area_status_prepare, ops_area_status_exec},
    [SV_OP_LINK_ADD] = {"submit", NULL, false, ops_link_add_prepare, ops_link_add_exec},
    [SV_OP_LINK_REMOVE] = {"update", NULL, false, ops_link_remove_prepare, ops_link_remove_exec},
    [SV_OP_LINK_LIST] = {"read", "area", false, ops_link_list_prepare, ops_link_list_exec},
    /* meeting (area track) or core-meeting, as the request's track says */
    [SV_OP_MEETING_ADD] = {"submit", NULL, false, ops_meeting_add_prepare, ops_meeting_add_exec},
    [SV_OP_MEETING_LIST] = {"read", NULL, false, ops_meeting_list_prepare, ops_meeting_list_exec},
    [SV_OP_MEETING_SHOW] = {"read", NULL, false, ops_meeting_show_prepare, ops_meeting_show_exec},
    [SV_OP_MEETING_ITEM] = {"update", NULL, false, ops_meeting_item_prepare, ops_meeting_item_exec},
    [SV_OP_MEETING_MINUTES] = {"update", NULL, false, ops_meeting_minutes_prepare,
                               ops_meeting_minutes_exec},
    [SV_OP_MEETING_DECIDE] = {"submit", NULL, false, ops_meeting_decide_prepare, /* intervention */
                              ops_meeting_decide_exec},
    [SV_OP_MEETING_DRAFT] = {"read", NULL, false, ops_meeting_draft_prepare, ops_meeting_draft_exec},
    [SV_OP_CONCERN_INTAKE] = {"read", "directory", false, ops_concern_intake_prepare, NULL},
    [SV_OP_CONCERN_SUBMIT] = {"submit", "concern", false, ops_concern_submit_prepare,
                              ops_concern_submit_exec},
    [SV_OP_RECEIPT_STATUS] = {"read", "receipt", false, ops_receipt_status_prepare,
                              ops_receipt_status_exec},
    [SV_OP_CONCERN_LIST] = {"read", "concern", false, ops_concern_list_prepare, ops_concern_list_exec},
    [SV_OP_CONCERN_FETCH] = {"read", "concern", false, NULL, ops_concern_fetch_exec},
    [SV_OP_CONCERN_ASSIGN] = {"update", "concern", false, ops_concern_assign_prepare,
                              ops_concern_assign_exec},
    [SV_OP_CONCERN_CLOSE] = {"update", "concern", false, NULL, ops_concern_close_exec},
    [SV_OP_CONCERN_ANSWER] = {"send", NULL, false, ops_concern_answer_prepare, /* a note */
                              ops_concern_answer_exec},
    [SV_OP_ACTOR_ADD] = {"submit", "actor", false, ops_actor_add_prepare, ops_actor_add_exec},
    [SV_OP_ACTOR_UPDATE] = {"update", "actor", false, ops_actor_update_prepare, ops_actor_update_exec},
    [SV_OP_ACTOR_TIE] = {"submit", "actor", false, ops_actor_tie_prepare, ops_actor_tie_exec},
    [SV_OP_ACTOR_UNTIE] = {"update", "actor", false, ops_actor_tie_prepare, ops_actor_untie_exec},
    [SV_OP_ACTOR_LIST] = {"read", "actor", false, ops_actor_list_prepare, ops_actor_list_exec},
};

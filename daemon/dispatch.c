/* dispatch.c -- from a decoded frame to a storage job: op table, enrolment check, policy. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "ops.h"
#include "ops_area.h"
#include "ops_member.h"
#include "server.h"
#include "util.h"


/* Which policy action and class each op is, and its handlers. A NULL class means prepare
 * decides it from the request (e.g. an observation's level). */
static const op_entry op_table[SV_OP__COUNT] = {
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
};

_Static_assert(SV_OP__COUNT <= sizeof ((server *)0)->op_action / sizeof(int),
               "server.op_action must have a slot for every op");

const op_entry *dispatch_op(enum sv_op op) {
  if ((unsigned)op >= SV_OP__COUNT || op_table[op].action == NULL) return NULL;
  return &op_table[op];
}

void dispatch_bind_policy(server *srv) {
  for (int op = 0; op < SV_OP__COUNT && op < 64; op++) {
    const op_entry *e = dispatch_op((enum sv_op)op);
    srv->op_action[op] = e ? policy_action(srv->pol, e->action) : -1;
    srv->op_class[op] = (e && e->klass) ? policy_class(srv->pol, e->klass) : -1;
  }
}

void dispatch_pack_member(msgpack_packer *pk, const dir_member *m) {
  msgpack_pack_map(pk, 4);
  sv_pack_str(pk, "name");
  sv_pack_str(pk, m->name);
  sv_pack_str(pk, "role");
  sv_pack_str(pk, m->role);
  sv_pack_str(pk, "keyid");
  sv_pack_str(pk, m->keyid);
  sv_pack_str(pk, "fingerprint");
  sv_pack_str(pk, m->fingerprint);
}

void dispatch_submit(server *srv, job *j);
static void submit(server *srv, job *j) {
  memcpy(j->policy_hash, srv->policy_hash, 32);
  if (j->conn)
    conn_job_submitted(j->conn);
  else
    srv->jobs_inflight++;
  store_submit(srv->st, j);
}

void dispatch_format_rule(char *out, size_t cap, const char *prefix, const policy_decision *d) {
  assert(cap > 16);
  if (d->rule_index < 0) {
    snprintf(out, cap, "%sdefault deny", prefix);
    return;
  }
  const char *file = d->file ? d->file : "?";
  const char *slash = strrchr(file, '/');
  if (slash != NULL && slash[1] != '\0') file = slash + 1;
  char where[48]; /* " (file:line)", the file name cut to fit */
  int wn = snprintf(where, sizeof where, " (%.*s:%d)", 24, file, d->line);
  if (wn < 0) wn = 0;
  const char *name = d->rule_name ? d->rule_name : "";
  size_t plen = strlen(prefix), room = cap - 1;
  size_t keep = strlen(name);
  size_t fixed = plen + (size_t)wn;
  if (fixed >= room) {
    snprintf(out, cap, "%s%s", prefix, where + 1);
    return;
  }
  if (keep > room - fixed) {
    /* Cut the name at a character boundary and mark the cut; the location stays whole. */
    keep = room - fixed >= 3 ? room - fixed - 3 : 0;
    while (keep > 0 && ((unsigned char)name[keep] & 0xc0) == 0x80) keep--;
    snprintf(out, cap, "%s%.*s...%s", prefix, (int)keep, name, where);
    return;
  }
  snprintf(out, cap, "%s%s%s", prefix, name, name[0] ? where : where + 1);
}

/* Ask the policy about j (enrolled member). Sets permit/rule and, on deny, the error. */
static void decide(server *srv, job *j, int action, const char *klass, int level) {
  int role = policy_role(srv->pol, j->who.role);
  int cls = klass ? policy_class(srv->pol, klass) : -1;
  if (role < 0 || action < 0 || cls < 0) {
    j->permit = false;
    snprintf(j->rule, sizeof j->rule, "default deny (%s not declared by the policy)",
             role < 0 ? "role" : action < 0 ? "action" : "class");
    job_fail(j, SV_ERR_DENIED, "denied by policy (no rule permits this)");
    return;
  }
  policy_request pr = {
      .role = role,
      .action = action,
      .klass = cls,
      .level = (enum policy_level)level,
      .area = (j->decoded && (j->req.present & SV_BIT(SV_F_AREA))) ? j->req.a.area.ptr : NULL,
      .purpose = j->purpose[0] ? j->purpose : NULL,
  };
  policy_decision d;
  policy_decide(srv->pol, &pr, &d);
  j->permit = d.permit;
  dispatch_format_rule(j->rule, sizeof j->rule, "", &d);
  if (d.rule_index >= 0)
    snprintf(j->rule_name, sizeof j->rule_name, "%s", d.rule_name ? d.rule_name : "");
  if (!d.permit) {
    if (j->rule_name[0])
      job_fail(j, SV_ERR_DENIED, "denied by policy rule '%s'", j->rule_name);
    else
      job_fail(j, SV_ERR_DENIED, "denied by policy (no rule permits this)");
  }
}

void dispatch_frame(conn *c, const uint8_t *frame, size_t len) {
  server *srv = c->srv;
  job *j = job_new();
  if (j == NULL) {
    conn_close(c, "out of memory");
    return;
  }
  j->conn = c;
  j->who = c->who;
  char err[256];
  enum sv_err e = sv_request_decode(frame, len, &j->req, err, sizeof err);
  j->decoded = (e == SV_OK);
  if (e != SV_OK) {
    snprintf(j->op, sizeof j->op, "%s", j->req.op_name[0] ? j->req.op_name : "?");
    snprintf(j->rule, sizeof j->rule, "%s",
             e == SV_ERR_UNKNOWN_OP ? "unknown op" : "malformed request");
    job_fail(j, e, "%s", err);
    submit(srv, j);
    return;
  }
  snprintf(j->op, sizeof j->op, "%s", sv_op_name(j->req.op));
  const op_entry *oe = dispatch_op(j->req.op);
  if (j->who.member_id == 0 && (oe == NULL || !oe->unenrolled_ok)) {
    snprintf(j->rule, sizeof j->rule, "not enrolled");
    job_fail(j, SV_ERR_NOT_ENROLLED, "this key is not enrolled; ask a coordinator for an invite");
    submit(srv, j);
    return;
  }
  if (oe == NULL) {
    snprintf(j->rule, sizeof j->rule, "unknown op");
    job_fail(j, SV_ERR_UNKNOWN_OP, "op \"%s\" is not served by this daemon", j->op);
    submit(srv, j);
    return;
  }
  if (oe->klass) snprintf(j->klass, sizeof j->klass, "%s", oe->klass);
  j->exec = oe->exec;
  if (j->who.member_id == 0) {
    int level = 0;
    if (oe->prepare) oe->prepare(srv, j, &level);
    j->permit = true;
    snprintf(j->rule, sizeof j->rule, "builtin: any key may %s", j->op);
    submit(srv, j);
    return;
  }
  int level = POLICY_LEVEL_NONE;
  if (oe->prepare && oe->prepare(srv, j, &level) != 0 && j->err == SV_ERR_BAD_REQUEST) {
    /* Malformed arguments: no policy question can be asked. */
    snprintf(j->rule, sizeof j->rule, "malformed request");
    submit(srv, j);
    return;
  }
  enum sv_err guard = j->err;
  char guard_msg[sizeof j->errmsg];
  memcpy(guard_msg, j->errmsg, sizeof guard_msg);
  char guard_rule[sizeof j->rule]; /* set by prepare when a further decision denied */
  memcpy(guard_rule, j->rule, sizeof guard_rule);
  j->err = SV_OK;
  decide(srv, j, srv->op_action[j->req.op], j->klass[0] ? j->klass : NULL, level);
  if (j->permit && guard != SV_OK) {
    job_fail(j, guard, "%s", guard_msg);
    if (guard == SV_ERR_DENIED && guard_rule[0]) {
      /* prepare asked the policy more (a note's recipients) and was refused: log that rule */
      j->permit = false;
      memcpy(j->rule, guard_rule, sizeof j->rule);
    }
  }
  if (j->err != SV_OK) {
    j->exec = NULL;
    msgpack_sbuffer_clear(&j->result);
  }
  submit(srv, j);
}

void dispatch_submit(server *srv, job *j) { submit(srv, j); }

void dispatch_internal(server *srv, const char *op, const char *klass, const char *object,
                       const char *rule) {
  job *j = job_new();
  if (j == NULL) {
    log_error("out of memory: cannot log %s", op);
    return;
  }
  job_internal(j, op, klass, object, rule);
  submit(srv, j);
}

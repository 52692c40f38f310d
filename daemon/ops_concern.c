/* ops_concern.c -- concerns flow into the regime, never out: intake recipients, a partner's
 * sealed concern and its receipt, and the regime's list, read, assign, close and answer.
 *
 * A concern is an envelope of class `concern`: the daemon stores ciphertext and the header's
 * identifiers, never the text. Who submitted it can ask only about their own receipt, and the
 * answer is whether it was received and handled (receipt.status); the policy gives the class
 * itself only to the regime, which the loader proves. */
#include "ops_concern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "ops.h"
#include "ops_area.h"
#include "ops_guard.h"
#include "ops_note.h"
#include "util.h"

#define HAS OPS_HAS

static const char *const STATUSES[] = {"received", "assigned", "closed", NULL};

/* What prepare decided, for exec (j->op_data). */
typedef struct concern_plan {
  note_vetted env;  /* concern.submit */
  int64_t assignee; /* concern.assign */
} concern_plan;

/* True when a member of role may have concerns sealed to it: its role may read the class
 * under the policy and its regimes. */
static bool intake_role(const rq_ctx *ctx, const char *role) {
  rq_question q = {.role = role, .action = "read", .klass = "concern",
                   .level = POLICY_LEVEL_NONE, .recipient = true};
  decision d;
  request_authorize(ctx, &q, &d);
  return d.permit;
}

/* ---- loop thread ------------------------------------------------------------------------- */

int ops_concern_intake_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  snprintf(j->object, sizeof j->object, "intake:concern");
  uint32_t n = 0;
  for (size_t i = 0; i < ctx->dir->n; i++)
    n += !ctx->dir->m[i].revoked && intake_role(ctx, ctx->dir->m[i].role);
  if (n == 0) {
    job_fail(j, SV_ERR_NOT_FOUND, "no member may receive concerns under the policy");
    return -1;
  }
  if (n > ENVELOPE_MAX_RECIPIENTS) n = ENVELOPE_MAX_RECIPIENTS;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 1);
  sv_pack_str(&pk, "recipients");
  msgpack_pack_array(&pk, n);
  uint32_t k = 0;
  for (size_t i = 0; i < ctx->dir->n && k < n; i++) {
    const dir_member *m = &ctx->dir->m[i];
    if (m->revoked || !intake_role(ctx, m->role)) continue;
    directory_pack_member(&pk, m);
    k++;
  }
  return 0;
}

int ops_concern_submit_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  concern_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return -1;
  /* Sealed to members whose role may read concerns: the regime (the recipients' question). */
  if (ops_note_vet(ctx, j, &j->req.a.envelope, "concern", "read", POLICY_LEVEL_NONE, &p->env) != 0)
    return -1;
  /* The caller's own question (submit concern) carries the header's purpose (j->purpose, set
   * by ops_note_parse) and area. */
  return 0;
}

int ops_receipt_status_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  if (j->req.a.receipt.len != ENVELOPE_ID_LEN) {
    job_fail(j, SV_ERR_BAD_REQUEST, "a receipt is %d bytes", ENVELOPE_ID_LEN);
    return -1;
  }
  char hex[2 * ENVELOPE_ID_LEN + 1];
  util_hex(hex, j->req.a.receipt.ptr, ENVELOPE_ID_LEN);
  snprintf(j->object, sizeof j->object, "receipt:%s", hex);
  return 0;
}

int ops_concern_list_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  if (HAS(j, STATUS) && !ops_guard_one_of(&j->req.a.status, STATUSES)) {
    job_fail(j, SV_ERR_INVALID, "status must be received, assigned or closed");
    return -1;
  }
  if (HAS(j, AREA) && ops_guard_label(j, "area", &j->req.a.area) != 0) return -1;
  return 0;
}

int ops_concern_assign_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  concern_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return -1;
  const dir_member *m = ops_guard_member(ctx, j, "assignee", &j->req.a.who);
  if (m == NULL) return -1;
  p->assignee = m->id;
  return 0;
}

int ops_concern_answer_prepare(rq_ctx *ctx, job *j, int *level) {
  /* The answer is a restricted note of class individual: note.send's guards, deliveries and
   * the caller's own question (send individual). */
  note_vetted v;
  if (ops_note_parse(ctx, j, &j->req.a.envelope, "individual", &v) != 0) return -1;
  if (ops_note_send_prepare(ctx, j, level) != 0) return -1;
  /* And it changes the concern. */
  rq_question q = {.role = j->who.role, .action = "update", .klass = "concern",
                   .level = POLICY_LEVEL_NONE};
  decision d;
  request_authorize(ctx, &q, &d);
  if (!d.permit) {
    job_deny(j, SV_ERR_DENIED, d.rule, "you may not answer concerns");
    return -1;
  }
  return 0;
}

/* ---- storage thread ---------------------------------------------------------------------- */

#define CONCERN_COLUMNS                                                                      \
  "SELECT c.id, c.receipt, c.area, c.purpose, s.name, c.created, c.status, a.name,"          \
  " c.updated, c.answers, c.envelope FROM concerns c LEFT JOIN members s ON s.id = c.submitter" \
  " LEFT JOIN members a ON a.id = c.assignee "

/* Pack the concern of row s (CONCERN_COLUMNS), with its envelope when content. Returns 0 or
 * -1 (storage error set). */
static int pack_concern(store *st, job *j, msgpack_packer *pk, sqlite3_stmt *s, bool content) {
  static const char sql_rcpt[] =
      "SELECT m.name FROM concern_recipients r JOIN members m ON m.id = r.member"
      " WHERE r.concern = ? ORDER BY m.id";
  msgpack_pack_map(pk, 11 + content);
  ops_pack_kv_int(pk, "id", s, 0);
  sv_pack_str(pk, "receipt");
  sv_pack_bin(pk, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1));
  ops_pack_kv_str(pk, "area", s, 2);
  ops_pack_kv_str(pk, "purpose", s, 3);
  ops_pack_kv_str(pk, "submitter", s, 4);
  ops_pack_kv_int(pk, "time", s, 5);
  ops_pack_kv_str(pk, "status", s, 6);
  ops_pack_kv_str(pk, "assignee", s, 7);
  ops_pack_kv_int(pk, "updated", s, 8);
  ops_pack_kv_int(pk, "answers", s, 9);
  if (content) {
    sv_pack_str(pk, "envelope");
    sv_pack_bin(pk, sqlite3_column_blob(s, 10), (size_t)sqlite3_column_bytes(s, 10));
  }
  sv_pack_str(pk, "recipients");
  sqlite3_stmt *r = store_stmt(st, sql_rcpt);
  if (r == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(r, 1, sqlite3_column_int64(s, 0));
  uint32_t n = 0;
  int rc;
  while ((rc = sqlite3_step(r)) == SQLITE_ROW) n++;
  sqlite3_reset(r);
  if (rc != SQLITE_DONE) return ops_storage_error(st, j);
  msgpack_pack_array(pk, n);
  while (n-- > 0 && sqlite3_step(r) == SQLITE_ROW) ops_pack_col_str(pk, r, 0);
  sqlite3_reset(r);
  return 0;
}

/* Pack concern id as j's result (with content). Returns 0, or -1 with not_found or a storage
 * error. */
static int result_concern(store *st, job *j, uint64_t id, bool content) {
  static const char sql[] = CONCERN_COLUMNS "WHERE c.id = ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return ops_storage_error(st, j);
    job_fail(j, SV_ERR_NOT_FOUND, "no concern %llu", (unsigned long long)id);
    return -1;
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  int r = pack_concern(st, j, &pk, s, content);
  sqlite3_reset(s);
  return r;
}

int ops_concern_submit_exec(store *st, job *j) {
  static const char sql_dup[] = "SELECT 1 FROM concerns WHERE receipt = ?";
  static const char sql_insert[] =
      "INSERT INTO concerns(receipt, submitter, area, purpose, envelope, created, status,"
      " updated) VALUES(?,?,?,?,?,?,'received',?)";
  static const char sql_rcpt[] =
      "INSERT INTO concern_recipients(concern, member)"
      " SELECT ?, id FROM members WHERE id = ? AND revoked = 0 AND role = ?";
  const concern_plan *p = j->op_data;
  const envelope_header *h = &p->env.h;
  if (h->area[0] && ops_area_known(st, j, "the envelope's area", h->area) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql_dup);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_blob(s, 1, h->id, ENVELOPE_ID_LEN, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc == SQLITE_ROW) {
    job_fail(j, SV_ERR_CONFLICT, "this concern was handed in already");
    return -1;
  }
  if (rc != SQLITE_DONE) return ops_storage_error(st, j);
  uint64_t now = util_unix_time();
  s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_blob(s, 1, h->id, ENVELOPE_ID_LEN, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, j->who.member_id);
  sqlite3_bind_text(s, 3, h->area, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, h->purpose, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s, 5, j->req.a.envelope.ptr, (int)j->req.a.envelope.len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 6, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)now);
  if (ops_step_done(st, j, s) != 0) return -1;
  int64_t id = sqlite3_last_insert_rowid(store_db(st));
  snprintf(j->object, sizeof j->object, "concern:%lld", (long long)id);
  for (size_t i = 0; i < p->env.n; i++) {
    s = store_stmt(st, sql_rcpt);
    if (s == NULL) return ops_storage_error(st, j);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, p->env.member[i]);
    sqlite3_bind_text(s, 3, p->env.role[i], -1, SQLITE_STATIC);
    if (ops_step_done(st, j, s) != 0) return -1;
    if (sqlite3_changes(store_db(st)) != 1) {
      job_fail(j, SV_ERR_CONFLICT, "recipient %s was revoked or changed role meanwhile; hand "
                                   "the concern in again", p->env.keyid[i]);
      return -1;
    }
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 2);
  sv_pack_str(&pk, "receipt");
  sv_pack_bin(&pk, h->id, ENVELOPE_ID_LEN);
  sv_pack_str(&pk, "time");
  msgpack_pack_uint64(&pk, now);
  return 0;
}

int ops_receipt_status_exec(store *st, job *j) {
  static const char sql[] =
      "SELECT created, status FROM concerns WHERE receipt = ? AND submitter = ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_blob(s, 1, j->req.a.receipt.ptr, ENVELOPE_ID_LEN, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, j->who.member_id);
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return ops_storage_error(st, j);
    /* The same answer for someone else's receipt as for none at all. */
    job_fail(j, SV_ERR_NOT_FOUND, "no receipt %s handed in by you", j->object + 8);
    return -1;
  }
  uint64_t created = (uint64_t)sqlite3_column_int64(s, 0);
  bool handled = strcmp((const char *)sqlite3_column_text(s, 1), "closed") == 0;
  sqlite3_reset(s);
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 4);
  sv_pack_str(&pk, "receipt");
  sv_pack_bin(&pk, j->req.a.receipt.ptr, ENVELOPE_ID_LEN);
  sv_pack_str(&pk, "received");
  msgpack_pack_true(&pk);
  sv_pack_str(&pk, "time");
  msgpack_pack_uint64(&pk, created);
  sv_pack_str(&pk, "handled");
  if (handled)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
  return 0;
}

static int concern_row(void *ctx, msgpack_packer *pk, sqlite3_stmt *s) {
  ops_row_job *c = ctx;
  return pack_concern(c->st, c->j, pk, s, false);
}

int ops_concern_list_exec(store *st, job *j) {
  static const char sql[] = CONCERN_COLUMNS
      "WHERE ((:status IS NULL AND c.status != 'closed') OR c.status = :status)"
      " AND (:area IS NULL OR c.area = :area) ORDER BY c.id";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  if (HAS(j, STATUS))
    sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":status"), j->req.a.status.ptr,
                      (int)j->req.a.status.len, SQLITE_STATIC);
  if (HAS(j, AREA))
    sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":area"), j->req.a.area.ptr,
                      (int)j->req.a.area.len, SQLITE_STATIC);
  ops_row_job c = {st, j};
  msgpack_sbuffer items;
  msgpack_sbuffer_init(&items);
  uint32_t n;
  bool truncated;
  int rc = ops_pack_rows(st, j, s, concern_row, &c, &items, ops_list_limit(st), &n, &truncated);
  if (rc == 0) {
    snprintf(j->object, sizeof j->object, "concerns:%u", n);
    ops_result_list(j, "concerns", NULL, &items, n, truncated);
  }
  msgpack_sbuffer_destroy(&items);
  return rc;
}

int ops_concern_fetch_exec(store *st, job *j) {
  snprintf(j->object, sizeof j->object, "concern:%llu", (unsigned long long)j->req.a.concern);
  return result_concern(st, j, j->req.a.concern, true);
}

/* The status of concern id: "received", "assigned" or "closed" into out, or -1 with not_found
 * (or a storage error). */
static int concern_status(store *st, job *j, uint64_t id, char out[16]) {
  static const char sql[] = "SELECT status FROM concerns WHERE id = ?";
  snprintf(j->object, sizeof j->object, "concern:%llu", (unsigned long long)id);
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) snprintf(out, 16, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc != SQLITE_ROW) {
    job_fail(j, SV_ERR_NOT_FOUND, "no concern %llu", (unsigned long long)id);
    return -1;
  }
  return 0;
}

/* Set concern id's status (and assignee, when > 0). */
static int set_status(store *st, job *j, uint64_t id, const char *status, int64_t assignee) {
  static const char sql[] =
      "UPDATE concerns SET status = ?, assignee = coalesce(?, assignee), updated = ? WHERE id = ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
  if (assignee > 0) sqlite3_bind_int64(s, 2, assignee);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 4, (sqlite3_int64)id);
  return ops_step_done(st, j, s);
}

int ops_concern_assign_exec(store *st, job *j) {
  static const char sql_rcpt[] = "SELECT 1 FROM concern_recipients WHERE concern = ? AND member = ?";
  const concern_plan *p = j->op_data;
  uint64_t id = j->req.a.concern;
  char status[16];
  if (concern_status(st, j, id, status) != 0) return -1;
  if (strcmp(status, "closed") == 0) {
    job_fail(j, SV_ERR_CONFLICT, "concern %llu is closed", (unsigned long long)id);
    return -1;
  }
  sqlite3_stmt *s = store_stmt(st, sql_rcpt);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
  sqlite3_bind_int64(s, 2, p->assignee);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc != SQLITE_ROW) {
    job_fail(j, SV_ERR_INVALID, "%s cannot read concern %llu (not one of its recipients)",
             j->req.a.who.ptr, (unsigned long long)id);
    return -1;
  }
  if (set_status(st, j, id, "assigned", p->assignee) != 0) return -1;
  return result_concern(st, j, id, false);
}

int ops_concern_close_exec(store *st, job *j) {
  uint64_t id = j->req.a.concern;
  char status[16];
  if (concern_status(st, j, id, status) != 0) return -1;
  if (strcmp(status, "closed") == 0) {
    job_fail(j, SV_ERR_CONFLICT, "concern %llu is closed already", (unsigned long long)id);
    return -1;
  }
  if (set_status(st, j, id, "closed", 0) != 0) return -1;
  return result_concern(st, j, id, false);
}

/* The concern an answer is to, first in the answer's result. */
static void answer_lead(msgpack_packer *pk, const job *j) {
  sv_pack_str(pk, "concern");
  msgpack_pack_uint64(pk, j->req.a.concern);
}

int ops_concern_answer_exec(store *st, job *j) {
  static const char sql[] = "UPDATE concerns SET answers = answers + 1, updated = ? WHERE id = ?";
  uint64_t id = j->req.a.concern;
  char status[16];
  char note_object[sizeof j->object];
  memcpy(note_object, j->object, sizeof note_object);
  if (concern_status(st, j, id, status) != 0) return -1;
  memcpy(j->object, note_object, sizeof note_object); /* the audit object stays the note */
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 2, (sqlite3_int64)id);
  if (ops_step_done(st, j, s) != 0) return -1;
  /* The note itself, stored and delivered as note.send does. */
  return ops_note_send_exec_with(st, j, 1, answer_lead);
}

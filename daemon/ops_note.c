/* ops_note.c -- restricted notes: relay end-to-end encrypted envelopes (send, list, fetch, ack),
 * push deliveries to connected recipients after they are audited, expire undelivered notes. */
#include "ops_note.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "envelope.h"
#include "log.h"
#include "ops.h"
#include "ops_area.h"
#include "ops_guard.h"
#include "util.h"

#define NOTE_LIST_MAX 1000 /* most entries one note.list returns (oldest first) */

/* What note.send's prepare decided, carried to exec, to the deliveries (their lead) and back
 * to the loop thread (j->op_data). */
typedef struct note_plan {
  note_vetted v;       /* the header and the recipients (ops_note_vet) */
  char sender_keyid[CARD_KEYID_HEX];
  uint64_t expires;
} note_plan;

/* Loop-thread state of the expiry sweep: the earliest expiry of a stored note (Unix s),
 * UINT64_MAX when none is known. */
static uint64_t note_next_expiry = UINT64_MAX;

static void push_follow(rq_ctx *ctx, job *j, const note_plan *p);

/* The sweep job's state (j->op_data). */
typedef struct note_sweep {
  uint64_t now;
  uint64_t next;      /* earliest remaining expiry, UINT64_MAX when none */
  int64_t expired;    /* notes deleted because their time-to-live passed */
  int64_t orphaned;   /* notes deleted because no recipient was left (revocations) */
} note_sweep;

static void note_object(char *out, size_t n, const uint8_t id[ENVELOPE_ID_LEN]) {
  char hex[2 * ENVELOPE_ID_LEN + 1];
  util_hex(hex, id, ENVELOPE_ID_LEN);
  snprintf(out, n, "note:%s", hex);
}

/* ---- envelopes handed in: note.send, and the ops that take one (ops_note.h) ------------- */

int ops_note_parse(const rq_ctx *ctx, job *j, const sv_bin *env, const char *klass,
                   note_vetted *v) {
  memset(v, 0, sizeof *v);
  if (envelope_parse(env->ptr, env->len, &v->h) != ENVELOPE_OK) {
    job_fail(j, SV_ERR_BAD_REQUEST, "the envelope is malformed (see PROTOCOL.md, note envelopes)");
    return -1;
  }
  if (klass != NULL && strcmp(v->h.klass, klass) != 0) {
    job_fail(j, SV_ERR_BAD_REQUEST, "the envelope must be of class %s, not %s", klass,
             v->h.klass);
    return -1;
  }
  /* the class first: a refused purpose's entry then still says what class was sent */
  if (request_class(ctx, j, v->h.klass) != 0) return -1;
  if (request_purpose(ctx, j, v->h.purpose) != 0) return -1;
  /* The header's area is the request's area, kept in clear beside the ciphertext: an area's
   * name, never free text (storage checks that the area exists). */
  sv_str area = {v->h.area, strlen(v->h.area)};
  if (area.len > 0 && ops_guard_label(j, "the envelope's area", &area) != 0) return -1;
  return 0;
}

int ops_note_check(rq_ctx *ctx, job *j, const sv_bin *env, const char *action,
                   enum policy_level level, note_vetted *v) {
  envelope_header *h = &v->h;
  char sender[CARD_KEYID_HEX];
  util_hex(sender, h->sender, ENVELOPE_KEYID_LEN);
  if (strcmp(sender, j->who.keyid) != 0) {
    job_deny(j, SV_ERR_DENIED, "envelope sender is not the caller",
             "the envelope's sender %s is not you (%s)", sender, j->who.keyid);
    return -1;
  }
  if (env->len > ctx->cfg->note_max) {
    job_fail(j, SV_ERR_TOO_LARGE, "the envelope is %zu bytes; this daemon accepts at most %llu",
             env->len, (unsigned long long)ctx->cfg->note_max);
    return -1;
  }
  const dir_member *me = directory_by_id(ctx->dir, j->who.member_id);
  if (me == NULL || envelope_verify(env->ptr, env->len, me->sign_pk) != ENVELOPE_OK) {
    job_fail(j, SV_ERR_BAD_SIGNATURE, "the envelope's signature does not verify against your card");
    log_info("%s from %s refused: bad signature", j->op, j->who.name);
    return -1;
  }
  for (size_t i = 0; i < h->nrecipients; i++) {
    char *kid = v->keyid[i];
    util_hex(kid, h->recipients[i], ENVELOPE_KEYID_LEN);
    const dir_member *m = directory_by_keyid(ctx->dir, kid);
    if (m == NULL) {
      job_fail(j, SV_ERR_UNKNOWN_RECIPIENT, "recipient %s is not a member", kid);
      return -1;
    }
    if (m->revoked) {
      job_fail(j, SV_ERR_REVOKED_RECIPIENT, "recipient %s (%s) has been revoked", kid, m->name);
      return -1;
    }
    v->member[i] = m->id;
    snprintf(v->role[i], sizeof v->role[i], "%s", m->role);
    rq_question q = {.role = m->role, .action = action, .klass = h->klass, .level = level,
                     .area = h->area[0] ? h->area : NULL, .purpose = h->purpose,
                     .recipient = true};
    decision d;
    request_authorize(ctx, &q, &d);
    if (!d.permit) {
      job_deny(j, SV_ERR_DENIED, d.rule, "recipient %s (role %s) may not %s %s notes", kid,
               m->role, action, h->klass);
      log_info("%s from %s refused: recipient %s (role %s) may not %s %s (%s)", j->op,
               j->who.name, m->name, m->role, action, h->klass, j->dec.rule);
      return -1;
    }
  }
  v->n = h->nrecipients;
  return 0;
}

int ops_note_vet(rq_ctx *ctx, job *j, const sv_bin *env, const char *klass, const char *action,
                 enum policy_level level, note_vetted *v) {
  if (ops_note_parse(ctx, j, env, klass, v) != 0) return -1;
  return ops_note_check(ctx, j, env, action, level, v);
}

/* ---- note.send ---------------------------------------------------------------------------- */

/* A stored note's expiry may be the next one (loop thread, job_done_fn). */
static void send_done(job *j) {
  const note_plan *p = j->op_data;
  if (p == NULL || !j->audited || j->err != SV_OK) return;
  if (p->expires < note_next_expiry) note_next_expiry = p->expires;
}

/* Guards of note.send (loop thread): envelope shape, sender, size, signature, and that the
 * policy lets every recipient's role receive the header's class with its purpose. The sender's
 * own `send` decision is made by the request module with the class, level and purpose set
 * here. */
int ops_note_send_prepare(rq_ctx *ctx, job *j, int *level) {
  const sv_bin *e = &j->req.a.envelope;
  note_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return -1;
  j->done = send_done;
  if (ops_note_parse(ctx, j, e, NULL, &p->v) != 0) return -1;
  envelope_header *h = &p->v.h;
  note_object(j->object, sizeof j->object, h->id);
  int lv = policy_level_parse(h->klass);
  *level = lv > 0 ? lv : POLICY_LEVEL_NONE;
  if (h->area[0] && sv_request_set_str(&j->req, SV_F_AREA, h->area) != 0) {
    job_fail(j, SV_ERR_INTERNAL, "out of memory");
    return -1;
  }
  if (ops_note_check(ctx, j, e, "receive", (enum policy_level)*level, &p->v) != 0) return -1;
  util_hex(p->sender_keyid, h->sender, ENVELOPE_KEYID_LEN);
  p->expires = util_unix_time() + ctx->cfg->note_ttl;
  push_follow(ctx, j, p);
  return 0;
}

static const char sql_note_insert[] =
    "INSERT INTO notes(id, sender, sender_keyid, class, area, purpose, envelope, size, created,"
    " expires, send_seq) VALUES(?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_rcpt_insert[] =
    "INSERT INTO note_recipients(note, member, role)"
    " SELECT ?, id, role FROM members WHERE id = ? AND revoked = 0 AND role = ?";
static const char sql_member_revoked[] = "SELECT revoked FROM members WHERE id = ?";
/* Kept by the schema's triggers (store.c): two rows, not a sum over every waiting note. */
static const char sql_waiting_total[] = "SELECT bytes FROM notes_held";
static const char sql_waiting_for[] =
    "SELECT COALESCE((SELECT bytes FROM note_waiting WHERE member = ?), 0)";

/* The storage quotas: bytes of notes waiting in all, and for each recipient, may not pass
 * note_quota_total and note_quota_recipient with this note, whose row is stored and counted
 * in notes_held already, and whose deliveries are not yet. Returns 0, or -1 with j's error
 * (too_large, or a storage error). */
static int check_quotas(store *st, job *j, const note_vetted *p, uint64_t len) {
  const config *cfg = store_config(st);
  sqlite3_stmt *s = store_stmt(st, sql_waiting_total);
  if (s == NULL || sqlite3_step(s) != SQLITE_ROW) goto internal;
  uint64_t total = (uint64_t)sqlite3_column_int64(s, 0) - len; /* without this note */
  sqlite3_reset(s);
  if (total + len > cfg->note_quota_total) {
    job_fail(j, SV_ERR_TOO_LARGE,
             "the daemon holds %llu bytes of notes waiting for delivery and may hold %llu: "
             "this note waits until recipients have read theirs",
             (unsigned long long)total, (unsigned long long)cfg->note_quota_total);
    return -1;
  }
  for (size_t i = 0; i < p->n; i++) {
    s = store_stmt(st, sql_waiting_for);
    if (s == NULL) goto internal;
    sqlite3_bind_int64(s, 1, p->member[i]);
    if (sqlite3_step(s) != SQLITE_ROW) goto internal;
    uint64_t mine = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (mine + len > cfg->note_quota_recipient) {
      job_fail(j, SV_ERR_TOO_LARGE,
               "recipient %s has %llu bytes of notes waiting and may have %llu: this note waits "
               "until they have read theirs",
               p->keyid[i], (unsigned long long)mine, (unsigned long long)cfg->note_quota_recipient);
      return -1;
    }
  }
  return 0;
internal:
  if (s) sqlite3_reset(s);
  job_fail(j, SV_ERR_INTERNAL, "storage error: %s", sqlite3_errmsg(store_db(st)));
  return -1;
}

/* Store the ciphertext and one pending delivery per recipient (storage thread). The recipients'
 * state is checked again: a revocation or role change committed since prepare refuses. The
 * result is {lead..., "note", "recipients", "expires"}: nlead pairs packed by lead first (the
 * answer to a concern names the concern). */
static int send_store(store *st, job *j, uint32_t nlead, void (*lead)(msgpack_packer *, const job *)) {
  note_plan *p = j->op_data;
  const sv_bin *e = &j->req.a.envelope;
  sqlite3 *db = store_db(st);
  if (p->v.h.area[0] && ops_area_known(st, j, "the envelope's area", p->v.h.area) != 0)
    return -1;
  sqlite3_stmt *s = store_stmt(st, sql_note_insert);
  if (s == NULL) goto internal;
  sqlite3_bind_blob(s, 1, p->v.h.id, ENVELOPE_ID_LEN, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, j->who.member_id);
  sqlite3_bind_text(s, 3, p->sender_keyid, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, p->v.h.klass, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 5, p->v.h.area, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 6, p->v.h.purpose, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s, 7, e->ptr, (int)e->len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 8, (sqlite3_int64)e->len);
  sqlite3_bind_int64(s, 9, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 10, (sqlite3_int64)p->expires);
  sqlite3_bind_int64(s, 11, (sqlite3_int64)auditlog_size(store_auditlog(st)));
  int rc = sqlite3_step(s);
  int xrc = sqlite3_extended_errcode(db);
  sqlite3_reset(s);
  if (rc == SQLITE_CONSTRAINT && xrc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    job_fail(j, SV_ERR_CONFLICT, "a note with this id was already sent");
    return -1;
  }
  if (rc != SQLITE_DONE) goto internal;
  /* Counted now with this note (the savepoint takes it back if a quota refuses it). */
  if (check_quotas(st, j, &p->v, e->len) != 0) return -1;
  for (size_t i = 0; i < p->v.n; i++) {
    s = store_stmt(st, sql_rcpt_insert);
    if (s == NULL) goto internal;
    sqlite3_bind_blob(s, 1, p->v.h.id, ENVELOPE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, p->v.member[i]);
    sqlite3_bind_text(s, 3, p->v.role[i], -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) goto internal;
    if (sqlite3_changes(db) == 1) continue;
    s = store_stmt(st, sql_member_revoked);
    if (s == NULL) goto internal;
    sqlite3_bind_int64(s, 1, p->v.member[i]);
    bool revoked = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
    sqlite3_reset(s);
    char kid[CARD_KEYID_HEX];
    util_hex(kid, p->v.h.recipients[i], ENVELOPE_KEYID_LEN);
    if (revoked)
      job_fail(j, SV_ERR_REVOKED_RECIPIENT, "recipient %s has been revoked", kid);
    else
      job_fail(j, SV_ERR_CONFLICT, "recipient %s changed role meanwhile; send again", kid);
    return -1;
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 3 + nlead);
  if (lead) lead(&pk, j);
  sv_pack_str(&pk, "note");
  sv_pack_bin(&pk, p->v.h.id, ENVELOPE_ID_LEN);
  sv_pack_str(&pk, "recipients");
  msgpack_pack_uint64(&pk, p->v.n);
  sv_pack_str(&pk, "expires");
  msgpack_pack_uint64(&pk, p->expires);
  return 0;
internal:
  return ops_storage_error(st, j);
}

int ops_note_send_exec(store *st, job *j) { return send_store(st, j, 0, NULL); }

int ops_note_send_exec_with(store *st, job *j, uint32_t nlead,
                            void (*lead)(msgpack_packer *, const job *)) {
  return send_store(st, j, nlead, lead);
}

/* ---- deliveries ---------------------------------------------------------------------------- */

/* A delivery's audit rule names the send's entry, known once storage has appended it. */
static int deliver_exec(store *st, job *d) {
  (void)st;
  snprintf(d->dec.rule, sizeof d->dec.rule, "recipient of note sent at #%llu",
           (unsigned long long)d->lead_seq);
  return 0;
}

/* The frame pushed to a recipient once its delivery is audited (job_push_fn). The envelope
 * is the note.send's, which is freed only after its deliveries are finished. */
static void push_pack(msgpack_packer *pk, const job *d) {
  const job *send = d->lead;
  const note_plan *p = send->op_data;
  msgpack_pack_map(pk, 6);
  sv_pack_str(pk, "event");
  sv_pack_str(pk, "note");
  sv_pack_str(pk, "note");
  sv_pack_bin(pk, p->v.h.id, ENVELOPE_ID_LEN);
  sv_pack_str(pk, "from");
  sv_pack_str(pk, p->sender_keyid);
  sv_pack_str(pk, "class");
  sv_pack_str(pk, p->v.h.klass);
  sv_pack_str(pk, "audit");
  msgpack_pack_uint64(pk, d->audit_seq);
  sv_pack_str(pk, "envelope");
  sv_pack_bin(pk, send->req.a.envelope.ptr, send->req.a.envelope.len);
}

/* Push the note to every connected recipient: each delivery is audited in the send's own
 * transaction right after it (only if the send succeeds), and then pushed. A recipient that
 * connects later finds the note with note.list (its request is queued after the send). */
static void push_follow(rq_ctx *ctx, job *j, const note_plan *p) {
  for (size_t i = 0; i < p->v.n; i++)
    request_push(ctx, j, p->v.member[i], "note.deliver", deliver_exec, push_pack);
  /* A delivery changes nothing (its entry is the record): no savepoint, and no answer. */
  for (job *d = j->follow; d != NULL; d = d->next)
    if (d->exec == deliver_exec) d->one_write = true;
}

/* ---- note.list / note.fetch / note.ack ------------------------------------------------------ */

int ops_note_id_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  if (j->req.a.note.len != ENVELOPE_ID_LEN) {
    job_fail(j, SV_ERR_BAD_REQUEST, "note must be a 16-byte note id");
    return -1;
  }
  note_object(j->object, sizeof j->object, j->req.a.note.ptr);
  return 0;
}

static const char sql_note_list[] =
    "SELECT n.id, n.sender_keyid, n.class, n.area, n.purpose, n.size, n.created, n.expires"
    " FROM note_recipients r JOIN notes n ON n.id = r.note"
    " WHERE r.member = ? AND r.acked = 0 AND r.role = ? ORDER BY n.created, n.id LIMIT ?";

/* What is waiting for the caller: oldest first, at most NOTE_LIST_MAX entries, and only
 * deliveries decided for the caller's current role (the daemon asked whether that role may
 * receive them; for another role nobody did). */
int ops_note_list_exec(store *st, job *j) {
  sqlite3_stmt *s = store_stmt(st, sql_note_list);
  if (s == NULL) goto internal;
  sqlite3_bind_int64(s, 1, j->who.member_id);
  sqlite3_bind_text(s, 2, j->who.role, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 3, NOTE_LIST_MAX);
  msgpack_sbuffer items;
  msgpack_sbuffer_init(&items);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &items, msgpack_sbuffer_write);
  uint32_t n = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    msgpack_pack_map(&pk, 8);
    sv_pack_str(&pk, "note");
    sv_pack_bin(&pk, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
    sv_pack_str(&pk, "from");
    ops_pack_col_str(&pk, s, 1);
    sv_pack_str(&pk, "class");
    ops_pack_col_str(&pk, s, 2);
    sv_pack_str(&pk, "area");
    ops_pack_col_str(&pk, s, 3);
    sv_pack_str(&pk, "purpose");
    ops_pack_col_str(&pk, s, 4);
    sv_pack_str(&pk, "size");
    msgpack_pack_uint64(&pk, (uint64_t)sqlite3_column_int64(s, 5));
    sv_pack_str(&pk, "created");
    msgpack_pack_uint64(&pk, (uint64_t)sqlite3_column_int64(s, 6));
    sv_pack_str(&pk, "expires");
    msgpack_pack_uint64(&pk, (uint64_t)sqlite3_column_int64(s, 7));
    n++;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    msgpack_sbuffer_destroy(&items);
    goto internal;
  }
  msgpack_packer out;
  ops_result_packer(j, &out);
  msgpack_pack_array(&out, n);
  msgpack_sbuffer_write(&j->result, items.data, items.size);
  msgpack_sbuffer_destroy(&items);
  snprintf(j->object, sizeof j->object, "notes:%u", n);
  return 0;
internal:
  return ops_storage_error(st, j);
}

#define NOTE_MINE(envelope)                                                                 \
  "SELECT " envelope ", n.class, n.purpose, r.role, n.send_seq, n.sender_keyid, n.created"  \
  " FROM note_recipients r JOIN notes n ON n.id = r.note JOIN members m ON m.id = r.member"  \
  " WHERE r.note = ? AND r.member = ? AND r.acked = 0 AND m.revoked = 0"
static const char sql_note_mine[] = NOTE_MINE("n.envelope");
static const char sql_note_mine_ack[] = NOTE_MINE("NULL"); /* an ack needs no ciphertext */

/* Find the caller's pending delivery of j's note. Returns the statement positioned on the row
 * (caller resets it), or NULL with j->err set. The audit entry gets the note's class and
 * purpose; `receive` was decided for the caller's role when the note was sent, so a caller
 * whose role has changed since is refused. */
static sqlite3_stmt *mine(store *st, job *j, const char *sql) {
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) {
    ops_storage_error(st, j);
    return NULL;
  }
  sqlite3_bind_blob(s, 1, j->req.a.note.ptr, ENVELOPE_ID_LEN, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, j->who.member_id);
  if (sqlite3_step(s) != SQLITE_ROW) {
    sqlite3_reset(s);
    job_fail(j, SV_ERR_NOT_FOUND, "no note with this id is waiting for you");
    return NULL;
  }
  const unsigned char *klass = sqlite3_column_text(s, 1), *purpose = sqlite3_column_text(s, 2),
                      *role = sqlite3_column_text(s, 3);
  snprintf(j->klass, sizeof j->klass, "%s", klass ? (const char *)klass : "");
  snprintf(j->purpose, sizeof j->purpose, "%s", purpose ? (const char *)purpose : "");
  snprintf(j->dec.rule, sizeof j->dec.rule, "recipient of note sent at #%lld",
           (long long)sqlite3_column_int64(s, 4));
  if (role == NULL || strcmp((const char *)role, j->who.role) != 0) {
    job_deny(j, SV_ERR_DENIED, "recipient role changed since the note was sent",
             "your role changed since this note was sent to you; ask the sender to send it again");
    sqlite3_reset(s);
    return NULL;
  }
  return s;
}

int ops_note_fetch_exec(store *st, job *j) {
  sqlite3_stmt *s = mine(st, j, sql_note_mine);
  if (s == NULL) return 0; /* refused: nothing changed, the entry records the refusal */
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 4);
  sv_pack_str(&pk, "note");
  sv_pack_bin(&pk, j->req.a.note.ptr, ENVELOPE_ID_LEN);
  sv_pack_str(&pk, "from");
  ops_pack_col_str(&pk, s, 5);
  sv_pack_str(&pk, "created");
  msgpack_pack_uint64(&pk, (uint64_t)sqlite3_column_int64(s, 6));
  sv_pack_str(&pk, "envelope");
  sv_pack_bin(&pk, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
  sqlite3_reset(s);
  return 0;
}

static const char sql_note_ack[] =
    "UPDATE note_recipients SET acked = 1 WHERE note = ? AND member = ? AND acked = 0";
static const char sql_note_pending[] =
    "SELECT count(*) FROM note_recipients WHERE note = ? AND acked = 0";
static const char sql_note_del[] = "DELETE FROM notes WHERE id = ?";
static const char sql_note_del_rcpt[] = "DELETE FROM note_recipients WHERE note = ?";

/* Acknowledge: the caller's delivery is done; the ciphertext is deleted with the last one. The
 * last one deletes at once, without marking its delivery done first: its delivery, still
 * pending, goes first, so the schema's triggers take its bytes off the recipient's count
 * while the note is there to say how many. */
int ops_note_ack_exec(store *st, job *j) {
  sqlite3_stmt *s = mine(st, j, sql_note_mine_ack);
  if (s == NULL) return 0;
  sqlite3_reset(s);
  const uint8_t *id = j->req.a.note.ptr;
  s = store_stmt(st, sql_note_pending);
  if (s == NULL) goto internal;
  sqlite3_bind_blob(s, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  int64_t pending = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_reset(s);
  if (pending < 1) goto internal; /* mine() found the caller's delivery pending */
  bool deleted = pending == 1;    /* the caller's is the last */
  if (deleted) {
    static const char *const dels[] = {sql_note_del_rcpt, sql_note_del};
    for (int k = 0; k < 2; k++) {
      s = store_stmt(st, dels[k]);
      if (s == NULL) goto internal;
      sqlite3_bind_blob(s, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
      rc = sqlite3_step(s);
      sqlite3_reset(s);
      if (rc != SQLITE_DONE) goto internal;
    }
  } else {
    s = store_stmt(st, sql_note_ack);
    if (s == NULL) goto internal;
    sqlite3_bind_blob(s, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, j->who.member_id);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) goto internal;
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 2);
  sv_pack_str(&pk, "note");
  sv_pack_bin(&pk, id, ENVELOPE_ID_LEN);
  sv_pack_str(&pk, "deleted");
  if (deleted)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
  return 0;
internal:
  return ops_storage_error(st, j);
}

/* ---- expiry --------------------------------------------------------------------------------- */

static const char sql_min_expiry[] = "SELECT MIN(expires) FROM notes";
static const char sql_expire_rcpt[] =
    "DELETE FROM note_recipients WHERE note IN (SELECT id FROM notes WHERE expires <= ?)";
static const char sql_expire[] = "DELETE FROM notes WHERE expires <= ?";
static const char sql_orphans[] =
    "DELETE FROM notes WHERE NOT EXISTS"
    " (SELECT 1 FROM note_recipients r WHERE r.note = notes.id AND r.acked = 0)";
static const char sql_orphan_rcpt[] =
    "DELETE FROM note_recipients WHERE note NOT IN (SELECT id FROM notes)";

/* Run sql with its one parameter bound to bind (none when bind < 0) to completion; *changes
 * (when not NULL) gets the rows it changed. Returns 0 or -1 (storage error set on j). */
static int sweep_step(store *st, job *j, const char *sql, int64_t bind, int64_t *changes) {
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  if (bind >= 0) sqlite3_bind_int64(s, 1, bind);
  if (ops_step_done(st, j, s) != 0) return -1;
  if (changes) *changes = sqlite3_changes(store_db(st));
  return 0;
}

static int sweep_exec(store *st, job *j) {
  note_sweep *w = j->op_data;
  if (sweep_step(st, j, sql_expire_rcpt, (int64_t)w->now, NULL) != 0 ||
      sweep_step(st, j, sql_expire, (int64_t)w->now, &w->expired) != 0 ||
      sweep_step(st, j, sql_orphans, -1, &w->orphaned) != 0 ||
      sweep_step(st, j, sql_orphan_rcpt, -1, NULL) != 0)
    return -1;
  sqlite3_stmt *s = store_stmt(st, sql_min_expiry);
  if (s == NULL) return ops_storage_error(st, j);
  w->next = UINT64_MAX;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    w->next = (uint64_t)sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  snprintf(j->object, sizeof j->object, "expired:%lld orphaned:%lld", (long long)w->expired,
           (long long)w->orphaned);
  return 0;
}

/* The sweep came back (loop thread, job_done_fn): the next expiry, or a retry at the next
 * tick when it failed. */
static void sweep_done(job *j) {
  const note_sweep *w = j->op_data;
  if (!j->audited || j->err != SV_OK) {
    if (w->now < note_next_expiry) note_next_expiry = w->now;
    return;
  }
  if (w->next < note_next_expiry) note_next_expiry = w->next;
  if (w->expired || w->orphaned)
    log_info("notes: deleted %lld expired and %lld without recipients (audit #%llu)",
             (long long)w->expired, (long long)w->orphaned, (unsigned long long)j->audit_seq);
}

int ops_note_init(store *st, char *err, size_t errlen) {
  note_next_expiry = UINT64_MAX;
  sqlite3_stmt *s = NULL;
  sqlite3 *db = store_db(st);
  if (sqlite3_prepare_v2(db, sql_min_expiry, -1, &s, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
  }
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    note_next_expiry = (uint64_t)sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return 0;
}

void ops_note_sweep(rq_ctx *ctx) {
  uint64_t now = util_unix_time();
  if (now < note_next_expiry) return;
  char rule[AUDIT_NAME_MAX + 1];
  snprintf(rule, sizeof rule, "note time-to-live (note_ttl %llu s)",
           (unsigned long long)ctx->cfg->note_ttl);
  job *j = ops_internal_job("note.expire", "", rule, sweep_exec, sweep_done, sizeof(note_sweep));
  if (j == NULL) return;
  ((note_sweep *)j->op_data)->now = now;
  /* Until this job reports the next expiry, there is nothing more to sweep. */
  note_next_expiry = UINT64_MAX;
  request_submit_internal(ctx, j);
}

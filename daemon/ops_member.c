/* ops_member.c -- the member directory: registration, enrolment, roles, revocation. */
#include "ops_member.h"

#include <assert.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auditlog.h"
#include "checkpoint.h"
#include "directory.h"
#include "ops.h"
#include "ops_guard.h"
#include "util.h"

/* Name the invite with code hash hash as the audit object: "invite:" and its first 8 bytes in
 * hex. */
static void invite_object(job *j, const uint8_t hash[32]) {
  snprintf(j->object, sizeof j->object, "invite:");
  util_hex(j->object + 7, hash, 8);
}

static const char sql_insert_member[] =
    "INSERT INTO members(name, role, card, card_hash, keyid, noise_pk, enc_pk, fingerprint,"
    " enrolled, reg_seq) VALUES(?,?,?,?,?,?,?,?,?,?)";
static const char sql_member_taken[] =
    "SELECT revoked FROM members WHERE (name = ? AND revoked = 0) OR keyid = ? OR noise_pk = ?"
    " ORDER BY revoked DESC LIMIT 1";

int ops_member_insert(store *st, job *j, const sv_card *card, const char *role) {
  uint8_t *enc = NULL;
  size_t enclen = 0;
  uint8_t hash[32];
  char keyid[CARD_KEYID_HEX], fp[CARD_FINGERPRINT_LEN], hashhex[65];
  if (card_encode(card, &enc, &enclen) != KEYS_OK || card_hash(card, hash) != KEYS_OK) {
    free(enc);
    job_fail(j, SV_ERR_INTERNAL, "cannot encode the member card");
    return -1;
  }
  card_keyid(card, keyid);
  card_fingerprint(card, fp);
  util_hex(hashhex, hash, 32);
  sqlite3_stmt *s = store_stmt(st, sql_member_taken);
  if (s == NULL) goto internal;
  sqlite3_bind_text(s, 1, card->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, keyid, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s, 3, card->noise_pk, 32, SQLITE_STATIC);
  int taken = sqlite3_step(s) == SQLITE_ROW;
  int64_t revoked = taken ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  if (taken) {
    free(enc);
    if (revoked)
      job_fail(j, SV_ERR_CONFLICT,
               "these keys belonged to a revoked member and cannot be enrolled again; make a new "
               "identity");
    else
      job_fail(j, SV_ERR_CONFLICT, "a member named '%s' or with the same keys already exists",
               card->name);
    return -1;
  }
  uint64_t seq = auditlog_size(store_auditlog(st)); /* this job's entry comes next */
  s = store_stmt(st, sql_insert_member);
  if (s == NULL) goto internal;
  sqlite3_bind_text(s, 1, card->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, role, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s, 3, enc, (int)enclen, SQLITE_STATIC);
  sqlite3_bind_blob(s, 4, hash, 32, SQLITE_STATIC);
  sqlite3_bind_text(s, 5, keyid, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s, 6, card->noise_pk, 32, SQLITE_STATIC);
  sqlite3_bind_blob(s, 7, card->enc_pk, 32, SQLITE_STATIC);
  sqlite3_bind_text(s, 8, fp, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 9, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 10, (sqlite3_int64)seq);
  int done = ops_step_done(st, j, s);
  free(enc);
  enc = NULL;
  if (done != 0) return -1;
  dir_member *m = calloc(1, sizeof *m);
  if (m == NULL) goto internal;
  m->id = sqlite3_last_insert_rowid(store_db(st));
  snprintf(m->name, sizeof m->name, "%s", card->name);
  snprintf(m->role, sizeof m->role, "%s", role);
  memcpy(m->keyid, keyid, sizeof keyid);
  memcpy(m->fingerprint, fp, sizeof fp);
  memcpy(m->noise_pk, card->noise_pk, 32);
  memcpy(m->enc_pk, card->enc_pk, 32);
  memcpy(m->sign_pk, card->sign_pk, 32);
  free(j->member);
  j->member = m;
  j->effect = EFFECT_MEMBER_ADDED;
  snprintf(j->object, sizeof j->object, "card:%s", hashhex);
  return 0;
internal:
  free(enc);
  return ops_storage_error(st, j);
}

#define KEYID_HEX_DIGITS (CARD_KEYID_HEX - 1) /* 16 */
#define FINGERPRINT_HEX_DIGITS 40              /* 20 bytes (card_fingerprint) */

/* True when name (len bytes) reads as a key id or a fingerprint: once ASCII spaces are dropped,
 * 16 or 40 hex digits in any letter case. member_find takes a `who` in exactly that form, and a
 * name match wins there, so such a name could stand in for another member's key. */
static bool name_like_key(const char *name, size_t len) {
  size_t digits = 0;
  for (size_t i = 0; i < len; i++) {
    if (name[i] == ' ') continue;
    if (!isxdigit((unsigned char)name[i])) return false;
    digits++;
  }
  return digits == KEYID_HEX_DIGITS || digits == FINGERPRINT_HEX_DIGITS;
}

#define NAME_LIKE_KEY_MSG                                                                     \
  "a member name may not look like a key id or fingerprint (16 or 40 hex digits, spaces and " \
  "letter case aside): members are looked up by either"

static int register_exec(store *st, job *j) {
  sv_card card;
  if (card_decode(j->req.a.card.ptr, j->req.a.card.len, &card) != KEYS_OK) {
    job_fail(j, SV_ERR_INVALID, "the member card does not verify");
    return -1;
  }
  if (name_like_key(card.name, strlen(card.name))) {
    job_fail(j, SV_ERR_INVALID, NAME_LIKE_KEY_MSG);
    return -1;
  }
  return ops_member_insert(st, j, &card, j->req.a.role.ptr);
}

job *ops_member_register_job(const sv_card *card, const char *role, const char *rule) {
  uint8_t *enc = NULL;
  size_t enclen = 0;
  if (card_encode(card, &enc, &enclen) != KEYS_OK) return NULL;
  job *j = job_internal(NULL, "member.register", "directory", "", rule);
  if (j == NULL) {
    free(enc);
    return NULL;
  }
  sv_request_init(&j->req, 0, SV_OP_ENROLL);
  int rc = sv_request_set_bin(&j->req, SV_F_CARD, enc, enclen) |
           sv_request_set_str(&j->req, SV_F_ROLE, role);
  free(enc);
  if (rc != 0) {
    job_free(j);
    return NULL;
  }
  j->exec = register_exec;
  return j;
}

/* ---- Looking members up ---- */

/* One members row: the directory entry plus what list/show/proof report. */
typedef struct member_row {
  dir_member d;
  uint8_t *card; /* malloc'd canonical card */
  size_t cardlen;
  uint8_t card_hash[32];
  bool has_reg_seq;
  uint64_t reg_seq;
  uint64_t enrolled;
  uint64_t revoked_at; /* Unix seconds, 0 when active */
} member_row;

#define MEMBER_COLUMNS DIRECTORY_COLUMNS ", card, card_hash, reg_seq, enrolled"

static const char sql_member_all[] = "SELECT " MEMBER_COLUMNS " FROM members ORDER BY id";
/* who may be a name, a key id or a fingerprint (with or without spaces). A name match wins
 * over the others, an active member over revoked ones, a newer row over older ones. */
static const char sql_member_find[] =
    "SELECT " MEMBER_COLUMNS " FROM members WHERE name = ?1 OR keyid = ?2"
    " OR replace(fingerprint, ' ', '') = ?2"
    " ORDER BY (name = ?1) DESC, (revoked != 0), id DESC LIMIT 1";
static const char sql_member_by_id[] = "SELECT " MEMBER_COLUMNS " FROM members WHERE id = ?";

static void member_row_free(member_row *r) {
  free(r->card);
  r->card = NULL;
}

/* Fill r from the current row of s (selected with MEMBER_COLUMNS). 0, or -1 out of memory. */
static int member_row_read(sqlite3_stmt *s, member_row *r) {
  memset(r, 0, sizeof *r);
  directory_row(s, &r->d);
  r->revoked_at = (uint64_t)sqlite3_column_int64(s, 7);
  r->cardlen = (size_t)sqlite3_column_bytes(s, 8);
  r->card = malloc(r->cardlen ? r->cardlen : 1);
  if (r->card == NULL) return -1;
  if (r->cardlen) memcpy(r->card, sqlite3_column_blob(s, 8), r->cardlen);
  if (sqlite3_column_bytes(s, 9) == 32) memcpy(r->card_hash, sqlite3_column_blob(s, 9), 32);
  r->has_reg_seq = sqlite3_column_type(s, 10) != SQLITE_NULL;
  r->reg_seq = (uint64_t)sqlite3_column_int64(s, 10);
  r->enrolled = (uint64_t)sqlite3_column_int64(s, 11);
  return 0;
}

/* Find the member who names (see sql_member_find). Returns 1 found, 0 not found (j->err set
 * to not_found), -1 storage error (j->err set). */
static int member_find(store *st, job *j, const char *who, member_row *r) {
  char norm[CARD_FINGERPRINT_LEN + CARD_NAME_MAX];
  ops_guard_key_form(who, norm, sizeof norm);
  sqlite3_stmt *s = store_stmt(st, sql_member_find);
  if (s == NULL) goto internal;
  sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, norm, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    int ok = member_row_read(s, r);
    sqlite3_reset(s);
    if (ok != 0) {
      job_fail(j, SV_ERR_INTERNAL, "out of memory");
      return -1;
    }
    snprintf(j->object, sizeof j->object, "card:");
    util_hex(j->object + 5, r->card_hash, 32);
    return 1;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) goto internal;
  job_fail(j, SV_ERR_NOT_FOUND, "no member is named '%s' or has that key id or fingerprint", who);
  return 0;
internal:
  return ops_storage_error(st, j);
}

/* Re-read member id into a fresh dir_member for the loop thread (j->member). */
static int member_effect(store *st, job *j, int64_t id, enum job_effect effect) {
  sqlite3_stmt *s = store_stmt(st, sql_member_by_id);
  if (s == NULL) goto internal;
  sqlite3_bind_int64(s, 1, id);
  if (sqlite3_step(s) != SQLITE_ROW) {
    sqlite3_reset(s);
    goto internal;
  }
  dir_member *m = malloc(sizeof *m);
  if (m == NULL) {
    sqlite3_reset(s);
    goto internal;
  }
  directory_row(s, m);
  sqlite3_reset(s);
  free(j->member);
  j->member = m;
  j->effect = effect;
  return 0;
internal:
  return ops_storage_error(st, j);
}

/* Pack the full member map of list/show. */
static void pack_member_row(msgpack_packer *pk, const member_row *r) {
  msgpack_pack_map(pk, 9);
  sv_pack_str(pk, "name");
  sv_pack_str(pk, r->d.name);
  sv_pack_str(pk, "role");
  sv_pack_str(pk, r->d.role);
  sv_pack_str(pk, "keyid");
  sv_pack_str(pk, r->d.keyid);
  sv_pack_str(pk, "fingerprint");
  sv_pack_str(pk, r->d.fingerprint);
  sv_pack_str(pk, "revoked");
  if (r->revoked_at)
    msgpack_pack_true(pk);
  else
    msgpack_pack_false(pk);
  sv_pack_str(pk, "revoked_at");
  msgpack_pack_uint64(pk, r->revoked_at);
  sv_pack_str(pk, "enrolled");
  msgpack_pack_uint64(pk, r->enrolled);
  sv_pack_str(pk, "reg_seq");
  if (r->has_reg_seq)
    msgpack_pack_uint64(pk, r->reg_seq);
  else
    msgpack_pack_nil(pk);
  sv_pack_str(pk, "card");
  sv_pack_bin(pk, r->card, r->cardlen);
}

/* The role argument must be one of the policy's roles (loop thread). */
static int check_role(const rq_ctx *ctx, job *j) {
  const char *role = j->req.a.role.ptr;
  if (policy_role(ctx->pol, role) >= 0) return 0;
  char list[256] = "";
  size_t off = 0;
  for (int i = 0; i < policy_role_count(ctx->pol) && off < sizeof list; i++) {
    int n = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                     policy_role_name(ctx->pol, i));
    if (n < 0) break;
    off += (size_t)n;
  }
  job_fail(j, SV_ERR_INVALID, "'%s' is not a role of the policy (roles: %s)", role, list);
  return -1;
}

/* ---- member.invite ---- */

#define INVITE_TTL_MAX (UINT64_C(365) * 86400)

int ops_member_invite_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  if (check_role(ctx, j) != 0) return -1;
  if (!card_name_valid(j->req.a.name.ptr, j->req.a.name.len)) {
    job_fail(j, SV_ERR_INVALID,
             "a member name is 1 to %d bytes of UTF-8 without control characters",
             CARD_NAME_MAX);
    return -1;
  }
  if (name_like_key(j->req.a.name.ptr, j->req.a.name.len)) {
    job_fail(j, SV_ERR_INVALID, NAME_LIKE_KEY_MSG);
    return -1;
  }
  if ((j->req.present & SV_BIT(SV_F_TTL)) &&
      (j->req.a.ttl == 0 || j->req.a.ttl > INVITE_TTL_MAX)) {
    job_fail(j, SV_ERR_INVALID, "ttl must be 1 to %llu seconds",
             (unsigned long long)INVITE_TTL_MAX);
    return -1;
  }
  return 0;
}

static const char sql_name_active[] = "SELECT 1 FROM members WHERE name = ? AND revoked = 0";
static const char sql_invite_insert[] =
    "INSERT INTO invites(code_hash, name, role, created, expires, created_by)"
    " VALUES(?,?,?,?,?,?)";

int ops_member_invite_exec(store *st, job *j) {
  const char *name = j->req.a.name.ptr, *role = j->req.a.role.ptr;
  sqlite3_stmt *s = store_stmt(st, sql_name_active);
  if (s == NULL) goto internal;
  sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
  int taken = sqlite3_step(s) == SQLITE_ROW;
  sqlite3_reset(s);
  if (taken) {
    job_fail(j, SV_ERR_CONFLICT, "'%s' is already an active member", name);
    return -1;
  }
  uint64_t ttl = (j->req.present & SV_BIT(SV_F_TTL)) ? j->req.a.ttl : store_config(st)->invite_ttl;
  uint64_t now = util_unix_time(), expires = now + ttl;
  uint8_t raw[INVITE_RAW_LEN], hash[32];
  char code[INVITE_CODE_LEN];
  randombytes_buf(raw, sizeof raw);
  invite_hash(raw, hash);
  invite_format(raw, code);
  sodium_memzero(raw, sizeof raw);
  s = store_stmt(st, sql_invite_insert);
  if (s == NULL) goto internal;
  sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 4, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 5, (sqlite3_int64)expires);
  sqlite3_bind_int64(s, 6, j->who.member_id);
  if (ops_step_done(st, j, s) != 0) return -1;
  invite_object(j, hash);
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  j->secret_result = true; /* small enough that the sbuffer never reallocates */
  msgpack_pack_map(&pk, 4);
  sv_pack_str(&pk, "code");
  sv_pack_str(&pk, code);
  sv_pack_str(&pk, "expires");
  msgpack_pack_uint64(&pk, expires);
  sv_pack_str(&pk, "role");
  sv_pack_str(&pk, role);
  sv_pack_str(&pk, "name");
  sv_pack_str(&pk, name);
  sodium_memzero(code, sizeof code);
  return 0;
internal:
  return ops_storage_error(st, j);
}

/* ---- enroll ---- */

int ops_enroll_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  if (j->who.member_id != 0) {
    const dir_member *m = directory_by_id(ctx->dir, j->who.member_id);
    snprintf(j->klass, sizeof j->klass, "session");
    job_fail(j, SV_ERR_CONFLICT, "this key is already enrolled as '%s'", m ? m->name : "?");
    return -1;
  }
  sv_card card;
  int rc = card_decode(j->req.a.card.ptr, j->req.a.card.len, &card);
  if (rc == KEYS_ERR_SIGNATURE) {
    job_fail(j, SV_ERR_BAD_SIGNATURE, "the member card's signature does not verify");
    return -1;
  }
  if (rc != KEYS_OK) {
    job_fail(j, SV_ERR_INVALID, "not a valid member card (%s)",
             rc == KEYS_ERR_NAME ? "bad name" : "malformed");
    return -1;
  }
  if (sodium_memcmp(card.noise_pk, j->who.noise_pk, 32) != 0) {
    job_fail(j, SV_ERR_INVALID,
             "the card's transport key is not the key this connection was made with");
    return -1;
  }
  uint8_t raw[INVITE_RAW_LEN];
  rc = invite_parse(j->req.a.invite.ptr, raw);
  sodium_memzero(raw, sizeof raw);
  if (rc != 0) {
    job_fail(j, SV_ERR_INVITE_INVALID,
             "this is not an invite code (32 letters A-Z and digits 2-7, in groups)");
    return -1;
  }
  return 0;
}

static const char sql_invite_get[] =
    "SELECT name, role, expires, used FROM invites WHERE code_hash = ?";
static const char sql_invite_use[] = "UPDATE invites SET used = ? WHERE code_hash = ?";

int ops_enroll_exec(store *st, job *j) {
  uint8_t raw[INVITE_RAW_LEN], hash[32];
  sv_card card;
  if (invite_parse(j->req.a.invite.ptr, raw) != 0 ||
      card_decode(j->req.a.card.ptr, j->req.a.card.len, &card) != KEYS_OK) {
    job_fail(j, SV_ERR_INTERNAL, "request changed after its checks");
    return -1;
  }
  invite_hash(raw, hash);
  sodium_memzero(raw, sizeof raw);
  invite_object(j, hash);
  sqlite3_stmt *s = store_stmt(st, sql_invite_get);
  if (s == NULL) goto internal;
  sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) goto internal;
    job_fail(j, SV_ERR_INVITE_INVALID,
             "no invite has this code; check it for typing errors or ask for a new one");
    return -1;
  }
  char name[CARD_NAME_MAX + 1], role[32];
  const unsigned char *t = sqlite3_column_text(s, 0);
  snprintf(name, sizeof name, "%s", t ? (const char *)t : "");
  t = sqlite3_column_text(s, 1);
  snprintf(role, sizeof role, "%s", t ? (const char *)t : "");
  uint64_t expires = (uint64_t)sqlite3_column_int64(s, 2);
  uint64_t used = (uint64_t)sqlite3_column_int64(s, 3);
  sqlite3_reset(s);
  char when[64];
  if (used) {
    util_utc_text(when, sizeof when, used);
    job_fail(j, SV_ERR_INVITE_USED,
             "this invite was already used (%s); an invite admits one person once: ask the "
             "coordinator for a new one", when);
    return -1;
  }
  uint64_t now = util_unix_time();
  if (now >= expires) {
    util_utc_text(when, sizeof when, expires);
    job_fail(j, SV_ERR_INVITE_EXPIRED, "this invite expired at %s; ask the coordinator for a new one",
             when);
    return -1;
  }
  if (strcmp(card.name, name) != 0) {
    job_fail(j, SV_ERR_INVALID,
             "this invite is for '%s' but the card is made out to '%s'; make the identity with "
             "the invited name", name, card.name);
    return -1;
  }
  s = store_stmt(st, sql_invite_use);
  if (s == NULL) goto internal;
  sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
  sqlite3_bind_blob(s, 2, hash, 32, SQLITE_STATIC);
  if (ops_step_done(st, j, s) != 0) return -1;
  if (ops_member_insert(st, j, &card, role) != 0) return -1;
  /* From here the request's author is the new member: its entry names that key and role. */
  const dir_member *m = j->member;
  snprintf(j->who.keyid, sizeof j->who.keyid, "%s", m->keyid);
  snprintf(j->who.role, sizeof j->who.role, "%s", m->role);
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  directory_pack_member(&pk, m);
  return 0;
internal:
  return ops_storage_error(st, j);
}

/* ---- member.list, member.show ---- */

int ops_member_list_exec(store *st, job *j) {
  sqlite3_stmt *s = store_stmt(st, sql_member_all);
  if (s == NULL) goto internal;
  /* Two passes would need the count first; collect into a temporary buffer instead. */
  msgpack_sbuffer items;
  msgpack_sbuffer_init(&items);
  msgpack_packer ipk;
  msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
  uint32_t n = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    member_row r;
    if (member_row_read(s, &r) != 0) {
      member_row_free(&r);
      rc = SQLITE_NOMEM;
      break;
    }
    pack_member_row(&ipk, &r);
    member_row_free(&r);
    n++;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    msgpack_sbuffer_destroy(&items);
    goto internal;
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_array(&pk, n);
  msgpack_sbuffer_write(&j->result, items.data, items.size);
  msgpack_sbuffer_destroy(&items);
  return 0;
internal:
  return ops_storage_error(st, j);
}

int ops_member_show_exec(store *st, job *j) {
  member_row r;
  memset(&r, 0, sizeof r);
  if (member_find(st, j, j->req.a.who.ptr, &r) != 1) return -1;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  pack_member_row(&pk, &r);
  member_row_free(&r);
  return 0;
}

/* ---- member.role, member.revoke ---- */

int ops_member_role_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  return check_role(ctx, j);
}

static const char sql_member_set_role[] = "UPDATE members SET role = ? WHERE id = ?";

/* Common checks of role and revoke: the target exists, is active, and is not the caller
 * (so that the last coordinator cannot lock the directory). Returns 0 or -1 (j->err set). */
static int change_target(store *st, job *j, member_row *r, const char *what) {
  if (member_find(st, j, j->req.a.who.ptr, r) != 1) return -1;
  if (r->revoked_at) {
    job_fail(j, SV_ERR_CONFLICT, "%s is revoked", r->d.name);
    return -1;
  }
  if (r->d.id == j->who.member_id) {
    job_fail(j, SV_ERR_CONFLICT, "you cannot %s yourself; ask another coordinator", what);
    return -1;
  }
  return 0;
}

static const char sql_drop_other_role[] =
    "DELETE FROM note_recipients WHERE member = ? AND acked = 0 AND role != ?";

int ops_member_role_exec(store *st, job *j) {
  member_row r;
  memset(&r, 0, sizeof r);
  if (change_target(st, j, &r, "change the role of") != 0) goto fail;
  sqlite3_stmt *s = store_stmt(st, sql_member_set_role);
  if (s == NULL) goto internal;
  sqlite3_bind_text(s, 1, j->req.a.role.ptr, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, r.d.id);
  if (ops_step_done(st, j, s) != 0) goto fail;
  /* Notes waiting for the member were let through for the old role: the new one was never
   * asked about them, so they are dropped (their senders may send them again). */
  s = store_stmt(st, sql_drop_other_role);
  if (s == NULL) goto internal;
  sqlite3_bind_int64(s, 1, r.d.id);
  sqlite3_bind_text(s, 2, j->req.a.role.ptr, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  int dropped = sqlite3_changes(store_db(st));
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) goto internal;
  if (member_effect(st, j, r.d.id, EFFECT_MEMBER_CHANGED) != 0) goto fail;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 4);
  sv_pack_str(&pk, "name");
  sv_pack_str(&pk, r.d.name);
  sv_pack_str(&pk, "old_role");
  sv_pack_str(&pk, r.d.role);
  sv_pack_str(&pk, "role");
  sv_pack_str(&pk, j->req.a.role.ptr);
  sv_pack_str(&pk, "deliveries_dropped");
  msgpack_pack_uint64(&pk, (uint64_t)dropped);
  member_row_free(&r);
  return 0;
internal:
  ops_storage_error(st, j);
fail:
  member_row_free(&r);
  return -1;
}

static const char sql_member_revoke[] = "UPDATE members SET revoked = ? WHERE id = ?";
static const char sql_drop_deliveries[] =
    "DELETE FROM note_recipients WHERE member = ? AND acked = 0";

int ops_member_revoke_exec(store *st, job *j) {
  member_row r;
  memset(&r, 0, sizeof r);
  if (change_target(st, j, &r, "revoke") != 0) goto fail;
  uint64_t now = util_unix_time();
  sqlite3_stmt *s = store_stmt(st, sql_member_revoke);
  if (s == NULL) goto internal;
  sqlite3_bind_int64(s, 1, (sqlite3_int64)(now ? now : 1));
  sqlite3_bind_int64(s, 2, r.d.id);
  if (ops_step_done(st, j, s) != 0) goto fail;
  s = store_stmt(st, sql_drop_deliveries);
  if (s == NULL) goto internal;
  sqlite3_bind_int64(s, 1, r.d.id);
  int rc = sqlite3_step(s);
  int dropped = sqlite3_changes(store_db(st));
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) goto internal;
  if (member_effect(st, j, r.d.id, EFFECT_MEMBER_REVOKED) != 0) goto fail;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 4);
  sv_pack_str(&pk, "name");
  sv_pack_str(&pk, r.d.name);
  sv_pack_str(&pk, "fingerprint");
  sv_pack_str(&pk, r.d.fingerprint);
  sv_pack_str(&pk, "revoked_at");
  msgpack_pack_uint64(&pk, now);
  sv_pack_str(&pk, "deliveries_dropped");
  msgpack_pack_uint64(&pk, (uint64_t)dropped);
  member_row_free(&r);
  return 0;
internal:
  ops_storage_error(st, j);
fail:
  member_row_free(&r);
  return -1;
}

/* ---- member.proof ---- */

int ops_member_proof_exec(store *st, job *j) {
  member_row r;
  memset(&r, 0, sizeof r);
  uint8_t *entry = NULL, *proof = NULL, *cons = NULL;
  size_t entrylen = 0, count = 0, ncons = 0;
  if (member_find(st, j, j->req.a.who.ptr, &r) != 1) goto fail;
  auditlog *al = store_auditlog(st);
  const char *note = auditlog_checkpoint(al);
  const char *body_end = note ? strstr(note, "\n\n") : NULL;
  checkpoint cp;
  if (body_end == NULL || checkpoint_parse(note, (size_t)(body_end - note) + 1, &cp) != 0) {
    job_fail(j, SV_ERR_INTERNAL, "the daemon has no readable signed checkpoint");
    goto fail;
  }
  if (!r.has_reg_seq) {
    job_fail(j, SV_ERR_NOT_FOUND, "%s has no registering entry in the log", r.d.name);
    goto fail;
  }
  if (r.reg_seq >= cp.size) {
    job_fail(j, SV_ERR_CONFLICT,
             "%s's registration is not yet covered by a signed checkpoint; try again",
             r.d.name);
    goto fail;
  }
  if (auditlog_entry(al, r.reg_seq, &entry, &entrylen) != 0 ||
      auditlog_inclusion(al, r.reg_seq, cp.size, &proof, &count) != 0) {
    job_fail(j, SV_ERR_INTERNAL, "cannot read the registering entry or its proof");
    goto fail;
  }
  /* A consistency proof from the client's trusted checkpoint size, when it is not beyond this
   * tree (a client that trusts a larger tree sees the rollback from the signed sizes). */
  bool with_cons = (j->req.present & SV_BIT(SV_F_OLD_SIZE)) && j->req.a.old_size <= cp.size;
  if (with_cons && auditlog_consistency(al, j->req.a.old_size, cp.size, &cons, &ncons) != 0) {
    job_fail(j, SV_ERR_INTERNAL, "cannot build the consistency proof from size %llu",
             (unsigned long long)j->req.a.old_size);
    goto fail;
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, with_cons ? 9 : 7);
  sv_pack_str(&pk, "name");
  sv_pack_str(&pk, r.d.name);
  sv_pack_str(&pk, "revoked");
  if (r.revoked_at)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
  sv_pack_str(&pk, "card");
  sv_pack_bin(&pk, r.card, r.cardlen);
  sv_pack_str(&pk, "reg_seq");
  msgpack_pack_uint64(&pk, r.reg_seq);
  sv_pack_str(&pk, "entry");
  sv_pack_bin(&pk, entry, entrylen);
  sv_pack_str(&pk, "proof");
  msgpack_pack_array(&pk, (uint32_t)count);
  for (size_t i = 0; i < count; i++) sv_pack_bin(&pk, proof + 32 * i, 32);
  sv_pack_str(&pk, "checkpoint");
  sv_pack_str(&pk, note);
  if (with_cons) {
    sv_pack_str(&pk, "old_size");
    msgpack_pack_uint64(&pk, j->req.a.old_size);
    sv_pack_str(&pk, "consistency");
    msgpack_pack_array(&pk, (uint32_t)ncons);
    for (size_t i = 0; i < ncons; i++) sv_pack_bin(&pk, cons + 32 * i, 32);
  }
  free(entry);
  free(proof);
  free(cons);
  member_row_free(&r);
  return 0;
fail:
  free(entry);
  free(proof);
  free(cons);
  member_row_free(&r);
  return -1;
}

/* ops_member.c -- the member directory: registration, enrolment, roles, revocation. */
#include "ops_member.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "directory.h"
#include "util.h"

static const char sql_insert_member[] =
    "INSERT INTO members(name, role, card, card_hash, keyid, noise_pk, enc_pk, fingerprint,"
    " enrolled, reg_seq) VALUES(?,?,?,?,?,?,?,?,?,?)";
static const char sql_member_taken[] =
    "SELECT 1 FROM members WHERE name = ? OR keyid = ? OR noise_pk = ?";

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
  sqlite3_reset(s);
  if (taken) {
    free(enc);
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
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  free(enc);
  enc = NULL;
  if (rc != SQLITE_DONE) goto internal;
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
  free(j->effect_data);
  j->effect_data = m;
  j->effect = EFFECT_MEMBER_ADDED;
  j->effect_member = m->id;
  snprintf(j->object, sizeof j->object, "card:%s", hashhex);
  return 0;
internal:
  free(enc);
  job_fail(j, SV_ERR_INTERNAL, "storage error: %s", sqlite3_errmsg(store_db(st)));
  return -1;
}

static int register_exec(store *st, job *j) {
  sv_card card;
  if (card_decode(j->req.a.card.ptr, j->req.a.card.len, &card) != KEYS_OK) {
    job_fail(j, SV_ERR_INVALID, "the member card does not verify");
    return -1;
  }
  return ops_member_insert(st, j, &card, j->req.a.role.ptr);
}

int ops_member_register_job(job *j, const sv_card *card, const char *role, const char *rule) {
  uint8_t *enc = NULL;
  size_t enclen = 0;
  if (card_encode(card, &enc, &enclen) != KEYS_OK) return -1;
  sv_request_init(&j->req, 0, SV_OP_ENROLL);
  int rc = sv_request_set_bin(&j->req, SV_F_CARD, enc, enclen) |
           sv_request_set_str(&j->req, SV_F_ROLE, role);
  free(enc);
  if (rc != 0) return -1;
  j->internal = true;
  snprintf(j->who.keyid, sizeof j->who.keyid, "-");
  snprintf(j->who.role, sizeof j->who.role, "daemon");
  snprintf(j->op, sizeof j->op, "member.register");
  snprintf(j->klass, sizeof j->klass, "directory");
  snprintf(j->rule, sizeof j->rule, "%s", rule);
  j->permit = true;
  j->exec = register_exec;
  return 0;
}

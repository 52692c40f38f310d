/* web_notes.c -- restricted notes in `samvirke web`: list, read, acknowledge and send, for the
 * core team. A note is decrypted and encrypted here, in the member's own client, exactly as
 * `samvirke note` does: every card used to check a sender or to encrypt to is proven against the
 * audit log first (directory_trust_card), and an individual note is refused before anything is
 * sent when a recipient is outside the SSP regime. A decrypted note leaves this process only as
 * the answer to the page that asked, built in sodium memory that is wiped once sent, marked
 * Cache-Control: no-store; nothing is written to disk. */
#include "web_notes.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "envelope.h"
#include "policy.h"
#include "purposearg.h"
#include "util.h"
#include "web_api.h"
#include "web_app.h"
#include "web_reply.h"

#define NOTE_ID_HEX (2 * ENVELOPE_ID_LEN + 1)
#define NOTE_CLASS "individual"

/* A member as member.list describes it. */
typedef struct note_member {
  char name[CARD_NAME_MAX + 1];
  char role[64];
  char keyid[CARD_KEYID_HEX];
  bool revoked;
} note_member;

/* Copy string field key of m into out ("" when absent). */
static void get_str(const msgpack_object *m, const char *key, char *out, size_t outlen) {
  const char *v = NULL;
  size_t n = 0;
  out[0] = '\0';
  if (sv_map_str(m, key, &v, &n) != 0) return;
  if (n >= outlen) n = outlen - 1;
  memcpy(out, v, n);
  out[n] = '\0';
}

/* The directory (member.list) into *rows (malloc'd, caller frees). Returns the count, or -1
 * after answering r. */
static long fetch_members(web_req *r, note_member **rows) {
  sv_request req;
  msgpack_unpacked resp;
  uint64_t audit;
  *rows = NULL;
  sv_request_init(&req, 0, SV_OP_MEMBER_LIST);
  int rc = web_api_call(r, &req, true, NULL, &resp, &audit);
  sv_request_free(&req);
  if (rc != 0) return -1;
  const msgpack_object *a = session_result(&resp);
  long n = -1;
  if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY) {
    web_reply_error(r, 502, "bad_request", NULL, "the server's member list is malformed");
    goto out;
  }
  *rows = calloc(a->via.array.size + 1, sizeof **rows);
  if (*rows == NULL) {
    web_reply_error(r, 500, "web_internal", NULL, "out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < a->via.array.size; i++) {
    const msgpack_object *m = &a->via.array.ptr[i];
    get_str(m, "name", (*rows)[i].name, sizeof (*rows)[i].name);
    get_str(m, "role", (*rows)[i].role, sizeof (*rows)[i].role);
    get_str(m, "keyid", (*rows)[i].keyid, sizeof (*rows)[i].keyid);
    sv_map_bool(m, "revoked", &(*rows)[i].revoked);
  }
  n = (long)a->via.array.size;
out:
  msgpack_unpacked_destroy(&resp);
  return n;
}

static const char *name_of(const note_member *rows, long n, const char *keyid) {
  for (long i = 0; i < n; i++)
    if (strcmp(rows[i].keyid, keyid) == 0) return rows[i].name;
  return NULL;
}

/* A note id argument: 32 hex digits. Returns 0, or -1 after answering r. */
static int note_id(web_req *r, const char *v, uint8_t id[ENVELOPE_ID_LEN]) {
  if (v == NULL || strlen(v) != 2 * ENVELOPE_ID_LEN || util_unhex(id, ENVELOPE_ID_LEN, v) != 0) {
    web_reply_error(r, 422, "invalid", "id", "a note id is 32 hex digits");
    return -1;
  }
  return 0;
}

/* GET /api/members: the directory, without cards (to pick recipients from). */
static void api_members(web_req *r) {
  note_member *rows = NULL;
  long n = fetch_members(r, &rows);
  if (n < 0) return;
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) {
    free(rows);
    return;
  }
  json_key(j, "members");
  json_begin_array(j);
  for (long i = 0; i < n; i++) {
    json_begin_object(j);
    json_kv_str(j, "name", rows[i].name);
    json_kv_str(j, "role", rows[i].role);
    json_kv_str(j, "keyid", rows[i].keyid);
    json_kv_bool(j, "revoked", rows[i].revoked);
    json_kv_bool(j, "regime", web_backend_regime_role(rows[i].role));
    json_end_object(j);
  }
  json_end_array(j);
  json_end_object(j);
  free(rows);
  web_reply_json(r, 200, &w);
}

/* GET /api/notes: the notes waiting for this member (headers only; nothing is decrypted). */
static void api_notes(web_req *r) {
  note_member *rows = NULL;
  long nm = fetch_members(r, &rows);
  if (nm < 0) return;
  sv_request req;
  msgpack_unpacked resp;
  uint64_t audit;
  sv_request_init(&req, 0, SV_OP_NOTE_LIST);
  int rc = web_api_call(r, &req, true, NULL, &resp, &audit);
  sv_request_free(&req);
  if (rc != 0) {
    free(rows);
    return;
  }
  const msgpack_object *a = session_result(&resp);
  web_json w;
  json_out *j = NULL;
  if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY)
    web_reply_error(r, 502, "bad_request", NULL, "the server's note list is malformed");
  else
    j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) {
    msgpack_unpacked_destroy(&resp);
    free(rows);
    return;
  }
  json_kv_uint(j, "audit", audit);
  json_key(j, "notes");
  json_begin_array(j);
  for (uint32_t i = 0; i < a->via.array.size; i++) {
    const msgpack_object *m = &a->via.array.ptr[i];
    const uint8_t *nid = NULL;
    size_t nlen = 0;
    char hex[NOTE_ID_HEX] = "", from[CARD_KEYID_HEX];
    if (sv_map_bin(m, "note", &nid, &nlen) == 0 && nlen == ENVELOPE_ID_LEN)
      util_hex(hex, nid, nlen);
    get_str(m, "from", from, sizeof from);
    json_begin_object(j);
    json_kv_str(j, "id", hex);
    json_kv_str(j, "from", from);
    json_kv_str(j, "from_name", name_of(rows, nm, from));
    static const char *const keys[] = {"class", "area", "purpose", "size", "created", "expires"};
    for (int k = 0; k < 6; k++) json_kv_msgpack(j, keys[k], sv_map_get(m, keys[k]));
    json_end_object(j);
  }
  json_end_array(j);
  json_end_object(j);
  msgpack_unpacked_destroy(&resp);
  free(rows);
  web_reply_json(r, 200, &w);
}

int web_notes_open(web_req *r, const uint8_t *env, size_t elen, envelope_header *h,
                   directory_trust *t, uint8_t **body, size_t *blen) {
  web_app *app = web_req_app(r);
  char err[512], kid[CARD_KEYID_HEX];
  *body = NULL;
  *blen = 0;
  if (envelope_parse(env, elen, h) != ENVELOPE_OK) {
    web_reply_error(r, 502, "web_note", NULL, "the server sent no well-formed envelope");
    return -1;
  }
  util_hex(kid, h->sender, ENVELOPE_KEYID_LEN);
  session *s = web_backend_session(&app->backend, err, sizeof err);
  if (s == NULL || directory_trust_card(s, &app->backend.cfg, kid, 0, t, err, sizeof err) != 0) {
    web_reply_error(r, 502, "web_untrusted", NULL, "the sender's card (%s): %s", kid, err);
    return -1;
  }
  int er = envelope_open(env, elen, &t->card, app->backend.id, h, body, blen);
  if (er != ENVELOPE_OK) {
    web_reply_error(r, 422, "web_note", NULL, "refusing it: %s", envelope_strerror(er));
    return -1;
  }
  return 0;
}

int web_notes_fields(web_req *r, const char **purpose, const char **area, const char **body,
                     size_t *blen) {
  if (web_api_text(r, "purpose", true, false, purpose) != 0 ||
      web_api_label(r, "area", false, area) != 0 ||
      web_api_text(r, "body", true, true, body) != 0)
    return -1;
  web_req_form(r, "body", blen);
  if (!policy_purpose_code_valid(*purpose)) {
    web_reply_error(r, 422, "invalid", "purpose", "%s", purposearg_help);
    return -1;
  }
  return 0;
}

/* GET /api/note?id=HEX: fetch, verify against the sender's proven card, decrypt, answer. */
static void api_note(web_req *r) {
  uint8_t nid[ENVELOPE_ID_LEN];
  if (note_id(r, web_req_query(r, "id"), nid) != 0) return;
  sv_request req;
  msgpack_unpacked resp;
  uint64_t audit;
  sv_request_init(&req, 0, SV_OP_NOTE_FETCH);
  if (sv_request_set_bin(&req, SV_F_NOTE, nid, sizeof nid) != 0) {
    sv_request_free(&req);
    web_reply_error(r, 500, "web_internal", NULL, "out of memory");
    return;
  }
  int rc = web_api_call(r, &req, true, NULL, &resp, &audit);
  sv_request_free(&req);
  if (rc != 0) return;
  uint8_t *body = NULL;
  size_t blen = 0;
  const uint8_t *env = NULL;
  size_t elen = 0;
  envelope_header h;
  directory_trust t;
  const msgpack_object *res = session_result(&resp);
  char kid[CARD_KEYID_HEX], hex[NOTE_ID_HEX];
  if (res == NULL || sv_map_bin(res, "envelope", &env, &elen) != 0 ||
      envelope_parse(env, elen, &h) != ENVELOPE_OK) {
    web_reply_error(r, 502, "web_note", NULL, "the server sent no well-formed note");
    goto out;
  }
  if (memcmp(h.id, nid, sizeof nid) != 0) {
    web_reply_error(r, 502, "web_note", NULL, "the server returned another note than asked for");
    goto out;
  }
  if (web_notes_open(r, env, elen, &h, &t, &body, &blen) != 0) goto out;
  util_hex(kid, h.sender, ENVELOPE_KEYID_LEN);
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 6 * blen + 8192);
  if (j == NULL) goto out;
  util_hex(hex, h.id, ENVELOPE_ID_LEN);
  json_kv_uint(j, "audit", audit);
  json_key(j, "note");
  json_begin_object(j);
  json_kv_str(j, "id", hex);
  json_kv_str(j, "from", kid);
  json_kv_str(j, "class", h.klass);
  json_kv_str(j, "area", h.area);
  json_kv_str(j, "purpose", h.purpose);
  json_kv_uint(j, "created", h.created);
  web_reply_opened(r, &w, &t, body, blen);
out:
  envelope_free_body(body, blen);
  msgpack_unpacked_destroy(&resp);
}

/* POST /api/note/ack: id */
static void api_note_ack(web_req *r) {
  uint8_t nid[ENVELOPE_ID_LEN];
  if (note_id(r, web_req_form(r, "id", NULL), nid) != 0) return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_NOTE_ACK);
  if (sv_request_set_bin(&req, SV_F_NOTE, nid, sizeof nid) != 0)
    web_reply_error(r, 500, "web_internal", NULL, "out of memory");
  else
    web_api_forward(r, &req, false, NULL);
  sv_request_free(&req);
}

/* POST /api/note/send: to (repeated, member names), purpose, [area], body. With op
 * SV_OP_CONCERN_ANSWER the note answers concern number "id"; with SV_OP_MEETING_MINUTES it is
 * the minutes of core-track meeting number "id", sealed to its attendees (the daemon checks
 * they are exactly attendees). */
static void note_send(web_req *r, enum sv_op op) {
  web_app *app = web_req_app(r);
  uint64_t target = 0;
  bool has_target = false;
  if (op != SV_OP_NOTE_SEND &&
      web_api_uint(r, "id", true, WEB_API_ID_MAX, &target, &has_target) != 0)
    return;
  const char *purpose, *area, *body;
  size_t blen = 0;
  const char *to[ENVELOPE_MAX_RECIPIENTS];
  size_t nto = web_req_form_all(r, "to", to, ENVELOPE_MAX_RECIPIENTS);
  if (nto == 0) {
    web_reply_error(r, 422, "web_missing", "to", "choose at least one recipient");
    return;
  }
  if (nto > ENVELOPE_MAX_RECIPIENTS) {
    web_reply_error(r, 422, "invalid", "to", "at most %d recipients", ENVELOPE_MAX_RECIPIENTS);
    return;
  }
  if (web_notes_fields(r, &purpose, &area, &body, &blen) != 0) return;
  note_member *rows = NULL;
  long nm = fetch_members(r, &rows);
  if (nm < 0) return;
  sv_card *cards = calloc(ENVELOPE_MAX_RECIPIENTS, sizeof *cards);
  const sv_card *rcpt[ENVELOPE_MAX_RECIPIENTS];
  long chosen[ENVELOPE_MAX_RECIPIENTS];
  size_t nr = 0;
  uint8_t *env = NULL;
  size_t elen = 0;
  sv_request req;
  sv_request_init(&req, 0, op);
  if (has_target &&
      (op == SV_OP_MEETING_MINUTES
           ? sv_request_set_uint(&req, SV_F_MEETING, target) != 0 ||
                 sv_request_set_str(&req, SV_F_TRACK, "core") != 0
           : sv_request_set_uint(&req, SV_F_CONCERN, target) != 0)) {
    web_reply_error(r, 500, "web_internal", NULL, "out of memory");
    goto out;
  }
  if (cards == NULL) {
    web_reply_error(r, 500, "web_internal", NULL, "out of memory");
    goto out;
  }
  /* Each recipient by name: an active member, once. */
  for (size_t k = 0; k < nto; k++) {
    long found = -1;
    for (long i = 0; i < nm && found < 0; i++)
      if (!rows[i].revoked && strcmp(rows[i].name, to[k]) == 0) found = i;
    if (found < 0) {
      web_reply_error(r, 422, "unknown_recipient", "to", "no active member is named '%s'", to[k]);
      goto out;
    }
    bool dup = false;
    for (size_t c = 0; c < nr; c++) dup |= chosen[c] == found;
    if (!dup) chosen[nr++] = found;
  }
  /* The regime, before anything is encrypted or sent. */
  for (size_t c = 0; c < nr; c++) {
    const note_member *m = &rows[chosen[c]];
    if (!web_backend_regime_role(m->role)) {
      web_reply_error(r, 422, "web_regime", "to",
                      "refusing to send an individual note to %s (role %s): information about "
                      "individuals stays inside the SSP regime (coordinator, ssp, police)",
                      m->name, m->role);
      goto out;
    }
  }
  /* Every card encrypted to is proven against the audit log first. */
  for (size_t c = 0; c < nr; c++) {
    directory_trust t;
    char err[512];
    session *s = web_backend_session(&app->backend, err, sizeof err);
    if (s == NULL ||
        directory_trust_card(s, &app->backend.cfg, rows[chosen[c]].keyid, 0, &t, err,
                             sizeof err) != 0) {
      web_reply_error(r, 502, "web_untrusted", "to", "the card of %s: %s", rows[chosen[c]].name,
                      err);
      goto out;
    }
    cards[c] = t.card;
    rcpt[c] = &cards[c];
  }
  envelope_params p = {.klass = NOTE_CLASS, .area = area, .purpose = purpose,
                       .recipients = rcpt, .nrecipients = nr};
  int er = envelope_seal(app->backend.id, &p, (const uint8_t *)body, blen, &env, &elen);
  if (er != ENVELOPE_OK) {
    web_reply_error(r, 422, "invalid", er == ENVELOPE_ERR_INVALID ? "purpose" : NULL, "%s",
                    er == ENVELOPE_ERR_INVALID
                        ? "area or purpose is not acceptable (at most 255 bytes of text each)"
                        : envelope_strerror(er));
    goto out;
  }
  if (sv_request_set_bin(&req, SV_F_ENVELOPE, env, elen) != 0) {
    web_reply_error(r, 500, "web_internal", NULL, "out of memory");
    goto out;
  }
  msgpack_unpacked resp;
  uint64_t audit;
  if (web_api_call(r, &req, false, NULL, &resp, &audit) != 0) goto out;
  msgpack_unpacked_destroy(&resp);
  envelope_header h;
  char hex[NOTE_ID_HEX];
  envelope_parse(env, elen, &h);
  util_hex(hex, h.id, ENVELOPE_ID_LEN);
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) goto out;
  json_kv_uint(j, "audit", audit);
  json_kv_str(j, "note", hex);
  json_key(j, "to");
  json_begin_array(j);
  for (size_t c = 0; c < nr; c++) json_str(j, rows[chosen[c]].name);
  json_end_array(j);
  json_end_object(j);
  web_reply_json(r, 200, &w);
out:
  sv_request_free(&req);
  free(env);
  free(cards);
  free(rows);
}

static void api_note_send(web_req *r) { note_send(r, SV_OP_NOTE_SEND); }
/* POST /api/concern/answer: id (the concern), and a note's fields as /api/note/send. */
static void api_concern_answer(web_req *r) { note_send(r, SV_OP_CONCERN_ANSWER); }
/* POST /api/meeting/core-minutes: id (the core-track meeting), to (its attendees), purpose,
 * area (the meeting's), body: the minutes sealed here to the attendees. */
static void api_core_minutes(web_req *r) { note_send(r, SV_OP_MEETING_MINUTES); }

const web_route web_notes_routes[] = {
    {"/api/members", WEB_API, 0, api_members},
    {"/api/notes", WEB_API, 0, api_notes},
    {"/api/note", WEB_API, 0, api_note},
    {"/api/note/ack", WEB_API, WEB_R_CHANGE, api_note_ack},
    {"/api/note/send", WEB_API, WEB_R_CHANGE, api_note_send},
    {"/api/concern/answer", WEB_API, WEB_R_CHANGE, api_concern_answer},
    {"/api/meeting/core-minutes", WEB_API, WEB_R_CHANGE, api_core_minutes},
    {NULL, WEB_API, 0, NULL},
};

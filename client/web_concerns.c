/* web_concerns.c -- concerns in `samvirke web`. A partner hands one in: the text is sealed here,
 * in the member's own client, to the regime's intake recipients (each card proven against the
 * audit log first, as `samvirke concern submit` does), and the receipt is kept in the identity
 * directory; afterwards the partner sees for each receipt whether it was received and handled,
 * nothing more. The regime lists, reads (decrypted here, answered no-store), assigns and closes
 * them; an answer is a restricted note (web_notes.c, /api/concern/answer). */
#include "web_concerns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "concern_receipts.h"
#include "concern_seal.h"
#include "envelope.h"
#include "util.h"
#include "web_api.h"
#include "web_app.h"
#include "web_notes.h"
#include "web_reply.h"

static const char *const STATUSES[] = {"received", "assigned", "closed", NULL};

/* POST /api/concern/submit: purpose, [area], body */
static void api_concern_submit(web_req *r) {
  web_app *app = web_req_app(r);
  const char *purpose, *area, *body;
  size_t blen = 0;
  if (web_notes_fields(r, &purpose, &area, &body, &blen) != 0) return;
  char err[1024];
  session *s = web_backend_session(&app->backend, err, sizeof err);
  if (s == NULL) {
    web_reply_daemon(r, -1, "", err, NULL);
    return;
  }
  concern_receipt rec;
  size_t nr = 0;
  int rc = concern_seal_submit(s, &app->backend.cfg, app->backend.id, area, purpose,
                               (const uint8_t *)body, blen, &rec, &nr, err, sizeof err);
  if (rc != 0) {
    const char *code = rc > 0 ? session_last_error_code(s) : "";
    if (rc < 0) web_backend_drop(&app->backend); /* the next request connects afresh */
    if (rc > 0)
      web_reply_daemon(r, 1, code, err,
                       strcmp(code, "denied") == 0 || strcmp(code, "invalid") == 0 ? "purpose"
                                                                                  : NULL);
    else
      web_reply_error(r, 502, "web_concern", NULL, "%s", err);
    return;
  }
  char hex[33], why[512];
  util_hex(hex, rec.id, 16);
  bool kept = concern_receipt_save(app->dir, &rec, why, sizeof why) == 0;
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) return;
  json_kv_uint(j, "audit", rec.audit);
  json_key(j, "result");
  json_begin_object(j);
  json_kv_str(j, "receipt", hex);
  json_kv_uint(j, "time", rec.time);
  json_kv_uint(j, "recipients", nr);
  json_kv_bool(j, "kept", kept);
  if (!kept) json_kv_str(j, "problem", why);
  json_end_object(j);
  json_end_object(j);
  web_reply_json(r, 200, &w);
}

/* GET /api/receipts: the receipts kept here, each with what the daemon says of it: received,
 * handled, or unknown. */
static void api_receipts(web_req *r) {
  web_app *app = web_req_app(r);
  concern_receipt *rs = NULL;
  size_t n = 0;
  char err[512];
  if (concern_receipt_load(app->dir, &rs, &n, err, sizeof err) != 0) {
    web_reply_error(r, 500, "web_internal", NULL, "%s", err);
    return;
  }
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) {
    free(rs);
    return;
  }
  json_key(j, "result");
  json_begin_object(j);
  json_key(j, "receipts");
  json_begin_array(j);
  bool failed = false;
  for (size_t i = n; i-- > 0 && !failed;) { /* newest first */
    const char *state = NULL;
    uint64_t when, audit;
    char e[1024];
    session *s = web_backend_session(&app->backend, e, sizeof e);
    int cr = s ? concern_receipt_state(s, rs[i].id, &state, &when, &audit, e, sizeof e) : -1;
    if (cr != 0) {
      if (cr < 0) web_backend_drop(&app->backend);
      web_json_discard(&w);
      web_reply_daemon(r, cr, cr > 0 ? session_last_error_code(s) : "", e, NULL);
      failed = true;
      break;
    }
    char hex[33];
    util_hex(hex, rs[i].id, 16);
    json_begin_object(j);
    json_kv_str(j, "receipt", hex);
    json_kv_str(j, "state", state);
    json_kv_uint(j, "time", rs[i].time);
    json_kv_uint(j, "audit", rs[i].audit);
    json_kv_str(j, "area", rs[i].area);
    json_end_object(j);
  }
  free(rs);
  if (failed) return;
  json_end_array(j);
  json_end_object(j);
  json_end_object(j);
  web_reply_json(r, 200, &w);
}

/* GET /api/concerns?[status=] */
static void api_concerns(web_req *r) {
  const char *status = web_req_query(r, "status");
  if (status && status[0] == '\0') status = NULL;
  if (status) {
    bool ok = false;
    for (int i = 0; STATUSES[i]; i++) ok |= strcmp(status, STATUSES[i]) == 0;
    if (!ok) {
      web_reply_error(r, 422, "web_choice", "status", "status is received, assigned or closed");
      return;
    }
  }
  sv_request req;
  sv_request_init(&req, 0, SV_OP_CONCERN_LIST);
  if (web_api_set_str(r, &req, SV_F_STATUS, status) == 0) web_api_forward(r, &req, true, NULL);
  sv_request_free(&req);
}

/* The concern number of a query (get) or form: "id". Returns 0 or -1 (answered). */
static int concern_id(web_req *r, bool get, uint64_t *id) {
  bool has;
  if (!get) return web_api_uint(r, "id", true, WEB_API_ID_MAX, id, &has);
  return web_api_query_id(r, "id", "a concern number", id);
}

/* GET /api/concern?id=N: the concern, decrypted here for this member. */
static void api_concern(web_req *r) {
  uint64_t id;
  if (concern_id(r, true, &id) != 0) return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_CONCERN_FETCH);
  if (web_api_set_uint(r, &req, SV_F_CONCERN, id) != 0) {
    sv_request_free(&req);
    return;
  }
  msgpack_unpacked resp;
  uint64_t audit;
  int rc = web_api_call(r, &req, true, NULL, &resp, &audit);
  sv_request_free(&req);
  if (rc != 0) return;
  const msgpack_object *c = session_result(&resp);
  const uint8_t *env;
  size_t elen = 0, blen = 0;
  uint8_t *body = NULL;
  envelope_header h;
  directory_trust t;
  if (c == NULL || sv_map_bin(c, "envelope", &env, &elen) != 0) {
    web_reply_error(r, 502, "bad_request", NULL, "the server's concern is malformed");
    goto out;
  }
  if (web_notes_open(r, env, elen, &h, &t, &body, &blen) != 0) goto out;
  if (strcmp(h.klass, "concern") != 0) {
    web_reply_error(r, 502, "web_note", NULL, "the envelope is of class %s, not concern",
                    h.klass);
    goto out;
  }
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 6 * blen + 8192);
  if (j == NULL) goto out;
  json_kv_uint(j, "audit", audit);
  json_key(j, "result");
  json_begin_object(j);
  static const char *const keys[] = {"id", "area", "purpose", "submitter", "time", "status",
                                     "assignee", "answers", "recipients"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    json_kv_msgpack(j, keys[k], sv_map_get(c, keys[k]));
  web_reply_opened(r, &w, &t, body, blen);
out:
  envelope_free_body(body, blen);
  msgpack_unpacked_destroy(&resp);
}

/* POST /api/concern/assign: id, who -- and /api/concern/close: id */
static void concern_change(web_req *r, bool assign) {
  uint64_t id;
  const char *who = NULL;
  if (concern_id(r, false, &id) != 0 || (assign && web_api_label(r, "who", true, &who) != 0))
    return;
  sv_request req;
  sv_request_init(&req, 0, assign ? SV_OP_CONCERN_ASSIGN : SV_OP_CONCERN_CLOSE);
  if (web_api_set_uint(r, &req, SV_F_CONCERN, id) == 0 &&
      web_api_set_str(r, &req, SV_F_WHO, who) == 0)
    web_api_forward(r, &req, false, NULL);
  sv_request_free(&req);
}

static void api_concern_assign(web_req *r) { concern_change(r, true); }
static void api_concern_close(web_req *r) { concern_change(r, false); }

const web_route web_concerns_routes[] = {
    {"/api/concern/submit", WEB_API, WEB_R_CHANGE, api_concern_submit},
    {"/api/receipts", WEB_API, 0, api_receipts},
    {"/api/concerns", WEB_API, 0, api_concerns},
    {"/api/concern", WEB_API, 0, api_concern},
    {"/api/concern/assign", WEB_API, WEB_R_CHANGE, api_concern_assign},
    {"/api/concern/close", WEB_API, WEB_R_CHANGE, api_concern_close},
    {NULL, WEB_API, 0, NULL},
};

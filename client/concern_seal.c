/* concern_seal.c -- hand in a concern (see concern_seal.h).
 *
 * A concern goes into the regime and never comes out: it is sealed here, in the client, to the
 * intake recipients the daemon names (concern.intake), each of whose cards is first proven
 * against the audit log (directory_trust_card), so the daemon cannot slip in a key of its own. */
#include "concern_seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "directory.h"
#include "envelope.h"

/* Copy string field key of m into out ("" when absent or too long). */
static void get_str(const msgpack_object *m, const char *key, char *out, size_t n) {
  const char *v = NULL;
  size_t len = 0;
  out[0] = '\0';
  if (m && sv_map_str(m, key, &v, &len) == 0 && len < n) {
    memcpy(out, v, len);
    out[len] = '\0';
  }
}

int concern_receipt_state(session *s, const uint8_t id[16], const char **state, uint64_t *when,
                          uint64_t *audit, char *err, size_t errlen) {
  sv_request req;
  msgpack_unpacked resp;
  int cr = -1;
  *state = NULL;
  *when = 0;
  *audit = 0;
  sv_request_init(&req, 0, SV_OP_RECEIPT_STATUS);
  if (sv_request_set_bin(&req, SV_F_RECEIPT, id, 16) == 0) {
    cr = session_call(s, &req, &resp, err, errlen);
  } else {
    msgpack_unpacked_init(&resp);
    snprintf(err, errlen, "out of memory");
  }
  sv_request_free(&req);
  const msgpack_object *res = cr == 0 ? session_result(&resp) : NULL;
  bool handled = false;
  if (res) {
    sv_map_bool(res, "handled", &handled);
    const msgpack_object *t = sv_map_get(res, "time");
    if (t && t->type == MSGPACK_OBJECT_POSITIVE_INTEGER) *when = t->via.u64;
  }
  session_last_audit(s, audit);
  msgpack_unpacked_destroy(&resp);
  if (cr == 0) {
    *state = handled ? "handled" : "received";
  } else if (cr == 1 && strcmp(session_last_error_code(s), "not_found") == 0) {
    *state = "unknown";
    cr = 0;
  }
  return cr;
}

int concern_seal_submit(session *s, const client_config *cfg, const sv_identity *me,
                        const char *area, const char *purpose, const uint8_t *body, size_t blen,
                        concern_receipt *out, size_t *nrecipients, char *err, size_t errlen) {
  int rc = -1;
  uint8_t *env = NULL;
  size_t elen = 0, nr = 0;
  sv_card *cards = NULL;
  const sv_card **rcpt = NULL;
  sv_request req;
  msgpack_unpacked resp;
  memset(out, 0, sizeof *out);
  *nrecipients = 0;
  if (blen == 0) {
    snprintf(err, errlen, "the concern is empty");
    return -1;
  }
  sv_request_init(&req, 0, SV_OP_CONCERN_INTAKE);
  int cr = session_call(s, &req, &resp, err, errlen);
  if (cr != 0) {
    rc = cr;
    goto out;
  }
  const msgpack_object *res = session_result(&resp);
  const msgpack_object *list = res ? sv_map_get(res, "recipients") : NULL;
  if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size == 0 ||
      list->via.array.size > ENVELOPE_MAX_RECIPIENTS) {
    snprintf(err, errlen, "the server named no one in the regime to receive concerns");
    goto out;
  }
  cards = calloc(list->via.array.size, sizeof *cards);
  rcpt = calloc(list->via.array.size, sizeof *rcpt);
  if (cards == NULL || rcpt == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < list->via.array.size; i++) {
    char keyid[CARD_KEYID_HEX], name[CARD_NAME_MAX + 1], why[512];
    get_str(&list->via.array.ptr[i], "keyid", keyid, sizeof keyid);
    get_str(&list->via.array.ptr[i], "name", name, sizeof name);
    directory_trust t;
    if (directory_trust_card(s, cfg, keyid, 0, &t, why, sizeof why) != 0) {
      snprintf(err, errlen, "cannot trust the card of %s: %s", name, why);
      goto out;
    }
    cards[nr] = t.card;
    rcpt[nr] = &cards[nr];
    nr++;
  }
  envelope_params p = {.klass = "concern", .area = area, .purpose = purpose, .recipients = rcpt,
                       .nrecipients = nr};
  int er = envelope_seal(me, &p, body, blen, &env, &elen);
  if (er != ENVELOPE_OK) {
    snprintf(err, errlen, "%s",
             er == ENVELOPE_ERR_INVALID
                 ? "area or purpose is not acceptable (at most 255 bytes of text)"
                 : envelope_strerror(er));
    goto out;
  }
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  sv_request_init(&req, 0, SV_OP_CONCERN_SUBMIT);
  if (sv_request_set_bin(&req, SV_F_ENVELOPE, env, elen) != 0) {
    msgpack_unpacked_init(&resp);
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  cr = session_call(s, &req, &resp, err, errlen);
  if (cr != 0) {
    rc = cr;
    goto out;
  }
  res = session_result(&resp);
  const uint8_t *rid;
  size_t rlen;
  uint64_t when = 0;
  if (res == NULL || sv_map_bin(res, "receipt", &rid, &rlen) != 0 || rlen != 16) {
    snprintf(err, errlen, "the server's answer has no receipt");
    goto out;
  }
  memcpy(out->id, rid, 16);
  session_last_audit(s, &out->audit);
  const msgpack_object *t = sv_map_get(res, "time");
  if (t && t->type == MSGPACK_OBJECT_POSITIVE_INTEGER) when = t->via.u64;
  out->time = when;
  snprintf(out->area, sizeof out->area, "%s", area ? area : "");
  *nrecipients = nr;
  rc = 0;
out:
  free(env);
  free(cards);
  free(rcpt);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  return rc;
}

/* web_backend.c -- `samvirke web`'s session with samvirked (see web_backend.h). */
#include "web_backend.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* Copy string field key of map m into out ("" when absent). */
static void copy_field(const msgpack_object *m, const char *key, char *out, size_t outlen) {
  const char *v = NULL;
  size_t n = 0;
  out[0] = '\0';
  if (m == NULL || sv_map_str(m, key, &v, &n) != 0) return;
  if (n >= outlen) n = outlen - 1;
  memcpy(out, v, n);
  out[n] = '\0';
}

/* Connect afresh; fills b->me from the handshake. Returns the session or NULL with err. */
static session *connect_new(web_backend *b, char *err, size_t errlen) {
  session_params p = {.address = b->cfg.server, .server_pk = b->cfg.server_key,
                      .client_sk = b->id->noise_sk, .max_frame = WEB_BACKEND_FRAME_MAX,
                      .client_name = "samvirke-web/0.1"};
  session *s = session_connect(&p, err, errlen);
  if (s == NULL) return NULL;
  const msgpack_object *m = session_member(s);
  if (m == NULL) {
    snprintf(err, errlen, "the server does not know this identity (not enrolled, or revoked): "
                          "enrol first with 'samvirke enroll'");
    session_close(s);
    return NULL;
  }
  copy_field(m, "name", b->me.name, sizeof b->me.name);
  copy_field(m, "role", b->me.role, sizeof b->me.role);
  copy_field(m, "keyid", b->me.keyid, sizeof b->me.keyid);
  return s;
}

int web_backend_open(web_backend *b, const char *dir, char *err, size_t errlen) {
  assert(b != NULL && dir != NULL);
  memset(b, 0, sizeof *b);
  if (client_config_load(dir, &b->cfg, err, errlen) != 0) return -1;
  if (client_config_require_server(&b->cfg, err, errlen) != 0) return -1;
  b->id = client_config_load_identity(dir, err, errlen);
  if (b->id == NULL) return -1;
  b->s = connect_new(b, err, errlen);
  if (b->s == NULL) {
    identity_free(b->id);
    b->id = NULL;
    return -1;
  }
  return 0;
}

void web_backend_close(web_backend *b) {
  if (b == NULL) return;
  session_close(b->s);
  b->s = NULL;
  identity_free(b->id);
  b->id = NULL;
}

void web_backend_drop(web_backend *b) {
  session_close(b->s);
  b->s = NULL;
}

session *web_backend_session(web_backend *b, char *err, size_t errlen) {
  if (b->s != NULL) {
    /* Drain what the daemon pushed meanwhile; a closed connection shows here. */
    for (int i = 0; i < SESSION_MAX_EVENTS; i++) {
      msgpack_unpacked ev;
      char why[256];
      int got = session_next_event(b->s, 0, &ev, why, sizeof why);
      msgpack_unpacked_destroy(&ev);
      if (got == 0) break;
      if (got < 0) {
        web_backend_drop(b);
        break;
      }
    }
  }
  if (b->s == NULL) b->s = connect_new(b, err, errlen);
  return b->s;
}

int web_backend_call(web_backend *b, sv_request *req, msgpack_unpacked *resp, bool retry,
                     char *err, size_t errlen) {
  assert(b != NULL && req != NULL && resp != NULL);
  bool fresh = b->s == NULL;
  session *s = web_backend_session(b, err, errlen);
  if (s == NULL) {
    msgpack_unpacked_init(resp);
    return -1;
  }
  int rc = session_call(s, req, resp, err, errlen);
  if (rc < 0) {
    web_backend_drop(b);
    if (retry && !fresh) {
      msgpack_unpacked_destroy(resp);
      s = web_backend_session(b, err, errlen);
      if (s == NULL) {
        msgpack_unpacked_init(resp);
        return -1;
      }
      rc = session_call(s, req, resp, err, errlen);
      if (rc < 0) web_backend_drop(b);
    }
  }
  return rc;
}

const char *web_backend_error_code(web_backend *b) {
  return b->s ? session_last_error_code(b->s) : "";
}

bool web_backend_last_audit(web_backend *b, uint64_t *seq) {
  return b->s != NULL && session_last_audit(b->s, seq);
}

bool web_backend_regime_role(const char *role) {
  static const char *const regime[] = {"coordinator", "ssp", "police", NULL};
  for (int i = 0; regime[i]; i++)
    if (strcmp(regime[i], role) == 0) return true;
  return false;
}

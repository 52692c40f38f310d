/* web_api.c -- the common steps of `samvirke web`'s JSON API (see web_api.h). */
#include "web_api.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "util.h"
#include "web_app.h"
#include "web_reply.h"

#define TEXT_MAX_LOCAL (64u * 1024) /* the daemon has its own, smaller, limit (text_max) */

int web_api_call(web_req *r, sv_request *req, bool retry, web_field_fn field_of,
                 msgpack_unpacked *resp, uint64_t *audit) {
  web_backend *b = &web_req_app(r)->backend;
  char err[1024];
  *audit = 0;
  int rc = web_backend_call(b, req, resp, retry, err, sizeof err);
  if (rc == 0) {
    web_backend_last_audit(b, audit);
    return 0;
  }
  const char *code = rc > 0 ? web_backend_error_code(b) : "";
  size_t cl = strlen(code);
  const char *msg = rc > 0 && strncmp(err, code, cl) == 0 && strncmp(err + cl, ": ", 2) == 0
                        ? err + cl + 2 : err;
  web_reply_daemon(r, rc, code, err, rc > 0 && field_of ? field_of(msg) : NULL);
  msgpack_unpacked_destroy(resp);
  return -1;
}

void web_api_forward(web_req *r, sv_request *req, bool retry, web_field_fn field_of) {
  msgpack_unpacked resp;
  uint64_t audit = 0;
  if (web_api_call(r, req, retry, field_of, &resp, &audit) != 0) return;
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) {
    msgpack_unpacked_destroy(&resp);
    return;
  }
  json_kv_uint(j, "audit", audit);
  const msgpack_object *res = session_result(&resp);
  if (res)
    json_kv_msgpack(j, "result", res);
  else {
    json_key(j, "result");
    json_null(j);
  }
  json_end_object(j);
  msgpack_unpacked_destroy(&resp);
  web_reply_json(r, 200, &w);
}

int web_api_set_str(web_req *r, sv_request *req, enum sv_field f, const char *v) {
  if (v == NULL || sv_request_set_str(req, f, v) == 0) return 0;
  web_reply_error(r, 500, "web_internal", NULL, "out of memory");
  return -1;
}

int web_api_set_uint(web_req *r, sv_request *req, enum sv_field f, uint64_t v) {
  if (sv_request_set_uint(req, f, v) == 0) return 0;
  web_reply_error(r, 500, "web_internal", NULL, "out of memory");
  return -1;
}

int web_api_text(web_req *r, const char *key, bool required, bool multiline, const char **out) {
  size_t n = 0;
  const char *v = web_req_form(r, key, &n);
  *out = NULL;
  if (v == NULL || n == 0) {
    if (!required) return 0;
    web_reply_error(r, 422, "web_missing", key, "%s is missing", key);
    return -1;
  }
  if (n > TEXT_MAX_LOCAL) {
    web_reply_error(r, 422, "invalid", key, "%s is too long", key);
    return -1;
  }
  if (!util_utf8_valid(v, n, multiline)) {
    web_reply_error(r, 422, "invalid", key, "%s is not valid text", key);
    return -1;
  }
  *out = v;
  return 0;
}

/* Refuse text shaped like a CPR number here, before anything is sent. */
static int cpr_check(web_req *r, const char *key, const char *v) {
  if (v != NULL && guard_find_cpr(v, strlen(v), NULL, NULL)) {
    web_reply_error(r, 422, "personal_data", key, "%s: %s (nothing was sent)", key,
                    GUARD_CPR_MESSAGE);
    return -1;
  }
  return 0;
}

int web_api_label(web_req *r, const char *key, bool required, const char **out) {
  if (web_api_text(r, key, required, false, out) != 0) return -1;
  if (*out == NULL) return 0;
  if (!guard_label_valid(*out, strlen(*out), GUARD_LABEL_MAX)) {
    web_reply_error(r, 422, "invalid", key,
                    "%s must be 1 to %d bytes of printable text without surrounding spaces",
                    key, GUARD_LABEL_MAX);
    return -1;
  }
  return cpr_check(r, key, *out);
}

int web_api_free_text(web_req *r, const char *key, bool required, const char **out) {
  if (web_api_text(r, key, required, true, out) != 0) return -1;
  return cpr_check(r, key, *out);
}

int web_api_uint(web_req *r, const char *key, bool required, uint64_t max, uint64_t *out,
                 bool *present) {
  const char *v = web_req_form(r, key, NULL);
  *present = false;
  *out = 0;
  if (v == NULL || v[0] == '\0') {
    if (!required) return 0;
    web_reply_error(r, 422, "web_missing", key, "%s is missing", key);
    return -1;
  }
  char *end = NULL;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || x == 0 || x > max) {
    web_reply_error(r, 422, "web_number", key, "%s must be a whole number from 1 to %llu", key,
                    (unsigned long long)max);
    return -1;
  }
  *out = x;
  *present = true;
  return 0;
}

int web_api_word(web_req *r, const char *key, bool required, const char *const *words,
                 const char **out) {
  const char *v = web_req_form(r, key, NULL);
  *out = NULL;
  if (v == NULL || v[0] == '\0') {
    if (!required) return 0;
    web_reply_error(r, 422, "web_missing", key, "%s is missing", key);
    return -1;
  }
  for (int i = 0; words[i]; i++)
    if (strcmp(v, words[i]) == 0) {
      *out = words[i];
      return 0;
    }
  web_reply_error(r, 422, "web_choice", key, "%s is not one of the choices", key);
  return -1;
}

/* Parse a coordinate: a finite decimal number. */
static int parse_coord(const char *v, double *out) {
  if (v == NULL || v[0] == '\0') return -1;
  char *end = NULL;
  errno = 0;
  double x = strtod(v, &end);
  if (errno != 0 || *end != '\0' || !isfinite(x)) return -1;
  *out = x;
  return 0;
}

int web_api_coords(web_req *r, bool *present, double *lat, double *lon) {
  const char *a = web_req_form(r, "lat", NULL), *o = web_req_form(r, "lon", NULL);
  bool has_a = a && a[0], has_o = o && o[0];
  *present = false;
  if (!has_a && !has_o) return 0;
  if (!has_a || !has_o || parse_coord(a, lat) != 0 || parse_coord(o, lon) != 0 ||
      !guard_coords_valid(*lat, *lon)) {
    web_reply_error(r, 422, "invalid", "at",
                    "the place must be a latitude from -90 to 90 and a longitude from -180 to "
                    "180");
    return -1;
  }
  *present = true;
  return 0;
}

int web_api_query_id(web_req *r, const char *key, const char *what, uint64_t *out) {
  const char *v = web_req_query(r, key);
  char *end = NULL;
  errno = 0;
  unsigned long long n = v && v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
  if (n == 0 || errno != 0 || n > WEB_API_ID_MAX || end == NULL || *end != '\0') {
    web_reply_error(r, 422, "web_number", key, "%s is a whole number", what);
    return -1;
  }
  *out = n;
  return 0;
}

int web_api_query_label(web_req *r, const char *key, bool required, const char **out) {
  const char *v = web_req_query(r, key);
  *out = NULL;
  if (v == NULL || v[0] == '\0') {
    if (!required) return 0;
    web_reply_error(r, 422, "web_missing", key, "%s is missing", key);
    return -1;
  }
  if (!guard_label_valid(v, strlen(v), GUARD_LABEL_MAX)) {
    web_reply_error(r, 422, "invalid", key, "%s is not a valid name", key);
    return -1;
  }
  *out = v;
  return 0;
}

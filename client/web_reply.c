/* web_reply.c -- the answers of `samvirke web` (see web_reply.h). */
#include "web_reply.h"

#include <assert.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "web_app.h"
#include "web_req.h"

#define COOKIE_LANG "sv_lang"

/* Add the headers every answer carries, then queue it. Takes resp. */
static void queue(web_req *r, unsigned status, struct MHD_Response *resp, bool cacheable) {
  assert(!r->replied);
  r->replied = true;
  if (resp == NULL) return; /* out of memory: libmicrohttpd closes the connection */
  MHD_add_response_header(resp, "Content-Security-Policy", r->app->csp);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
  MHD_add_response_header(resp, "Cache-Control", cacheable ? "private, max-age=300" : "no-store");
  if (!cacheable) MHD_add_response_header(resp, "Pragma", "no-cache");
  if (r->lang_asked) {
    char c[64];
    snprintf(c, sizeof c, "%s=%s; Path=/; SameSite=Strict; Max-Age=31536000", COOKIE_LANG,
             web_i18n_code(r->lang));
    MHD_add_response_header(resp, "Set-Cookie", c);
  }
  MHD_queue_response(r->conn, status, resp);
  MHD_destroy_response(resp);
}

/* Queue bytes we own: free (or wipe) them when libmicrohttpd is done with them. */
static void queue_owned(web_req *r, unsigned status, const char *type, char *buf, size_t len,
                        bool secret) {
  struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(
      len, buf, secret ? sodium_free : free);
  if (resp == NULL) web_json_free_buf(buf, secret);
  if (resp) MHD_add_response_header(resp, "Content-Type", type);
  queue(r, status, resp, false);
}

void web_reply_json(web_req *r, unsigned status, web_json *w) {
  char *buf = NULL;
  size_t len = 0;
  bool secret = false;
  if (web_json_take(w, &buf, &len, &secret) != 0) {
    web_reply_error(r, 500, "web_internal", NULL, "the answer could not be put together");
    return;
  }
  queue_owned(r, status, "application/json; charset=utf-8", buf, len, secret);
}

json_out *web_reply_ok_begin(web_req *r, web_json *w, size_t secret_cap) {
  json_out *j = secret_cap ? web_json_open_secret(w, secret_cap) : web_json_open(w);
  if (j == NULL) {
    web_reply_error(r, 500, "web_internal", NULL, "out of memory");
    return NULL;
  }
  json_begin_object(j);
  json_kv_bool(j, "ok", true);
  return j;
}

void web_reply_opened(web_req *r, web_json *w, const directory_trust *sealer, const uint8_t *body,
                      size_t blen) {
  json_out *j = &w->j;
  json_kv_str(j, "from_name", sealer->card.name);
  json_kv_str(j, "from_fingerprint", sealer->fingerprint);
  json_key(j, "body");
  json_strn(j, (const char *)body, blen);
  json_end_object(j);
  json_end_object(j);
  web_reply_json(r, 200, w);
}

void web_reply_error(web_req *r, unsigned status, const char *code, const char *field,
                     const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  web_json w;
  json_out *j = web_json_open(&w);
  if (j == NULL) {
    queue(r, 500, NULL, false);
    return;
  }
  json_begin_object(j);
  json_kv_bool(j, "ok", false);
  json_key(j, "error");
  json_begin_object(j);
  json_kv_str(j, "code", code);
  json_kv_str(j, "message", msg);
  if (field) json_kv_str(j, "field", field);
  json_end_object(j);
  json_end_object(j);
  char *buf = NULL;
  size_t len = 0;
  bool secret = false;
  if (web_json_take(&w, &buf, &len, &secret) != 0) {
    queue(r, 500, NULL, false);
    return;
  }
  queue_owned(r, status, "application/json; charset=utf-8", buf, len, false);
}

/* The HTTP status for a daemon error code. */
static unsigned daemon_status(const char *code) {
  static const struct {
    const char *code;
    unsigned status;
  } map[] = {
      {"denied", 403},          {"not_enrolled", 403},  {"not_found", 404},
      {"conflict", 409},        {"personal_data", 422}, {"invalid", 422},
      {"bad_request", 400},     {"too_large", 413},     {"unavailable", 503},
      {"bad_signature", 422},   {"unknown_recipient", 422}, {"revoked_recipient", 422},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i].code, code) == 0) return map[i].status;
  return 500;
}

void web_reply_daemon(web_req *r, int rc, const char *code, const char *err, const char *field) {
  if (rc < 0) {
    web_reply_error(r, 502, "server_unreachable", field, "%s", err);
    return;
  }
  /* err is "code: message": the message is what the daemon said */
  size_t cl = strlen(code);
  const char *msg = strncmp(err, code, cl) == 0 && strncmp(err + cl, ": ", 2) == 0
                        ? err + cl + 2 : err;
  web_reply_error(r, daemon_status(code), code[0] ? code : "error", field, "%s", msg);
}

void web_reply_file(web_req *r, const char *type, const unsigned char *data, size_t len) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_PERSISTENT);
  if (resp) MHD_add_response_header(resp, "Content-Type", type);
  queue(r, 200, resp, true);
}

/* ---- HTML ---- */

/* One @NAME@ of a template: its value, and whether it is markup of our own (raw) or text. */
typedef struct tpl_var {
  const char *name;
  const char *value;
  bool raw;
} tpl_var;

/* Fill template tpl (an embedded file) into a malloc'd buffer: every @NAME@ with a var is
 * replaced by its value; other text is copied. Returns 0, or -1 when memory runs out. */
static int render(const char *tpl, size_t n, const tpl_var *vars, size_t nvars, char **out,
                  size_t *outlen) {
  FILE *f = open_memstream(out, outlen);
  if (f == NULL) return -1;
  for (size_t i = 0; i < n; i++) {
    if (tpl[i] == '@') {
      const char *end = memchr(tpl + i + 1, '@', n - i - 1);
      size_t nl = end ? (size_t)(end - tpl - i - 1) : 0;
      const tpl_var *v = NULL;
      for (size_t k = 0; end && k < nvars && v == NULL; k++)
        if (strlen(vars[k].name) == nl && memcmp(vars[k].name, tpl + i + 1, nl) == 0)
          v = &vars[k];
      if (v != NULL) {
        if (v->raw)
          fputs(v->value, f);
        else
          html_escape(f, v->value);
        i += nl + 1;
        continue;
      }
    }
    fputc(tpl[i], f);
  }
  return fclose(f) == 0 ? 0 : -1;
}

/* Send a template filled in as an HTML page with status, with one extra header when hname is
 * not NULL. */
static void reply_template(web_req *r, unsigned status, const char *name, const tpl_var *vars,
                           size_t nvars, const char *hname, const char *hvalue) {
  const unsigned char *tpl = NULL;
  size_t tlen = 0;
  char *buf = NULL;
  size_t len = 0;
  if (!web_static_embedded(name, &tpl, &tlen) ||
      render((const char *)tpl, tlen, vars, nvars, &buf, &len) != 0) {
    free(buf);
    queue(r, 500, NULL, false);
    return;
  }
  struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, buf, free);
  if (resp == NULL) {
    free(buf);
  } else {
    MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    if (hname) MHD_add_response_header(resp, hname, hvalue);
  }
  queue(r, status, resp, false);
}

static const char *T(web_req *r, const char *key) {
  return web_i18n_get(r->app->i18n, r->lang, key);
}

void web_reply_page(web_req *r, const char *view, bool map) {
  const char *problem = map ? web_static_problem(r->app->files) : NULL;
  if (problem != NULL) {
    web_reply_refuse(r, 503, "leaflet", problem);
    return;
  }
  const char *lang = web_i18n_code(r->lang);
  char strings[64];
  snprintf(strings, sizeof strings, "/static/strings-%s.js", lang);
  tpl_var vars[] = {
      {"LANG", lang, false},
      {"VIEW", view, false},
      {"TITLE", T(r, "app.title"), false},
      {"LOADING", T(r, "app.loading"), false},
      {"NOSCRIPT", T(r, "app.noscript"), false},
      {"STRINGS", strings, false},
      {"MAPHEAD",
       map ? "<link rel=\"stylesheet\" href=\"/leaflet/leaflet.css\">\n"
             "<script src=\"/leaflet/leaflet.js\" defer></script>"
           : "",
       true},
  };
  reply_template(r, 200, "app.html", vars, sizeof vars / sizeof vars[0], NULL, NULL);
}

void web_reply_refuse(web_req *r, unsigned status, const char *why, const char *detail) {
  char tkey[96], xkey[96];
  snprintf(tkey, sizeof tkey, "refuse.%s.title", why);
  snprintf(xkey, sizeof xkey, "refuse.%s.text", why);
  if (r->route != NULL && r->route->kind == WEB_API) {
    char code[64];
    snprintf(code, sizeof code, "web_%s", why);
    const char *en = web_i18n_get(r->app->i18n, WEB_LANG_EN, xkey);
    if (detail)
      web_reply_error(r, status, code, NULL, "%s (%s)", en, detail);
    else
      web_reply_error(r, status, code, NULL, "%s", en);
    return;
  }
  tpl_var vars[] = {
      {"LANG", web_i18n_code(r->lang), false},
      {"TITLE", T(r, tkey), false},
      {"TEXT", T(r, xkey), false},
      {"DETAIL", detail ? detail : "", false},
      {"APP", T(r, "app.title"), false},
  };
  reply_template(r, status, "problem.html", vars, sizeof vars / sizeof vars[0], NULL, NULL);
}

void web_reply_login(web_req *r, const web_login *l) {
  char cookie[160];
  snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict",
           r->app->guard->cookie, l->sid);
  /* A page that moves on by itself rather than a redirect: the next request then starts on this
   * origin, so it is same-origin even when the link was opened from a file or a terminal. */
  tpl_var vars[] = {
      {"LANG", web_i18n_code(r->lang), false},
      {"TITLE", T(r, "app.title"), false},
      {"TEXT", T(r, "login.continue"), false},
      {"KEY", l->key, false},
  };
  reply_template(r, 200, "login.html", vars, sizeof vars / sizeof vars[0], "Set-Cookie", cookie);
  sodium_memzero(cookie, sizeof cookie); /* libmicrohttpd keeps its own copy */
}

/* web_pages.c -- the pages, files, login link and session answer of `samvirke web`.
 *
 * Every page is the same HTML shell (client/web/app.html) naming its view; the scripts draw the
 * view from the JSON API. The session answer tells the scripts who the member is, what the
 * pages may offer them and the CSRF token to send with every change. */
#include "web_pages.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "util.h"
#include "web_app.h"
#include "web_reply.h"

static void page_home(web_req *r) { web_reply_page(r, "home", false); }
static void page_area(web_req *r) { web_reply_page(r, "area", true); }
static void page_notes(web_req *r) { web_reply_page(r, "notes", false); }
static void page_audit(web_req *r) { web_reply_page(r, "audit", false); }
static void page_meeting(web_req *r) { web_reply_page(r, "meeting", true); }
static void page_concerns(web_req *r) { web_reply_page(r, "concerns", false); }

/* /login?token=T: the launch token becomes a browser session. */
static void page_login(web_req *r) {
  web_app *app = web_req_app(r);
  if (!web_guard_token_ok(app->guard, web_req_query(r, "token"))) {
    web_reply_refuse(r, 403, "token", NULL);
    return;
  }
  web_app_drop_open_page(app); /* the browser has read it: the token need not stay on disk */
  web_reply_login(r, web_guard_login(app->guard, util_now_ns()));
}

/* /static/NAME: the interface's own scripts, style and images; strings-LANG.js from the table. */
static void file_static(web_req *r) {
  web_app *app = web_req_app(r);
  const char *name = web_req_path(r) + strlen("/static/");
  const unsigned char *data = NULL;
  size_t len = 0;
  for (int l = 0; l < WEB_LANG__COUNT; l++) {
    char sname[32];
    snprintf(sname, sizeof sname, "strings-%s.js", web_i18n_code((web_lang)l));
    if (strcmp(name, sname) == 0) {
      const char *s = web_i18n_script(app->i18n, (web_lang)l, &len);
      web_reply_file(r, web_static_type(name), (const unsigned char *)s, len);
      return;
    }
  }
  const char *dot = strrchr(name, '.');
  bool servable = dot && (strcmp(dot, ".js") == 0 || strcmp(dot, ".css") == 0 ||
                          strcmp(dot, ".svg") == 0 || strcmp(dot, ".png") == 0);
  if (!servable || strchr(name, '/') || !web_static_embedded(name, &data, &len)) {
    web_reply_refuse(r, 404, "not_found", NULL);
    return;
  }
  web_reply_file(r, web_static_type(name), data, len);
}

/* /leaflet/FILE: Leaflet from Debian's libjs-leaflet, as read at start. */
static void file_leaflet(web_req *r) {
  web_app *app = web_req_app(r);
  const char *name = web_req_path(r) + strlen("/leaflet/");
  const unsigned char *data = NULL;
  size_t len = 0;
  if (!web_static_leaflet(app->files, name, &data, &len)) {
    const char *problem = web_static_problem(app->files);
    web_reply_refuse(r, 404, problem ? "leaflet" : "not_found", problem);
    return;
  }
  web_reply_file(r, web_static_type(name), data, len);
}

/* GET /api/session: who the member is (asked afresh, so a role change shows), what the pages
 * offer them, the CSRF token, the language and the base map. */
static void api_session(web_req *r) {
  web_app *app = web_req_app(r);
  web_backend *b = &app->backend;
  sv_request req;
  msgpack_unpacked resp;
  char err[512];
  sv_request_init(&req, 0, SV_OP_WHOAMI);
  int rc = web_backend_call(b, &req, &resp, true, err, sizeof err);
  sv_request_free(&req);
  const msgpack_object *m = rc == 0 ? session_result(&resp) : NULL;
  if (rc != 0 || m == NULL || m->type != MSGPACK_OBJECT_MAP) {
    msgpack_unpacked_destroy(&resp);
    if (rc == 0) snprintf(err, sizeof err, "the server no longer knows this identity (revoked?)");
    web_reply_daemon(r, rc == 0 ? 1 : rc, rc == 0 ? "not_enrolled" : web_backend_error_code(b),
                     err, NULL);
    return;
  }
  web_member me = b->me;
  const char *v;
  size_t n;
  if (sv_map_str(m, "role", &v, &n) == 0 && n < sizeof me.role) {
    memcpy(me.role, v, n);
    me.role[n] = '\0';
  }
  msgpack_unpacked_destroy(&resp);
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) return;
  bool core = web_backend_regime_role(me.role), auditor = strcmp(me.role, "auditor") == 0;
  json_key(j, "member");
  json_begin_object(j);
  json_kv_str(j, "name", me.name);
  json_kv_str(j, "role", me.role);
  json_kv_str(j, "keyid", me.keyid);
  json_end_object(j);
  json_key(j, "caps");
  json_begin_object(j);
  json_kv_bool(j, "area", !auditor);
  json_kv_bool(j, "core", core);
  json_kv_bool(j, "audit", auditor);
  json_end_object(j);
  json_kv_str(j, "csrf", web_req_login(r)->csrf);
  json_kv_str(j, "lang", web_i18n_code(web_req_lang(r)));
  json_kv_str(j, "server", b->cfg.server);
  json_key(j, "tiles");
  if (app->tile_url[0]) {
    json_begin_object(j);
    json_kv_str(j, "url", app->tile_url);
    json_kv_str(j, "attribution", app->tile_attribution);
    json_end_object(j);
  } else {
    json_null(j);
  }
  json_end_object(j);
  web_reply_json(r, 200, &w);
}

const web_route web_pages_routes[] = {
    {"/", WEB_PAGE, 0, page_home},
    {"/area", WEB_PAGE, 0, page_area},
    {"/notes", WEB_PAGE, 0, page_notes},
    {"/audit", WEB_PAGE, 0, page_audit},
    {"/meeting", WEB_PAGE, 0, page_meeting},
    {"/concerns", WEB_PAGE, 0, page_concerns},
    {"/login", WEB_PAGE, WEB_R_PUBLIC | WEB_R_ANYSITE, page_login},
    {"/static/", WEB_ASSET, WEB_R_PUBLIC | WEB_R_PREFIX, file_static},
    {"/leaflet/", WEB_ASSET, WEB_R_PUBLIC | WEB_R_PREFIX, file_leaflet},
    {"/api/session", WEB_API, 0, api_session},
    {NULL, WEB_PAGE, 0, NULL},
};

/* web_server.h -- `samvirke web`'s HTTP server on libmicrohttpd: loopback listener, the checks
 * every request passes (web_guard.h) before a handler sees it, the route tables, and what a
 * handler may ask of its request. Handlers reply with web_reply.h. */
#ifndef SAMVIRKE_WEB_SERVER_H
#define SAMVIRKE_WEB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web_guard.h"
#include "web_i18n.h"

struct web_app;
typedef struct web_server web_server;
typedef struct web_req web_req;

/* What a route serves; decides which checks apply. */
enum web_kind {
  WEB_PAGE,  /* an HTML page: may be opened from outside the browser (Sec-Fetch-Site none) */
  WEB_ASSET, /* a script, style sheet or image of the interface itself */
  WEB_API,   /* JSON for the page scripts: same-origin requests only */
};

#define WEB_R_PUBLIC 1u /* served without a login (assets, the login link itself) */
#define WEB_R_CHANGE 2u /* a change: POST only, Origin and X-CSRF-Token required */
#define WEB_R_PREFIX 4u /* path is a prefix ("/leaflet/"): the rest is the handler's business */
#define WEB_R_ANYSITE 8u /* a navigation from anywhere (the login link, opened from a file) */

/* A handler replies to r (web_reply.h) before it returns; one that does not gets a 500. */
typedef void (*web_handler)(web_req *r);

typedef struct web_route {
  const char *path;
  enum web_kind kind;
  unsigned flags;
  web_handler fn;
} web_route;

#define WEB_BODY_MAX ((1u << 20) + 65536) /* largest request body (a form with a note) */
#define WEB_FIELD_MAX (1u << 20)          /* largest form field */
#define WEB_FIELDS_MAX 64                 /* form fields per request */

/* Start serving app on l (loopback; port 0: any free port) with the route tables (each ends
 * with a row whose path is NULL; the first matching row of the first table wins). The HTTP
 * work runs on libmicrohttpd's one internal thread, so handlers run one at a time and may use
 * the app without locks. *port receives the bound port. Returns the server, or NULL with one
 * line in err. The guard is created here (web_guard_new), stored in app->guard. */
web_server *web_server_start(struct web_app *app, const web_listen *l,
                             const web_route *const *tables, uint16_t *port, char *err,
                             size_t errlen);

/* Stop accepting, finish the request in progress, free everything. NULL is a no-op. */
void web_server_stop(web_server *ws);

/* ---- what a handler may ask ---- */

struct web_app *web_req_app(web_req *r);
const char *web_req_path(const web_req *r);
web_lang web_req_lang(const web_req *r);
/* The login of this request (NULL for public routes without one). */
const web_login *web_req_login(const web_req *r);
/* The query argument key of a GET, or NULL when absent or holding a NUL byte. */
const char *web_req_query(web_req *r, const char *key);
/* The form field key of a POST (urlencoded), or NULL when absent; *len (may be NULL) gets its
 * length. A field holding a NUL byte was refused before the handler ran. The value stays the
 * request's (wiped when the request ends). */
const char *web_req_form(web_req *r, const char *key, size_t *len);
/* Every value of a repeated form field key, in order: fills up to max pointers, returns how
 * many there are. */
size_t web_req_form_all(web_req *r, const char *key, const char **out, size_t max);
/* The cookie name, or NULL. */
const char *web_req_cookie(web_req *r, const char *name);

#endif

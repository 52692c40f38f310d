/* web_reply.h -- the answers of `samvirke web`: JSON for the page scripts, the HTML pages,
 * files, and refusals that say in the member's language what went wrong. Every answer carries
 * the security headers (CSP default-src 'self', nosniff, no referrer, no framing) and, unless it
 * is one of the interface's own files, Cache-Control: no-store. */
#ifndef SAMVIRKE_WEB_REPLY_H
#define SAMVIRKE_WEB_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "directory.h"
#include "web_guard.h"
#include "web_json.h"
#include "web_server.h"

/* Send the document w (its writer must hold one complete object) with status. Takes w. A
 * document that cannot be finished becomes a 500 error answer. */
void web_reply_json(web_req *r, unsigned status, web_json *w);

/* Start a success answer in w: the document's object is open and holds "ok": true. secret_cap
 * 0 for an ordinary answer, else the size of a secret one (web_json_open_secret). Returns the
 * writer, or NULL after answering 500 when memory runs out. */
json_out *web_reply_ok_begin(web_req *r, web_json *w, size_t secret_cap);

/* The end of an answer that shows an opened envelope, written inside its open inner object
 * (the second level of w): the sealer as the trusted directory names them ("from_name",
 * "from_fingerprint") and the plaintext ("body"); closes that object and the document and sends
 * it with status 200. The body stays the caller's to wipe. */
void web_reply_opened(web_req *r, web_json *w, const directory_trust *sealer, const uint8_t *body,
                      size_t blen);

/* Send {"ok": false, "error": {"code": code, "message": MESSAGE, "field": field}} (field left
 * out when NULL). code is a daemon error code ("personal_data") or one of the interface's own
 * ("web_..."); the page scripts translate it and show message beside it. */
void web_reply_error(web_req *r, unsigned status, const char *code, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A failed daemon call as an error answer: rc 1 (the daemon said no: err is "code: message",
 * code is the stable code) or -1 (no answer: "server_unreachable", 502). The HTTP status
 * follows the code (denied 403, not_found 404, conflict 409, the guards 422, unavailable 503). */
void web_reply_daemon(web_req *r, int rc, const char *code, const char *err, const char *field);

/* Send one of the interface's own files (data must outlive the answer). Cacheable briefly. */
void web_reply_file(web_req *r, const char *type, const unsigned char *data, size_t len);

/* The HTML page of a view (client/web/app.html filled in): its scripts then draw it. map adds
 * Leaflet's script and style sheet; when Leaflet is missing the page says so instead. */
void web_reply_page(web_req *r, const char *view, bool map);

/* A refusal by the interface itself: for a page or file an HTML page in the request's language
 * (title and text from the strings "refuse.WHY.title" / "refuse.WHY.text"), for the API the JSON
 * error "web_WHY". detail (may be NULL) is added as it is. */
void web_reply_refuse(web_req *r, unsigned status, const char *why, const char *detail);

/* After a valid launch token: set the session cookie (HttpOnly, SameSite=Strict) of l and send
 * the browser on to "/" (a page that refreshes itself), so the token leaves its address bar. */
void web_reply_login(web_req *r, const web_login *l);

#endif

/* web_guard.h -- the security of `samvirke web`'s local interface: loopback-only listen
 * addresses, the per-launch token, session cookies and CSRF tokens, Host/Origin/Sec-Fetch-Site
 * checks against DNS rebinding and other local pages, the tile URL, and the security headers.
 *
 * Everything here is a pure decision on strings (no HTTP library), so unit tests can throw any
 * header value at it. web_server.c asks these questions for every request. */
#ifndef SAMVIRKE_WEB_GUARD_H
#define SAMVIRKE_WEB_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_TOKEN_BYTES 32                       /* launch token, session id, CSRF token */
#define WEB_TOKEN_HEX (2 * WEB_TOKEN_BYTES + 1)  /* as lowercase hex, NUL included */
#define WEB_SESSIONS_MAX 16                      /* browser sessions kept; the oldest goes */
#define WEB_HOSTS_MAX 3                          /* Host values accepted */
#define WEB_HOST_MAX 64                          /* "[::1]:65535" and the like */
#define WEB_COOKIE_PREFIX "sv_session_" /* + the port: cookies are per host, not per port */
#define WEB_TILE_URL_MAX 512

/* One logged-in browser: its cookie value and the CSRF token its pages send with each change. */
typedef struct web_login {
  bool used;
  char sid[WEB_TOKEN_HEX];
  char csrf[WEB_TOKEN_HEX];
  /* The key every /api/ request presents (X-SV-Key): handed only to the login page, which keeps
   * it in this origin's localStorage. The session cookie alone reads nothing, because a browser
   * sends a cookie for 127.0.0.1 to every port of it (another user's server included). */
  char key[WEB_TOKEN_HEX];
  uint64_t last_ns; /* monotonic time of the last request (for eviction) */
} web_login;

/* The guard of one launch. Holds secrets (token, session ids): lives in sodium_malloc memory,
 * created by web_guard_new and wiped by web_guard_free. */
typedef struct web_guard {
  char token[WEB_TOKEN_HEX];                   /* the launch token of the printed URL */
  char hosts[WEB_HOSTS_MAX][WEB_HOST_MAX];     /* accepted Host header values */
  char origins[WEB_HOSTS_MAX][WEB_HOST_MAX + 8]; /* accepted Origin values: "http://" + host */
  int nhosts;
  char cookie[32];                             /* the session cookie's name, "sv_session_PORT" */
  web_login logins[WEB_SESSIONS_MAX];
} web_guard;

/* A parsed --listen address: loopback only. */
typedef struct web_listen {
  bool v6;             /* ::1 rather than 127.0.0.1 */
  uint8_t addr4[4];    /* for v4: 127.x.y.z */
  uint16_t port;       /* 0: let the system choose */
} web_listen;

/* Parse "HOST:PORT", "[::1]:PORT" or a bare PORT (meaning 127.0.0.1:PORT). HOST must be a
 * loopback address (127.0.0.0/8, ::1) or "localhost" (taken as 127.0.0.1): the interface acts
 * with the member's keys, so it is never offered to the network. PORT is 0..65535 (0: any free
 * port). Returns 0, or -1 with one line in err. */
int web_guard_parse_listen(const char *s, web_listen *out, char *err, size_t errlen);

/* A new guard for a server bound to l with the port actually bound (port > 0): a fresh random
 * token, no logins, and the accepted Host values ("127.0.0.1:PORT" and "localhost:PORT" for
 * 127.0.0.1; the literal address for other 127/8 addresses; "[::1]:PORT" and "localhost:PORT"
 * for ::1), and the cookie name for this port (two launches on one machine keep apart). NULL
 * when memory runs out. Free with web_guard_free. */
web_guard *web_guard_new(const web_listen *l, uint16_t port);
/* Wipe and free. NULL is a no-op. */
void web_guard_free(web_guard *g);

/* True when host (the Host header, NULL when absent) is exactly one of the accepted values
 * (ASCII case-insensitive). A missing Host, another name (DNS rebinding: evil.example resolving
 * to 127.0.0.1) or another port is refused. */
bool web_guard_host_ok(const web_guard *g, const char *host);

/* True when origin (the Origin header, NULL when absent) is acceptable: absent is accepted
 * only when origin_required is false; present, it must be exactly "http://" + an accepted host
 * value (in lowercase, as browsers serialize an origin).
 * "null" (sandboxed or file pages) and other local pages (http://127.0.0.1:OTHERPORT) are
 * refused. */
bool web_guard_origin_ok(const web_guard *g, const char *origin, bool origin_required);

/* True when the Sec-Fetch-Site header (NULL when the browser sent none) allows the request:
 * "same-origin" always; "none" (typed, bookmarked, opened from the terminal) only for a
 * navigation to a page (navigation true); "same-site" and "cross-site" never -- another local
 * page on another port is "same-site". */
bool web_guard_fetch_site_ok(const char *sec_fetch_site, bool navigation);

/* Compare presented (may be NULL) with the launch token in constant time. */
bool web_guard_token_ok(const web_guard *g, const char *presented);

/* Start a browser session (after a valid token): fresh session id and CSRF token, evicting the
 * least recently used one when WEB_SESSIONS_MAX are open. Returns the login (owned by g). */
const web_login *web_guard_login(web_guard *g, uint64_t now_ns);

/* The login whose session id is sid (the cookie value; NULL when absent), compared in constant
 * time; NULL when none. Updates its last use. */
const web_login *web_guard_session(web_guard *g, const char *sid, uint64_t now_ns);

/* True when presented (the X-CSRF-Token header; NULL when absent) is l's CSRF token. */
bool web_guard_csrf_ok(const web_login *l, const char *presented);
/* Whether presented is login l's API key (constant time; false for NULL). */
bool web_guard_key_ok(const web_login *l, const char *presented);

/* Check a base-map tile URL template: "http://" or "https://", a host of letters, digits, '.',
 * '-' (optionally ":PORT"), then a path containing {z}, {x} and {y}, made only of URL-safe
 * characters (no quotes, spaces, ';' or ','), at most WEB_TILE_URL_MAX bytes. On success writes
 * its origin ("https://host[:port]") into origin (for the CSP's img-src). Returns 0, or -1 with
 * one line in err. */
int web_guard_tile_url_check(const char *url, char *origin, size_t originlen, char *err,
                             size_t errlen);

/* The Content-Security-Policy value: default-src 'self' (scripts, styles, fetches only from
 * this server, no inline script), img-src 'self' plus tile_origin when tiles are configured
 * (NULL or "": none), and no framing, no <base>, forms only to self. Writes into out; returns
 * 0, or -1 if it does not fit. */
int web_guard_csp(const char *tile_origin, char *out, size_t outlen);

#endif

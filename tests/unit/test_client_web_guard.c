/* test_client_web_guard.c -- the security decisions of `samvirke web`: loopback-only listen
 * addresses, Host/Origin/Sec-Fetch-Site, the launch token, logins and CSRF tokens, tile URLs and
 * the CSP, each at both sides of its boundary. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "task.h"
#include "web_guard.h"

static void test_listen(void) {
  web_listen l;
  char err[512];
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.1:8080", &l, err, sizeof err), 0);
  ASSERT(!l.v6 && l.port == 8080 && l.addr4[0] == 127 && l.addr4[3] == 1);
  ASSERT_INT_EQ(web_guard_parse_listen("8081", &l, err, sizeof err), 0);
  ASSERT(!l.v6 && l.port == 8081 && l.addr4[0] == 127);
  ASSERT_INT_EQ(web_guard_parse_listen("localhost:1", &l, err, sizeof err), 0);
  ASSERT(l.port == 1 && l.addr4[0] == 127 && l.addr4[3] == 1);
  ASSERT_INT_EQ(web_guard_parse_listen("[::1]:80", &l, err, sizeof err), 0);
  ASSERT(l.v6 && l.port == 80);
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.1:0", &l, err, sizeof err), 0);
  ASSERT_INT_EQ(l.port, 0);
  /* the edges of 127.0.0.0/8 */
  ASSERT_INT_EQ(web_guard_parse_listen("127.255.255.254:80", &l, err, sizeof err), 0);
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.0:80", &l, err, sizeof err), 0);
  ASSERT_INT_EQ(web_guard_parse_listen("128.0.0.1:80", &l, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "not a loopback address");
  ASSERT_INT_EQ(web_guard_parse_listen("126.255.255.255:80", &l, err, sizeof err), -1);
  /* never the network */
  ASSERT_INT_EQ(web_guard_parse_listen("0.0.0.0:80", &l, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "not a loopback address");
  ASSERT_INT_EQ(web_guard_parse_listen("192.168.1.20:80", &l, err, sizeof err), -1);
  ASSERT_INT_EQ(web_guard_parse_listen("[::]:80", &l, err, sizeof err), -1);
  ASSERT_INT_EQ(web_guard_parse_listen("[::2]:80", &l, err, sizeof err), -1);
  ASSERT_INT_EQ(web_guard_parse_listen("example.org:80", &l, err, sizeof err), -1);
  /* ports at both edges */
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.1:65535", &l, err, sizeof err), 0);
  ASSERT_INT_EQ(l.port, 65535);
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.1:65536", &l, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "port");
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.1:-1", &l, err, sizeof err), -1);
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.1:", &l, err, sizeof err), -1);
  ASSERT_INT_EQ(web_guard_parse_listen(":80", &l, err, sizeof err), -1);
  ASSERT_INT_EQ(web_guard_parse_listen("127.0.0.1:80x", &l, err, sizeof err), -1);
  ASSERT_INT_EQ(web_guard_parse_listen("", &l, err, sizeof err), -1);
}

static web_guard *guard_on(const char *addr, uint16_t port) {
  web_listen l;
  char err[256];
  ASSERT_INT_EQ(web_guard_parse_listen(addr, &l, err, sizeof err), 0);
  web_guard *g = web_guard_new(&l, port);
  ASSERT(g != NULL);
  return g;
}

static void test_host_origin(void) {
  web_guard *g = guard_on("127.0.0.1:0", 7351);
  ASSERT(web_guard_host_ok(g, "127.0.0.1:7351"));
  ASSERT(web_guard_host_ok(g, "localhost:7351"));
  ASSERT(web_guard_host_ok(g, "LOCALHOST:7351"));
  ASSERT(!web_guard_host_ok(g, NULL));
  ASSERT(!web_guard_host_ok(g, ""));
  ASSERT(!web_guard_host_ok(g, "127.0.0.1"));
  ASSERT(!web_guard_host_ok(g, "127.0.0.1:7352"));
  ASSERT(!web_guard_host_ok(g, "127.0.0.1:73510"));
  ASSERT(!web_guard_host_ok(g, "127.0.0.1:7351 "));
  ASSERT(!web_guard_host_ok(g, "evil.example:7351")); /* DNS rebinding */
  ASSERT(!web_guard_host_ok(g, "127.0.0.1.evil.example:7351"));
  ASSERT(!web_guard_host_ok(g, "[::1]:7351"));
  ASSERT_STR_EQ(g->cookie, "sv_session_7351");

  ASSERT(web_guard_origin_ok(g, NULL, false));
  ASSERT(!web_guard_origin_ok(g, NULL, true));
  ASSERT(web_guard_origin_ok(g, "http://127.0.0.1:7351", true));
  ASSERT(web_guard_origin_ok(g, "http://localhost:7351", true));
  ASSERT(!web_guard_origin_ok(g, "https://127.0.0.1:7351", true));
  ASSERT(!web_guard_origin_ok(g, "HTTP://127.0.0.1:7351", true));
  ASSERT(!web_guard_origin_ok(g, "http://LOCALHOST:7351", true));
  ASSERT(!web_guard_origin_ok(g, "http://127.0.0.1:8000", false)); /* another local page */
  ASSERT(!web_guard_origin_ok(g, "http://127.0.0.1:7351/", true));
  ASSERT(!web_guard_origin_ok(g, "null", false));
  ASSERT(!web_guard_origin_ok(g, "http://evil.example:7351", false));
  web_guard_free(g);

  g = guard_on("127.0.0.2:0", 9000); /* another loopback address: only its literal */
  ASSERT(web_guard_host_ok(g, "127.0.0.2:9000"));
  ASSERT(!web_guard_host_ok(g, "localhost:9000"));
  ASSERT(!web_guard_host_ok(g, "127.0.0.1:9000"));
  web_guard_free(g);

  g = guard_on("[::1]:0", 9001);
  ASSERT(web_guard_host_ok(g, "[::1]:9001"));
  ASSERT(web_guard_host_ok(g, "localhost:9001"));
  ASSERT(!web_guard_host_ok(g, "127.0.0.1:9001"));
  ASSERT(web_guard_origin_ok(g, "http://[::1]:9001", true));
  web_guard_free(g);
}

static void test_fetch_site(void) {
  ASSERT(web_guard_fetch_site_ok(NULL, false));
  ASSERT(web_guard_fetch_site_ok(NULL, true));
  ASSERT(web_guard_fetch_site_ok("same-origin", false));
  ASSERT(web_guard_fetch_site_ok("same-origin", true));
  ASSERT(web_guard_fetch_site_ok("none", true));
  ASSERT(!web_guard_fetch_site_ok("none", false));
  ASSERT(!web_guard_fetch_site_ok("same-site", true)); /* 127.0.0.1 on another port */
  ASSERT(!web_guard_fetch_site_ok("same-site", false));
  ASSERT(!web_guard_fetch_site_ok("cross-site", true));
  ASSERT(!web_guard_fetch_site_ok("", true));
}

static void test_token_logins(void) {
  web_guard *g = guard_on("127.0.0.1:0", 7351);
  ASSERT_INT_EQ(strlen(g->token), 64);
  char t[WEB_TOKEN_HEX + 1];
  ASSERT(web_guard_token_ok(g, g->token));
  ASSERT(!web_guard_token_ok(g, NULL));
  ASSERT(!web_guard_token_ok(g, ""));
  memcpy(t, g->token, 63);
  t[63] = '\0';
  ASSERT(!web_guard_token_ok(g, t)); /* one short */
  snprintf(t, sizeof t, "%s0", g->token);
  ASSERT(!web_guard_token_ok(g, t)); /* one long */
  snprintf(t, sizeof t, "%s", g->token);
  t[10] = t[10] == 'a' ? 'b' : 'a';
  ASSERT(!web_guard_token_ok(g, t)); /* one digit off */

  const web_login *a = web_guard_login(g, 100);
  ASSERT_INT_EQ(strlen(a->sid), 64);
  ASSERT_INT_EQ(strlen(a->csrf), 64);
  ASSERT(strcmp(a->sid, a->csrf) != 0 && strcmp(a->sid, g->token) != 0);
  char sid_a[WEB_TOKEN_HEX], csrf_a[WEB_TOKEN_HEX];
  snprintf(sid_a, sizeof sid_a, "%s", a->sid);
  snprintf(csrf_a, sizeof csrf_a, "%s", a->csrf);
  ASSERT(web_guard_session(g, sid_a, 101) == a);
  ASSERT(web_guard_session(g, csrf_a, 101) == NULL); /* the CSRF token is not a session */
  ASSERT(web_guard_session(g, g->token, 101) == NULL);
  ASSERT(web_guard_session(g, NULL, 101) == NULL);
  ASSERT(web_guard_csrf_ok(a, csrf_a));
  ASSERT(!web_guard_csrf_ok(a, sid_a));
  ASSERT(!web_guard_csrf_ok(a, NULL));
  ASSERT(!web_guard_csrf_ok(NULL, csrf_a));
  /* WEB_SESSIONS_MAX - 1 more logins fit beside a; one more evicts the least recently used */
  const web_login *b = web_guard_login(g, 200);
  char sid_b[WEB_TOKEN_HEX];
  snprintf(sid_b, sizeof sid_b, "%s", b->sid);
  for (int i = 2; i < WEB_SESSIONS_MAX; i++) web_guard_login(g, 300 + (uint64_t)i);
  ASSERT(web_guard_session(g, sid_a, 1000) != NULL); /* a is now the most recently used */
  ASSERT(web_guard_session(g, sid_b, 1001) != NULL);
  ASSERT(web_guard_session(g, sid_a, 1002) != NULL);
  web_guard_login(g, 2000); /* evicts the login made at 302, not a or b */
  ASSERT(web_guard_session(g, sid_a, 2001) != NULL);
  ASSERT(web_guard_session(g, sid_b, 2002) != NULL);
  int alive = 0;
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) alive += g->logins[i].used;
  ASSERT_INT_EQ(alive, WEB_SESSIONS_MAX);
  web_guard_free(g);
}

static void test_tiles_csp(void) {
  char o[WEB_TILE_URL_MAX + 1], err[512], csp[1024];
  ASSERT_INT_EQ(web_guard_tile_url_check("https://tiles.example.dk/{z}/{x}/{y}.png", o,
                                         sizeof o, err, sizeof err), 0);
  ASSERT_STR_EQ(o, "https://tiles.example.dk");
  ASSERT_INT_EQ(web_guard_tile_url_check("http://127.0.0.1:8099/t/{z}/{x}/{y}.png?k=a%20b", o,
                                         sizeof o, err, sizeof err), 0);
  ASSERT_STR_EQ(o, "http://127.0.0.1:8099");
  static const char *const bad[] = {
      "ftp://tiles.example.dk/{z}/{x}/{y}.png",
      "javascript:alert(1)//{z}{x}{y}",
      "https://tiles.example.dk/{z}/{x}.png",                  /* no {y} */
      "https://tiles.example.dk",                              /* no path */
      "https:///{z}/{x}/{y}.png",                              /* no host */
      "https://tiles.example.dk/{z}/{x}/{y}.png; script-src *", /* CSP injection */
      "https://tiles.example.dk/{z}/{x}/{y}.png'",
      "https://tiles.example.dk/{z}/{x}/{y}.png,x",
      "https://tiles.example.dk/{z} /{x}/{y}.png",
      "https://tiles_example.dk/{z}/{x}/{y}.png",
      "https://tiles.example.dk:80a/{z}/{x}/{y}.png",
      "https://user@tiles.example.dk/{z}/{x}/{y}.png",
      NULL,
  };
  for (int i = 0; bad[i]; i++)
    if (web_guard_tile_url_check(bad[i], o, sizeof o, err, sizeof err) == 0)
      TASK_FAIL("tile URL accepted: %s", bad[i]);
  /* the length limit at both sides */
  char url[WEB_TILE_URL_MAX + 2];
  const char *head = "https://t.example.dk/{z}/{x}/{y}?";
  size_t hl = strlen(head);
  memcpy(url, head, hl);
  memset(url + hl, 'a', WEB_TILE_URL_MAX - hl);
  url[WEB_TILE_URL_MAX] = '\0';
  ASSERT_INT_EQ(web_guard_tile_url_check(url, o, sizeof o, err, sizeof err), 0);
  url[WEB_TILE_URL_MAX] = 'a';
  url[WEB_TILE_URL_MAX + 1] = '\0';
  ASSERT_INT_EQ(web_guard_tile_url_check(url, o, sizeof o, err, sizeof err), -1);

  ASSERT_INT_EQ(web_guard_csp(NULL, csp, sizeof csp), 0);
  ASSERT_STR_CONTAINS(csp, "default-src 'self'");
  ASSERT_STR_CONTAINS(csp, "img-src 'self';");
  ASSERT_STR_CONTAINS(csp, "frame-ancestors 'none'");
  ASSERT(strstr(csp, "unsafe") == NULL);
  ASSERT_INT_EQ(web_guard_csp("https://tiles.example.dk", csp, sizeof csp), 0);
  ASSERT_STR_CONTAINS(csp, "img-src 'self' https://tiles.example.dk;");
  ASSERT_STR_CONTAINS(csp, "default-src 'self';");
  ASSERT_INT_EQ(web_guard_csp("https://tiles.example.dk", csp, 40), -1);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_listen);
  RUN_TEST(test_host_origin);
  RUN_TEST(test_fetch_site);
  RUN_TEST(test_token_logins);
  RUN_TEST(test_tiles_csp);
  return 0;
}

/* fuzz_web_input.c -- the decisions `samvirke web` makes on strings a page or the command line
 * hands it (client/web_guard.c, client/web_i18n.c) on arbitrary bytes: listen addresses, Host,
 * Origin, Sec-Fetch-Site, tokens and session ids, tile URLs and the CSP, the strings table. None
 * may crash, and what each accepts keeps its promise. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web_guard.h"
#include "web_i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static web_guard *g;
  if (g == NULL) {
    if (sodium_init() < 0) abort();
    web_listen l;
    char e[256];
    if (web_guard_parse_listen("127.0.0.1:7351", &l, e, sizeof e) != 0) abort();
    g = web_guard_new(&l, 7351);
    if (g == NULL) abort();
    web_guard_login(g, 1);
  }
  char *s = malloc(size + 1);
  if (s == NULL) abort();
  memcpy(s, data, size);
  s[size] = '\0';
  size_t n = strlen(s);
  char err[512];

  web_listen l;
  if (web_guard_parse_listen(s, &l, err, sizeof err) == 0 && !l.v6 && l.addr4[0] != 127)
    abort(); /* only loopback is ever accepted */
  bool host = web_guard_host_ok(g, s);
  if (host && strcmp(s, "127.0.0.1:7351") != 0 && strcasecmp(s, "localhost:7351") != 0) abort();
  bool origin = web_guard_origin_ok(g, s, true);
  if (origin && strncmp(s, "http://", 7) != 0) abort();
  if (web_guard_fetch_site_ok(s, false) && strcmp(s, "same-origin") != 0) abort();
  if (web_guard_token_ok(g, s) && strcmp(s, g->token) != 0) abort();
  const web_login *lg = web_guard_session(g, s, 2);
  if (lg != NULL && strcmp(s, lg->sid) != 0) abort();
  if (web_guard_csrf_ok(&g->logins[0], s) && strcmp(s, g->logins[0].csrf) != 0) abort();

  char origin_out[WEB_TILE_URL_MAX + 1], csp[WEB_TILE_URL_MAX + 256];
  if (web_guard_tile_url_check(s, origin_out, sizeof origin_out, err, sizeof err) == 0) {
    size_t ol = strlen(origin_out);
    if (ol == 0 || ol >= n || strncmp(s, origin_out, ol) != 0 || s[ol] != '/') abort();
    if (strpbrk(s, " ;,'\"\\\r\n") != NULL) abort(); /* nothing that could break the CSP */
    if (web_guard_csp(origin_out, csp, sizeof csp) != 0) abort();
  }

  web_i18n *t = web_i18n_new((const char *)data, size, err, sizeof err);
  if (t != NULL) {
    size_t len = 0;
    for (int lang = 0; lang < WEB_LANG__COUNT; lang++) {
      const char *js = web_i18n_script(t, (web_lang)lang, &len);
      if (js == NULL || strlen(js) != len || strstr(js, "</") != NULL) abort();
    }
    if (web_i18n_get(t, WEB_LANG_DA, s) == NULL) abort();
    web_i18n_free(t);
  }
  free(s);
  return 0;
}

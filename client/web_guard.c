/* web_guard.c -- the security decisions of `samvirke web`'s local interface (see web_guard.h). */
#include "web_guard.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Parse a decimal port 0..65535 with no sign and no trailing bytes. Returns 0 or -1. */
static int parse_port(const char *s, uint16_t *out) {
  if (s[0] < '0' || s[0] > '9' || strlen(s) > 5) return -1;
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > 65535) return -1;
  *out = (uint16_t)v;
  return 0;
}

int web_guard_parse_listen(const char *s, web_listen *out, char *err, size_t errlen) {
  assert(s != NULL && out != NULL);
  memset(out, 0, sizeof *out);
  char host[WEB_HOST_MAX];
  const char *port;
  const char *colon = strrchr(s, ':');
  if (colon == NULL) { /* a bare port */
    snprintf(host, sizeof host, "127.0.0.1");
    port = s;
  } else {
    size_t hl = (size_t)(colon - s);
    if (hl == 0 || hl >= sizeof host) goto bad;
    memcpy(host, s, hl);
    host[hl] = '\0';
    port = colon + 1;
  }
  if (parse_port(port, &out->port) != 0) {
    snprintf(err, errlen, "--listen: '%s' is not a port number (0 to 65535)", port);
    return -1;
  }
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  size_t hl = strlen(host);
  if (host[0] == '[') {
    uint8_t a6[16];
    if (hl < 3 || host[hl - 1] != ']') goto bad;
    host[hl - 1] = '\0';
    if (inet_pton(AF_INET6, host + 1, a6) != 1) goto bad;
    static const uint8_t loop6[16] = {[15] = 1};
    if (memcmp(a6, loop6, 16) != 0) goto not_loopback;
    out->v6 = true;
    return 0;
  }
  if (inet_pton(AF_INET, host, out->addr4) != 1) goto bad;
  if (out->addr4[0] != 127) goto not_loopback;
  return 0;
not_loopback:
  snprintf(err, errlen,
           "--listen: %s is not a loopback address; samvirke web acts with your keys and only "
           "listens on this machine (127.0.0.1 or [::1])", s);
  return -1;
bad:
  snprintf(err, errlen, "--listen takes 127.0.0.1:PORT, [::1]:PORT, localhost:PORT or PORT");
  return -1;
}

/* A fresh random value as lowercase hex (WEB_TOKEN_HEX bytes with the NUL). */
static void random_hex(char out[WEB_TOKEN_HEX]) {
  uint8_t b[WEB_TOKEN_BYTES];
  randombytes_buf(b, sizeof b);
  util_hex(out, b, sizeof b);
  sodium_memzero(b, sizeof b);
}

static void add_host(web_guard *g, const char *fmt_host, uint16_t port) {
  assert(g->nhosts < WEB_HOSTS_MAX);
  snprintf(g->hosts[g->nhosts], WEB_HOST_MAX, "%s:%u", fmt_host, (unsigned)port);
  snprintf(g->origins[g->nhosts], sizeof g->origins[0], "http://%s:%u", fmt_host, (unsigned)port);
  g->nhosts++;
}

web_guard *web_guard_new(const web_listen *l, uint16_t port) {
  assert(l != NULL && port > 0);
  web_guard *g = sodium_malloc(sizeof *g);
  if (g == NULL) return NULL;
  memset(g, 0, sizeof *g);
  random_hex(g->token);
  snprintf(g->cookie, sizeof g->cookie, "%s%u", WEB_COOKIE_PREFIX, (unsigned)port);
  if (l->v6) {
    add_host(g, "[::1]", port);
    add_host(g, "localhost", port);
  } else {
    char a[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, l->addr4, a, sizeof a);
    add_host(g, a, port);
    if (strcmp(a, "127.0.0.1") == 0) add_host(g, "localhost", port);
  }
  return g;
}

void web_guard_free(web_guard *g) {
  sodium_free(g); /* sodium_free wipes */
}

bool web_guard_host_ok(const web_guard *g, const char *host) {
  if (host == NULL) return false;
  for (int i = 0; i < g->nhosts; i++)
    if (strcasecmp(host, g->hosts[i]) == 0) return true;
  return false;
}

bool web_guard_origin_ok(const web_guard *g, const char *origin, bool origin_required) {
  if (origin == NULL) return !origin_required;
  for (int i = 0; i < g->nhosts; i++)
    if (strcmp(origin, g->origins[i]) == 0) return true; /* browsers send it in lowercase */
  return false;
}

bool web_guard_fetch_site_ok(const char *site, bool navigation) {
  if (site == NULL) return true; /* older browsers and tools: the other checks still apply */
  if (strcmp(site, "same-origin") == 0) return true;
  if (strcmp(site, "none") == 0) return navigation;
  return false;
}

/* Constant-time equality of a presented value with a secret hex string. */
static bool secret_eq(const char *secret, const char *presented) {
  if (presented == NULL) return false;
  size_t n = strlen(secret);
  if (strlen(presented) != n || n == 0) return false;
  return sodium_memcmp(secret, presented, n) == 0;
}

bool web_guard_token_ok(const web_guard *g, const char *presented) {
  return secret_eq(g->token, presented);
}

const web_login *web_guard_login(web_guard *g, uint64_t now_ns) {
  web_login *slot = NULL;
  for (int i = 0; i < WEB_SESSIONS_MAX && slot == NULL; i++)
    if (!g->logins[i].used) slot = &g->logins[i];
  if (slot == NULL) { /* all used: the least recently used one goes */
    slot = &g->logins[0];
    for (int i = 1; i < WEB_SESSIONS_MAX; i++)
      if (g->logins[i].last_ns < slot->last_ns) slot = &g->logins[i];
  }
  sodium_memzero(slot, sizeof *slot);
  slot->used = true;
  random_hex(slot->sid);
  random_hex(slot->csrf);
  random_hex(slot->key);
  slot->last_ns = now_ns;
  return slot;
}

const web_login *web_guard_session(web_guard *g, const char *sid, uint64_t now_ns) {
  if (sid == NULL) return NULL;
  web_login *found = NULL;
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) /* look at every slot: no early exit */
    if (g->logins[i].used && secret_eq(g->logins[i].sid, sid)) found = &g->logins[i];
  if (found) found->last_ns = now_ns;
  return found;
}

bool web_guard_csrf_ok(const web_login *l, const char *presented) {
  return l != NULL && secret_eq(l->csrf, presented);
}

bool web_guard_key_ok(const web_login *l, const char *presented) {
  return l != NULL && secret_eq(l->key, presented);
}

/* Characters allowed in a tile URL's path and query: unreserved, '/', '%', '?', '&', '=',
 * '@', '~', '+', and the braces of the placeholders. */
static bool tile_char_ok(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return strchr("-._~/%?&=@+{}:", c) != NULL && c != '\0';
}

int web_guard_tile_url_check(const char *url, char *origin, size_t originlen, char *err,
                             size_t errlen) {
  assert(url != NULL && origin != NULL);
  size_t n = strlen(url);
  const char *rest;
  if (n > WEB_TILE_URL_MAX) {
    snprintf(err, errlen, "the tile URL is longer than %d bytes", WEB_TILE_URL_MAX);
    return -1;
  }
  if (strncmp(url, "https://", 8) == 0)
    rest = url + 8;
  else if (strncmp(url, "http://", 7) == 0)
    rest = url + 7;
  else {
    snprintf(err, errlen, "the tile URL must start with https:// (or http://)");
    return -1;
  }
  size_t hl = strcspn(rest, "/");
  if (hl == 0 || rest[hl] != '/') {
    snprintf(err, errlen, "the tile URL needs a host name and a path, e.g. "
                          "https://tiles.example.dk/{z}/{x}/{y}.png");
    return -1;
  }
  bool port_seen = false;
  for (size_t i = 0; i < hl; i++) {
    char c = rest[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    if (c == ':' && !port_seen && i > 0 && i + 1 < hl) {
      port_seen = true;
      ok = true;
    } else if (port_seen && !(c >= '0' && c <= '9')) {
      ok = false;
    }
    if (!ok) {
      snprintf(err, errlen, "the tile URL's host may hold only letters, digits, '.', '-' and a "
                            ":port");
      return -1;
    }
  }
  for (const char *p = rest + hl; *p; p++)
    if (!tile_char_ok(*p)) {
      snprintf(err, errlen, "the tile URL holds a character that is not allowed in it ('%c')",
               (*p > 0x20 && *p < 0x7f) ? *p : '?');
      return -1;
    }
  if (!strstr(rest + hl, "{z}") || !strstr(rest + hl, "{x}") || !strstr(rest + hl, "{y}")) {
    snprintf(err, errlen, "the tile URL must contain {z}, {x} and {y}, e.g. "
                          "https://tiles.example.dk/{z}/{x}/{y}.png");
    return -1;
  }
  size_t ol = (size_t)(rest - url) + hl;
  if (ol + 1 > originlen) {
    snprintf(err, errlen, "the tile URL's host is too long");
    return -1;
  }
  memcpy(origin, url, ol);
  origin[ol] = '\0';
  return 0;
}

int web_guard_csp(const char *tile_origin, char *out, size_t outlen) {
  bool tiles = tile_origin != NULL && tile_origin[0] != '\0';
  int n = snprintf(out, outlen,
                   "default-src 'self'; img-src 'self'%s%s; frame-ancestors 'none'; "
                   "base-uri 'none'; form-action 'self'",
                   tiles ? " " : "", tiles ? tile_origin : "");
  return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

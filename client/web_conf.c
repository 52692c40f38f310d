/* web_conf.c -- <identity>/web.conf, the member's settings for `samvirke web` (see web_conf.h). */
#include "web_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define WEB_CONF_MAX (64 * 1024)

/* Trim spaces and tabs at both ends of s[0..*n) in place; returns the new start. */
static char *trim(char *s, size_t *n) {
  while (*n > 0 && (*s == ' ' || *s == '\t')) s++, (*n)--;
  while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r')) (*n)--;
  s[*n] = '\0';
  return s;
}

int web_conf_load(const char *dir, web_conf *c, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  char path[CLIENT_PATH_MAX];
  if (client_config_path(dir, WEB_CONF_FILE, path, sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  size_t len = 0;
  char *text = (char *)util_read_file(path, WEB_CONF_MAX, &len);
  if (text == NULL) {
    if (errno == ENOENT) return 0;
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  int rc = -1, line = 0;
  char *p = text, *end = text + len;
  while (p < end) {
    line++;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
    char *next = nl ? nl + 1 : end;
    p[ll] = '\0';
    char *l = trim(p, &ll);
    p = next;
    if (ll == 0 || l[0] == '#') continue;
    char *eq = strchr(l, '=');
    if (eq == NULL) {
      snprintf(err, errlen, "%s:%d: want 'key = value'", path, line);
      goto out;
    }
    size_t kl = (size_t)(eq - l), vl = ll - kl - 1;
    char *key = trim(l, &kl), *val = trim(eq + 1, &vl);
    char *dst;
    size_t cap;
    if (strcmp(key, "tiles") == 0) {
      dst = c->tiles;
      cap = sizeof c->tiles;
    } else if (strcmp(key, "tiles_attribution") == 0) {
      dst = c->tiles_attribution;
      cap = sizeof c->tiles_attribution;
    } else {
      snprintf(err, errlen, "%s:%d: unknown setting '%.64s' (known: tiles, tiles_attribution)",
               path, line, key);
      goto out;
    }
    if (vl >= cap || !util_utf8_valid(val, vl, false)) {
      snprintf(err, errlen, "%s:%d: the value of %s is too long or not text", path, line, key);
      goto out;
    }
    memcpy(dst, val, vl + 1);
  }
  rc = 0;
out:
  free(text);
  return rc;
}

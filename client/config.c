/* config.c -- the client's state in its identity directory: identity key, card, client.conf. */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define CONF_MAX_BYTES (64 * 1024)

int client_config_default_dir(char *out, size_t outlen, char *err, size_t errlen) {
  assert(out != NULL && outlen > 0);
  const char *xdg = getenv("XDG_CONFIG_HOME");
  int n;
  if (xdg != NULL && xdg[0] == '/') {
    n = snprintf(out, outlen, "%s/samvirke", xdg);
  } else {
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
      snprintf(err, errlen, "neither XDG_CONFIG_HOME nor HOME is set; use --identity DIR");
      return -1;
    }
    n = snprintf(out, outlen, "%s/.config/samvirke", home);
  }
  if (n < 0 || (size_t)n >= outlen) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  return 0;
}

int client_config_path(const char *dir, const char *file, char *out, size_t outlen) {
  int n = snprintf(out, outlen, "%s/%s", dir, file);
  return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int client_config_mkdir(const char *dir, char *err, size_t errlen) {
  char path[CLIENT_PATH_MAX];
  size_t len = strlen(dir);
  if (len == 0 || len >= sizeof path) {
    snprintf(err, errlen, "bad identity directory '%s'", dir);
    return -1;
  }
  memcpy(path, dir, len + 1);
  /* Create each missing component; parents get 0700 too (as mkdir -p -m would not, but a
   * fresh ~/.config is private anyway). */
  for (size_t i = 1; i <= len; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char saved = path[i];
    path[i] = '\0';
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
      snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
      return -1;
    }
    path[i] = saved;
  }
  struct stat st;
  if (stat(dir, &st) != 0) {
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s exists and is not a directory", dir);
    return -1;
  }
  return 0;
}

int client_config_check_address(const char *addr, char *err, size_t errlen) {
  assert(addr != NULL);
  if (strncmp(addr, "unix:", 5) == 0) {
    size_t n = strlen(addr + 5);
    if (n == 0) {
      snprintf(err, errlen, "address 'unix:' needs a socket path");
      return -1;
    }
    if (n >= 108) { /* sizeof sun_path on Linux */
      snprintf(err, errlen, "unix socket path too long (max 107 bytes)");
      return -1;
    }
    return 0;
  }
  const char *colon = strrchr(addr, ':');
  if (colon == NULL || colon == addr || colon[1] == '\0') {
    snprintf(err, errlen, "address '%s' is not HOST:PORT or unix:PATH", addr);
    return -1;
  }
  if (addr[0] == '[' && colon[-1] != ']') {
    snprintf(err, errlen, "address '%s': IPv6 host must be in brackets, e.g. [::1]:7350", addr);
    return -1;
  }
  if (addr[0] != '[' && memchr(addr, ':', (size_t)(colon - addr)) != NULL) {
    snprintf(err, errlen, "address '%s': IPv6 host must be in brackets, e.g. [::1]:7350", addr);
    return -1;
  }
  if (addr[0] == '[' && colon - addr <= 2) {
    snprintf(err, errlen, "address '%s' has an empty host", addr);
    return -1;
  }
  char *end = NULL;
  errno = 0;
  long port = strtol(colon + 1, &end, 10);
  if (errno != 0 || *end != '\0' || port < 1 || port > 65535 || !isdigit((unsigned char)colon[1])) {
    snprintf(err, errlen, "address '%s': port must be 1-65535", addr);
    return -1;
  }
  for (const char *p = addr; p < colon; p++) {
    if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
      snprintf(err, errlen, "address '%s': host contains whitespace", addr);
      return -1;
    }
  }
  return 0;
}

int client_config_check_log_key(const char *vkey, char *err, size_t errlen) {
  assert(vkey != NULL);
  const char *p1 = strchr(vkey, '+');
  const char *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
  uint8_t raw[33];
  if (p1 == NULL || p2 == NULL || p1 == vkey || p2 - p1 - 1 != 8 ||
      strlen(vkey) >= CLIENT_LOGKEY_MAX) {
    snprintf(err, errlen, "log key must look like NAME+KEYID+BASE64 (as 'samvirked info' prints)");
    return -1;
  }
  for (const char *p = p1 + 1; p < p2; p++) {
    if (!isxdigit((unsigned char)*p)) {
      snprintf(err, errlen, "log key: key id must be 8 hex digits");
      return -1;
    }
  }
  for (const char *p = vkey; p < p1; p++) {
    if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
      snprintf(err, errlen, "log key: name contains whitespace");
      return -1;
    }
  }
  if (util_unb64_exact(raw, sizeof raw, p2 + 1) != 0 || raw[0] != 0x01) {
    snprintf(err, errlen, "log key: expected base64 of an Ed25519 key (type byte 0x01)");
    return -1;
  }
  return 0;
}

/* Strip leading and trailing whitespace in place; returns the start. */
static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

int client_config_load(const char *dir, client_config *cfg, char *err, size_t errlen) {
  assert(dir != NULL && cfg != NULL);
  char path[CLIENT_PATH_MAX];
  char msg[256];
  size_t len = 0;
  uint8_t *buf = NULL;
  int lineno = 0;
  memset(cfg, 0, sizeof *cfg);
  if (strlen(dir) >= sizeof cfg->dir || client_config_path(dir, CLIENT_CONF_FILE, path,
                                                           sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  memcpy(cfg->dir, dir, strlen(dir) + 1);
  buf = util_read_file(path, CONF_MAX_BYTES, &len);
  if (buf == NULL) {
    if (errno == ENOENT) return 0;
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  if (memchr(buf, '\0', len) != NULL) {
    snprintf(msg, sizeof msg, "contains a NUL byte");
    goto err;
  }
  /* Split by hand: strtok would skip empty lines and so miscount them. */
  char *line = (char *)buf;
  while (line != NULL && *line != '\0') {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *l = trim(line);
    if (*l != '\0') {
      char *eq = strchr(l, '=');
      if (eq == NULL) {
        snprintf(msg, sizeof msg, "expected 'key = value'");
        goto err;
      }
      *eq = '\0';
      char *k = trim(l), *v = trim(eq + 1);
      bool known = strcmp(k, "server") == 0 || strcmp(k, "server_key") == 0 ||
                   strcmp(k, "log_key") == 0;
      if (known && *v == '\0') {
        /* an empty value leaves the setting unset */
      } else if (strcmp(k, "server") == 0) {
        if (client_config_check_address(v, msg, sizeof msg) != 0) goto err;
        snprintf(cfg->server, sizeof cfg->server, "%s", v);
      } else if (strcmp(k, "server_key") == 0) {
        if (util_unb64_exact(cfg->server_key, sizeof cfg->server_key, v) != 0) {
          snprintf(msg, sizeof msg, "server_key must be the base64 of 32 bytes");
          goto err;
        }
        cfg->has_server_key = true;
      } else if (strcmp(k, "log_key") == 0) {
        if (client_config_check_log_key(v, msg, sizeof msg) != 0) goto err;
        snprintf(cfg->log_key, sizeof cfg->log_key, "%s", v);
      } else {
        snprintf(msg, sizeof msg, "unknown setting '%s'", k);
        goto err;
      }
    }
    line = nl ? nl + 1 : NULL;
  }
  free(buf);
  return 0;
err:
  snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
  free(buf);
  return -1;
}

int client_config_save(const client_config *cfg, char *err, size_t errlen) {
  assert(cfg != NULL);
  char path[CLIENT_PATH_MAX];
  char *key = NULL, *text = NULL;
  size_t cap = 256 + sizeof cfg->server + sizeof cfg->log_key;
  int rc = -1;
  if (client_config_path(cfg->dir, CLIENT_CONF_FILE, path, sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  if (cfg->has_server_key && (key = util_b64(cfg->server_key, 32)) == NULL) goto nomem;
  if ((text = malloc(cap)) == NULL) goto nomem;
  int n = snprintf(text, cap,
                   "# samvirke client configuration (written by 'samvirke server set')\n"
                   "# server: HOST:PORT or unix:PATH of samvirked\n"
                   "server = %s\n"
                   "# server_key: the daemon's Noise public key (base64), from 'samvirked info'\n"
                   "server_key = %s\n"
                   "%s%s%s",
                   cfg->server, key ? key : "",
                   cfg->log_key[0] ? "# log_key: the audit log's verifier key\nlog_key = " : "",
                   cfg->log_key, cfg->log_key[0] ? "\n" : "");
  if (n < 0 || (size_t)n >= cap) {
    snprintf(err, errlen, "configuration too long");
    goto out;
  }
  if (util_write_file(path, text, (size_t)n, 0600) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    goto out;
  }
  rc = 0;
  goto out;
nomem:
  snprintf(err, errlen, "out of memory");
out:
  free(key);
  free(text);
  return rc;
}

int client_config_require_server(const client_config *cfg, char *err, size_t errlen) {
  if (cfg->server[0] == '\0' || !cfg->has_server_key) {
    snprintf(err, errlen,
             "no server configured in %s; run 'samvirke server set --address HOST:PORT --key "
             "KEY' with the values 'samvirked info' prints",
             cfg->dir);
    return -1;
  }
  return 0;
}

bool client_config_has_identity(const char *dir) {
  char path[CLIENT_PATH_MAX];
  struct stat st;
  if (client_config_path(dir, CLIENT_IDENTITY_FILE, path, sizeof path) != 0) return false;
  return lstat(path, &st) == 0;
}

sv_identity *client_config_load_identity(const char *dir, char *err, size_t errlen) {
  char path[CLIENT_PATH_MAX];
  if (client_config_path(dir, CLIENT_IDENTITY_FILE, path, sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return NULL;
  }
  if (!client_config_has_identity(dir)) {
    snprintf(err, errlen, "no identity in %s; run 'samvirke init --name NAME' first", dir);
    return NULL;
  }
  return identity_load(path, err, errlen);
}

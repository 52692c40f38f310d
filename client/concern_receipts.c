/* concern_receipts.c -- the receipts of concerns handed in, kept in the identity directory. */
#include "concern_receipts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define RECEIPTS_MAX (1u << 20)

int concern_receipt_save(const char *dir, const concern_receipt *r, char *err, size_t errlen) {
  char path[CLIENT_PATH_MAX + 32];
  if (client_config_path(dir, CONCERN_RECEIPTS_FILE, path, sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  size_t len = 0;
  uint8_t *old = util_read_file(path, RECEIPTS_MAX, &len);
  if (old == NULL && errno != ENOENT) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  size_t cap = len + 400;
  char *buf = malloc(cap);
  if (buf == NULL) {
    free(old);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t n = 0;
  if (old && len) {
    memcpy(buf, old, len);
    n = len;
    if (buf[n - 1] != '\n') buf[n++] = '\n';
  } else {
    n = (size_t)snprintf(buf, cap, "# samvirke concern receipts v1: receipt audit time area\n");
  }
  free(old);
  char hex[33];
  util_hex(hex, r->id, 16);
  n += (size_t)snprintf(buf + n, cap - n, "%s %llu %llu %s\n", hex, (unsigned long long)r->audit,
                        (unsigned long long)r->time, r->area[0] ? r->area : "-");
  int rc = util_write_file(path, buf, n, 0600);
  if (rc != 0) snprintf(err, errlen, "%s: %s", path, strerror(errno));
  free(buf);
  return rc;
}

int concern_receipt_load(const char *dir, concern_receipt **out, size_t *n, char *err,
                         size_t errlen) {
  *out = NULL;
  *n = 0;
  char path[CLIENT_PATH_MAX + 32];
  if (client_config_path(dir, CONCERN_RECEIPTS_FILE, path, sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  size_t len = 0;
  char *text = (char *)util_read_file(path, RECEIPTS_MAX, &len);
  if (text == NULL) {
    if (errno == ENOENT) return 0;
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  size_t lines = 1;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  *out = calloc(lines, sizeof **out);
  if (*out == NULL) {
    free(text);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#') continue;
    char hex[33];
    unsigned long long audit, t;
    int used = 0;
    if (sscanf(line, "%32s %llu %llu %n", hex, &audit, &t, &used) != 3 || used == 0) continue;
    concern_receipt *r = &(*out)[*n];
    if (strlen(hex) != 32 || util_unhex(r->id, 16, hex) != 0) continue;
    r->audit = audit;
    r->time = t;
    snprintf(r->area, sizeof r->area, "%s", strcmp(line + used, "-") == 0 ? "" : line + used);
    (*n)++;
  }
  free(text);
  return 0;
}

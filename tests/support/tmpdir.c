/* tmpdir.c -- test support: temporary directories, hex, and vector file helpers. */
#include "support/tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *test_mkdtemp(const char *prefix) {
  const char *base = getenv("TMPDIR");
  if (base == NULL || *base == '\0') base = "/tmp";
  size_t n = strlen(base) + strlen(prefix) + 16;
  char *path = malloc(n);
  if (path == NULL) abort();
  snprintf(path, n, "%s/%s.XXXXXX", base, prefix);
  if (mkdtemp(path) == NULL) {
    perror("mkdtemp");
    abort();
  }
  return path;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void test_rmtree(const char *path) { nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint8_t *test_unhex(const char *hex, size_t *len) {
  size_t n = strlen(hex);
  if (n % 2 != 0) abort();
  uint8_t *out = malloc(n / 2 + 1);
  if (out == NULL) abort();
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) abort();
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  *len = n / 2;
  return out;
}

char *test_vector_path(const char *name) {
  const char *dir = getenv("SAMVIRKE_VECTORS");
  if (dir == NULL) dir = "../shared/vectors";
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p == NULL) abort();
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

char *test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    abort();
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (buf == NULL) abort();
  for (;;) {
    if (n + 1 >= cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (buf == NULL) abort();
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

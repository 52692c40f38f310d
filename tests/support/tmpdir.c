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

char *test_source_path(const char *rel) {
  const char *src = getenv("SAMVIRKE_SOURCE");
  if (src == NULL) {
    fprintf(stderr, "SAMVIRKE_SOURCE is not set\n");
    abort();
  }
  size_t n = strlen(src) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p == NULL) abort();
  snprintf(p, n, "%s/%s", src, rel);
  return p;
}

/* $SAMVIRKE_VECTORS/NAME, or without it the source tree's tests/vectors/NAME. */
char *test_vector_path(const char *name) {
  const char *dir = getenv("SAMVIRKE_VECTORS");
  if (dir == NULL) {
    size_t n = strlen("tests/vectors/") + strlen(name) + 1;
    char *rel = malloc(n);
    if (rel == NULL) abort();
    snprintf(rel, n, "tests/vectors/%s", name);
    char *p = test_source_path(rel);
    free(rel);
    return p;
  }
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

void test_kv_load(test_kv_file *f, const char *name) {
  const char *src = getenv("SAMVIRKE_SOURCE");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/vectors/%s", src ? src : ".", name);
  memset(f, 0, sizeof *f);
  f->text = test_read_file(path, NULL);
  char *save = NULL;
  for (char *line = strtok_r(f->text, "\n", &save); line != NULL;
       line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || line[0] == '\0') continue;
    char *eq = strstr(line, " = ");
    if (eq == NULL || f->n >= (int)(sizeof f->kv / sizeof f->kv[0])) {
      fprintf(stderr, "%s: bad line or too many lines: %s\n", path, line);
      abort();
    }
    *eq = '\0';
    f->kv[f->n].key = line;
    f->kv[f->n].val = eq + 3;
    f->n++;
  }
}

int test_kv_has(const test_kv_file *f, const char *key) {
  for (int i = 0; i < f->n; i++)
    if (strcmp(f->kv[i].key, key) == 0) return 1;
  return 0;
}

const char *test_kv_get(const test_kv_file *f, const char *key) {
  for (int i = 0; i < f->n; i++)
    if (strcmp(f->kv[i].key, key) == 0) return f->kv[i].val;
  fprintf(stderr, "vector lacks %s\n", key);
  abort();
}

uint8_t *test_kv_hex(const test_kv_file *f, const char *key, size_t want, size_t *len) {
  size_t n = 0;
  uint8_t *b = test_unhex(test_kv_get(f, key), &n);
  if (want != 0 && n != want) {
    fprintf(stderr, "vector %s: %zu bytes, want %zu\n", key, n, want);
    abort();
  }
  if (len != NULL) *len = n;
  return b;
}

void test_kv_free(test_kv_file *f) {
  free(f->text);
  memset(f, 0, sizeof *f);
}

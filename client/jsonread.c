/* jsonread.c -- a strict, bounded JSON (RFC 8259) reader into a small tree, for files people
 * hand the client (GeoJSON outlines). */
#include "jsonread.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
  const char *s;
  size_t len, pos;
  char *err;
  size_t errlen;
  bool failed;
} parser;

static void fail(parser *p, const char *what) {
  if (!p->failed) snprintf(p->err, p->errlen, "JSON: %s at byte %zu", what, p->pos);
  p->failed = true;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
    p->pos++;
}

static void free_value(jsonv *v) {
  if (v->type == JSONV_STRING) free(v->str);
  if (v->type == JSONV_ARRAY || v->type == JSONV_OBJECT) {
    for (size_t i = 0; i < v->n; i++) {
      free_value(&v->items[i]);
      if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
  }
  memset(v, 0, sizeof *v);
}

static bool literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return false;
  p->pos += n;
  return true;
}

/* Append code point cp as UTF-8 to out (room for 4 bytes guaranteed by the caller). */
static size_t put_utf8(char *out, unsigned cp) {
  if (cp < 0x80) return out[0] = (char)cp, 1;
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

static int hex4(parser *p, unsigned *out) {
  if (p->len - p->pos < 4) return -1;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos + (size_t)i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  p->pos += 4;
  *out = v;
  return 0;
}

/* A string at p->pos (which is the opening quote): a malloc'd copy, or NULL (failed set). */
static char *parse_string(parser *p) {
  p->pos++;
  size_t cap = 16, n = 0;
  char *out = malloc(cap);
  if (out == NULL) return fail(p, "out of memory"), NULL;
  for (;;) {
    if (n + 5 > cap) {
      char *o = realloc(out, cap *= 2);
      if (o == NULL) goto nomem;
      out = o;
    }
    if (p->pos >= p->len) {
      fail(p, "unterminated string");
      goto err;
    }
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '"') {
      p->pos++;
      out[n] = '\0';
      return out;
    }
    if (c < 0x20) {
      fail(p, "control character in a string");
      goto err;
    }
    if (c == '\\') {
      p->pos++;
      if (p->pos >= p->len) {
        fail(p, "unterminated string");
        goto err;
      }
      char e = p->s[p->pos++];
      const char *simple = strchr("\"\\/bfnrt", e);
      if (e != '\0' && simple != NULL) {
        static const char map[] = "\"\\/\b\f\n\r\t";
        out[n++] = map[simple - "\"\\/bfnrt"];
        continue;
      }
      unsigned cp;
      if (e != 'u' || hex4(p, &cp) != 0) {
        fail(p, "invalid escape in a string");
        goto err;
      }
      if (cp >= 0xdc00 && cp <= 0xdfff) {
        fail(p, "lone surrogate in a string");
        goto err;
      }
      if (cp >= 0xd800 && cp <= 0xdbff) {
        unsigned lo;
        if (!literal(p, "\\u") || hex4(p, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
          fail(p, "lone surrogate in a string");
          goto err;
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      if (cp == 0) {
        fail(p, "NUL character in a string");
        goto err;
      }
      n += put_utf8(out + n, cp);
      continue;
    }
    /* raw UTF-8: check the sequence */
    size_t l = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (l == 0 || p->len - p->pos < l) {
      fail(p, "invalid UTF-8");
      goto err;
    }
    unsigned cp = l == 1 ? c : l == 2 ? (c & 0x1fu) : l == 3 ? (c & 0x0fu) : (c & 0x07u);
    for (size_t k = 1; k < l; k++) {
      unsigned char d = (unsigned char)p->s[p->pos + k];
      if ((d & 0xc0) != 0x80) {
        fail(p, "invalid UTF-8");
        goto err;
      }
      cp = cp << 6 | (d & 0x3fu);
    }
    if ((l == 2 && cp < 0x80) || (l == 3 && cp < 0x800) || (l == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      fail(p, "invalid UTF-8");
      goto err;
    }
    memcpy(out + n, p->s + p->pos, l);
    n += l;
    p->pos += l;
  }
nomem:
  fail(p, "out of memory");
err:
  free(out);
  return NULL;
}

static void parse_number(parser *p, jsonv *v) {
  size_t start = p->pos;
  if (p->pos < p->len && p->s[p->pos] == '-') p->pos++;
  if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') return fail(p, "invalid number");
  if (p->s[p->pos] == '0' && p->pos + 1 < p->len && p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9')
    return fail(p, "leading zero in a number");
  while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
  if (p->pos < p->len && p->s[p->pos] == '.') {
    p->pos++;
    if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') return fail(p, "invalid number");
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    p->pos++;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
    if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') return fail(p, "invalid number");
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
  }
  char buf[64];
  size_t n = p->pos - start;
  if (n >= sizeof buf) return fail(p, "number too long");
  memcpy(buf, p->s + start, n);
  buf[n] = '\0';
  v->type = JSONV_NUMBER;
  v->num = strtod(buf, NULL);
  if (!isfinite(v->num)) fail(p, "number out of range");
}

static void parse_value(parser *p, jsonv *v, int depth);

/* An array or object at p->pos (its opening bracket). */
static void parse_container(parser *p, jsonv *v, int depth, bool object) {
  if (depth >= JSONREAD_MAX_DEPTH) return fail(p, "nested too deeply");
  char close = object ? '}' : ']';
  v->type = object ? JSONV_OBJECT : JSONV_ARRAY;
  p->pos++;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == close) {
    p->pos++;
    return;
  }
  size_t cap = 0;
  for (;;) {
    if (v->n == cap) {
      cap = cap ? cap * 2 : 8;
      jsonv *items = realloc(v->items, cap * sizeof *items);
      if (items == NULL) return fail(p, "out of memory");
      v->items = items;
      if (object) {
        char **keys = realloc(v->keys, cap * sizeof *keys);
        if (keys == NULL) return fail(p, "out of memory");
        v->keys = keys;
      }
    }
    memset(&v->items[v->n], 0, sizeof v->items[0]);
    if (object) {
      v->keys[v->n] = NULL;
      skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != '"') {
        v->n++;
        return fail(p, "expected a member name");
      }
      char *key = parse_string(p);
      v->keys[v->n] = key;
      if (key == NULL) {
        v->n++;
        return;
      }
      for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0) {
          v->n++;
          return fail(p, "duplicate member name");
        }
      skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':') {
        v->n++;
        return fail(p, "expected ':'");
      }
      p->pos++;
    }
    parse_value(p, &v->items[v->n++], depth + 1);
    if (p->failed) return;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ',') {
      p->pos++;
      skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == close) return fail(p, "trailing comma");
      continue;
    }
    if (p->pos < p->len && p->s[p->pos] == close) {
      p->pos++;
      return;
    }
    return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static void parse_value(parser *p, jsonv *v, int depth) {
  skip_ws(p);
  if (p->pos >= p->len) return fail(p, "unexpected end");
  char c = p->s[p->pos];
  if (c == '{' || c == '[') return parse_container(p, v, depth, c == '{');
  if (c == '"') {
    v->str = parse_string(p);
    if (v->str) v->type = JSONV_STRING;
    return;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p, v);
  if (literal(p, "true")) v->type = JSONV_BOOL, v->b = true;
  else if (literal(p, "false")) v->type = JSONV_BOOL, v->b = false;
  else if (literal(p, "null")) v->type = JSONV_NULL;
  else fail(p, "unexpected character");
}

jsonv *jsonread_parse(const char *text, size_t len, char *err, size_t errlen) {
  parser p = {.s = text, .len = len, .err = err, .errlen = errlen};
  jsonv *v = calloc(1, sizeof *v);
  if (v == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  parse_value(&p, v, 0);
  if (!p.failed) {
    skip_ws(&p);
    if (p.pos != p.len) fail(&p, "unexpected text after the value");
  }
  if (p.failed) {
    jsonread_free(v);
    return NULL;
  }
  return v;
}

void jsonread_free(jsonv *v) {
  if (v == NULL) return;
  free_value(v);
  free(v);
}

const jsonv *jsonread_get(const jsonv *v, const char *key) {
  if (v == NULL || v->type != JSONV_OBJECT) return NULL;
  for (size_t i = 0; i < v->n; i++)
    if (strcmp(v->keys[i], key) == 0) return &v->items[i];
  return NULL;
}

bool jsonread_is_str(const jsonv *v, const char *s) {
  return v != NULL && v->type == JSONV_STRING && strcmp(v->str, s) == 0;
}

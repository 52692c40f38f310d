/* json.c -- streaming JSON writer for the client's --json output, and a msgpack->JSON printer. */
#include "json.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void json_init(json_out *j, FILE *f) {
  assert(j != NULL && f != NULL);
  memset(j, 0, sizeof *j);
  j->f = f;
  j->first[0] = true;
}

/* Called before every value: writes the separating comma (in arrays and at top level) and
 * checks that a key preceded a value inside an object. */
static void before_value(json_out *j) {
  if (j->depth > 0 && j->in_obj[j->depth]) {
    if (!j->want_value) {
      assert(!"json: value without a key inside an object");
      j->bad = true;
    }
    j->want_value = false;
    return;
  }
  if (!j->first[j->depth]) {
    if (j->depth == 0) {
      assert(!"json: more than one top-level value");
      j->bad = true;
    }
    fputc(',', j->f);
  }
  j->first[j->depth] = false;
}

static void open_level(json_out *j, bool obj) {
  before_value(j);
  if (j->depth >= JSON_MAX_DEPTH) {
    j->bad = true;
    return;
  }
  fputc(obj ? '{' : '[', j->f);
  j->depth++;
  j->first[j->depth] = true;
  j->in_obj[j->depth] = obj;
}

static void close_level(json_out *j, bool obj) {
  if (j->depth == 0 || j->in_obj[j->depth] != obj || j->want_value) {
    assert(!"json: unbalanced end");
    j->bad = true;
    return;
  }
  fputc(obj ? '}' : ']', j->f);
  j->depth--;
}

void json_begin_object(json_out *j) { open_level(j, true); }
void json_end_object(json_out *j) { close_level(j, true); }
void json_begin_array(json_out *j) { open_level(j, false); }
void json_end_array(json_out *j) { close_level(j, false); }

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if it is invalid (overlong,
 * surrogate, above U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;
  return len;
}

void json_write_string(FILE *f, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  assert(f != NULL && (s != NULL || n == 0));
  fputc('"', f);
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    switch (c) {
      case '"': fputs("\\\"", f); i++; continue;
      case '\\': fputs("\\\\", f); i++; continue;
      case '\b': fputs("\\b", f); i++; continue;
      case '\f': fputs("\\f", f); i++; continue;
      case '\n': fputs("\\n", f); i++; continue;
      case '\r': fputs("\\r", f); i++; continue;
      case '\t': fputs("\\t", f); i++; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      fprintf(f, "\\u%04x", c);
      i++;
      continue;
    }
    size_t len = utf8_seq(s + i, n - i);
    if (len == 0) {
      fputs("\\ufffd", f); /* one replacement per invalid byte */
      i++;
      continue;
    }
    fwrite(s + i, 1, len, f);
    i += len;
  }
  fputc('"', f);
}

void json_key(json_out *j, const char *key) {
  assert(key != NULL);
  if (j->depth == 0 || !j->in_obj[j->depth] || j->want_value) {
    assert(!"json: key outside an object or twice in a row");
    j->bad = true;
    return;
  }
  if (!j->first[j->depth]) fputc(',', j->f);
  j->first[j->depth] = false;
  json_write_string(j->f, key, strlen(key));
  fputc(':', j->f);
  j->want_value = true;
}

void json_strn(json_out *j, const char *s, size_t n) {
  before_value(j);
  json_write_string(j->f, s, n);
}

void json_str(json_out *j, const char *s) {
  if (s == NULL) {
    json_null(j);
    return;
  }
  json_strn(j, s, strlen(s));
}

void json_uint(json_out *j, uint64_t v) {
  before_value(j);
  fprintf(j->f, "%" PRIu64, v);
}

void json_int(json_out *j, int64_t v) {
  before_value(j);
  fprintf(j->f, "%" PRId64, v);
}

void json_double(json_out *j, double v) {
  if (!isfinite(v)) {
    json_null(j);
    return;
  }
  before_value(j);
  /* the shortest of %.15g..%.17g that reads back as the same double */
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* %.17g may print an integer-looking "3"; that is valid JSON. Locale could put a comma as
   * the decimal separator: the client never calls setlocale(LC_NUMERIC), but be safe. */
  for (char *p = buf; *p; p++)
    if (*p == ',') *p = '.';
  fputs(buf, j->f);
}

void json_bool(json_out *j, bool v) {
  before_value(j);
  fputs(v ? "true" : "false", j->f);
}

void json_null(json_out *j) {
  before_value(j);
  fputs("null", j->f);
}

void json_base64(json_out *j, const uint8_t *p, size_t n) {
  char *b = util_b64(p, n);
  if (b == NULL) {
    j->bad = true;
    json_null(j);
    return;
  }
  json_str(j, b);
  free(b);
}

/* A non-string map key as the text of a string key. */
static void msgpack_key(json_out *j, const msgpack_object *k) {
  char buf[64];
  switch (k->type) {
    case MSGPACK_OBJECT_STR: {
      /* json_key needs a C string; keys may hold NUL, so write it by hand. */
      if (j->depth == 0 || !j->in_obj[j->depth] || j->want_value) {
        j->bad = true;
        return;
      }
      if (!j->first[j->depth]) fputc(',', j->f);
      j->first[j->depth] = false;
      json_write_string(j->f, k->via.str.ptr, k->via.str.size);
      fputc(':', j->f);
      j->want_value = true;
      return;
    }
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      snprintf(buf, sizeof buf, "%" PRIu64, k->via.u64);
      break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      snprintf(buf, sizeof buf, "%" PRId64, k->via.i64);
      break;
    case MSGPACK_OBJECT_BOOLEAN:
      snprintf(buf, sizeof buf, "%s", k->via.boolean ? "true" : "false");
      break;
    case MSGPACK_OBJECT_NIL:
      snprintf(buf, sizeof buf, "null");
      break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      snprintf(buf, sizeof buf, "%.17g", k->via.f64);
      break;
    default:
      snprintf(buf, sizeof buf, "(%s)", k->type == MSGPACK_OBJECT_BIN ? "bin" : "complex");
      break;
  }
  json_key(j, buf);
}

void json_msgpack(json_out *j, const msgpack_object *o) {
  assert(o != NULL);
  switch (o->type) {
    case MSGPACK_OBJECT_NIL: json_null(j); break;
    case MSGPACK_OBJECT_BOOLEAN: json_bool(j, o->via.boolean); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: json_uint(j, o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: json_int(j, o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: json_double(j, o->via.f64); break;
    case MSGPACK_OBJECT_STR: json_strn(j, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN:
      json_base64(j, (const uint8_t *)o->via.bin.ptr, o->via.bin.size);
      break;
    case MSGPACK_OBJECT_ARRAY:
      json_begin_array(j);
      for (uint32_t i = 0; i < o->via.array.size; i++) json_msgpack(j, &o->via.array.ptr[i]);
      json_end_array(j);
      break;
    case MSGPACK_OBJECT_MAP:
      json_begin_object(j);
      for (uint32_t i = 0; i < o->via.map.size; i++) {
        msgpack_key(j, &o->via.map.ptr[i].key);
        json_msgpack(j, &o->via.map.ptr[i].val);
      }
      json_end_object(j);
      break;
    case MSGPACK_OBJECT_EXT:
      json_begin_object(j);
      json_key(j, "ext");
      json_int(j, o->via.ext.type);
      json_key(j, "data");
      json_base64(j, (const uint8_t *)o->via.ext.ptr, o->via.ext.size);
      json_end_object(j);
      break;
    default:
      json_null(j);
      break;
  }
}

void json_kv_str(json_out *j, const char *key, const char *s) {
  json_key(j, key);
  json_str(j, s);
}

void json_kv_uint(json_out *j, const char *key, uint64_t v) {
  json_key(j, key);
  json_uint(j, v);
}

void json_kv_double(json_out *j, const char *key, double v) {
  json_key(j, key);
  json_double(j, v);
}

void json_kv_bool(json_out *j, const char *key, bool v) {
  json_key(j, key);
  json_bool(j, v);
}

void json_kv_msgpack(json_out *j, const char *key, const msgpack_object *o) {
  json_key(j, key);
  if (o == NULL)
    json_null(j);
  else
    json_msgpack(j, o);
}

int json_finish(json_out *j) {
  if (j->depth != 0 || j->want_value || j->first[0]) j->bad = true;
  fputc('\n', j->f);
  if (fflush(j->f) != 0 || ferror(j->f)) return -1;
  return j->bad ? -1 : 0;
}

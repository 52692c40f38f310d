/* json.h -- streaming JSON writer for the client's --json output, and a msgpack->JSON printer. */
#ifndef SAMVIRKE_JSON_H
#define SAMVIRKE_JSON_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64

/* A writer emitting compact JSON to a FILE. Commas and key/value separators are inserted
 * automatically; the caller only states structure and values. Misuse (a value where a key is
 * due, unbalanced end, nesting deeper than JSON_MAX_DEPTH) is caught by assert in debug
 * builds and makes json_finish fail. */
typedef struct json_out {
  FILE *f;
  int depth;
  bool first[JSON_MAX_DEPTH + 1];   /* nothing written yet at this level */
  bool in_obj[JSON_MAX_DEPTH + 1];  /* level is an object (keys expected) */
  bool want_value;                  /* a key was written; its value comes next */
  bool bad;                         /* misuse detected */
} json_out;

void json_init(json_out *j, FILE *f);
void json_begin_object(json_out *j);
void json_end_object(json_out *j);
void json_begin_array(json_out *j);
void json_end_array(json_out *j);
/* Write an object key (inside an object, before each value). */
void json_key(json_out *j, const char *key);
void json_str(json_out *j, const char *s);              /* s NULL writes null */
void json_strn(json_out *j, const char *s, size_t n);   /* n bytes, may contain NUL */
void json_uint(json_out *j, uint64_t v);
void json_int(json_out *j, int64_t v);
void json_double(json_out *j, double v);                /* NaN/infinity become null */
void json_bool(json_out *j, bool v);
void json_null(json_out *j);
/* Base64 (standard, padded) string of n bytes. */
void json_base64(json_out *j, const uint8_t *p, size_t n);
/* Any msgpack object: map -> object (non-string keys become their JSON text as a string),
 * array -> array, str -> string, bin -> base64 string, ints, floats, bool, nil -> null,
 * ext -> {"ext": type, "data": base64}. */
void json_msgpack(json_out *j, const msgpack_object *o);

/* Shorthands for "key": value inside an object. */
void json_kv_str(json_out *j, const char *key, const char *s);
void json_kv_uint(json_out *j, const char *key, uint64_t v);
void json_kv_double(json_out *j, const char *key, double v);
void json_kv_bool(json_out *j, const char *key, bool v);
void json_kv_msgpack(json_out *j, const char *key, const msgpack_object *o);

/* End the document: checks it is complete, writes a newline and flushes. Returns 0, or -1
 * when the structure was misused or the stream reported an error. */
int json_finish(json_out *j);

/* Write s (n bytes) as a JSON string literal, quotes included: escapes quote, backslash and
 * control characters, and replaces invalid UTF-8 with U+FFFD so the output is always valid. */
void json_write_string(FILE *f, const char *s, size_t n);

#endif

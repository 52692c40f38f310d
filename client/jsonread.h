/* jsonread.h -- a strict, bounded JSON (RFC 8259) reader into a small tree, for files people
 * hand the client (GeoJSON outlines). */
#ifndef SAMVIRKE_CLIENT_JSONREAD_H
#define SAMVIRKE_CLIENT_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

#define JSONREAD_MAX_DEPTH 64

enum jsonv_type { JSONV_NULL, JSONV_BOOL, JSONV_NUMBER, JSONV_STRING, JSONV_ARRAY, JSONV_OBJECT };

/* One value. Strings are NUL-terminated UTF-8 (escapes decoded; "\u0000" is refused). An
 * object's members keep their order; keys[i] names items[i]. */
typedef struct jsonv {
  enum jsonv_type type;
  bool b;
  double num;
  char *str;
  size_t n;              /* array items or object members */
  struct jsonv *items;
  char **keys;           /* objects only */
} jsonv;

/* Parse exactly one JSON text (whitespace around it allowed, nothing else) of len bytes.
 * Returns the tree (free with jsonread_free) or NULL with one line in err naming the byte
 * offset of the problem. Nesting deeper than JSONREAD_MAX_DEPTH, invalid UTF-8, lone
 * surrogates, leading zeros, trailing commas and duplicate object keys are errors. */
jsonv *jsonread_parse(const char *text, size_t len, char *err, size_t errlen);
void jsonread_free(jsonv *v);

/* The member key of object v, or NULL (also when v is not an object). */
const jsonv *jsonread_get(const jsonv *v, const char *key);

/* True when v is a string equal to s. */
bool jsonread_is_str(const jsonv *v, const char *s);

#endif

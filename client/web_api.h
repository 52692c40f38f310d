/* web_api.h -- the common steps of `samvirke web`'s JSON API: read and check a form field or
 * query argument, send one request to samvirked, answer with its result or its error. */
#ifndef SAMVIRKE_WEB_API_H
#define SAMVIRKE_WEB_API_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "web_server.h"

#define WEB_API_ID_MAX UINT64_C(9007199254740991) /* the largest id a page's script holds */

/* Which form field a daemon error message is about, or NULL: the daemon's guard messages start
 * with what they are about ("text: ...", "category must ...", "a group of 3 ..."). */
typedef const char *(*web_field_fn)(const char *message);

/* Send req through the member's session. On success returns 0 with resp holding the response
 * (the caller destroys it) and *audit its audit number (0 when none). On failure answers r with
 * the daemon's error (field from field_of, may be NULL) and returns -1 (resp destroyed). A read
 * (retry) is retried once on a fresh connection. req stays the caller's. */
int web_api_call(web_req *r, sv_request *req, bool retry, web_field_fn field_of,
                 msgpack_unpacked *resp, uint64_t *audit);

/* web_api_call, then answer {"ok": true, "audit": N, "result": R} with R the daemon's result
 * as JSON. */
void web_api_forward(web_req *r, sv_request *req, bool retry, web_field_fn field_of);

/* Set a string (v NULL: nothing) or number argument of req, or answer "out of memory".
 * Returns 0 or -1. */
int web_api_set_str(web_req *r, sv_request *req, enum sv_field f, const char *v);
int web_api_set_uint(web_req *r, sv_request *req, enum sv_field f, uint64_t v);

/* ---- form fields and query arguments; on a bad value these answer r and return -1 ---- */

/* A text field: valid UTF-8 (newlines allowed when multiline), no other control characters.
 * Absent or empty gives NULL and 0 unless required (then an error naming field). */
int web_api_text(web_req *r, const char *key, bool required, bool multiline, const char **out);

/* A label (area name, category): as the daemon's guard, 1 to 64 bytes of printable text, no
 * CPR-shaped number (checked here, so it never leaves this machine). */
int web_api_label(web_req *r, const char *key, bool required, const char **out);

/* Free text of an observation or intervention, with the CPR guard applied here first. */
int web_api_free_text(web_req *r, const char *key, bool required, const char **out);

/* A whole number 1..max (decimal, no sign). *present tells whether it was given. */
int web_api_uint(web_req *r, const char *key, bool required, uint64_t max, uint64_t *out,
                 bool *present);

/* One of the given words (list ends with NULL). */
int web_api_word(web_req *r, const char *key, bool required, const char *const *words,
                 const char **out);

/* Both lat and lon (fields "lat", "lon", reported as field "at"), or neither. */
int web_api_coords(web_req *r, bool *present, double *lat, double *lon);

/* A query argument that must be a whole number 1..WEB_API_ID_MAX (what names it, e.g. "a
 * meeting number", goes into the error). */
int web_api_query_id(web_req *r, const char *key, const char *what, uint64_t *out);

/* A query argument that must be a label (area name). */
int web_api_query_label(web_req *r, const char *key, bool required, const char **out);

#endif

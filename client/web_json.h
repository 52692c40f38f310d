/* web_json.h -- a JSON answer of `samvirke web` built in memory with the client's JSON writer
 * (json.h); a secret one (a decrypted note) lives in sodium memory and is wiped when freed. */
#ifndef SAMVIRKE_WEB_JSON_H
#define SAMVIRKE_WEB_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

typedef struct web_json {
  json_out j;
  FILE *f;
  char *buf;    /* open_memstream's buffer, or the sodium buffer when secret */
  size_t len;   /* open_memstream's length */
  size_t cap;   /* secret: the sodium buffer's size */
  bool secret;
} web_json;

/* Start a document. Returns the writer, or NULL when memory runs out (then nothing to free). */
json_out *web_json_open(web_json *w);

/* Start a document of at most cap bytes in a sodium_malloc buffer, with stdio's own buffering
 * off, so no copy of what is written stays elsewhere in the heap. NULL when memory runs out. */
json_out *web_json_open_secret(web_json *w, size_t cap);

/* End the document (json_finish) and hand over its bytes: *buf (free with web_json_free_buf,
 * passing *secret) and *len. Returns 0, or -1 when the writer was misused or the secret buffer
 * was too small (everything is freed then). */
int web_json_take(web_json *w, char **buf, size_t *len, bool *secret);

/* Throw an unfinished document away (wiping a secret one). */
void web_json_discard(web_json *w);

/* Free a buffer from web_json_take. */
void web_json_free_buf(char *buf, bool secret);

#endif

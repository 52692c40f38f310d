/* web_json.c -- JSON answers of `samvirke web` in memory (see web_json.h). */
#include "web_json.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_out *web_json_open(web_json *w) {
  memset(w, 0, sizeof *w);
  w->f = open_memstream(&w->buf, &w->len);
  if (w->f == NULL) return NULL;
  json_init(&w->j, w->f);
  return &w->j;
}

json_out *web_json_open_secret(web_json *w, size_t cap) {
  assert(cap > 0);
  memset(w, 0, sizeof *w);
  w->secret = true;
  w->cap = cap;
  w->buf = sodium_malloc(cap);
  if (w->buf == NULL) return NULL;
  w->f = fmemopen(w->buf, cap, "w");
  if (w->f == NULL || setvbuf(w->f, NULL, _IONBF, 0) != 0) {
    if (w->f) fclose(w->f);
    sodium_free(w->buf);
    memset(w, 0, sizeof *w);
    return NULL;
  }
  json_init(&w->j, w->f);
  return &w->j;
}

int web_json_take(web_json *w, char **buf, size_t *len, bool *secret) {
  assert(w->f != NULL);
  *buf = NULL;
  *len = 0;
  *secret = w->secret;
  int rc = json_finish(&w->j);
  long pos = w->secret ? ftell(w->f) : 0;
  if (fclose(w->f) != 0) rc = -1;
  w->f = NULL;
  if (w->secret) {
    /* fmemopen needs room for its closing NUL: a full buffer means the text was cut */
    if (pos < 0 || (size_t)pos + 1 >= w->cap) rc = -1;
    if (rc != 0) {
      sodium_free(w->buf);
      return -1;
    }
    *buf = w->buf;
    *len = (size_t)pos;
    return 0;
  }
  if (rc != 0) {
    free(w->buf);
    return -1;
  }
  *buf = w->buf;
  *len = w->len;
  return 0;
}

void web_json_discard(web_json *w) {
  if (w->f) fclose(w->f);
  w->f = NULL;
  web_json_free_buf(w->buf, w->secret);
  w->buf = NULL;
}

void web_json_free_buf(char *buf, bool secret) {
  if (secret)
    sodium_free(buf);
  else
    free(buf);
}

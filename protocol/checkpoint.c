/* checkpoint.c -- C2SP tlog-checkpoint: the signed tree head of the audit log. */
#include "checkpoint.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_B64_LEN 44

/* True iff s[0..len) is zero or more non-empty lines, each ending in '\n'. */
static bool lines_valid(const char *s, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] != '\n') continue;
    if (i == start) return false;
    start = i + 1;
  }
  return start == len && note_text_valid(s, len);
}

static bool origin_valid(const char *o, size_t len) {
  return len > 0 && len <= CHECKPOINT_ORIGIN_MAX && memchr(o, '\n', len) == NULL &&
         note_text_valid(o, len);
}

int checkpoint_format(const checkpoint *c, char **out, size_t *outlen) {
  assert(c != NULL && out != NULL && outlen != NULL);
  *out = NULL;
  *outlen = 0;
  size_t olen = strnlen(c->origin, sizeof c->origin), elen = strnlen(c->ext, sizeof c->ext);
  if (olen == sizeof c->origin || elen == sizeof c->ext) return CHECKPOINT_ERR_FORMAT;
  if (!origin_valid(c->origin, olen) || !lines_valid(c->ext, elen)) return CHECKPOINT_ERR_FORMAT;
  char b64[ROOT_B64_LEN + 1];
  sodium_bin2base64(b64, sizeof b64, c->root, 32, sodium_base64_VARIANT_ORIGINAL);
  size_t cap = olen + 1 + 20 + 1 + ROOT_B64_LEN + 1 + elen + 1;
  char *s = malloc(cap);
  if (s == NULL) return CHECKPOINT_ERR_NOMEM;
  int n = snprintf(s, cap, "%s\n%" PRIu64 "\n%s\n%s", c->origin, c->size, b64, c->ext);
  assert(n > 0 && (size_t)n < cap);
  *out = s;
  *outlen = (size_t)n;
  return CHECKPOINT_OK;
}

/* Next line of text[*pos..len) without its '\n'; NULL if there is no further complete line. */
static const char *next_line(const char *text, size_t len, size_t *pos, size_t *linelen) {
  if (*pos >= len) return NULL;
  const char *start = text + *pos;
  const char *nl = memchr(start, '\n', len - *pos);
  if (nl == NULL) return NULL;
  *linelen = (size_t)(nl - start);
  *pos += *linelen + 1;
  return start;
}

static int parse_size(const char *s, size_t len, uint64_t *out) {
  uint64_t v = 0;
  if (len == 0 || len > 20 || (len > 1 && s[0] == '0')) return -1;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

int checkpoint_parse(const char *text, size_t len, checkpoint *c) {
  assert(text != NULL && c != NULL);
  checkpoint tmp;
  memset(&tmp, 0, sizeof tmp);
  memset(c, 0, sizeof *c);
  size_t pos = 0, l1, l2, l3, got = 0;
  const char *origin = next_line(text, len, &pos, &l1);
  const char *size = next_line(text, len, &pos, &l2);
  const char *root = next_line(text, len, &pos, &l3);
  if (origin == NULL || size == NULL || root == NULL) return CHECKPOINT_ERR_FORMAT;
  if (!origin_valid(origin, l1) || parse_size(size, l2, &tmp.size) != 0)
    return CHECKPOINT_ERR_FORMAT;
  if (l3 != ROOT_B64_LEN || note_unb64(root, l3, tmp.root, 32, &got) != 0 || got != 32)
    return CHECKPOINT_ERR_FORMAT;
  size_t elen = len - pos;
  if (elen > CHECKPOINT_EXT_MAX || !lines_valid(text + pos, elen)) return CHECKPOINT_ERR_FORMAT;
  memcpy(tmp.origin, origin, l1);
  memcpy(tmp.ext, text + pos, elen);
  *c = tmp;
  return CHECKPOINT_OK;
}

int checkpoint_sign(const checkpoint *c, const note_signer *signer, char **out, size_t *outlen) {
  assert(c != NULL && signer != NULL && out != NULL && outlen != NULL);
  char *body = NULL;
  size_t blen = 0;
  *out = NULL;
  *outlen = 0;
  int rc = checkpoint_format(c, &body, &blen);
  if (rc != CHECKPOINT_OK) return rc;
  const note_signer *list[] = {signer};
  int nrc = note_sign(body, blen, list, 1, out, outlen);
  free(body);
  if (nrc == NOTE_OK) return CHECKPOINT_OK;
  return nrc == NOTE_ERR_NOMEM ? CHECKPOINT_ERR_NOMEM : CHECKPOINT_ERR_FORMAT;
}

int checkpoint_open(const char *msg, size_t len, const note_verifier *log_key, const char *origin,
                    checkpoint *c, int *note_status) {
  assert(msg != NULL && log_key != NULL && c != NULL);
  size_t tlen = 0;
  memset(c, 0, sizeof *c);
  int nrc = note_open(msg, len, log_key, 1, &tlen, NULL);
  if (note_status != NULL) *note_status = nrc;
  if (nrc != NOTE_OK) return nrc == NOTE_ERR_NOMEM ? CHECKPOINT_ERR_NOMEM : CHECKPOINT_ERR_NOTE;
  checkpoint tmp;
  int rc = checkpoint_parse(msg, tlen, &tmp);
  if (rc != CHECKPOINT_OK) return rc;
  if (origin != NULL && strcmp(origin, tmp.origin) != 0) return CHECKPOINT_ERR_ORIGIN;
  *c = tmp;
  return CHECKPOINT_OK;
}

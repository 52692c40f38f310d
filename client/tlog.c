/* tlog.c -- the audit log's key, signed checkpoints and proofs as the client reads them. */
#include "tlog.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "util.h"

int tlog_key_parse(const char *vkey, note_verifier *v, char *err, size_t errlen) {
  assert(v != NULL && err != NULL);
  if (vkey == NULL || vkey[0] == '\0') {
    snprintf(err, errlen,
             "no log key is configured, so nothing can be checked against the audit log: set it "
             "with 'samvirke server set ... --log-key VKEY' (the key 'samvirked info' prints)");
    return -1;
  }
  if (note_verifier_parse(vkey, strlen(vkey), v) != NOTE_OK) {
    snprintf(err, errlen, "the configured log key is not a valid verifier key");
    return -1;
  }
  return 0;
}

int tlog_checkpoint_open(const char *text, size_t len, const note_verifier *v, const char *what,
                         checkpoint *cp, char *err, size_t errlen) {
  assert(text != NULL && v != NULL && what != NULL && cp != NULL && err != NULL);
  int ns = 0;
  int rc = checkpoint_open(text, len, v, v->name, cp, &ns);
  if (rc == CHECKPOINT_OK) return 0;
  if (rc == CHECKPOINT_ERR_NOTE)
    snprintf(err, errlen, "%.400s is not signed by the configured log key (%s)", what,
             note_strerror(ns));
  else if (rc == CHECKPOINT_ERR_ORIGIN)
    snprintf(err, errlen, "%.400s names another log than the configured log key", what);
  else
    snprintf(err, errlen, "%.400s is not a well-formed checkpoint", what);
  return -1;
}

int tlog_checkpoint_read(const char *path, const note_verifier *v, checkpoint *cp, char **note,
                         char *err, size_t errlen) {
  assert(path != NULL && v != NULL && cp != NULL && err != NULL);
  if (note) *note = NULL;
  size_t len = 0;
  uint8_t *buf = util_read_file(path, TLOG_NOTE_MAX, &len);
  if (buf == NULL) {
    if (errno == ENOENT) return 0;
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  if (tlog_checkpoint_open((const char *)buf, len, v, path, cp, err, errlen) != 0) {
    free(buf);
    return -1;
  }
  if (note)
    *note = (char *)buf; /* util_read_file NUL-terminates */
  else
    free(buf);
  return 1;
}

int tlog_checkpoint_answer(const msgpack_object *res, const note_verifier *v, checkpoint *cp,
                           const char **note, size_t *notelen, char *err, size_t errlen) {
  assert(v != NULL && cp != NULL && note != NULL && notelen != NULL && err != NULL);
  if (sv_map_str(res, "checkpoint", note, notelen) != 0) {
    snprintf(err, errlen, "the server sent no checkpoint");
    return -1;
  }
  return tlog_checkpoint_open(*note, *notelen, v, "the server's checkpoint", cp, err, errlen);
}

int tlog_proof_answer(const msgpack_object *res, const char *key, tlog_proof *p) {
  assert(key != NULL && p != NULL);
  p->n = 0;
  const msgpack_object *a = sv_map_get(res, key);
  if (a == NULL) return 1;
  if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > MERKLE_MAX_PROOF) return -1;
  for (uint32_t i = 0; i < a->via.array.size; i++) {
    const msgpack_object *h = &a->via.array.ptr[i];
    if (h->type != MSGPACK_OBJECT_BIN || h->via.bin.size != MERKLE_HASH_LEN) {
      p->n = 0;
      return -1;
    }
    memcpy(p->hash[i], h->via.bin.ptr, MERKLE_HASH_LEN);
  }
  p->n = a->via.array.size;
  return 0;
}

/* trusted.c -- the client's trusted checkpoint: load it, and advance it only along verified
 * consistency proofs. */
#include "trusted.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "merkle.h"
#include "util.h"

#define TRUSTED_NOTE_MAX (64 * 1024)

int trusted_path(const char *dir, char *out, size_t outlen) {
  char adir[CLIENT_PATH_MAX];
  if (client_config_path(dir, "audit", adir, sizeof adir) != 0) return -1;
  return client_config_path(adir, "trusted.txt", out, outlen);
}

int trusted_load(const char *dir, const note_verifier *v, checkpoint *tr, char *err,
                 size_t errlen) {
  char path[CLIENT_PATH_MAX];
  if (trusted_path(dir, path, sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  size_t len = 0;
  uint8_t *buf = util_read_file(path, TRUSTED_NOTE_MAX, &len);
  if (buf == NULL) {
    if (errno == ENOENT) return 0;
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  int ns = 0;
  int rc = checkpoint_open((const char *)buf, len, v, v->name, tr, &ns);
  free(buf);
  if (rc != CHECKPOINT_OK) {
    snprintf(err, errlen, "the trusted checkpoint %.400s does not verify with the log key (%s)",
             path,
             rc == CHECKPOINT_ERR_NOTE     ? note_strerror(ns)
             : rc == CHECKPOINT_ERR_ORIGIN ? "it names another log"
                                           : "malformed");
    return -1;
  }
  return 1;
}

/* Write note as the trusted checkpoint (creating <dir>/audit). 0 or -1 with err. */
static int trusted_store(const char *dir, const char *note, size_t notelen, char *err,
                         size_t errlen) {
  char adir[CLIENT_PATH_MAX], path[CLIENT_PATH_MAX];
  if (client_config_path(dir, "audit", adir, sizeof adir) != 0 ||
      trusted_path(dir, path, sizeof path) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  if (client_config_mkdir(adir, err, errlen) != 0) return -1;
  if (util_write_file(path, note, notelen, 0600) != 0) {
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int trusted_accept(const char *dir, const checkpoint *tr, const checkpoint *cp, const char *note,
                   size_t notelen, const msgpack_object *cons, char *err, size_t errlen) {
  if (tr == NULL) {
    if (trusted_store(dir, note, notelen, err, errlen) != 0) return -1;
    return TRUSTED_FIRST;
  }
  if (cp->size < tr->size) {
    snprintf(err, errlen,
             "rollback: the server's checkpoint (size %llu) is older than the checkpoint this "
             "client already trusted (size %llu)",
             (unsigned long long)cp->size, (unsigned long long)tr->size);
    return -1;
  }
  if (cp->size == tr->size) {
    if (sodium_memcmp(cp->root, tr->root, 32) != 0) {
      snprintf(err, errlen, "fork: the server signed two different trees of size %llu",
               (unsigned long long)cp->size);
      return -1;
    }
    return TRUSTED_SAME;
  }
  uint8_t proof[MERKLE_MAX_PROOF][32];
  size_t n = 0;
  if (cons == NULL || cons->type != MSGPACK_OBJECT_ARRAY ||
      cons->via.array.size > MERKLE_MAX_PROOF) {
    snprintf(err, errlen,
             "the server sent no consistency proof from the trusted checkpoint (size %llu) to "
             "size %llu",
             (unsigned long long)tr->size, (unsigned long long)cp->size);
    return -1;
  }
  for (uint32_t i = 0; i < cons->via.array.size; i++) {
    const msgpack_object *h = &cons->via.array.ptr[i];
    if (h->type != MSGPACK_OBJECT_BIN || h->via.bin.size != 32) {
      snprintf(err, errlen, "the server's consistency proof is malformed");
      return -1;
    }
    memcpy(proof[n++], h->via.bin.ptr, 32);
  }
  if (!merkle_verify_consistency(tr->size, cp->size, (const uint8_t(*)[32])proof, n, tr->root,
                                 cp->root)) {
    snprintf(err, errlen,
             "fork: the server's checkpoint (size %llu) is not consistent with the checkpoint "
             "this client already trusted (size %llu)",
             (unsigned long long)cp->size, (unsigned long long)tr->size);
    return -1;
  }
  if (trusted_store(dir, note, notelen, err, errlen) != 0) return -1;
  return TRUSTED_ADVANCED;
}

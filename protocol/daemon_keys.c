/* daemon_keys.c -- the daemon's secret keys: generated, and kept in a key file of kind 2
 * (keyfile.h). */
#include "daemon_keys.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "bytebuf.h"
#include "keyfile.h"

sv_daemon_keys *daemon_keys_generate(int *status) {
  sv_daemon_keys *k = NULL;
  if (sodium_init() < 0 || (k = sodium_malloc(sizeof *k)) == NULL) {
    if (status) *status = KEYS_ERR_NOMEM;
    return NULL;
  }
  do {
    randombytes_buf(k->noise_sk, sizeof k->noise_sk);
  } while (crypto_scalarmult_base(k->noise_pk, k->noise_sk) != 0);
  crypto_sign_keypair(k->log_pk, k->log_sk);
  if (status) *status = KEYS_OK;
  return k;
}

void daemon_keys_free(sv_daemon_keys *k) {
  if (k == NULL) return;
  sodium_memzero(k, sizeof *k);
  sodium_free(k);
}

int daemon_keys_save(const sv_daemon_keys *k, const char *path, char *err, size_t errlen) {
  assert(k != NULL && path != NULL);
  bytebuf_w w;
  int rc = keyfile_begin(&w, KEYFILE_KIND_DAEMON, 2, path, err, errlen);
  if (rc != KEYS_OK) return rc;
  keyfile_put_key(&w, KEYFILE_ALG_X25519, k->noise_sk, 32);
  keyfile_put_key(&w, KEYFILE_ALG_ED25519, k->log_sk, 64);
  return keyfile_finish(&w, path, err, errlen);
}

int daemon_keys_load_ex(const char *path, sv_daemon_keys **out, char *err, size_t errlen) {
  assert(path != NULL && out != NULL);
  *out = NULL;
  uint8_t *buf = NULL;
  bytebuf_r r;
  void *mem = NULL;
  int rc = keyfile_load(path, KEYFILE_KIND_DAEMON, 2, sizeof(sv_daemon_keys), &buf, &r, &mem,
                        err, errlen);
  if (rc != KEYS_OK) return rc;
  sv_daemon_keys *k = mem;
  rc = KEYS_ERR_FORMAT;
  if (!keyfile_get_key(&r, KEYFILE_ALG_X25519, k->noise_sk, 32) ||
      !keyfile_get_key(&r, KEYFILE_ALG_ED25519, k->log_sk, 64) || r.n != 0) {
    keys_set_err(err, errlen, "%s: bad key entry (algorithm tag or length)", path);
    goto err;
  }
  if (crypto_scalarmult_base(k->noise_pk, k->noise_sk) != 0 ||
      !keyfile_ed25519_ok(k->log_sk, k->log_pk)) {
    keys_set_err(err, errlen, "%s: inconsistent secret keys", path);
    goto err;
  }
  keyfile_release(buf);
  *out = k;
  return KEYS_OK;
err:
  daemon_keys_free(k);
  keyfile_release(buf);
  return rc;
}

sv_daemon_keys *daemon_keys_load(const char *path, char *err, size_t errlen) {
  sv_daemon_keys *k = NULL;
  daemon_keys_load_ex(path, &k, err, errlen);
  return k;
}

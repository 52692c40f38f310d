/* identity.c -- a member's identity: its three secret keys and signed card, generated (or
 * derived from a seed for test vectors) and kept in a key file of kind 1 (keyfile.h).
 *
 * Deterministic identities (identity_from_seed): crypto_kdf_derive_from_key (BLAKE2b) with
 * context "svident1" and the 32-byte seed as master key: subkey 1 = Ed25519 seed, subkey 2 =
 * X25519 Noise secret, subkey 3 = X25519 encryption secret. */
#include "identity.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "keyfile.h"
#include "util.h"

#define KDF_CONTEXT "svident1"
#define CARD_FILE_MAX 512 /* bytes of the card inside an identity file, at most */

sv_identity *identity_from_seed(const char *name, const uint8_t seed[32], uint64_t created,
                                int *status) {
  assert(name != NULL && seed != NULL);
  int rc = KEYS_ERR_NOMEM;
  sv_identity *id = NULL;
  uint8_t edseed[crypto_sign_SEEDBYTES];
  size_t nlen = strnlen(name, CARD_NAME_MAX + 1);
  if (!card_name_valid(name, nlen)) {
    rc = KEYS_ERR_NAME;
    goto err;
  }
  if (sodium_init() < 0) goto err;
  id = sodium_malloc(sizeof *id);
  if (id == NULL) goto err;
  memset(id, 0, sizeof *id);
  crypto_kdf_derive_from_key(edseed, sizeof edseed, 1, KDF_CONTEXT, seed);
  crypto_kdf_derive_from_key(id->noise_sk, 32, 2, KDF_CONTEXT, seed);
  crypto_kdf_derive_from_key(id->enc_sk, 32, 3, KDF_CONTEXT, seed);
  crypto_sign_seed_keypair(id->card.sign_pk, id->sign_sk, edseed);
  sodium_memzero(edseed, sizeof edseed);
  if (crypto_scalarmult_base(id->card.noise_pk, id->noise_sk) != 0 ||
      crypto_scalarmult_base(id->card.enc_pk, id->enc_sk) != 0) {
    rc = KEYS_ERR_FORMAT; /* a zero public key: cannot happen for a KDF output */
    goto err;
  }
  memcpy(id->card.name, name, nlen);
  id->card.name[nlen] = '\0';
  id->card.created = created;
  rc = card_sign(&id->card, id->sign_sk);
  if (rc != KEYS_OK) goto err;
  if (status) *status = KEYS_OK;
  return id;
err:
  sodium_memzero(edseed, sizeof edseed);
  identity_free(id);
  if (status) *status = rc;
  return NULL;
}

sv_identity *identity_generate(const char *name, int *status) {
  assert(name != NULL);
  if (sodium_init() < 0) {
    if (status) *status = KEYS_ERR_NOMEM;
    return NULL;
  }
  uint8_t seed[32];
  randombytes_buf(seed, sizeof seed);
  sv_identity *id = identity_from_seed(name, seed, util_unix_time(), status);
  sodium_memzero(seed, sizeof seed);
  return id;
}

void identity_free(sv_identity *id) {
  if (id == NULL) return;
  sodium_memzero(id, sizeof *id);
  sodium_free(id);
}

int identity_save(const sv_identity *id, const char *path, char *err, size_t errlen) {
  assert(id != NULL && path != NULL);
  uint8_t card[CARD_ENC_MAX];
  size_t clen = card_encode_into(&id->card, card);
  if (clen == 0) {
    keys_set_err(err, errlen, "%s: identity card has an invalid name", path);
    return KEYS_ERR_NAME;
  }
  bytebuf_w w;
  int rc = keyfile_begin(&w, KEYFILE_KIND_IDENTITY, 3, path, err, errlen);
  if (rc != KEYS_OK) return rc;
  keyfile_put_key(&w, KEYFILE_ALG_ED25519, id->sign_sk, 64);
  keyfile_put_key(&w, KEYFILE_ALG_X25519, id->noise_sk, 32);
  keyfile_put_key(&w, KEYFILE_ALG_X25519, id->enc_sk, 32);
  const uint8_t be[4] = {(uint8_t)(clen >> 24), (uint8_t)(clen >> 16), (uint8_t)(clen >> 8),
                         (uint8_t)clen};
  bytebuf_put(&w, be, 4);
  bytebuf_put(&w, card, clen);
  return keyfile_finish(&w, path, err, errlen);
}

int identity_load_ex(const char *path, sv_identity **out, char *err, size_t errlen) {
  assert(path != NULL && out != NULL);
  *out = NULL;
  uint8_t *buf = NULL;
  bytebuf_r r;
  void *mem = NULL;
  int rc = keyfile_load(path, KEYFILE_KIND_IDENTITY, 3, sizeof(sv_identity), &buf, &r, &mem,
                        err, errlen);
  if (rc != KEYS_OK) return rc;
  sv_identity *id = mem;
  rc = KEYS_ERR_FORMAT;
  const uint8_t *lenb, *card;
  if (!keyfile_get_key(&r, KEYFILE_ALG_ED25519, id->sign_sk, 64) ||
      !keyfile_get_key(&r, KEYFILE_ALG_X25519, id->noise_sk, 32) ||
      !keyfile_get_key(&r, KEYFILE_ALG_X25519, id->enc_sk, 32) || !bytebuf_take(&r, 4, &lenb)) {
    keys_set_err(err, errlen, "%s: bad key entry (algorithm tag or length)", path);
    goto err;
  }
  uint32_t clen = (uint32_t)lenb[0] << 24 | (uint32_t)lenb[1] << 16 | (uint32_t)lenb[2] << 8 |
                  lenb[3];
  if (clen > CARD_FILE_MAX || clen != r.n || !bytebuf_take(&r, clen, &card)) {
    keys_set_err(err, errlen, "%s: bad member card length", path);
    goto err;
  }
  rc = card_decode(card, clen, &id->card);
  if (rc != KEYS_OK) {
    keys_set_err(err, errlen, "%s: invalid member card (%s)", path,
            rc == KEYS_ERR_SIGNATURE ? "signature does not verify" : "bad encoding");
    goto err;
  }
  uint8_t pk[32];
  bool match = keyfile_ed25519_ok(id->sign_sk, pk) && memcmp(pk, id->card.sign_pk, 32) == 0 &&
               crypto_scalarmult_base(pk, id->noise_sk) == 0 &&
               memcmp(pk, id->card.noise_pk, 32) == 0 &&
               crypto_scalarmult_base(pk, id->enc_sk) == 0 && memcmp(pk, id->card.enc_pk, 32) == 0;
  if (!match) {
    rc = KEYS_ERR_FORMAT;
    keys_set_err(err, errlen, "%s: secret keys do not match the member card", path);
    goto err;
  }
  keyfile_release(buf);
  *out = id;
  return KEYS_OK;
err:
  identity_free(id);
  keyfile_release(buf);
  return rc;
}

sv_identity *identity_load(const char *path, char *err, size_t errlen) {
  sv_identity *id = NULL;
  identity_load_ex(path, &id, err, errlen);
  return id;
}


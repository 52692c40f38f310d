/* noise.c -- Noise_IK_25519_ChaChaPoly_BLAKE2b (Noise spec rev. 34) over libsodium primitives. */
#include "noise.h"
#include "noise_sscache.h"

#include <assert.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "secpool.h"

#define NOISE_BLOCKLEN 128 /* BLAKE2b block length, used by HMAC-HASH */
#define NOISE_NONCE_MAX UINT64_MAX

const char *noise_strerror(int status) {
  switch (status) {
    case NOISE_OK: return "ok";
    case NOISE_ERR_DECRYPT: return "noise: message authentication failed";
    case NOISE_ERR_DH: return "noise: X25519 failed (low-order public key)";
    case NOISE_ERR_NONCE: return "noise: nonce exhausted";
    case NOISE_ERR_STATE: return "noise: call out of order for the handshake";
    case NOISE_ERR_SIZE: return "noise: message or buffer size out of range";
    case NOISE_ERR_NOMEM: return "noise: out of secure memory";
    default: return "noise: unknown error";
  }
}

/* ---------------------------------------------------------------------------------------- */
/* HMAC-BLAKE2b and HKDF */

/* HMAC-HASH(key, d1 || d2) per RFC 2104 with BLAKE2b-512 and a 128-byte block. out may alias
 * any input. Temporaries are wiped. */
static void hmac2(uint8_t out[NOISE_HASHLEN], const uint8_t *key, size_t keylen,
                  const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2) {
  uint8_t kblock[NOISE_BLOCKLEN];
  uint8_t pad[NOISE_BLOCKLEN];
  uint8_t inner[NOISE_HASHLEN];
  crypto_generichash_blake2b_state st;

  assert(key != NULL || keylen == 0);
  memset(kblock, 0, sizeof kblock);
  if (keylen > NOISE_BLOCKLEN) {
    crypto_generichash_blake2b(kblock, NOISE_HASHLEN, key, keylen, NULL, 0);
  } else if (keylen > 0) {
    memcpy(kblock, key, keylen);
  }

  for (size_t i = 0; i < NOISE_BLOCKLEN; i++) pad[i] = (uint8_t)(kblock[i] ^ 0x36);
  crypto_generichash_blake2b_init(&st, NULL, 0, NOISE_HASHLEN);
  crypto_generichash_blake2b_update(&st, pad, sizeof pad);
  if (l1 > 0) crypto_generichash_blake2b_update(&st, d1, l1);
  if (l2 > 0) crypto_generichash_blake2b_update(&st, d2, l2);
  crypto_generichash_blake2b_final(&st, inner, sizeof inner);

  for (size_t i = 0; i < NOISE_BLOCKLEN; i++) pad[i] = (uint8_t)(kblock[i] ^ 0x5c);
  crypto_generichash_blake2b_init(&st, NULL, 0, NOISE_HASHLEN);
  crypto_generichash_blake2b_update(&st, pad, sizeof pad);
  crypto_generichash_blake2b_update(&st, inner, sizeof inner);
  crypto_generichash_blake2b_final(&st, out, NOISE_HASHLEN);

  sodium_memzero(kblock, sizeof kblock);
  sodium_memzero(pad, sizeof pad);
  sodium_memzero(inner, sizeof inner);
  sodium_memzero(&st, sizeof st);
}

void noise_hmac_blake2b(uint8_t out[NOISE_HASHLEN], const uint8_t *key, size_t keylen,
                        const uint8_t *data, size_t datalen) {
  assert(out != NULL);
  assert(data != NULL || datalen == 0);
  hmac2(out, key, keylen, data, datalen, NULL, 0);
}

/* Noise HKDF: temp_key = HMAC(ck, ikm); out1 = HMAC(temp_key, 0x01);
 * out2 = HMAC(temp_key, out1 || 0x02); out3 = HMAC(temp_key, out2 || 0x03). The outputs may
 * alias ck (ck is consumed before any output is written). */
void noise_hkdf(const uint8_t ck[NOISE_HASHLEN], const uint8_t *ikm, size_t ikmlen,
                uint8_t out1[NOISE_HASHLEN], uint8_t out2[NOISE_HASHLEN], uint8_t *out3) {
  static const uint8_t one = 0x01, two = 0x02, three = 0x03;
  uint8_t temp_key[NOISE_HASHLEN];

  assert(ck != NULL && out1 != NULL && out2 != NULL);
  assert(ikm != NULL || ikmlen == 0);
  hmac2(temp_key, ck, NOISE_HASHLEN, ikm, ikmlen, NULL, 0);
  hmac2(out1, temp_key, sizeof temp_key, &one, 1, NULL, 0);
  hmac2(out2, temp_key, sizeof temp_key, out1, NOISE_HASHLEN, &two, 1);
  if (out3 != NULL) hmac2(out3, temp_key, sizeof temp_key, out2, NOISE_HASHLEN, &three, 1);
  sodium_memzero(temp_key, sizeof temp_key);
}

/* ---------------------------------------------------------------------------------------- */
/* CipherState */

typedef struct noise_region noise_region;

struct noise_cipher {
  uint8_t k[NOISE_KEYLEN];
  uint64_t n;
  noise_region *region; /* the secure block this state lives in */
};

/* ENCRYPT(k, n, ad, plaintext) with the ChaChaPoly nonce layout: 4 zero bytes, then n as
 * 64-bit little endian. out receives ptlen + NOISE_TAGLEN bytes. No nonce checks here. */
static void aead_encrypt(const uint8_t k[NOISE_KEYLEN], uint64_t n, const uint8_t *ad,
                         size_t adlen, const uint8_t *pt, size_t ptlen, uint8_t *out) {
  uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES] = {0};
  unsigned long long clen = 0;
  for (int i = 0; i < 8; i++) nonce[4 + i] = (uint8_t)(n >> (8 * i));
  crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, pt, ptlen, ad, adlen, NULL, nonce, k);
  assert(clen == ptlen + NOISE_TAGLEN);
}

/* DECRYPT: returns 0, or -1 when the tag does not verify (out is then zeroed by libsodium). */
static int aead_decrypt(const uint8_t k[NOISE_KEYLEN], uint64_t n, const uint8_t *ad,
                        size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t *out) {
  uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES] = {0};
  unsigned long long mlen = 0;
  for (int i = 0; i < 8; i++) nonce[4 + i] = (uint8_t)(n >> (8 * i));
  return crypto_aead_chacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct, ctlen, ad, adlen, nonce,
                                                   k);
}

/* REKEY(k): first 32 bytes of ENCRYPT(k, 2^64-1, zerolen, zeros[32]); written back into k. */
static void rekey_raw(uint8_t k[NOISE_KEYLEN]) {
  uint8_t zeros[NOISE_KEYLEN] = {0};
  uint8_t out[NOISE_KEYLEN + NOISE_TAGLEN];
  aead_encrypt(k, NOISE_NONCE_MAX, NULL, 0, zeros, sizeof zeros, out);
  memcpy(k, out, NOISE_KEYLEN);
  sodium_memzero(out, sizeof out);
}

/* Forward declarations: the region allocator is defined with the HandshakeState below. */
static noise_region *region_new(void);
static noise_cipher *region_cipher(noise_region *r, int i);
static void region_release(noise_region *r);

/* Set up the CipherState c (inside region r, which the caller has already counted it in). */
static void cipher_init(noise_cipher *c, noise_region *r, const uint8_t k[NOISE_KEYLEN]) {
  memcpy(c->k, k, NOISE_KEYLEN);
  c->n = 0;
  c->region = r;
}

noise_cipher *noise_cipher_new(const uint8_t k[NOISE_KEYLEN]) {
  assert(k != NULL);
  noise_region *r = region_new();
  if (r == NULL) return NULL;
  noise_cipher *c = region_cipher(r, 0);
  cipher_init(c, r, k);
  return c;
}

void noise_cipher_free(noise_cipher *c) {
  if (c == NULL) return;
  noise_region *r = c->region;
  sodium_memzero(c->k, sizeof c->k);
  c->n = 0;
  region_release(r);
}

int noise_cipher_encrypt(noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *pt,
                         size_t ptlen, uint8_t *out) {
  assert(c != NULL && out != NULL);
  assert(pt != NULL || ptlen == 0);
  assert(ad != NULL || adlen == 0);
  if (c->n == NOISE_NONCE_MAX) return NOISE_ERR_NONCE;
  if (ptlen > NOISE_MAX_PAYLOAD) return NOISE_ERR_SIZE;
  aead_encrypt(c->k, c->n, ad, adlen, pt, ptlen, out);
  c->n++;
  return NOISE_OK;
}

int noise_cipher_decrypt(noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *ct,
                         size_t ctlen, uint8_t *out) {
  assert(c != NULL && ct != NULL);
  assert(ad != NULL || adlen == 0);
  if (c->n == NOISE_NONCE_MAX) return NOISE_ERR_NONCE;
  if (ctlen < NOISE_TAGLEN || ctlen > NOISE_MAX_MSG) return NOISE_ERR_SIZE;
  assert(out != NULL || ctlen == NOISE_TAGLEN);
  if (aead_decrypt(c->k, c->n, ad, adlen, ct, ctlen, out) != 0) return NOISE_ERR_DECRYPT;
  c->n++;
  return NOISE_OK;
}

void noise_cipher_rekey(noise_cipher *c) {
  assert(c != NULL);
  rekey_raw(c->k);
}

void noise_cipher_set_nonce(noise_cipher *c, uint64_t n) {
  assert(c != NULL);
  c->n = n;
}

uint64_t noise_cipher_nonce(const noise_cipher *c) {
  assert(c != NULL);
  return c->n;
}

/* ---------------------------------------------------------------------------------------- */
/* SymmetricState and HandshakeState for IK */

enum hs_step {
  HS_MSG1 = 0,   /* message 1 (-> e, es, s, ss) is next */
  HS_MSG2 = 1,   /* message 2 (<- e, ee, se) is next */
  HS_DONE = 2,   /* both messages processed; Split() allowed */
  HS_SPLIT = 3,  /* Split() done; only the hash and remote static remain readable */
  HS_FAILED = 4, /* an error occurred; every further call returns NOISE_ERR_STATE */
};

/* The whole state lives in a sodium_malloc block (a noise_region): every field is secret or
 * harmless. */
struct noise_handshake {
  /* SymmetricState */
  uint8_t ck[NOISE_HASHLEN];
  uint8_t h[NOISE_HASHLEN];
  uint8_t k[NOISE_KEYLEN]; /* CipherState of the SymmetricState */
  uint64_t n;
  bool has_k;
  /* HandshakeState */
  bool initiator;
  bool has_e;  /* e_sk/e_pk set (fixed by a test hook or generated) */
  bool has_rs; /* rs known */
  int step;
  uint8_t s_sk[NOISE_DHLEN], s_pk[NOISE_DHLEN];
  uint8_t e_sk[NOISE_DHLEN], e_pk[NOISE_DHLEN];
  uint8_t rs[NOISE_DHLEN], re[NOISE_DHLEN];
  /* scratch for DH output and HKDF outputs, so they too stay in secure memory */
  uint8_t dh[NOISE_DHLEN];
  uint8_t t1[NOISE_HASHLEN], t2[NOISE_HASHLEN];
  /* noise_handshake_use_sscache: the cache, and an ss computed here that it does not hold yet,
   * kept until the remote key is authenticated */
  noise_sscache *ssc;
  uint8_t ss_new[NOISE_DHLEN];
  bool ss_pending;
  noise_region *region;
};

/* One sodium_malloc block (guard pages, mlock'd, wiped on release) holding a HandshakeState
 * and room for the two CipherStates its Split() produces, so a whole handshake and the
 * transport that follows cost a single secure allocation. The block is shared by the objects
 * carved out of it and reference-counted: each of noise_handshake_free and
 * noise_cipher_free wipes its own object and drops one reference; the last one wipes the
 * whole block and frees it. The count is atomic, so the objects may be freed from different
 * threads. A standalone noise_cipher_new uses a block of its own. */
struct noise_region {
  atomic_uint refs;
  noise_handshake hs;
  noise_cipher cs[2];
};

/* Released regions are kept for reuse (secpool.h): a sodium_malloc costs an mmap, three
 * mprotects and an mlock, and the matching sodium_free as many calls again, about a tenth of a
 * handshake's CPU. */
static secpool regions = SECPOOL_INIT(sizeof(noise_region), NOISE_POOL_MAX);

size_t noise_pool_count(void) { return secpool_count(&regions); }

void noise_pool_drain(void) { secpool_drain(&regions); }

/* A zeroed region with one reference, from the pool when it has one. NULL on failure (or if
 * libsodium cannot initialise). */
static noise_region *region_new(void) {
  noise_region *r = secpool_get(&regions);
  if (r == NULL) return NULL;
  atomic_init(&r->refs, 1);
  return r;
}

static noise_cipher *region_cipher(noise_region *r, int i) {
  assert(r != NULL && (i == 0 || i == 1));
  return &r->cs[i];
}

/* Drop one reference; the last wipes the block and returns it to the pool (which frees it when
 * full). */
static void region_release(noise_region *r) {
  assert(r != NULL);
  unsigned before = atomic_fetch_sub(&r->refs, 1u);
  assert(before > 0);
  if (before == 1) secpool_put(&regions, r);
}

/* MixHash(data): h = HASH(h || data). */
static void mix_hash(noise_handshake *hs, const uint8_t *data, size_t len) {
  crypto_generichash_blake2b_state st;
  crypto_generichash_blake2b_init(&st, NULL, 0, NOISE_HASHLEN);
  crypto_generichash_blake2b_update(&st, hs->h, NOISE_HASHLEN);
  if (len > 0) crypto_generichash_blake2b_update(&st, data, len);
  crypto_generichash_blake2b_final(&st, hs->h, NOISE_HASHLEN);
  sodium_memzero(&st, sizeof st);
}

/* MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); k = temp_k truncated to 32 bytes; n = 0. */
static void mix_key(noise_handshake *hs, const uint8_t *ikm, size_t len) {
  noise_hkdf(hs->ck, ikm, len, hs->t1, hs->t2, NULL);
  memcpy(hs->ck, hs->t1, NOISE_HASHLEN);
  memcpy(hs->k, hs->t2, NOISE_KEYLEN);
  hs->n = 0;
  hs->has_k = true;
  sodium_memzero(hs->t1, sizeof hs->t1);
  sodium_memzero(hs->t2, sizeof hs->t2);
}

/* DH(sk, pk) then MixKey of the result; the result is also copied to keep when not NULL.
 * Returns NOISE_OK, or NOISE_ERR_DH when libsodium rejects the point (low order / all-zero
 * shared secret). */
static int mix_dh_keep(noise_handshake *hs, const uint8_t sk[NOISE_DHLEN],
                       const uint8_t pk[NOISE_DHLEN], uint8_t *keep) {
  if (crypto_scalarmult(hs->dh, sk, pk) != 0) {
    sodium_memzero(hs->dh, sizeof hs->dh);
    return NOISE_ERR_DH;
  }
  if (keep != NULL) memcpy(keep, hs->dh, sizeof hs->dh);
  mix_key(hs, hs->dh, sizeof hs->dh);
  sodium_memzero(hs->dh, sizeof hs->dh);
  return NOISE_OK;
}

static int mix_dh(noise_handshake *hs, const uint8_t sk[NOISE_DHLEN],
                  const uint8_t pk[NOISE_DHLEN]) {
  return mix_dh_keep(hs, sk, pk, NULL);
}

/* Token "ss": DH(s, rs) then MixKey, the DH taken from the handshake's cache when it holds it.
 * A computed one is kept in ss_new for remember_ss. */
static int mix_ss(noise_handshake *hs) {
  if (hs->ssc == NULL) return mix_dh(hs, hs->s_sk, hs->rs);
  if (noise_sscache_get(hs->ssc, hs->rs, hs->dh)) {
    mix_key(hs, hs->dh, sizeof hs->dh);
    sodium_memzero(hs->dh, sizeof hs->dh);
    return NOISE_OK;
  }
  int rc = mix_dh_keep(hs, hs->s_sk, hs->rs, hs->ss_new);
  hs->ss_pending = rc == NOISE_OK;
  return rc;
}

/* The remote static key has been authenticated: give the cache the ss computed for it. */
static void remember_ss(noise_handshake *hs) {
  if (!hs->ss_pending) return;
  noise_sscache_put(hs->ssc, hs->rs, hs->ss_new);
  sodium_memzero(hs->ss_new, sizeof hs->ss_new);
  hs->ss_pending = false;
}

/* EncryptAndHash(pt) into out (ptlen + NOISE_TAGLEN bytes when a key is set, else ptlen).
 * *outlen receives the size written. */
static int encrypt_and_hash(noise_handshake *hs, const uint8_t *pt, size_t ptlen, uint8_t *out,
                            size_t *outlen) {
  if (!hs->has_k) {
    if (ptlen > 0) memmove(out, pt, ptlen);
    *outlen = ptlen;
  } else {
    if (hs->n == NOISE_NONCE_MAX) return NOISE_ERR_NONCE;
    aead_encrypt(hs->k, hs->n, hs->h, NOISE_HASHLEN, pt, ptlen, out);
    hs->n++;
    *outlen = ptlen + NOISE_TAGLEN;
  }
  mix_hash(hs, out, *outlen);
  return NOISE_OK;
}

/* DecryptAndHash(ct) into out (ctlen - NOISE_TAGLEN bytes when a key is set, else ctlen). */
static int decrypt_and_hash(noise_handshake *hs, const uint8_t *ct, size_t ctlen, uint8_t *out,
                            size_t *outlen) {
  if (!hs->has_k) {
    if (ctlen > 0) memmove(out, ct, ctlen);
    *outlen = ctlen;
  } else {
    if (ctlen < NOISE_TAGLEN) return NOISE_ERR_SIZE;
    if (hs->n == NOISE_NONCE_MAX) return NOISE_ERR_NONCE;
    if (aead_decrypt(hs->k, hs->n, hs->h, NOISE_HASHLEN, ct, ctlen, out) != 0)
      return NOISE_ERR_DECRYPT;
    hs->n++;
    *outlen = ctlen - NOISE_TAGLEN;
  }
  mix_hash(hs, ct, ctlen);
  return NOISE_OK;
}

/* Wipe what is no longer needed once both messages are done (ephemeral secret, k, scratch). */
static void wipe_finished(noise_handshake *hs) {
  sodium_memzero(hs->ss_new, sizeof hs->ss_new);
  hs->ss_pending = false;
  sodium_memzero(hs->e_sk, sizeof hs->e_sk);
  sodium_memzero(hs->k, sizeof hs->k);
  sodium_memzero(hs->dh, sizeof hs->dh);
  hs->has_k = false;
}

/* Put the handshake into the failed state, wiping its secrets; returns err. */
static int fail(noise_handshake *hs, int err) {
  hs->step = HS_FAILED;
  wipe_finished(hs);
  sodium_memzero(hs->ck, sizeof hs->ck);
  sodium_memzero(hs->s_sk, sizeof hs->s_sk);
  return err;
}

noise_handshake *noise_handshake_new(bool initiator, const uint8_t *prologue, size_t prologue_len,
                                     const uint8_t s_sk[NOISE_DHLEN], const uint8_t *rs_pk) {
  return noise_handshake_new_with_pk(initiator, prologue, prologue_len, s_sk, NULL, rs_pk);
}

noise_handshake *noise_handshake_new_with_pk(bool initiator, const uint8_t *prologue,
                                             size_t prologue_len, const uint8_t s_sk[NOISE_DHLEN],
                                             const uint8_t *s_pk, const uint8_t *rs_pk) {
  if (s_sk == NULL || (prologue == NULL && prologue_len > 0)) return NULL;
  if (initiator != (rs_pk != NULL)) return NULL;
  noise_region *r = region_new();
  if (r == NULL) return NULL;
  noise_handshake *hs = &r->hs;
  hs->region = r;
  hs->initiator = initiator;
  hs->step = HS_MSG1;

  /* InitializeSymmetric: the name (33 bytes) is <= HASHLEN, so h = name padded with zeros. */
  static const char name[] = NOISE_PROTOCOL_NAME;
  static_assert(sizeof name - 1 <= NOISE_HASHLEN, "protocol name must fit HASHLEN");
  memcpy(hs->h, name, sizeof name - 1);
  memcpy(hs->ck, hs->h, NOISE_HASHLEN);
  mix_hash(hs, prologue, prologue_len);

  memcpy(hs->s_sk, s_sk, NOISE_DHLEN);
  if (s_pk != NULL) {
    memcpy(hs->s_pk, s_pk, NOISE_DHLEN);
#ifndef NDEBUG
    uint8_t check[NOISE_DHLEN];
    crypto_scalarmult_base(check, hs->s_sk);
    assert(memcmp(check, s_pk, NOISE_DHLEN) == 0 && "s_pk does not belong to s_sk");
#endif
  } else {
    crypto_scalarmult_base(hs->s_pk, hs->s_sk);
  }

  /* Pre-message "<- s": both sides hash the responder's static public key. */
  if (initiator) {
    memcpy(hs->rs, rs_pk, NOISE_DHLEN);
    hs->has_rs = true;
    mix_hash(hs, hs->rs, NOISE_DHLEN);
  } else {
    mix_hash(hs, hs->s_pk, NOISE_DHLEN);
  }
  return hs;
}

void noise_handshake_free(noise_handshake *hs) {
  if (hs == NULL) return;
  noise_region *r = hs->region;
  sodium_memzero(hs, sizeof *hs);
  region_release(r);
}

int noise_handshake_use_sscache(noise_handshake *hs, noise_sscache *c) {
  assert(hs != NULL && c != NULL);
  if (hs->step != HS_MSG1 || hs->ssc != NULL) return NOISE_ERR_STATE;
  if (sodium_memcmp(noise_sscache_local(c), hs->s_pk, NOISE_DHLEN) != 0) return NOISE_ERR_STATE;
  hs->ssc = c;
  return NOISE_OK;
}

int noise_handshake_set_ephemeral(noise_handshake *hs, const uint8_t e_sk[NOISE_DHLEN]) {
  assert(hs != NULL && e_sk != NULL);
  if (hs->has_e || hs->step >= HS_DONE) return NOISE_ERR_STATE;
  memcpy(hs->e_sk, e_sk, NOISE_DHLEN);
  crypto_scalarmult_base(hs->e_pk, hs->e_sk);
  hs->has_e = true;
  return NOISE_OK;
}

/* Token "e" on write: generate (unless fixed) the ephemeral, append its public key to out and
 * MixHash it. */
static void write_e(noise_handshake *hs, uint8_t *out) {
  if (!hs->has_e) {
    crypto_box_keypair(hs->e_pk, hs->e_sk); /* X25519 key pair from the system RNG */
    hs->has_e = true;
  }
  memcpy(out, hs->e_pk, NOISE_DHLEN);
  mix_hash(hs, hs->e_pk, NOISE_DHLEN);
}

int noise_handshake_write(noise_handshake *hs, const uint8_t *payload, size_t payload_len,
                          uint8_t *out, size_t outcap, size_t *outlen) {
  assert(hs != NULL && out != NULL && outlen != NULL);
  assert(payload != NULL || payload_len == 0);
  int rc;
  size_t pos = 0, n = 0;
  *outlen = 0;

  if (hs->initiator && hs->step == HS_MSG1) {
    /* -> e, es, s, ss */
    size_t need = NOISE_DHLEN + NOISE_DHLEN + NOISE_TAGLEN + payload_len + NOISE_TAGLEN;
    if (payload_len > NOISE_MAX_MSG || need > NOISE_MAX_MSG || need > outcap) {
      rc = NOISE_ERR_SIZE;
      goto err;
    }
    write_e(hs, out);
    pos = NOISE_DHLEN;
    if ((rc = mix_dh(hs, hs->e_sk, hs->rs)) != NOISE_OK) goto err;
    if ((rc = encrypt_and_hash(hs, hs->s_pk, NOISE_DHLEN, out + pos, &n)) != NOISE_OK) goto err;
    pos += n;
    if ((rc = mix_ss(hs)) != NOISE_OK) goto err;
    if ((rc = encrypt_and_hash(hs, payload, payload_len, out + pos, &n)) != NOISE_OK) goto err;
    pos += n;
    hs->step = HS_MSG2;
  } else if (!hs->initiator && hs->step == HS_MSG2) {
    /* <- e, ee, se */
    size_t need = NOISE_DHLEN + payload_len + NOISE_TAGLEN;
    if (payload_len > NOISE_MAX_MSG || need > NOISE_MAX_MSG || need > outcap) {
      rc = NOISE_ERR_SIZE;
      goto err;
    }
    write_e(hs, out);
    pos = NOISE_DHLEN;
    if ((rc = mix_dh(hs, hs->e_sk, hs->re)) != NOISE_OK) goto err;
    if ((rc = mix_dh(hs, hs->e_sk, hs->rs)) != NOISE_OK) goto err;
    if ((rc = encrypt_and_hash(hs, payload, payload_len, out + pos, &n)) != NOISE_OK) goto err;
    pos += n;
    hs->step = HS_DONE;
    wipe_finished(hs);
  } else {
    return NOISE_ERR_STATE;
  }
  *outlen = pos;
  return NOISE_OK;
err:
  sodium_memzero(out, pos < outcap ? pos : outcap);
  return fail(hs, rc);
}

int noise_handshake_read(noise_handshake *hs, const uint8_t *msg, size_t msglen, uint8_t *payload,
                         size_t cap, size_t *payload_len) {
  assert(hs != NULL && payload_len != NULL);
  assert(msg != NULL || msglen == 0);
  assert(payload != NULL || cap == 0);
  int rc;
  size_t pos = 0, n = 0;
  *payload_len = 0;

  if (!hs->initiator && hs->step == HS_MSG1) {
    /* -> e, es, s, ss */
    size_t fixed = NOISE_DHLEN + NOISE_DHLEN + NOISE_TAGLEN + NOISE_TAGLEN;
    if (msglen < fixed || msglen > NOISE_MAX_MSG || msglen - fixed > cap) {
      rc = NOISE_ERR_SIZE;
      goto err;
    }
    memcpy(hs->re, msg, NOISE_DHLEN);
    mix_hash(hs, hs->re, NOISE_DHLEN);
    pos = NOISE_DHLEN;
    if ((rc = mix_dh(hs, hs->s_sk, hs->re)) != NOISE_OK) goto err;
    if ((rc = decrypt_and_hash(hs, msg + pos, NOISE_DHLEN + NOISE_TAGLEN, hs->rs, &n)) !=
        NOISE_OK)
      goto err;
    pos += NOISE_DHLEN + NOISE_TAGLEN;
    hs->has_rs = true;
    if ((rc = mix_ss(hs)) != NOISE_OK) goto err;
    if ((rc = decrypt_and_hash(hs, msg + pos, msglen - pos, payload, payload_len)) != NOISE_OK)
      goto err;
    remember_ss(hs); /* the payload's tag proved the initiator holds rs's secret */
    hs->step = HS_MSG2;
  } else if (hs->initiator && hs->step == HS_MSG2) {
    /* <- e, ee, se */
    size_t fixed = NOISE_DHLEN + NOISE_TAGLEN;
    if (msglen < fixed || msglen > NOISE_MAX_MSG || msglen - fixed > cap) {
      rc = NOISE_ERR_SIZE;
      goto err;
    }
    memcpy(hs->re, msg, NOISE_DHLEN);
    mix_hash(hs, hs->re, NOISE_DHLEN);
    pos = NOISE_DHLEN;
    if ((rc = mix_dh(hs, hs->e_sk, hs->re)) != NOISE_OK) goto err;
    if ((rc = mix_dh(hs, hs->s_sk, hs->re)) != NOISE_OK) goto err;
    if ((rc = decrypt_and_hash(hs, msg + pos, msglen - pos, payload, payload_len)) != NOISE_OK)
      goto err;
    remember_ss(hs); /* message 2's tag proved the responder holds rs's secret */
    hs->step = HS_DONE;
    wipe_finished(hs);
  } else {
    return NOISE_ERR_STATE;
  }
  return NOISE_OK;
err:
  /* nothing of an unauthenticated payload may reach the caller */
  if (payload != NULL && cap > 0) sodium_memzero(payload, cap);
  *payload_len = 0;
  if (hs->step == HS_MSG1) {
    hs->has_rs = false; /* an unauthenticated rs must not be reported */
    sodium_memzero(hs->rs, sizeof hs->rs);
  }
  return fail(hs, rc);
}

bool noise_handshake_done(const noise_handshake *hs) {
  assert(hs != NULL);
  return hs->step == HS_DONE || hs->step == HS_SPLIT;
}

int noise_handshake_split(noise_handshake *hs, noise_cipher **send, noise_cipher **recv) {
  assert(hs != NULL && send != NULL && recv != NULL);
  *send = NULL;
  *recv = NULL;
  if (hs->step != HS_DONE) return NOISE_ERR_STATE;
  /* Both CipherStates live in the handshake's own region: no further allocation. */
  noise_region *r = hs->region;
  noise_cipher *c1 = region_cipher(r, 0), *c2 = region_cipher(r, 1);
  noise_hkdf(hs->ck, NULL, 0, hs->t1, hs->t2, NULL);
  cipher_init(c1, r, hs->t1);
  cipher_init(c2, r, hs->t2);
  atomic_fetch_add(&r->refs, 2u);
  sodium_memzero(hs->t1, sizeof hs->t1);
  sodium_memzero(hs->t2, sizeof hs->t2);
  sodium_memzero(hs->ck, sizeof hs->ck);
  sodium_memzero(hs->s_sk, sizeof hs->s_sk);
  hs->step = HS_SPLIT;
  /* The initiator sends with c1 and receives with c2; the responder the reverse. */
  *send = hs->initiator ? c1 : c2;
  *recv = hs->initiator ? c2 : c1;
  return NOISE_OK;
}

int noise_handshake_remote_static(const noise_handshake *hs, uint8_t out[NOISE_DHLEN]) {
  assert(hs != NULL && out != NULL);
  if (!hs->has_rs) return NOISE_ERR_STATE;
  memcpy(out, hs->rs, NOISE_DHLEN);
  return NOISE_OK;
}

void noise_handshake_hash(const noise_handshake *hs, uint8_t out[NOISE_HASHLEN]) {
  assert(hs != NULL && out != NULL);
  memcpy(out, hs->h, NOISE_HASHLEN);
}

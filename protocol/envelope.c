/* envelope.c -- restricted-note envelopes: seal a body to several members, verify, open.
 *
 * Layout (all integers big-endian; PROTOCOL.md "Note envelopes" is the normative text):
 *   header = "SVNE" || version u8 (2) || id[16] || sender keyid[8] || created u64
 *            || class_len u8 || class || area_len u8 || area || purpose_len u8 || purpose
 *            || n u8 || recipient keyid[8] * n || key_commit[32]
 *   wraps  = (eph_pk[32] || XChaCha20-Poly1305(wrap_key, nonce 0^24, ad = header, ck)[48]) * n
 *   body   = nonce[24] || body_len u32 || XChaCha20-Poly1305(ck, nonce, ad = header, plaintext)
 *   sig    = Ed25519(sender, "samvirke note envelope v2" 0x00 || BLAKE2b-512(header..body))
 *   wrap_key = BLAKE2b-256("samvirke note wrap v2" 0x00 || X25519(eph, enc_pk) || eph_pk
 *              || enc_pk || id)
 *   key_commit = BLAKE2b-256(key = ck, "samvirke note key commitment v2" 0x00 || id)
 */
#include "envelope.h"

#include <assert.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "secpool.h"

#include "util.h"

#define MAGIC_LEN 4
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_LEN 32
/* Secure blocks, pooled (secpool.h): one for the keys of a seal or an open, and one for an
 * opened body of up to BODY_BLOCK bytes, placed at the block's end so that an overrun meets the
 * guard page; a longer body gets a sodium_malloc of its own. */
#define SECRET_LEN (KEY_LEN * 3 + 32)
#define BODY_BLOCK ENVELOPE_BODY_POOLED
static secpool secrets = SECPOOL_INIT(SECRET_LEN, 16);
static secpool bodies = SECPOOL_INIT(BODY_BLOCK, 8);

/* Where the parts of a well-formed envelope are. */
typedef struct layout {
  size_t hdr_len;
  const uint8_t *wraps;
  const uint8_t *nonce;
  const uint8_t *body;
  size_t body_len;
  const uint8_t *sig;
  size_t signed_len; /* bytes before the signature */
} layout;

const char *envelope_strerror(int status) {
  switch (status) {
  case ENVELOPE_OK: return "ok";
  case ENVELOPE_ERR_FORMAT: return "the envelope is malformed";
  case ENVELOPE_ERR_SENDER: return "the envelope's sender is not the expected member";
  case ENVELOPE_ERR_SIGNATURE: return "the sender's signature does not verify";
  case ENVELOPE_ERR_NOT_RECIPIENT: return "this note is not addressed to you";
  case ENVELOPE_ERR_WRAP: return "your wrapped content key fails its authentication tag";
  case ENVELOPE_ERR_LOW_ORDER: return "an X25519 key is a low-order point";
  case ENVELOPE_ERR_BODY: return "the body fails its authentication tag";
  case ENVELOPE_ERR_NOMEM: return "out of memory";
  case ENVELOPE_ERR_INVALID: return "an envelope field is invalid";
  case ENVELOPE_ERR_COMMIT:
    return "your content key does not match the envelope's key commitment";
  default: return "unknown envelope error";
  }
}

void envelope_card_keyid(const sv_card *card, uint8_t out[ENVELOPE_KEYID_LEN]) {
  uint8_t h[32];
  crypto_hash_sha256(h, card->sign_pk, 32);
  memcpy(out, h, ENVELOPE_KEYID_LEN);
}

static bool class_valid(const char *s, size_t n) {
  if (n < 1 || n > ENVELOPE_CLASS_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

/* UTF-8 without control characters: C0 (tab included), DEL, and C1 U+0080..U+009F, which
 * UTF-8 encodes as C2 80..C2 9F. */
static bool text_valid(const char *s, size_t n, size_t max) {
  if (n > max || !util_utf8_valid(s, n, false) || memchr(s, '\t', n) != NULL) return false;
  for (size_t i = 0; i + 1 < n; i++)
    if ((unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] <= 0x9f) return false;
  return true;
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

/* Parse the layout of env into h and l. Returns ENVELOPE_OK or ENVELOPE_ERR_FORMAT. */
static int parse(const uint8_t *env, size_t len, envelope_header *h, layout *l) {
  memset(h, 0, sizeof *h);
  memset(l, 0, sizeof *l);
  size_t off = 0;
#define NEED(n)                         \
  do {                                  \
    if ((n) > len - off) goto bad;      \
  } while (0)
  NEED(MAGIC_LEN + 1 + ENVELOPE_ID_LEN + ENVELOPE_KEYID_LEN + 8 + 1);
  if (memcmp(env, ENVELOPE_MAGIC, MAGIC_LEN) != 0) goto bad;
  off += MAGIC_LEN;
  h->version = env[off++];
  if (h->version != ENVELOPE_VERSION) goto bad;
  memcpy(h->id, env + off, ENVELOPE_ID_LEN);
  off += ENVELOPE_ID_LEN;
  memcpy(h->sender, env + off, ENVELOPE_KEYID_LEN);
  off += ENVELOPE_KEYID_LEN;
  h->created = get_u64(env + off);
  off += 8;
  size_t n = env[off++];
  NEED(n + 1);
  if (!class_valid((const char *)env + off, n)) goto bad;
  memcpy(h->klass, env + off, n);
  off += n;
  n = env[off++];
  NEED(n + 1);
  if (!text_valid((const char *)env + off, n, ENVELOPE_AREA_MAX)) goto bad;
  memcpy(h->area, env + off, n);
  off += n;
  n = env[off++];
  NEED(n + 1);
  if (!text_valid((const char *)env + off, n, ENVELOPE_PURPOSE_MAX)) goto bad;
  memcpy(h->purpose, env + off, n);
  off += n;
  n = env[off++];
  if (n < 1 || n > ENVELOPE_MAX_RECIPIENTS) goto bad;
  NEED(n * ENVELOPE_KEYID_LEN);
  h->nrecipients = n;
  for (size_t i = 0; i < n; i++) {
    memcpy(h->recipients[i], env + off, ENVELOPE_KEYID_LEN);
    off += ENVELOPE_KEYID_LEN;
    for (size_t k = 0; k < i; k++)
      if (memcmp(h->recipients[k], h->recipients[i], ENVELOPE_KEYID_LEN) == 0) goto bad;
  }
  NEED(ENVELOPE_COMMIT_LEN);
  memcpy(h->key_commit, env + off, ENVELOPE_COMMIT_LEN);
  off += ENVELOPE_COMMIT_LEN;
  l->hdr_len = off;
  NEED(n * ENVELOPE_WRAP_LEN);
  l->wraps = env + off;
  off += n * ENVELOPE_WRAP_LEN;
  NEED(ENVELOPE_NONCE_LEN + 4);
  l->nonce = env + off;
  off += ENVELOPE_NONCE_LEN;
  uint32_t blen = (uint32_t)env[off] << 24 | (uint32_t)env[off + 1] << 16 |
                  (uint32_t)env[off + 2] << 8 | env[off + 3];
  off += 4;
  if (blen < TAG_LEN) goto bad;
  NEED((size_t)blen);
  l->body = env + off;
  l->body_len = blen;
  h->body_len = blen;
  off += blen;
  l->signed_len = off;
  if (len - off != ENVELOPE_SIG_LEN) goto bad;
  l->sig = env + off;
  return ENVELOPE_OK;
#undef NEED
bad:
  memset(h, 0, sizeof *h);
  memset(l, 0, sizeof *l);
  return ENVELOPE_ERR_FORMAT;
}

int envelope_parse(const uint8_t *env, size_t len, envelope_header *h) {
  assert(env != NULL || len == 0);
  layout l;
  return parse(env, len, h, &l);
}

/* The message the sender signs: context || 0x00 || BLAKE2b-512(signed bytes). */
#define SIGMSG_LEN (sizeof ENVELOPE_SIG_CONTEXT + crypto_generichash_BYTES_MAX)
static void sig_message(const uint8_t *env, size_t signed_len, uint8_t out[SIGMSG_LEN]) {
  memcpy(out, ENVELOPE_SIG_CONTEXT, sizeof ENVELOPE_SIG_CONTEXT); /* includes the NUL */
  crypto_generichash(out + sizeof ENVELOPE_SIG_CONTEXT, crypto_generichash_BYTES_MAX, env,
                     signed_len, NULL, 0);
}

/* wrap_key = BLAKE2b-256(context 0x00 || shared || eph_pk || enc_pk || id). */
static void wrap_key(uint8_t key[KEY_LEN], const uint8_t shared[32], const uint8_t eph_pk[32],
                     const uint8_t enc_pk[32], const uint8_t id[ENVELOPE_ID_LEN]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, KEY_LEN);
  crypto_generichash_update(&st, (const uint8_t *)ENVELOPE_WRAP_CONTEXT,
                            sizeof ENVELOPE_WRAP_CONTEXT);
  crypto_generichash_update(&st, shared, 32);
  crypto_generichash_update(&st, eph_pk, 32);
  crypto_generichash_update(&st, enc_pk, 32);
  crypto_generichash_update(&st, id, ENVELOPE_ID_LEN);
  crypto_generichash_final(&st, key, KEY_LEN);
  sodium_memzero(&st, sizeof st);
}

void envelope_key_commit(const uint8_t content_key[KEY_LEN], const uint8_t id[ENVELOPE_ID_LEN],
                         uint8_t out[ENVELOPE_COMMIT_LEN]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, content_key, KEY_LEN, ENVELOPE_COMMIT_LEN);
  crypto_generichash_update(&st, (const uint8_t *)ENVELOPE_COMMIT_CONTEXT,
                            sizeof ENVELOPE_COMMIT_CONTEXT);
  crypto_generichash_update(&st, id, ENVELOPE_ID_LEN);
  crypto_generichash_final(&st, out, ENVELOPE_COMMIT_LEN);
  sodium_memzero(&st, sizeof st);
}

static int verify_layout(const uint8_t *env, const layout *l, const envelope_header *h,
                         const uint8_t sender_pk[32]) {
  uint8_t kid[32];
  crypto_hash_sha256(kid, sender_pk, 32);
  if (sodium_memcmp(kid, h->sender, ENVELOPE_KEYID_LEN) != 0) return ENVELOPE_ERR_SENDER;
  uint8_t msg[SIGMSG_LEN];
  sig_message(env, l->signed_len, msg);
  if (crypto_sign_verify_detached(l->sig, msg, sizeof msg, sender_pk) != 0)
    return ENVELOPE_ERR_SIGNATURE;
  return ENVELOPE_OK;
}

int envelope_verify(const uint8_t *env, size_t len, const uint8_t sender_pk[32]) {
  envelope_header h;
  layout l;
  int rc = parse(env, len, &h, &l);
  if (rc != ENVELOPE_OK) return rc;
  return verify_layout(env, &l, &h, sender_pk);
}

/* The common sealing path. fx == NULL draws fresh randomness. */
static int seal(const sv_identity *sender, const envelope_params *p, const envelope_fixed *fx,
                const uint8_t *body, size_t len, uint8_t **out, size_t *outlen) {
  assert(sender != NULL && p != NULL && out != NULL && outlen != NULL);
  assert(body != NULL || len == 0);
  *out = NULL;
  *outlen = 0;
  const char *area = p->area ? p->area : "";
  const char *purpose = p->purpose ? p->purpose : "";
  size_t cl = p->klass ? strlen(p->klass) : 0, al = strlen(area), pl = strlen(purpose);
  size_t n = p->nrecipients;
  if (!class_valid(p->klass ? p->klass : "", cl) || !text_valid(area, al, ENVELOPE_AREA_MAX) ||
      !text_valid(purpose, pl, ENVELOPE_PURPOSE_MAX) || n < 1 || n > ENVELOPE_MAX_RECIPIENTS ||
      len > ENVELOPE_BODY_MAX)
    return ENVELOPE_ERR_INVALID;
  uint8_t ids[ENVELOPE_MAX_RECIPIENTS][ENVELOPE_KEYID_LEN];
  for (size_t i = 0; i < n; i++) {
    envelope_card_keyid(p->recipients[i], ids[i]);
    for (size_t k = 0; k < i; k++)
      if (memcmp(ids[k], ids[i], ENVELOPE_KEYID_LEN) == 0) return ENVELOPE_ERR_INVALID;
  }
  size_t hdr_len = MAGIC_LEN + 1 + ENVELOPE_ID_LEN + ENVELOPE_KEYID_LEN + 8 + 1 + cl + 1 + al +
                   1 + pl + 1 + n * ENVELOPE_KEYID_LEN + ENVELOPE_COMMIT_LEN;
  size_t total = hdr_len + n * ENVELOPE_WRAP_LEN + ENVELOPE_NONCE_LEN + 4 + len + TAG_LEN +
                 ENVELOPE_SIG_LEN;
  uint8_t *env = malloc(total);
  uint8_t *secret = secpool_get(&secrets); /* ck, wrap key, shared, eph_sk */
  int rc = ENVELOPE_ERR_NOMEM;
  if (env == NULL || secret == NULL) goto err;
  uint8_t *ck = secret, *wk = secret + KEY_LEN, *shared = secret + 2 * KEY_LEN,
          *eph_sk = secret + 3 * KEY_LEN;
  /* header */
  size_t off = 0;
  memcpy(env, ENVELOPE_MAGIC, MAGIC_LEN);
  off += MAGIC_LEN;
  env[off++] = ENVELOPE_VERSION;
  uint8_t *id = env + off;
  if (fx)
    memcpy(id, fx->id, ENVELOPE_ID_LEN);
  else
    randombytes_buf(id, ENVELOPE_ID_LEN);
  off += ENVELOPE_ID_LEN;
  envelope_card_keyid(&sender->card, env + off);
  off += ENVELOPE_KEYID_LEN;
  put_u64(env + off, p->created ? p->created : util_unix_time());
  off += 8;
  env[off++] = (uint8_t)cl;
  memcpy(env + off, p->klass, cl);
  off += cl;
  env[off++] = (uint8_t)al;
  memcpy(env + off, area, al);
  off += al;
  env[off++] = (uint8_t)pl;
  memcpy(env + off, purpose, pl);
  off += pl;
  env[off++] = (uint8_t)n;
  for (size_t i = 0; i < n; i++, off += ENVELOPE_KEYID_LEN)
    memcpy(env + off, ids[i], ENVELOPE_KEYID_LEN);
  if (fx)
    memcpy(ck, fx->content_key, KEY_LEN);
  else
    crypto_aead_xchacha20poly1305_ietf_keygen(ck);
  envelope_key_commit(ck, id, env + off);
  off += ENVELOPE_COMMIT_LEN;
  assert(off == hdr_len);
  /* wraps */
  static const uint8_t zero_nonce[ENVELOPE_NONCE_LEN];
  for (size_t i = 0; i < n; i++) {
    uint8_t *w = env + off;
    if (fx)
      memcpy(eph_sk, fx->eph_sk + 32 * i, 32);
    else
      randombytes_buf(eph_sk, 32);
    crypto_scalarmult_base(w, eph_sk);
    if (crypto_scalarmult(shared, eph_sk, p->recipients[i]->enc_pk) != 0) {
      rc = ENVELOPE_ERR_LOW_ORDER;
      goto err;
    }
    wrap_key(wk, shared, w, p->recipients[i]->enc_pk, id);
    crypto_aead_xchacha20poly1305_ietf_encrypt(w + 32, NULL, ck, KEY_LEN, env, hdr_len, NULL,
                                               zero_nonce, wk);
    off += ENVELOPE_WRAP_LEN;
  }
  /* body */
  uint8_t *nonce = env + off;
  if (fx)
    memcpy(nonce, fx->nonce, ENVELOPE_NONCE_LEN);
  else
    randombytes_buf(nonce, ENVELOPE_NONCE_LEN);
  off += ENVELOPE_NONCE_LEN;
  uint32_t blen = (uint32_t)(len + TAG_LEN);
  env[off] = (uint8_t)(blen >> 24);
  env[off + 1] = (uint8_t)(blen >> 16);
  env[off + 2] = (uint8_t)(blen >> 8);
  env[off + 3] = (uint8_t)blen;
  off += 4;
  crypto_aead_xchacha20poly1305_ietf_encrypt(env + off, NULL, body, len, env, hdr_len, NULL, nonce,
                                             ck);
  off += blen;
  /* signature */
  uint8_t msg[SIGMSG_LEN];
  sig_message(env, off, msg);
  crypto_sign_detached(env + off, NULL, msg, sizeof msg, sender->sign_sk);
  off += ENVELOPE_SIG_LEN;
  assert(off == total);
  secpool_put(&secrets, secret);
  *out = env;
  *outlen = total;
  return ENVELOPE_OK;
err:
  secpool_put(&secrets, secret);
  free(env);
  return rc;
}

int envelope_seal(const sv_identity *sender, const envelope_params *p, const uint8_t *body,
                  size_t len, uint8_t **out, size_t *outlen) {
  return seal(sender, p, NULL, body, len, out, outlen);
}

int envelope_seal_fixed(const sv_identity *sender, const envelope_params *p,
                        const envelope_fixed *fx, const uint8_t *body, size_t len, uint8_t **out,
                        size_t *outlen) {
  assert(fx != NULL && fx->id && fx->content_key && fx->nonce && fx->eph_sk);
  return seal(sender, p, fx, body, len, out, outlen);
}

/* Secure room for an opened body of len bytes (see BODY_BLOCK); free with envelope_free_body. */
static uint8_t *body_new(size_t len) {
  if (len > BODY_BLOCK) return sodium_malloc(len);
  uint8_t *b = secpool_get(&bodies);
  return b ? b + (BODY_BLOCK - len) : NULL;
}

int envelope_open(const uint8_t *env, size_t len, const sv_card *sender,
                  const sv_identity *reader, envelope_header *hout, uint8_t **body,
                  size_t *bodylen) {
  assert(sender != NULL && reader != NULL && body != NULL && bodylen != NULL);
  *body = NULL;
  *bodylen = 0;
  envelope_header h;
  layout l;
  int rc = parse(env, len, &h, &l);
  if (rc == ENVELOPE_OK) rc = verify_layout(env, &l, &h, sender->sign_pk);
  if (rc != ENVELOPE_OK) return rc;
  uint8_t me[ENVELOPE_KEYID_LEN];
  envelope_card_keyid(&reader->card, me);
  size_t idx = h.nrecipients;
  for (size_t i = 0; i < h.nrecipients; i++)
    if (memcmp(h.recipients[i], me, ENVELOPE_KEYID_LEN) == 0) idx = i;
  if (idx == h.nrecipients) return ENVELOPE_ERR_NOT_RECIPIENT;
  uint8_t *secret = secpool_get(&secrets);
  uint8_t *pt = NULL;
  uint8_t commit[ENVELOPE_COMMIT_LEN];
  size_t ptlen = l.body_len - TAG_LEN;
  if (secret == NULL) return ENVELOPE_ERR_NOMEM;
  uint8_t *ck = secret, *wk = secret + KEY_LEN, *shared = secret + 2 * KEY_LEN;
  const uint8_t *w = l.wraps + idx * ENVELOPE_WRAP_LEN;
  static const uint8_t zero_nonce[ENVELOPE_NONCE_LEN];
  if (crypto_scalarmult(shared, reader->enc_sk, w) != 0) {
    rc = ENVELOPE_ERR_LOW_ORDER;
    goto err;
  }
  wrap_key(wk, shared, w, reader->card.enc_pk, h.id);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(ck, NULL, NULL, w + 32, KEY_LEN + TAG_LEN, env,
                                                 l.hdr_len, zero_nonce, wk) != 0) {
    rc = ENVELOPE_ERR_WRAP;
    goto err;
  }
  /* The wrap's tag only says the sender wrapped this key for this reader; the commitment says it
   * is the one key every recipient gets (XChaCha20-Poly1305 alone does not bind the key). */
  envelope_key_commit(ck, h.id, commit);
  if (sodium_memcmp(commit, h.key_commit, ENVELOPE_COMMIT_LEN) != 0) {
    rc = ENVELOPE_ERR_COMMIT;
    goto err;
  }
  pt = body_new(ptlen);
  if (pt == NULL) {
    rc = ENVELOPE_ERR_NOMEM;
    goto err;
  }
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, l.body, l.body_len, env,
                                                 l.hdr_len, l.nonce, ck) != 0) {
    rc = ENVELOPE_ERR_BODY;
    goto err;
  }
  secpool_put(&secrets, secret);
  if (hout) *hout = h;
  *body = pt;
  *bodylen = ptlen;
  return ENVELOPE_OK;
err:
  envelope_free_body(pt, ptlen);
  secpool_put(&secrets, secret);
  return rc;
}

void envelope_free_body(uint8_t *body, size_t len) {
  if (body == NULL) return;
  if (len <= BODY_BLOCK)
    secpool_put(&bodies, body - (BODY_BLOCK - len)); /* wipes the whole block */
  else
    sodium_free(body); /* wipes the whole allocation */
}

void envelope_pool_count(unsigned *secret_blocks, unsigned *body_blocks) {
  *secret_blocks = secpool_count(&secrets);
  *body_blocks = secpool_count(&bodies);
}

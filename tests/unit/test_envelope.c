/* test_envelope.c -- note envelopes: round trip, every-byte tampering, wrong reader, key
 * commitment, the vector. */
#define _GNU_SOURCE /* memmem */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "keys.h"
#include "task.h"
#include "support/tmpdir.h"
#include "util.h"

static sv_identity *ident(const char *name, uint8_t seedbyte) {
  uint8_t seed[32];
  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(seedbyte + i);
  int st = 0;
  sv_identity *id = identity_from_seed(name, seed, 1700000000, &st);
  ASSERT(id != NULL);
  return id;
}

static void test_round_trip(void) {
  sv_identity *a = ident("Aase", 0x00), *b = ident("Bo", 0x20), *c = ident("Cecilie", 0x40),
              *d = ident("Dan", 0x60);
  const sv_card *rcpt[3] = {&b->card, &c->card, &a->card};
  envelope_params p = {.klass = "individual", .area = "Nordparken", .purpose = "forebyggelse",
                       .recipients = rcpt, .nrecipients = 3, .created = 0};
  const char *msg = "Bekymring for en ung i blok 4; aftalt samtale tirsdag.";
  uint8_t *env = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)msg, strlen(msg), &env, &len), ENVELOPE_OK);
  ASSERT(memmem(env, len, "blok 4", 6) == NULL); /* the body is not in the clear */
  envelope_header h;
  ASSERT_INT_EQ(envelope_parse(env, len, &h), ENVELOPE_OK);
  ASSERT_STR_EQ(h.klass, "individual");
  ASSERT_STR_EQ(h.area, "Nordparken");
  ASSERT_STR_EQ(h.purpose, "forebyggelse");
  ASSERT_UINT_EQ(h.nrecipients, 3);
  ASSERT_UINT_EQ(h.body_len, strlen(msg) + 16);
  ASSERT(h.created > 1700000000);
  uint8_t kid[8];
  envelope_card_keyid(&a->card, kid);
  ASSERT_MEM_EQ(h.sender, kid, 8);
  ASSERT_INT_EQ(envelope_verify(env, len, a->card.sign_pk), ENVELOPE_OK);
  ASSERT_INT_EQ(envelope_verify(env, len, b->card.sign_pk), ENVELOPE_ERR_SENDER);
  sv_identity *readers[3] = {b, c, a};
  for (int i = 0; i < 3; i++) {
    uint8_t *body = NULL;
    size_t blen = 0;
    envelope_header h2;
    ASSERT_INT_EQ(envelope_open(env, len, &a->card, readers[i], &h2, &body, &blen), ENVELOPE_OK);
    ASSERT_UINT_EQ(blen, strlen(msg));
    ASSERT_MEM_EQ(body, msg, blen);
    ASSERT_MEM_EQ(h2.id, h.id, 16);
    envelope_free_body(body, blen);
  }
  /* Wrong reader, and wrong sender card. */
  uint8_t *body = (uint8_t *)1;
  size_t blen = 7;
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, d, NULL, &body, &blen),
                ENVELOPE_ERR_NOT_RECIPIENT);
  ASSERT(body == NULL && blen == 0);
  ASSERT_INT_EQ(envelope_open(env, len, &d->card, b, NULL, &body, &blen), ENVELOPE_ERR_SENDER);
  /* A reader whose key id is listed but whose encryption key is someone else's: the wrap fails. */
  sv_identity *fake = ident("Bo", 0x20);
  memcpy(fake->enc_sk, d->enc_sk, 32);
  memcpy(fake->card.enc_pk, d->card.enc_pk, 32);
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, fake, NULL, &body, &blen), ENVELOPE_ERR_WRAP);
  identity_free(fake);
  /* Two seals of the same body differ (fresh id, keys, nonce). */
  uint8_t *env2 = NULL;
  size_t len2 = 0;
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)msg, strlen(msg), &env2, &len2),
                ENVELOPE_OK);
  ASSERT_UINT_EQ(len2, len);
  ASSERT(memcmp(env, env2, len) != 0);
  free(env2);
  free(env);
  identity_free(a);
  identity_free(b);
  identity_free(c);
  identity_free(d);
}

/* Opened bodies up to ENVELOPE_BODY_POOLED bytes come from reused secure blocks, longer ones
 * from their own; both sides of the boundary read back exactly, and each free returns a pooled
 * block (or not) as it should. */
static void test_body_pool(void) {
  sv_identity *a = ident("Aase", 0x00), *b = ident("Bo", 0x20);
  const sv_card *to[1] = {&b->card};
  envelope_params p = {.klass = "individual", .purpose = "forebyggelse", .recipients = to,
                       .nrecipients = 1};
  size_t sizes[] = {0, 1, ENVELOPE_BODY_POOLED - 1, ENVELOPE_BODY_POOLED,
                    ENVELOPE_BODY_POOLED + 1, 3 * ENVELOPE_BODY_POOLED};
  uint8_t *msg = malloc(3 * ENVELOPE_BODY_POOLED + 1);
  ASSERT(msg != NULL);
  randombytes_buf(msg, 3 * ENVELOPE_BODY_POOLED + 1);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    uint8_t *env = NULL, *body = NULL, *body2 = NULL;
    size_t len = 0, blen = 0, blen2 = 0;
    ASSERT_INT_EQ(envelope_seal(a, &p, msg, sizes[i], &env, &len), ENVELOPE_OK);
    ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &body, &blen), ENVELOPE_OK);
    ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &body2, &blen2), ENVELOPE_OK);
    ASSERT_UINT_EQ(blen, sizes[i]);
    ASSERT_MEM_EQ(body, msg, blen);
    ASSERT_MEM_EQ(body2, msg, blen2);
    unsigned keys0, bodies0, keys1, bodies1;
    envelope_pool_count(&keys0, &bodies0);
    ASSERT(keys0 >= 1); /* the keys of the seal and the opens went back */
    envelope_free_body(body, blen);
    envelope_pool_count(&keys1, &bodies1);
    ASSERT_UINT_EQ(keys1, keys0);
    ASSERT_UINT_EQ(bodies1, bodies0 + (sizes[i] <= ENVELOPE_BODY_POOLED ? 1 : 0));
    envelope_free_body(body2, blen2);
    free(env);
  }
  free(msg);
  identity_free(a);
  identity_free(b);
}

static void test_seal_rules(void) {
  sv_identity *a = ident("Aase", 0x00), *b = ident("Bo", 0x20);
  const sv_card *twice[2] = {&b->card, &b->card};
  const sv_card *one[1] = {&b->card};
  uint8_t *env = NULL;
  size_t len = 0;
  envelope_params p = {.klass = "individual", .purpose = "x", .recipients = twice,
                       .nrecipients = 2};
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len), ENVELOPE_ERR_INVALID);
  p.recipients = one;
  p.nrecipients = 0;
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len), ENVELOPE_ERR_INVALID);
  p.nrecipients = 1;
  p.klass = "Individual";
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len), ENVELOPE_ERR_INVALID);
  p.klass = "individual";
  p.purpose = "tab\there";
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len), ENVELOPE_ERR_INVALID);
  p.purpose = NULL;
  ASSERT(env == NULL);
  /* Empty body is fine. */
  ASSERT_INT_EQ(envelope_seal(a, &p, NULL, 0, &env, &len), ENVELOPE_OK);
  uint8_t *body = NULL;
  size_t blen = 1;
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &body, &blen), ENVELOPE_OK);
  ASSERT_UINT_EQ(blen, 0);
  envelope_free_body(body, blen);
  free(env);
  /* A low-order recipient encryption key is refused (all-zero X25519 result). */
  sv_card bad = b->card;
  memset(bad.enc_pk, 0, 32);
  const sv_card *lo[1] = {&bad};
  p.recipients = lo;
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len),
                ENVELOPE_ERR_LOW_ORDER);
  identity_free(a);
  identity_free(b);
}

/* Text fields hold no control characters: C0, DEL and also the C1 range U+0080..U+009F (UTF-8
 * C2 80..C2 9F), the same rule as card names and labels. Sealing refuses them; parsing an
 * envelope that carries one (here a NO-BREAK SPACE, C2 A0, turned into NEXT LINE, C2 85, after
 * sealing) is malformed. */
static void test_c1_controls(void) {
  sv_identity *a = ident("Aase", 0x00), *b = ident("Bo", 0x20);
  const sv_card *one[1] = {&b->card};
  uint8_t *env = NULL;
  size_t len = 0;
  envelope_params p = {.klass = "individual", .purpose = "a\xc2\x85z", .recipients = one,
                       .nrecipients = 1};
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len), ENVELOPE_ERR_INVALID);
  p.purpose = NULL;
  p.area = "\xc2\x9b" "2J";
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len), ENVELOPE_ERR_INVALID);
  ASSERT(env == NULL);
  /* U+00A0 is printable and allowed. */
  p.area = NULL;
  p.purpose = "a\xc2\xa0z";
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"x", 1, &env, &len), ENVELOPE_OK);
  envelope_header h;
  ASSERT_INT_EQ(envelope_parse(env, len, &h), ENVELOPE_OK);
  uint8_t *nb = memmem(env, len, "a\xc2\xa0z", 4);
  ASSERT(nb != NULL);
  nb[2] = 0x85;
  ASSERT_INT_EQ(envelope_parse(env, len, &h), ENVELOPE_ERR_FORMAT);
  ASSERT_INT_EQ(envelope_verify(env, len, a->card.sign_pk), ENVELOPE_ERR_FORMAT);
  free(env);
  identity_free(a);
  identity_free(b);
}

/* Flip every single byte of a small envelope: nobody may open it, and the error names a check. */
static void test_tamper_every_byte(void) {
  sv_identity *a = ident("Aase", 0x00), *b = ident("Bo", 0x20), *c = ident("Cecilie", 0x40);
  const sv_card *rcpt[2] = {&b->card, &c->card};
  envelope_params p = {.klass = "individual", .area = "N", .purpose = "forebyggelse",
                       .recipients = rcpt, .nrecipients = 2, .created = 1767225600};
  uint8_t *env = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"hemmeligt", 9, &env, &len), ENVELOPE_OK);
  int counts[11] = {0};
  for (size_t i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit += 7) { /* lowest and highest bit of every byte */
      env[i] ^= (uint8_t)(1u << bit);
      ASSERT(envelope_verify(env, len, a->card.sign_pk) != ENVELOPE_OK);
      for (int r = 0; r < 2; r++) {
        uint8_t *body = NULL;
        size_t blen = 0;
        int rc = envelope_open(env, len, &a->card, r ? c : b, NULL, &body, &blen);
        if (rc == ENVELOPE_OK) TASK_FAIL("byte %zu bit %d: tampered envelope opened", i, bit);
        ASSERT(body == NULL);
        ASSERT(rc < 0 && -rc <= 10);
        counts[-rc]++;
      }
      env[i] ^= (uint8_t)(1u << bit);
    }
  }
  /* Format, sender and signature failures all occur; the signature catches wraps and body. */
  ASSERT(counts[-ENVELOPE_ERR_FORMAT] > 0);
  ASSERT(counts[-ENVELOPE_ERR_SENDER] > 0);
  ASSERT(counts[-ENVELOPE_ERR_SIGNATURE] > 0);
  /* Truncated and extended envelopes are malformed. */
  ASSERT_INT_EQ(envelope_verify(env, len - 1, a->card.sign_pk), ENVELOPE_ERR_FORMAT);
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, env, len);
  longer[len] = 0;
  ASSERT_INT_EQ(envelope_verify(longer, len + 1, a->card.sign_pk), ENVELOPE_ERR_FORMAT);
  free(longer);
  free(env);
  identity_free(a);
  identity_free(b);
  identity_free(c);
}

/* The tag checks themselves (below the signature): a validly re-signed envelope with a changed
 * wrap or body must still fail on its tag. Re-signing needs the sender's key, which the test
 * has: flip a byte, recompute the signature the way envelope.c documents it. */
static void resign(uint8_t *env, size_t len, const sv_identity *a) {
  uint8_t msg[26 + 64];
  memcpy(msg, ENVELOPE_SIG_CONTEXT, 26);
  crypto_generichash(msg + 26, 64, env, len - 64, NULL, 0);
  crypto_sign_detached(env + len - 64, NULL, msg, sizeof msg, a->sign_sk);
}

static void test_tags_under_signature(void) {
  sv_identity *a = ident("Aase", 0x00), *b = ident("Bo", 0x20);
  const sv_card *rcpt[1] = {&b->card};
  envelope_params p = {.klass = "individual", .purpose = "p", .recipients = rcpt,
                       .nrecipients = 1, .created = 1767225600};
  uint8_t *env = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(envelope_seal(a, &p, (const uint8_t *)"hemmeligt", 9, &env, &len), ENVELOPE_OK);
  /* header = 4+1+16+8+8 + 1+10 + 1+0 + 1+1 + 1+8 + 32 = 92 */
  size_t hdr = 92, wrap = hdr, nonce = hdr + 80, body = nonce + 28;
  uint8_t *out = NULL;
  size_t olen = 0;
  for (size_t i = wrap + 32; i < wrap + 80; i++) { /* wrapped key bytes */
    env[i] ^= 1;
    resign(env, len, a);
    ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &out, &olen), ENVELOPE_ERR_WRAP);
    env[i] ^= 1;
  }
  env[wrap] ^= 1; /* ephemeral key: a different shared secret, so the wrap fails */
  resign(env, len, a);
  ASSERT(envelope_open(env, len, &a->card, b, NULL, &out, &olen) == ENVELOPE_ERR_WRAP);
  env[wrap] ^= 1;
  for (size_t i = nonce; i < len - 64; i++) {
    if (i >= nonce + 24 && i < body) continue; /* the length field: a format error */
    env[i] ^= 0x80;
    resign(env, len, a);
    ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &out, &olen), ENVELOPE_ERR_BODY);
    env[i] ^= 0x80;
  }
  env[hdr - 1] ^= 1; /* the key commitment: in the header, so the wrap (ad = header) fails */
  resign(env, len, a);
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &out, &olen), ENVELOPE_ERR_WRAP);
  env[hdr - 1] ^= 1;
  env[20] ^= 1; /* a header byte (the id): both the wrap and the body are bound to it */
  resign(env, len, a);
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &out, &olen), ENVELOPE_ERR_WRAP);
  env[20] ^= 1;
  resign(env, len, a);
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &out, &olen), ENVELOPE_OK);
  envelope_free_body(out, olen);
  free(env);
  identity_free(a);
  identity_free(b);
}

/* Replace wrap idx of env (header hdr_len bytes) with a fresh wrap of ck for card, the way
 * PROTOCOL.md section 9 builds one; the caller re-signs. */
static void rewrap(uint8_t *env, size_t hdr_len, size_t idx, const sv_card *card,
                   const uint8_t ck[32]) {
  uint8_t *w = env + hdr_len + idx * ENVELOPE_WRAP_LEN;
  uint8_t esk[32], shared[32], wk[32];
  static const uint8_t zero_nonce[ENVELOPE_NONCE_LEN];
  randombytes_buf(esk, sizeof esk);
  crypto_scalarmult_base(w, esk);
  ASSERT(crypto_scalarmult(shared, esk, card->enc_pk) == 0);
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, 32);
  crypto_generichash_update(&st, (const uint8_t *)ENVELOPE_WRAP_CONTEXT,
                            sizeof ENVELOPE_WRAP_CONTEXT);
  crypto_generichash_update(&st, shared, 32);
  crypto_generichash_update(&st, w, 32);
  crypto_generichash_update(&st, card->enc_pk, 32);
  crypto_generichash_update(&st, env + 5, ENVELOPE_ID_LEN);
  crypto_generichash_final(&st, wk, 32);
  crypto_aead_xchacha20poly1305_ietf_encrypt(w + 32, NULL, ck, 32, env, hdr_len, NULL,
                                             zero_nonce, wk);
}

/* A sender who gives recipients different content keys (hand-built wraps, validly re-signed) is
 * caught by the key commitment: XChaCha20-Poly1305 alone would let one body open to different
 * plaintexts under different keys. */
static void test_key_commitment(void) {
  sv_identity *a = ident("Aase", 0x00), *b = ident("Bo", 0x20), *c = ident("Cecilie", 0x40);
  const sv_card *rcpt[2] = {&b->card, &c->card};
  envelope_params p = {.klass = "individual", .area = "N", .purpose = "forebyggelse",
                       .recipients = rcpt, .nrecipients = 2, .created = 1767225600};
  uint8_t ck[32], ck2[32];
  memset(ck, 0x61, sizeof ck);
  memset(ck2, 0x62, sizeof ck2);
  uint8_t id[16] = {1, 2, 3}, nonce[24] = {4, 5, 6}, eph[64];
  randombytes_buf(eph, sizeof eph);
  envelope_fixed fx = {.id = id, .content_key = ck, .nonce = nonce, .eph_sk = eph};
  const char *msg = "samtale tirsdag";
  uint8_t *env = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(envelope_seal_fixed(a, &p, &fx, (const uint8_t *)msg, strlen(msg), &env, &len),
                ENVELOPE_OK);
  envelope_header h;
  ASSERT_INT_EQ(envelope_parse(env, len, &h), ENVELOPE_OK);
  /* The header carries the commitment to the content key, which depends on key and id. */
  uint8_t want[ENVELOPE_COMMIT_LEN], other[ENVELOPE_COMMIT_LEN];
  envelope_key_commit(ck, id, want);
  ASSERT_MEM_EQ(h.key_commit, want, ENVELOPE_COMMIT_LEN);
  envelope_key_commit(ck2, id, other);
  ASSERT(memcmp(want, other, ENVELOPE_COMMIT_LEN) != 0);
  id[15] ^= 1;
  envelope_key_commit(ck, id, other);
  ASSERT(memcmp(want, other, ENVELOPE_COMMIT_LEN) != 0);
  id[15] ^= 1;
  /* header = 4+1+16+8+8 + 1+10 + 1+1 + 1+12 + 1+16 + 32 = 112 */
  size_t hdr = 112;
  ASSERT(memcmp(env + hdr - ENVELOPE_COMMIT_LEN, want, ENVELOPE_COMMIT_LEN) == 0);
  uint8_t *out = NULL;
  size_t olen = 0;
  /* Cecilie's wrap now carries another key: Bo still reads the note, Cecilie is refused. */
  rewrap(env, hdr, 1, &c->card, ck2);
  resign(env, len, a);
  ASSERT_INT_EQ(envelope_verify(env, len, a->card.sign_pk), ENVELOPE_OK);
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &out, &olen), ENVELOPE_OK);
  ASSERT_MEM_EQ(out, msg, olen);
  envelope_free_body(out, olen);
  out = (uint8_t *)1;
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, c, NULL, &out, &olen), ENVELOPE_ERR_COMMIT);
  ASSERT(out == NULL && olen == 0);
  ASSERT_STR_EQ(envelope_strerror(ENVELOPE_ERR_COMMIT),
                "your content key does not match the envelope's key commitment");
  /* Every wrap carries ck2 and the body is encrypted under ck2, so wraps and body would open:
   * the commitment (to ck) is checked first and refuses it for everyone. */
  rewrap(env, hdr, 0, &b->card, ck2);
  size_t nonce_at = hdr + 2 * ENVELOPE_WRAP_LEN, body_at = nonce_at + ENVELOPE_NONCE_LEN + 4;
  ASSERT_UINT_EQ(len - 64 - body_at, strlen(msg) + 16);
  crypto_aead_xchacha20poly1305_ietf_encrypt(env + body_at, NULL, (const uint8_t *)msg,
                                             strlen(msg), env, hdr, NULL, env + nonce_at, ck2);
  resign(env, len, a);
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, b, NULL, &out, &olen), ENVELOPE_ERR_COMMIT);
  ASSERT_INT_EQ(envelope_open(env, len, &a->card, c, NULL, &out, &olen), ENVELOPE_ERR_COMMIT);
  ASSERT(out == NULL);
  /* Commit to ck2 instead (header changed, so wraps and body are redone): everyone opens. */
  envelope_key_commit(ck2, id, env + hdr - ENVELOPE_COMMIT_LEN);
  rewrap(env, hdr, 0, &b->card, ck2);
  rewrap(env, hdr, 1, &c->card, ck2);
  crypto_aead_xchacha20poly1305_ietf_encrypt(env + body_at, NULL, (const uint8_t *)msg,
                                             strlen(msg), env, hdr, NULL, env + nonce_at, ck2);
  resign(env, len, a);
  sv_identity *readers[2] = {b, c};
  for (int i = 0; i < 2; i++) {
    ASSERT_INT_EQ(envelope_open(env, len, &a->card, readers[i], NULL, &out, &olen), ENVELOPE_OK);
    ASSERT_MEM_EQ(out, msg, olen);
    envelope_free_body(out, olen);
  }
  free(env);
  identity_free(a);
  identity_free(b);
  identity_free(c);
}

/* ---- the committed vector ---- */

static void test_vector(void) {
  test_kv_file vf;
  test_kv_load(&vf, "envelope_v2.txt");
  uint8_t *seed_a = test_kv_hex(&vf, "sender_seed", 32, NULL),
          *seed_b = test_kv_hex(&vf, "recipient1_seed", 32, NULL),
          *seed_c = test_kv_hex(&vf, "recipient2_seed", 32, NULL);
  uint64_t card_created = strtoull(test_kv_get(&vf, "card_created"), NULL, 10);
  int st;
  sv_identity *a =
      identity_from_seed(test_kv_get(&vf, "sender_name"), seed_a, card_created, &st);
  sv_identity *b =
      identity_from_seed(test_kv_get(&vf, "recipient1_name"), seed_b, card_created, &st);
  sv_identity *c =
      identity_from_seed(test_kv_get(&vf, "recipient2_name"), seed_c, card_created, &st);
  ASSERT(a && b && c);
  char hx[65];
  bool print = getenv("SAMVIRKE_PRINT_VECTOR") != NULL;
  util_hex(hx, a->card.sign_pk, 32);
  if (print) printf("sender_sign_pk = %s\n", hx);
  else ASSERT_STR_EQ(hx, test_kv_get(&vf, "sender_sign_pk"));
  util_hex(hx, b->card.enc_pk, 32);
  if (print) printf("recipient1_enc_pk = %s\n", hx);
  else ASSERT_STR_EQ(hx, test_kv_get(&vf, "recipient1_enc_pk"));
  util_hex(hx, c->card.enc_pk, 32);
  if (print) printf("recipient2_enc_pk = %s\n", hx);
  else ASSERT_STR_EQ(hx, test_kv_get(&vf, "recipient2_enc_pk"));
  fflush(stdout);
  uint8_t *id = test_kv_hex(&vf, "id", 16, NULL),
          *ck = test_kv_hex(&vf, "content_key", 32, NULL),
          *nonce = test_kv_hex(&vf, "nonce", 24, NULL),
          *eph = test_kv_hex(&vf, "eph_sk", 64, NULL);
  size_t blen = 0, elen = 0;
  uint8_t *body = test_kv_hex(&vf, "body", 0, NULL);
  blen = strlen(test_kv_get(&vf, "body")) / 2;
  uint8_t *want = test_unhex(test_kv_get(&vf, "envelope"), &elen);
  const sv_card *rcpt[2] = {&b->card, &c->card};
  envelope_params p = {.klass = test_kv_get(&vf, "class"), .area = test_kv_get(&vf, "area"),
                       .purpose = test_kv_get(&vf, "purpose"), .recipients = rcpt,
                       .nrecipients = 2,
                       .created = strtoull(test_kv_get(&vf, "created"), NULL, 10)};
  envelope_fixed fx = {.id = id, .content_key = ck, .nonce = nonce, .eph_sk = eph};
  uint8_t *env = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(envelope_seal_fixed(a, &p, &fx, body, blen, &env, &len), ENVELOPE_OK);
  if (print) {
    char *h = malloc(2 * len + 1);
    util_hex(h, env, len);
    printf("envelope = %s\n", h);
    free(h);
    fflush(stdout);
  }
  envelope_header vh;
  ASSERT_INT_EQ(envelope_parse(env, len, &vh), ENVELOPE_OK);
  util_hex(hx, vh.key_commit, ENVELOPE_COMMIT_LEN);
  if (print) printf("key_commit = %s\n", hx);
  else ASSERT_STR_EQ(hx, test_kv_get(&vf, "key_commit"));
  fflush(stdout);
  ASSERT_UINT_EQ(len, elen);
  ASSERT_MEM_EQ(env, want, len);
  /* Both recipients open the published bytes. */
  sv_identity *readers[2] = {b, c};
  for (int i = 0; i < 2; i++) {
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    ASSERT_INT_EQ(envelope_open(want, elen, &a->card, readers[i], NULL, &pt, &ptlen),
                  ENVELOPE_OK);
    ASSERT_UINT_EQ(ptlen, blen);
    ASSERT_MEM_EQ(pt, body, blen);
    envelope_free_body(pt, ptlen);
  }
  free(env);
  free(want);
  free(body);
  free(id);
  free(ck);
  free(nonce);
  free(eph);
  free(seed_a);
  free(seed_b);
  free(seed_c);
  identity_free(a);
  identity_free(b);
  identity_free(c);
  test_kv_free(&vf);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_round_trip);
  RUN_TEST(test_body_pool);
  RUN_TEST(test_seal_rules);
  RUN_TEST(test_c1_controls);
  RUN_TEST(test_tamper_every_byte);
  RUN_TEST(test_tags_under_signature);
  RUN_TEST(test_key_commitment);
  RUN_TEST(test_vector);
  return 0;
}

/* test_noise.c -- Noise IK: cacophony vectors, HMAC/HKDF answers, nonces, rekey, failures. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noise.h"
#include "noise_sscache.h"
#include "support/tmpdir.h"
#include "task.h"

/* ---- tiny scanner for the fixed vector file ------------------------------------------- */

/* Find "key" at or after *from, return its hex string value decoded (malloc'd), move *from
 * past it. Aborts if the key is missing. */
static uint8_t *json_hex(const char *doc, const char *key, const char **from, size_t *len) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = strstr(*from ? *from : doc, pat);
  if (p == NULL) TASK_FAIL("vector key %s missing", key);
  p += strlen(pat);
  p = strchr(p, ':');
  ASSERT(p != NULL);
  p = strchr(p, '"');
  ASSERT(p != NULL);
  p++;
  const char *end = strchr(p, '"');
  ASSERT(end != NULL);
  size_t n = (size_t)(end - p);
  char *hex = malloc(n + 1);
  ASSERT(hex != NULL);
  memcpy(hex, p, n);
  hex[n] = '\0';
  uint8_t *out = test_unhex(hex, len);
  free(hex);
  *from = end + 1;
  return out;
}

static void unhex_fixed(uint8_t *out, size_t n, const char *hex) {
  size_t len = 0;
  uint8_t *b = test_unhex(hex, &len);
  ASSERT_UINT_EQ(len, n);
  memcpy(out, b, n);
  free(b);
}

/* ---- helpers -------------------------------------------------------------------------- */

typedef struct pair {
  noise_handshake *i, *r;
  uint8_t i_sk[32], i_pk[32], r_sk[32], r_pk[32];
} pair;

static void pair_new(pair *p, const char *prologue) {
  crypto_box_keypair(p->i_pk, p->i_sk);
  crypto_box_keypair(p->r_pk, p->r_sk);
  size_t plen = strlen(prologue);
  p->i = noise_handshake_new(true, (const uint8_t *)prologue, plen, p->i_sk, p->r_pk);
  p->r = noise_handshake_new(false, (const uint8_t *)prologue, plen, p->r_sk, NULL);
  ASSERT(p->i != NULL && p->r != NULL);
}

static void pair_free(pair *p) {
  noise_handshake_free(p->i);
  noise_handshake_free(p->r);
}

/* Run both messages with short payloads; asserts success. */
static void pair_handshake(pair *p) {
  uint8_t msg[NOISE_MAX_MSG], pl[64];
  size_t mlen = 0, plen = 0;
  ASSERT_INT_EQ(noise_handshake_write(p->i, (const uint8_t *)"hi", 2, msg, sizeof msg, &mlen),
                NOISE_OK);
  ASSERT_UINT_EQ(mlen, 32 + 48 + 2 + 16);
  ASSERT_INT_EQ(noise_handshake_read(p->r, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
  ASSERT_UINT_EQ(plen, 2);
  ASSERT_MEM_EQ(pl, "hi", 2);
  ASSERT_INT_EQ(noise_handshake_write(p->r, (const uint8_t *)"yo!", 3, msg, sizeof msg, &mlen),
                NOISE_OK);
  ASSERT_UINT_EQ(mlen, 32 + 3 + 16);
  ASSERT_INT_EQ(noise_handshake_read(p->i, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
  ASSERT_UINT_EQ(plen, 3);
  ASSERT_MEM_EQ(pl, "yo!", 3);
  ASSERT(noise_handshake_done(p->i) && noise_handshake_done(p->r));
}

/* Handshake and split: a.send/a.recv for the initiator, b.* for the responder. */
typedef struct chans {
  noise_cipher *is, *ir, *rs, *rr;
} chans;

static void chans_open(chans *c, const char *prologue) {
  pair p;
  pair_new(&p, prologue);
  pair_handshake(&p);
  ASSERT_INT_EQ(noise_handshake_split(p.i, &c->is, &c->ir), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_split(p.r, &c->rs, &c->rr), NOISE_OK);
  pair_free(&p);
}

static void chans_close(chans *c) {
  noise_cipher_free(c->is);
  noise_cipher_free(c->ir);
  noise_cipher_free(c->rs);
  noise_cipher_free(c->rr);
}

/* ---- tests ---------------------------------------------------------------------------- */

/* Known answers computed with Python: hmac.new(k, m, hashlib.blake2b).hexdigest(). */
static void test_hmac_kat(void) {
  uint8_t k1[64], k2[200], m2[768], out[64], want[64];
  for (int i = 0; i < 64; i++) k1[i] = (uint8_t)i;
  for (int i = 0; i < 200; i++) k2[i] = (uint8_t)((i * 7 + 3) & 0xff);
  for (int i = 0; i < 768; i++) m2[i] = (uint8_t)(i & 0xff);

  noise_hmac_blake2b(out, k1, sizeof k1, (const uint8_t *)"samvirke hmac test", 18);
  unhex_fixed(want, 64,
              "43e85a0c770428f59d119a194eadd81c4cb6df751bb3f79d62f16f4237c6fd9f"
              "e09603a2800b1f05472c98ffcec20ea3156577b3e6d1c258067ff32b5b2faf67");
  ASSERT_MEM_EQ(out, want, 64);

  /* key longer than the 128-byte block: hashed first */
  noise_hmac_blake2b(out, k2, sizeof k2, m2, sizeof m2);
  unhex_fixed(want, 64,
              "e1b07e90d26b5455fba97b5c9d590a5c034542319b8586a4c55d6d8c670e87a5"
              "7a9828658f089f9979aec3ae33e762cf64c2aa4f95402841bdcec8c3e0ccff7e");
  ASSERT_MEM_EQ(out, want, 64);

  noise_hmac_blake2b(out, NULL, 0, NULL, 0);
  unhex_fixed(want, 64,
              "198cd2006f66ff83fbbd913f78aca2251caf4f19fe9475aade8cf2091b99a684"
              "66775177424f58286886cbae8229644cec747237d4b721735485e17372fdf59c");
  ASSERT_MEM_EQ(out, want, 64);

  /* and it is not libsodium's keyed BLAKE2b */
  uint8_t keyed[64];
  crypto_generichash_blake2b(keyed, 64, (const uint8_t *)"samvirke hmac test", 18, k1, 64);
  noise_hmac_blake2b(out, k1, sizeof k1, (const uint8_t *)"samvirke hmac test", 18);
  ASSERT(memcmp(out, keyed, 64) != 0);
}

/* Noise HKDF against outputs computed with Python's hmac module. */
static void test_hkdf_kat(void) {
  uint8_t ck[64], ikm[32], o1[64], o2[64], o3[64], w[64], o1b[64], o2b[64];
  for (int i = 0; i < 64; i++) ck[i] = (uint8_t)i;
  for (int i = 0; i < 32; i++) ikm[i] = (uint8_t)i;
  noise_hkdf(ck, ikm, sizeof ikm, o1, o2, o3);
  unhex_fixed(w, 64,
              "b257cf2863e7aa7f84d41d31e58df6dfb1e0a6cf3172192cc35eba2625a21975"
              "db4475b2ef89316383acac6b2ac7cf03f7583e0ff20a64fb208fa5b1199f835f");
  ASSERT_MEM_EQ(o1, w, 64);
  unhex_fixed(w, 64,
              "4f4d712feaff914e80db4d0d400a46056854134b5001018c4f1fe19bb477053c"
              "5a9b92f8c937b1328c0ae7e51895b8d68068bc84d59436cc3b75de5a2d6d0630");
  ASSERT_MEM_EQ(o2, w, 64);
  unhex_fixed(w, 64,
              "c3e03a921f0f492329fe003e995b982fdd8c0596cc3575e01c2f24234e05e477"
              "8d233726d60ffe48a7d9ef235a6ff5fac555bafcfdd1272c4763ded2e01c0c3f");
  ASSERT_MEM_EQ(o3, w, 64);
  noise_hkdf(ck, ikm, sizeof ikm, o1b, o2b, NULL);
  ASSERT_MEM_EQ(o1b, o1, 64);
  ASSERT_MEM_EQ(o2b, o2, 64);
  /* output aliasing the chaining key (as MixKey does) gives the same answer */
  noise_hkdf(ck, ikm, sizeof ikm, ck, o2b, NULL);
  ASSERT_MEM_EQ(ck, o1, 64);
  ASSERT_MEM_EQ(o2b, o2, 64);
}

/* The cacophony IK vector, parsed. */
typedef struct ikvec {
  char *doc;
  uint8_t *prologue, *rprologue, *i_s, *i_e, *i_rs, *r_s, *r_e;
  size_t prolen, rprolen;
  uint8_t *payload[6], *ct[6];
  size_t plen[6], ctlen[6];
} ikvec;

static uint8_t *json_key32(const char *doc, const char *key) {
  const char *at = NULL;
  size_t n = 0;
  uint8_t *b = json_hex(doc, key, &at, &n);
  ASSERT_UINT_EQ(n, 32);
  return b;
}

static void ikvec_load(ikvec *v) {
  char *path = test_vector_path("noise_ik_25519_chachapoly_blake2b.json");
  v->doc = test_read_file(path, NULL);
  free(path);
  const char *doc = v->doc;
  ASSERT_STR_CONTAINS(doc, "\"name\": \"Noise_IK_25519_ChaChaPoly_BLAKE2b\"");
  const char *at = NULL;
  v->prologue = json_hex(doc, "init_prologue", &at, &v->prolen);
  at = NULL;
  v->rprologue = json_hex(doc, "resp_prologue", &at, &v->rprolen);
  v->i_s = json_key32(doc, "init_static");
  v->i_e = json_key32(doc, "init_ephemeral");
  v->i_rs = json_key32(doc, "init_remote_static");
  v->r_s = json_key32(doc, "resp_static");
  v->r_e = json_key32(doc, "resp_ephemeral");
  at = strstr(doc, "\"messages\"");
  ASSERT(at != NULL);
  for (int m = 0; m < 6; m++) {
    v->payload[m] = json_hex(doc, "payload", &at, &v->plen[m]);
    v->ct[m] = json_hex(doc, "ciphertext", &at, &v->ctlen[m]);
  }
}

static void ikvec_free(ikvec *v) {
  for (int m = 0; m < 6; m++) {
    free(v->payload[m]);
    free(v->ct[m]);
  }
  free(v->prologue);
  free(v->rprologue);
  free(v->i_s);
  free(v->i_e);
  free(v->i_rs);
  free(v->r_s);
  free(v->r_e);
  free(v->doc);
}

/* Handshake message m of the vector: from writes exactly its ciphertext, to reads its payload. */
static void ikvec_message(const ikvec *v, int m, noise_handshake *from, noise_handshake *to) {
  uint8_t buf[1024], pt[1024];
  size_t blen = 0, ptlen = 0;
  ASSERT_INT_EQ(noise_handshake_write(from, v->payload[m], v->plen[m], buf, sizeof buf, &blen),
                NOISE_OK);
  ASSERT_UINT_EQ(blen, v->ctlen[m]);
  ASSERT_MEM_EQ(buf, v->ct[m], blen);
  ASSERT_INT_EQ(noise_handshake_read(to, v->ct[m], v->ctlen[m], pt, sizeof pt, &ptlen), NOISE_OK);
  ASSERT_UINT_EQ(ptlen, v->plen[m]);
  ASSERT_MEM_EQ(pt, v->payload[m], ptlen);
}

/* Run the vector, byte for byte: both handshake messages and four transport messages in
 * alternating directions. ic and rc (either may be NULL) are the initiator's and the
 * responder's caches of ss. */
static void ikvec_run(const ikvec *v, noise_sscache *ic, noise_sscache *rc) {
  /* the initiator's idea of the responder static matches the responder's key */
  uint8_t r_pk[32];
  crypto_scalarmult_base(r_pk, v->r_s);
  ASSERT_MEM_EQ(r_pk, v->i_rs, 32);

  noise_handshake *ini = noise_handshake_new(true, v->prologue, v->prolen, v->i_s, v->i_rs);
  noise_handshake *res = noise_handshake_new(false, v->rprologue, v->rprolen, v->r_s, NULL);
  ASSERT(ini != NULL && res != NULL);
  ASSERT_INT_EQ(noise_handshake_set_ephemeral(ini, v->i_e), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_set_ephemeral(res, v->r_e), NOISE_OK);
  if (ic) ASSERT_INT_EQ(noise_handshake_use_sscache(ini, ic), NOISE_OK);
  if (rc) ASSERT_INT_EQ(noise_handshake_use_sscache(res, rc), NOISE_OK);

  ikvec_message(v, 0, ini, res); /* message 1: initiator -> responder */
  uint8_t got_rs[32], i_pk[32];
  crypto_scalarmult_base(i_pk, v->i_s);
  ASSERT_INT_EQ(noise_handshake_remote_static(res, got_rs), NOISE_OK);
  ASSERT_MEM_EQ(got_rs, i_pk, 32);
  ikvec_message(v, 1, res, ini); /* message 2: responder -> initiator */
  ASSERT(noise_handshake_done(ini) && noise_handshake_done(res));

  uint8_t hi[64], hr[64];
  noise_handshake_hash(ini, hi);
  noise_handshake_hash(res, hr);
  ASSERT_MEM_EQ(hi, hr, 64);

  noise_cipher *is = NULL, *ir = NULL, *rs = NULL, *rr = NULL;
  ASSERT_INT_EQ(noise_handshake_split(ini, &is, &ir), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_split(res, &rs, &rr), NOISE_OK);

  /* transport: messages 2,4 initiator -> responder; 3,5 responder -> initiator */
  uint8_t buf[1024], pt[1024];
  for (int m = 2; m < 6; m++) {
    noise_cipher *tx = (m % 2 == 0) ? is : rs;
    noise_cipher *rx = (m % 2 == 0) ? rr : ir;
    ASSERT_INT_EQ(noise_cipher_encrypt(tx, NULL, 0, v->payload[m], v->plen[m], buf), NOISE_OK);
    ASSERT_UINT_EQ(v->plen[m] + NOISE_TAGLEN, v->ctlen[m]);
    ASSERT_MEM_EQ(buf, v->ct[m], v->ctlen[m]);
    ASSERT_INT_EQ(noise_cipher_decrypt(rx, NULL, 0, v->ct[m], v->ctlen[m], pt), NOISE_OK);
    ASSERT_MEM_EQ(pt, v->payload[m], v->plen[m]);
  }
  ASSERT_UINT_EQ(noise_cipher_nonce(is), 2);
  ASSERT_UINT_EQ(noise_cipher_nonce(rr), 2);

  noise_cipher_free(is);
  noise_cipher_free(ir);
  noise_cipher_free(rs);
  noise_cipher_free(rr);
  noise_handshake_free(ini);
  noise_handshake_free(res);
}

static void test_vectors(void) {
  ikvec v;
  ikvec_load(&v);
  ikvec_run(&v, NULL, NULL);
  ikvec_free(&v);
}

static noise_sscache_stats stats_of(const noise_sscache *c) {
  noise_sscache_stats st;
  noise_sscache_get_stats(c, &st);
  return st;
}

/* c, the cache of one side of the vector's handshake (the initiator's when on_initiator),
 * remembers a wrong ss for the other side's key peer_pk: the responder cannot decrypt
 * message 1, so the handshake uses the remembered value. */
static void wrong_ss_breaks(const ikvec *v, noise_sscache *c, bool on_initiator,
                            const uint8_t peer_pk[32]) {
  uint8_t bad[32], msg[1024], pl[1024];
  size_t mlen = 0, plen = 0;
  memset(bad, 0x5a, sizeof bad);
  noise_sscache_put(c, peer_pk, bad);
  noise_handshake *ini = noise_handshake_new(true, v->prologue, v->prolen, v->i_s, v->i_rs);
  noise_handshake *res = noise_handshake_new(false, v->rprologue, v->rprolen, v->r_s, NULL);
  ASSERT(ini != NULL && res != NULL);
  ASSERT_INT_EQ(noise_handshake_use_sscache(on_initiator ? ini : res, c), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_write(ini, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(res, msg, mlen, pl, sizeof pl, &plen), NOISE_ERR_DECRYPT);
  noise_handshake_free(ini);
  noise_handshake_free(res);
}

/* The vector again with a cache of ss on each side: cold (each computes ss and keeps it), then
 * warm (each takes it from its cache), and every byte is the vector's both times. A wrong
 * remembered ss breaks the handshake, so the remembered value is what the handshake uses. */
static void test_sscache_vectors(void) {
  ikvec v;
  ikvec_load(&v);
  uint8_t i_pk[32], r_pk[32];
  crypto_scalarmult_base(i_pk, v.i_s);
  crypto_scalarmult_base(r_pk, v.r_s);
  noise_sscache *ic = noise_sscache_new(i_pk, 8), *rc = noise_sscache_new(r_pk, 8);
  ASSERT(ic != NULL && rc != NULL);
  ASSERT_MEM_EQ(noise_sscache_local(rc), r_pk, 32);

  ikvec_run(&v, ic, rc);
  noise_sscache_stats si = stats_of(ic), sr = stats_of(rc);
  ASSERT_UINT_EQ(si.misses, 1);
  ASSERT_UINT_EQ(si.hits, 0);
  ASSERT_UINT_EQ(si.stored, 1);
  ASSERT_UINT_EQ(sr.misses, 1);
  ASSERT_UINT_EQ(sr.hits, 0);
  ASSERT_UINT_EQ(sr.stored, 1);
  ASSERT_UINT_EQ(sr.used, 1);
  ASSERT_UINT_EQ(sr.slots, 8);

  ikvec_run(&v, ic, rc);
  ikvec_run(&v, NULL, rc);
  ikvec_run(&v, ic, NULL);
  si = stats_of(ic);
  sr = stats_of(rc);
  ASSERT_UINT_EQ(si.hits, 2);
  ASSERT_UINT_EQ(sr.hits, 2);
  ASSERT_UINT_EQ(si.stored, 1);
  ASSERT_UINT_EQ(sr.stored, 1);

  /* a wrong remembered ss on either side: message 1 no longer decrypts */
  wrong_ss_breaks(&v, rc, false, i_pk);
  wrong_ss_breaks(&v, ic, true, r_pk);

  noise_sscache_free(ic);
  noise_sscache_free(rc);
  ikvec_free(&v);
}

/* A handshake between an initiator key and the responder key (r_sk, r_pk), with the
 * responder's cache rc; returns the responder's read result for message 1 (and completes the
 * handshake when it succeeded). tamper: flip a bit of message 1's payload tag. */
static int cached_handshake(const uint8_t i_sk[32], const uint8_t r_sk[32],
                            const uint8_t r_pk[32], noise_sscache *rc, bool tamper) {
  noise_handshake *ini = noise_handshake_new(true, NULL, 0, i_sk, r_pk);
  noise_handshake *res = noise_handshake_new_with_pk(false, NULL, 0, r_sk, r_pk, NULL);
  ASSERT(ini != NULL && res != NULL);
  ASSERT_INT_EQ(noise_handshake_use_sscache(res, rc), NOISE_OK);
  uint8_t msg[256], pl[64];
  size_t mlen = 0, plen = 0;
  ASSERT_INT_EQ(noise_handshake_write(ini, (const uint8_t *)"m1", 2, msg, sizeof msg, &mlen),
                NOISE_OK);
  if (tamper) msg[mlen - 1] ^= 0x01;
  int rc1 = noise_handshake_read(res, msg, mlen, pl, sizeof pl, &plen);
  if (rc1 == NOISE_OK) {
    ASSERT_INT_EQ(noise_handshake_write(res, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_read(ini, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
    ASSERT(noise_handshake_done(ini) && noise_handshake_done(res));
  }
  noise_handshake_free(ini);
  noise_handshake_free(res);
  return rc1;
}

/* What the cache keeps: nothing from a message 1 that did not authenticate; one entry per key
 * however often it comes; a full set gives up its oldest entry; a cache is used only for the
 * key it was made for, and only before the first message. Sizes at both sides of the limits. */
static void test_sscache_rules(void) {
  uint8_t r_sk[32], r_pk[32], i_sk[5][32], i_pk[5][32];
  crypto_box_keypair(r_pk, r_sk);
  for (int k = 0; k < 5; k++) crypto_box_keypair(i_pk[k], i_sk[k]);
  noise_sscache *rc = noise_sscache_new(r_pk, 4); /* one set of four */
  ASSERT(rc != NULL);

  /* a message 1 whose payload tag fails: its ss is computed but not kept */
  ASSERT_INT_EQ(cached_handshake(i_sk[0], r_sk, r_pk, rc, true), NOISE_ERR_DECRYPT);
  noise_sscache_stats st = stats_of(rc);
  ASSERT_UINT_EQ(st.misses, 1);
  ASSERT_UINT_EQ(st.stored, 0);
  ASSERT_UINT_EQ(st.used, 0);
  uint8_t out[32];
  ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[0], out), 0);

  /* authenticated: kept, and the same key again is a hit, not a second entry */
  ASSERT_INT_EQ(cached_handshake(i_sk[0], r_sk, r_pk, rc, false), NOISE_OK);
  ASSERT_INT_EQ(cached_handshake(i_sk[0], r_sk, r_pk, rc, false), NOISE_OK);
  st = stats_of(rc);
  ASSERT_UINT_EQ(st.stored, 1);
  ASSERT_UINT_EQ(st.used, 1);
  ASSERT_UINT_EQ(st.hits, 1);
  uint8_t want[32];
  ASSERT_INT_EQ(crypto_scalarmult(want, r_sk, i_pk[0]), 0);
  ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[0], out), 1);
  ASSERT_MEM_EQ(out, want, 32);

  /* four more keys in a set of four: the oldest (key 0) goes, the others stay */
  for (int k = 1; k < 5; k++)
    ASSERT_INT_EQ(cached_handshake(i_sk[k], r_sk, r_pk, rc, false), NOISE_OK);
  st = stats_of(rc);
  ASSERT_UINT_EQ(st.used, 4);
  ASSERT_UINT_EQ(st.replaced, 1);
  ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[0], out), 0);
  for (int k = 1; k < 5; k++) ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[k], out), 1);
  /* key 0 back: computed again, pushes out key 1, and the handshake still works */
  ASSERT_INT_EQ(cached_handshake(i_sk[0], r_sk, r_pk, rc, false), NOISE_OK);
  ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[0], out), 1);
  ASSERT_MEM_EQ(out, want, 32);
  ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[1], out), 0);

  /* forgetting a key wipes its entry only, and frees its slot; an absent key is no entry */
  ASSERT_INT_EQ(noise_sscache_forget(rc, i_pk[3]), 1);
  ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[3], out), 0);
  ASSERT_UINT_EQ(stats_of(rc).used, 3);
  ASSERT_INT_EQ(noise_sscache_forget(rc, i_pk[3]), 0);
  ASSERT_INT_EQ(noise_sscache_forget(rc, i_pk[1]), 0);
  ASSERT_UINT_EQ(stats_of(rc).used, 3);
  for (int k = 0; k < 5; k++)
    ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[k], out), k == 0 || k == 2 || k == 4);
  /* the freed slot takes the next key without pushing one out, and key 3 is computed again */
  uint64_t replaced = stats_of(rc).replaced;
  ASSERT_INT_EQ(cached_handshake(i_sk[3], r_sk, r_pk, rc, false), NOISE_OK);
  ASSERT_UINT_EQ(stats_of(rc).replaced, replaced);
  ASSERT_UINT_EQ(stats_of(rc).used, 4);
  ASSERT_INT_EQ(crypto_scalarmult(want, r_sk, i_pk[3]), 0);
  ASSERT_INT_EQ(noise_sscache_get(rc, i_pk[3], out), 1);
  ASSERT_MEM_EQ(out, want, 32);

  /* another key's cache, a second cache, and a cache after the first message are refused */
  noise_sscache *other = noise_sscache_new(i_pk[0], 4);
  ASSERT(other != NULL);
  noise_handshake *res = noise_handshake_new(false, NULL, 0, r_sk, NULL);
  noise_handshake *ini = noise_handshake_new(true, NULL, 0, i_sk[2], r_pk);
  ASSERT(res != NULL && ini != NULL);
  ASSERT_INT_EQ(noise_handshake_use_sscache(res, other), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_use_sscache(ini, rc), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_use_sscache(res, rc), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_use_sscache(res, rc), NOISE_ERR_STATE);
  uint8_t msg[256], pl[64];
  size_t mlen = 0, plen = 0;
  noise_sscache *late = noise_sscache_new(i_pk[2], 4); /* the initiator's own key */
  ASSERT(late != NULL);
  ASSERT_INT_EQ(noise_handshake_write(ini, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_use_sscache(ini, late), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_read(res, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
  noise_handshake_free(res);
  noise_handshake_free(ini);
  noise_sscache_free(other);

  /* an entry answers for its key's every byte: keys that differ in the first or the last byte
   * only (in the one set of a four-slot cache) are other keys */
  uint8_t k[32], ss[32];
  memset(k, 0x11, sizeof k);
  memset(ss, 0x22, sizeof ss);
  noise_sscache_put(late, k, ss);
  ASSERT_INT_EQ(noise_sscache_get(late, k, out), 1);
  ASSERT_MEM_EQ(out, ss, 32);
  k[31] ^= 0x01;
  ASSERT_INT_EQ(noise_sscache_get(late, k, out), 0);
  k[31] ^= 0x01;
  k[0] ^= 0x80;
  ASSERT_INT_EQ(noise_sscache_get(late, k, out), 0);
  noise_sscache_free(late);
  noise_sscache_free(rc);

  /* sizes: 0 and 2^16 + 1 refused, 2^16 and 1 taken; a size is rounded up to whole sets */
  ASSERT(noise_sscache_new(r_pk, 0) == NULL);
  ASSERT(noise_sscache_new(r_pk, ((size_t)1 << 16) + 1) == NULL);
  noise_sscache *c = noise_sscache_new(r_pk, (size_t)1 << 16);
  ASSERT(c != NULL);
  ASSERT_UINT_EQ(stats_of(c).slots, (size_t)1 << 16);
  noise_sscache_free(c);
  c = noise_sscache_new(r_pk, 1);
  ASSERT(c != NULL);
  ASSERT_UINT_EQ(stats_of(c).slots, NOISE_SSCACHE_WAYS);
  noise_sscache_free(c);
  c = noise_sscache_new(r_pk, 5);
  ASSERT(c != NULL);
  ASSERT_UINT_EQ(stats_of(c).slots, 8);
  noise_sscache_free(c);
  noise_sscache_free(NULL);
}

/* Nonce 2^64-1 is reserved: encrypt and decrypt refuse it and write nothing. */
static void test_nonce_exhaustion(void) {
  uint8_t k[32], out[64], pt[16];
  randombytes_buf(k, sizeof k);
  noise_cipher *c = noise_cipher_new(k);
  noise_cipher *d = noise_cipher_new(k);
  ASSERT(c != NULL && d != NULL);

  noise_cipher_set_nonce(c, UINT64_MAX - 1);
  noise_cipher_set_nonce(d, UINT64_MAX - 1);
  ASSERT_INT_EQ(noise_cipher_encrypt(c, NULL, 0, (const uint8_t *)"last", 4, out), NOISE_OK);
  ASSERT_UINT_EQ(noise_cipher_nonce(c), UINT64_MAX);
  ASSERT_INT_EQ(noise_cipher_decrypt(d, NULL, 0, out, 4 + NOISE_TAGLEN, pt), NOISE_OK);
  ASSERT_MEM_EQ(pt, "last", 4);
  ASSERT_UINT_EQ(noise_cipher_nonce(d), UINT64_MAX);

  memset(out, 0xaa, sizeof out);
  ASSERT_INT_EQ(noise_cipher_encrypt(c, NULL, 0, (const uint8_t *)"more", 4, out), NOISE_ERR_NONCE);
  for (size_t i = 0; i < sizeof out; i++) ASSERT_UINT_EQ(out[i], 0xaa);
  ASSERT_UINT_EQ(noise_cipher_nonce(c), UINT64_MAX);

  /* a message made at nonce 2^64-1 (as REKEY does) is still refused on decrypt */
  memset(pt, 0xbb, sizeof pt);
  ASSERT_INT_EQ(noise_cipher_decrypt(d, NULL, 0, out, 4 + NOISE_TAGLEN, pt), NOISE_ERR_NONCE);
  for (size_t i = 0; i < sizeof pt; i++) ASSERT_UINT_EQ(pt[i], 0xbb);

  /* too large a payload, and too short a ciphertext */
  ASSERT_INT_EQ(noise_cipher_encrypt(d, NULL, 0, NULL, 0, out), NOISE_ERR_NONCE);
  noise_cipher_set_nonce(d, 0);
  ASSERT_INT_EQ(noise_cipher_decrypt(d, NULL, 0, out, NOISE_TAGLEN - 1, pt), NOISE_ERR_SIZE);
  uint8_t *big = calloc(1, NOISE_MAX_MSG + 1);
  ASSERT(big != NULL);
  ASSERT_INT_EQ(noise_cipher_encrypt(d, NULL, 0, big, NOISE_MAX_PAYLOAD + 1, big), NOISE_ERR_SIZE);
  ASSERT_UINT_EQ(noise_cipher_nonce(d), 0);
  free(big);

  noise_cipher_free(c);
  noise_cipher_free(d);
}

/* Rekey: both sides rekey and still talk; one that did not cannot decrypt. The new key is
 * checked against REKEY computed directly with libsodium. */
static void test_rekey(void) {
  uint8_t k[32], ct[64], pt[64], ct2[64];
  randombytes_buf(k, sizeof k);
  noise_cipher *a = noise_cipher_new(k);
  noise_cipher *b = noise_cipher_new(k);
  noise_cipher *stale = noise_cipher_new(k);
  ASSERT(a != NULL && b != NULL && stale != NULL);

  ASSERT_INT_EQ(noise_cipher_encrypt(a, NULL, 0, (const uint8_t *)"before", 6, ct), NOISE_OK);
  ASSERT_INT_EQ(noise_cipher_decrypt(b, NULL, 0, ct, 6 + NOISE_TAGLEN, pt), NOISE_OK);
  ASSERT_INT_EQ(noise_cipher_decrypt(stale, NULL, 0, ct, 6 + NOISE_TAGLEN, pt), NOISE_OK);

  noise_cipher_rekey(a);
  noise_cipher_rekey(b);
  ASSERT_UINT_EQ(noise_cipher_nonce(a), 1); /* rekey leaves the nonce alone */

  ASSERT_INT_EQ(noise_cipher_encrypt(a, (const uint8_t *)"ad", 2, (const uint8_t *)"after", 5, ct),
                NOISE_OK);
  ASSERT_INT_EQ(noise_cipher_decrypt(b, (const uint8_t *)"ad", 2, ct, 5 + NOISE_TAGLEN, pt),
                NOISE_OK);
  ASSERT_MEM_EQ(pt, "after", 5);
  ASSERT_INT_EQ(noise_cipher_decrypt(stale, (const uint8_t *)"ad", 2, ct, 5 + NOISE_TAGLEN, pt),
                NOISE_ERR_DECRYPT);
  ASSERT_UINT_EQ(noise_cipher_nonce(stale), 1);

  /* independent REKEY: k' = first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros[32]) */
  uint8_t nonce[12], zeros[32] = {0}, rk[48];
  unsigned long long rlen = 0;
  memset(nonce, 0, 4);
  memset(nonce + 4, 0xff, 8);
  crypto_aead_chacha20poly1305_ietf_encrypt(rk, &rlen, zeros, 32, NULL, 0, NULL, nonce, k);
  noise_cipher *manual = noise_cipher_new(rk);
  ASSERT(manual != NULL);
  noise_cipher_set_nonce(manual, 1);
  ASSERT_INT_EQ(noise_cipher_encrypt(manual, (const uint8_t *)"ad", 2, (const uint8_t *)"after", 5,
                                     ct2),
                NOISE_OK);
  ASSERT_MEM_EQ(ct2, ct, 5 + NOISE_TAGLEN);

  noise_cipher_free(a);
  noise_cipher_free(b);
  noise_cipher_free(stale);
  noise_cipher_free(manual);
}

/* A flipped bit fails to decrypt and does not advance the nonce; the intact message then
 * still decrypts. */
static void test_flipped_bit(void) {
  chans c;
  chans_open(&c, SAMVIRKE_PROLOGUE);
  uint8_t ct[64], bad[64], pt[64];
  ASSERT_INT_EQ(noise_cipher_encrypt(c.is, NULL, 0, (const uint8_t *)"payload", 7, ct), NOISE_OK);
  size_t clen = 7 + NOISE_TAGLEN;
  for (size_t pos = 0; pos < clen; pos += 5) {
    memcpy(bad, ct, clen);
    bad[pos] ^= 0x01;
    ASSERT_INT_EQ(noise_cipher_decrypt(c.rr, NULL, 0, bad, clen, pt), NOISE_ERR_DECRYPT);
    ASSERT_UINT_EQ(noise_cipher_nonce(c.rr), 0);
  }
  /* wrong associated data also fails */
  ASSERT_INT_EQ(noise_cipher_decrypt(c.rr, (const uint8_t *)"x", 1, ct, clen, pt),
                NOISE_ERR_DECRYPT);
  ASSERT_UINT_EQ(noise_cipher_nonce(c.rr), 0);
  ASSERT_INT_EQ(noise_cipher_decrypt(c.rr, NULL, 0, ct, clen, pt), NOISE_OK);
  ASSERT_MEM_EQ(pt, "payload", 7);
  ASSERT_UINT_EQ(noise_cipher_nonce(c.rr), 1);
  /* a replay of the same message fails (nonce moved on) */
  ASSERT_INT_EQ(noise_cipher_decrypt(c.rr, NULL, 0, ct, clen, pt), NOISE_ERR_DECRYPT);
  chans_close(&c);
}

static const char *const low_order_points[] = {
    "0000000000000000000000000000000000000000000000000000000000000000", /* zero */
    "0100000000000000000000000000000000000000000000000000000000000000", /* order 4 */
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", /* order 8 */
};

/* A low-order initiator ephemeral makes the responder's read fail with NOISE_ERR_DH; a
 * low-order responder ephemeral does the same to the initiator. */
static void test_low_order(void) {
  for (size_t lp = 0; lp < sizeof low_order_points / sizeof low_order_points[0]; lp++) {
    uint8_t point[32];
    unhex_fixed(point, 32, low_order_points[lp]);

    pair p;
    pair_new(&p, SAMVIRKE_PROLOGUE);
    uint8_t msg[256], pl[64];
    size_t mlen = 0, plen = 0;
    ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
    memcpy(msg, point, 32);
    ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, sizeof pl, &plen), NOISE_ERR_DH);
    uint8_t rs[32];
    ASSERT_INT_EQ(noise_handshake_remote_static(p.r, rs), NOISE_ERR_STATE);
    /* the failed handshake stays failed */
    ASSERT_INT_EQ(noise_handshake_write(p.r, NULL, 0, msg, sizeof msg, &mlen), NOISE_ERR_STATE);
    pair_free(&p);

    pair_new(&p, SAMVIRKE_PROLOGUE);
    ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_write(p.r, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
    memcpy(msg, point, 32);
    ASSERT_INT_EQ(noise_handshake_read(p.i, msg, mlen, pl, sizeof pl, &plen), NOISE_ERR_DH);
    ASSERT(!noise_handshake_done(p.i));
    pair_free(&p);

    /* an initiator told a low-order responder static fails on its first write */
    uint8_t sk[32];
    randombytes_buf(sk, sizeof sk);
    noise_handshake *hs = noise_handshake_new(true, NULL, 0, sk, point);
    ASSERT(hs != NULL);
    ASSERT_INT_EQ(noise_handshake_write(hs, NULL, 0, msg, sizeof msg, &mlen), NOISE_ERR_DH);
    ASSERT_UINT_EQ(mlen, 0);
    noise_handshake_free(hs);
  }
}

/* The initiator has the wrong responder key: the responder cannot decrypt message 1. A
 * mismatched prologue fails the same way. */
static void test_wrong_static(void) {
  pair p;
  pair_new(&p, SAMVIRKE_PROLOGUE);
  uint8_t other_pk[32], other_sk[32];
  crypto_box_keypair(other_pk, other_sk);
  noise_handshake_free(p.i);
  p.i = noise_handshake_new(true, (const uint8_t *)SAMVIRKE_PROLOGUE, strlen(SAMVIRKE_PROLOGUE),
                            p.i_sk, other_pk);
  ASSERT(p.i != NULL);
  uint8_t msg[256], pl[64];
  size_t mlen = 0, plen = 99;
  ASSERT_INT_EQ(noise_handshake_write(p.i, (const uint8_t *)"x", 1, msg, sizeof msg, &mlen),
                NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, sizeof pl, &plen), NOISE_ERR_DECRYPT);
  ASSERT_UINT_EQ(plen, 0);
  pair_free(&p);

  pair_new(&p, SAMVIRKE_PROLOGUE);
  noise_handshake_free(p.r);
  p.r = noise_handshake_new(false, (const uint8_t *)"samvirke/2", 10, p.r_sk, NULL);
  ASSERT(p.r != NULL);
  ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, sizeof pl, &plen), NOISE_ERR_DECRYPT);
  pair_free(&p);

  /* a tampered payload in message 2 */
  pair_new(&p, SAMVIRKE_PROLOGUE);
  ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_write(p.r, (const uint8_t *)"ok", 2, msg, sizeof msg, &mlen),
                NOISE_OK);
  msg[mlen - 1] ^= 0x80;
  ASSERT_INT_EQ(noise_handshake_read(p.i, msg, mlen, pl, sizeof pl, &plen), NOISE_ERR_DECRYPT);
  pair_free(&p);
}

/* Calls out of order for IK return NOISE_ERR_STATE; misuse of _new returns NULL. */
static void test_out_of_order(void) {
  pair p;
  pair_new(&p, SAMVIRKE_PROLOGUE);
  uint8_t msg[256], junk[256], pl[64], e[32], rs[32];
  size_t mlen = 0, plen = 0, jlen = 1;
  noise_cipher *s = NULL, *r = NULL;
  randombytes_buf(e, sizeof e);

  ASSERT_INT_EQ(noise_handshake_read(p.i, msg, 96, pl, sizeof pl, &plen), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_write(p.r, NULL, 0, junk, sizeof junk, &jlen), NOISE_ERR_STATE);
  ASSERT_UINT_EQ(jlen, 0);
  ASSERT_INT_EQ(noise_handshake_split(p.i, &s, &r), NOISE_ERR_STATE);
  ASSERT(s == NULL && r == NULL);
  ASSERT_INT_EQ(noise_handshake_remote_static(p.r, rs), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_remote_static(p.i, rs), NOISE_OK);
  ASSERT_MEM_EQ(rs, p.r_pk, 32);

  ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_set_ephemeral(p.i, e), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, junk, sizeof junk, &jlen), NOISE_ERR_STATE);
  ASSERT_UINT_EQ(jlen, 0);
  ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, sizeof pl, &jlen), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_split(p.r, &s, &r), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_write(p.r, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(p.i, msg, mlen, pl, sizeof pl, &plen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, junk, sizeof junk, &jlen), NOISE_ERR_STATE);
  ASSERT_UINT_EQ(jlen, 0);
  ASSERT_INT_EQ(noise_handshake_write(p.r, NULL, 0, junk, sizeof junk, &jlen), NOISE_ERR_STATE);
  ASSERT_UINT_EQ(jlen, 0);
  ASSERT_INT_EQ(noise_handshake_read(p.i, msg, mlen, pl, sizeof pl, &jlen), NOISE_ERR_STATE);
  ASSERT_INT_EQ(noise_handshake_set_ephemeral(p.r, e), NOISE_ERR_STATE);

  ASSERT_INT_EQ(noise_handshake_split(p.i, &s, &r), NOISE_OK);
  noise_cipher *s2 = NULL, *r2 = NULL;
  ASSERT_INT_EQ(noise_handshake_split(p.i, &s2, &r2), NOISE_ERR_STATE);
  ASSERT(s2 == NULL && r2 == NULL);
  ASSERT(noise_handshake_done(p.i));
  noise_cipher_free(s);
  noise_cipher_free(r);
  pair_free(&p);

  uint8_t sk[32];
  randombytes_buf(sk, sizeof sk);
  ASSERT(noise_handshake_new(true, NULL, 0, sk, NULL) == NULL); /* initiator needs rs */
  ASSERT(noise_handshake_new(false, NULL, 0, sk, sk) == NULL);  /* responder must not have it */
  ASSERT(noise_handshake_new(false, NULL, 0, NULL, NULL) == NULL);
}

/* Size limits: small output buffer, truncated message, payload buffer too small. */
static void test_sizes(void) {
  pair p;
  uint8_t msg[256], pl[64] = {0};
  size_t mlen = 0, plen = 0;

  pair_new(&p, SAMVIRKE_PROLOGUE);
  ASSERT_INT_EQ(noise_handshake_write(p.i, pl, 10, msg, 32 + 48 + 10 + 15, &mlen), NOISE_ERR_SIZE);
  ASSERT_UINT_EQ(mlen, 0);
  pair_free(&p);

  pair_new(&p, SAMVIRKE_PROLOGUE);
  ASSERT_INT_EQ(noise_handshake_write(p.i, NULL, 0, msg, sizeof msg, &mlen), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen - 1, pl, sizeof pl, &plen), NOISE_ERR_SIZE);
  pair_free(&p);

  pair_new(&p, SAMVIRKE_PROLOGUE);
  ASSERT_INT_EQ(noise_handshake_write(p.i, (const uint8_t *)"abcd", 4, msg, sizeof msg, &mlen),
                NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_read(p.r, msg, mlen, pl, 3, &plen), NOISE_ERR_SIZE);
  pair_free(&p);

  /* the largest handshake payload fits exactly one Noise message */
  pair_new(&p, SAMVIRKE_PROLOGUE);
  uint8_t *big = calloc(1, NOISE_MAX_MSG + 1), *bpl = malloc(NOISE_MAX_MSG);
  ASSERT(big != NULL && bpl != NULL);
  size_t maxpl = NOISE_MAX_MSG - 32 - 48 - 16;
  ASSERT_INT_EQ(noise_handshake_write(p.i, bpl, maxpl + 1, big, NOISE_MAX_MSG + 1, &mlen),
                NOISE_ERR_SIZE);
  pair_free(&p);
  pair_new(&p, SAMVIRKE_PROLOGUE);
  memset(bpl, 0x5a, maxpl);
  ASSERT_INT_EQ(noise_handshake_write(p.i, bpl, maxpl, big, NOISE_MAX_MSG, &mlen), NOISE_OK);
  ASSERT_UINT_EQ(mlen, NOISE_MAX_MSG);
  memset(bpl, 0, maxpl);
  ASSERT_INT_EQ(noise_handshake_read(p.r, big, mlen, bpl, NOISE_MAX_MSG, &plen), NOISE_OK);
  ASSERT_UINT_EQ(plen, maxpl);
  ASSERT_UINT_EQ(bpl[0], 0x5a);
  ASSERT_UINT_EQ(bpl[maxpl - 1], 0x5a);
  pair_free(&p);
  free(big);
  free(bpl);
}

/* Fresh random keys, the samvirke prologue, a full handshake and transport both ways. */
static void test_random_roundtrip(void) {
  pair p;
  pair_new(&p, SAMVIRKE_PROLOGUE);
  pair_handshake(&p);
  uint8_t hi[64], hr[64], rs[32];
  noise_handshake_hash(p.i, hi);
  noise_handshake_hash(p.r, hr);
  ASSERT_MEM_EQ(hi, hr, 64);
  ASSERT_INT_EQ(noise_handshake_remote_static(p.r, rs), NOISE_OK);
  ASSERT_MEM_EQ(rs, p.i_pk, 32);

  noise_cipher *is, *ir, *rsnd, *rrcv;
  ASSERT_INT_EQ(noise_handshake_split(p.i, &is, &ir), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_split(p.r, &rsnd, &rrcv), NOISE_OK);

  uint8_t ct[1100], pt[1100], msg[1084];
  for (int round = 0; round < 20; round++) {
    size_t len = (size_t)round * 53;
    randombytes_buf(msg, len);
    ASSERT_INT_EQ(noise_cipher_encrypt(is, NULL, 0, msg, len, ct), NOISE_OK);
    ASSERT_INT_EQ(noise_cipher_decrypt(rrcv, NULL, 0, ct, len + NOISE_TAGLEN, pt), NOISE_OK);
    ASSERT_MEM_EQ(pt, msg, len);
    ASSERT_INT_EQ(noise_cipher_encrypt(rsnd, NULL, 0, msg, len, ct), NOISE_OK);
    ASSERT_INT_EQ(noise_cipher_decrypt(ir, NULL, 0, ct, len + NOISE_TAGLEN, pt), NOISE_OK);
    ASSERT_MEM_EQ(pt, msg, len);
  }
  /* the two directions use different keys */
  ASSERT_INT_EQ(noise_cipher_encrypt(is, NULL, 0, msg, 8, ct), NOISE_OK);
  ASSERT_INT_EQ(noise_cipher_decrypt(ir, NULL, 0, ct, 8 + NOISE_TAGLEN, pt), NOISE_ERR_DECRYPT);
  ASSERT_UINT_EQ(noise_cipher_nonce(is), 21);

  noise_cipher_free(is);
  noise_cipher_free(ir);
  noise_cipher_free(rsnd);
  noise_cipher_free(rrcv);
  pair_free(&p);

  /* two runs with the same keys but fresh ephemerals give different handshake hashes */
  pair q;
  pair_new(&q, SAMVIRKE_PROLOGUE);
  pair_handshake(&q);
  uint8_t hq[64];
  noise_handshake_hash(q.i, hq);
  ASSERT(memcmp(hq, hi, 64) != 0);
  pair_free(&q);
}

/* The CipherStates from Split share the handshake's secure block: each object stays usable
 * until it is itself freed, whatever was freed before it (an early release of the block
 * would unmap it and crash here). */
static void test_free_order(void) {
  pair p;
  pair_new(&p, SAMVIRKE_PROLOGUE);
  pair_handshake(&p);
  uint8_t h1[64], h2[64], rs[32];
  noise_handshake_hash(p.r, h1);
  noise_cipher *is, *ir, *rsnd, *rrcv;
  ASSERT_INT_EQ(noise_handshake_split(p.i, &is, &ir), NOISE_OK);
  ASSERT_INT_EQ(noise_handshake_split(p.r, &rsnd, &rrcv), NOISE_OK);
  ASSERT(is != ir && rsnd != rrcv);

  uint8_t ct[64], pt[64];
  /* initiator: free a cipher first, then the handshake, then use the other cipher */
  ASSERT_INT_EQ(noise_cipher_encrypt(is, NULL, 0, (const uint8_t *)"one", 3, ct), NOISE_OK);
  ASSERT_INT_EQ(noise_cipher_decrypt(rrcv, NULL, 0, ct, 3 + NOISE_TAGLEN, pt), NOISE_OK);
  noise_cipher_free(is);
  noise_handshake_free(p.i);
  ASSERT_INT_EQ(noise_cipher_encrypt(rsnd, NULL, 0, (const uint8_t *)"two", 3, ct), NOISE_OK);
  ASSERT_INT_EQ(noise_cipher_decrypt(ir, NULL, 0, ct, 3 + NOISE_TAGLEN, pt), NOISE_OK);
  ASSERT_MEM_EQ(pt, "two", 3);
  noise_cipher_free(ir);

  /* responder: free both ciphers, the handshake still answers */
  noise_cipher_free(rsnd);
  noise_cipher_free(rrcv);
  noise_handshake_hash(p.r, h2);
  ASSERT_MEM_EQ(h1, h2, 64);
  ASSERT_INT_EQ(noise_handshake_remote_static(p.r, rs), NOISE_OK);
  ASSERT_MEM_EQ(rs, p.i_pk, 32);
  noise_handshake_free(p.r);

  /* a standalone CipherState owns its own block */
  uint8_t k[32];
  randombytes_buf(k, sizeof k);
  noise_cipher *a = noise_cipher_new(k), *b = noise_cipher_new(k);
  ASSERT(a != NULL && b != NULL);
  ASSERT_INT_EQ(noise_cipher_encrypt(a, NULL, 0, (const uint8_t *)"x", 1, ct), NOISE_OK);
  noise_cipher_free(a);
  ASSERT_INT_EQ(noise_cipher_decrypt(b, NULL, 0, ct, 1 + NOISE_TAGLEN, pt), NOISE_OK);
  noise_cipher_free(b);
}

/* noise_handshake_new_with_pk (precomputed static public key) produces byte-identical
 * messages and keys to noise_handshake_new, on both sides. */
static void test_with_pk(void) {
  uint8_t i_sk[32], i_pk[32], r_sk[32], r_pk[32], ie[32], re[32];
  crypto_box_keypair(i_pk, i_sk);
  crypto_box_keypair(r_pk, r_sk);
  randombytes_buf(ie, sizeof ie);
  randombytes_buf(re, sizeof re);
  static const uint8_t pro[] = "samvirke/1";
  uint8_t m1[2][128], m2[2][128], h[2][NOISE_HASHLEN], pl[16];
  size_t l1[2], l2[2], plen;
  for (int v = 0; v < 2; v++) {
    noise_handshake *i = v ? noise_handshake_new_with_pk(true, pro, 10, i_sk, i_pk, r_pk)
                           : noise_handshake_new(true, pro, 10, i_sk, r_pk);
    noise_handshake *r = v ? noise_handshake_new_with_pk(false, pro, 10, r_sk, r_pk, NULL)
                           : noise_handshake_new(false, pro, 10, r_sk, NULL);
    ASSERT(i != NULL && r != NULL);
    ASSERT_INT_EQ(noise_handshake_set_ephemeral(i, ie), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_set_ephemeral(r, re), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_write(i, (const uint8_t *)"a", 1, m1[v], 128, &l1[v]), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_read(r, m1[v], l1[v], pl, sizeof pl, &plen), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_write(r, (const uint8_t *)"b", 1, m2[v], 128, &l2[v]), NOISE_OK);
    ASSERT_INT_EQ(noise_handshake_read(i, m2[v], l2[v], pl, sizeof pl, &plen), NOISE_OK);
    noise_handshake_hash(i, h[v]);
    uint8_t hr[NOISE_HASHLEN];
    noise_handshake_hash(r, hr);
    ASSERT_MEM_EQ(hr, h[v], NOISE_HASHLEN);
    noise_handshake_free(i);
    noise_handshake_free(r);
  }
  ASSERT_UINT_EQ(l1[0], l1[1]);
  ASSERT_MEM_EQ(m1[0], m1[1], l1[0]);
  ASSERT_UINT_EQ(l2[0], l2[1]);
  ASSERT_MEM_EQ(m2[0], m2[1], l2[0]);
  ASSERT_MEM_EQ(h[0], h[1], NOISE_HASHLEN);
  /* misuse is still refused */
  ASSERT(noise_handshake_new_with_pk(true, NULL, 0, i_sk, i_pk, NULL) == NULL);
  ASSERT(noise_handshake_new_with_pk(false, NULL, 0, NULL, r_pk, NULL) == NULL);
}

/* Released secure blocks are kept for reuse, at most NOISE_POOL_MAX; a reused one starts a
 * CipherState from nonce 0 and a handshake that agrees with its peer. */
static void test_pool(void) {
  noise_pool_drain();
  ASSERT_UINT_EQ(noise_pool_count(), 0);
  uint8_t k[32], ct[16], pt[16];
  randombytes_buf(k, sizeof k);
  noise_cipher *c[NOISE_POOL_MAX + 1];
  for (int i = 0; i <= NOISE_POOL_MAX; i++) ASSERT((c[i] = noise_cipher_new(k)) != NULL);
  ASSERT_UINT_EQ(noise_pool_count(), 0);
  ASSERT_INT_EQ(noise_cipher_encrypt(c[0], NULL, 0, (const uint8_t *)"x", 1, ct), NOISE_OK);
  noise_cipher_free(c[0]);
  ASSERT_UINT_EQ(noise_pool_count(), 1);
  c[0] = noise_cipher_new(k); /* from the pool, as new */
  ASSERT(c[0] != NULL);
  ASSERT_UINT_EQ(noise_pool_count(), 0);
  ASSERT_UINT_EQ(noise_cipher_nonce(c[0]), 0);
  ASSERT_INT_EQ(noise_cipher_decrypt(c[0], NULL, 0, ct, 1 + NOISE_TAGLEN, pt), NOISE_OK);
  for (int i = 0; i < NOISE_POOL_MAX; i++) noise_cipher_free(c[i]);
  ASSERT_UINT_EQ(noise_pool_count(), NOISE_POOL_MAX);
  noise_cipher_free(c[NOISE_POOL_MAX]); /* one more than the pool holds: freed */
  ASSERT_UINT_EQ(noise_pool_count(), NOISE_POOL_MAX);
  /* a handshake on reused blocks agrees with its peer */
  pair p;
  pair_new(&p, SAMVIRKE_PROLOGUE);
  ASSERT_UINT_EQ(noise_pool_count(), NOISE_POOL_MAX - 2);
  pair_handshake(&p);
  uint8_t hi[64], hr[64];
  noise_handshake_hash(p.i, hi);
  noise_handshake_hash(p.r, hr);
  ASSERT_MEM_EQ(hi, hr, 64);
  pair_free(&p);
  ASSERT_UINT_EQ(noise_pool_count(), NOISE_POOL_MAX);
  noise_pool_drain();
  ASSERT_UINT_EQ(noise_pool_count(), 0);
}

static void test_strerror(void) {
  ASSERT_STR_CONTAINS(noise_strerror(NOISE_ERR_DH), "low-order");
  ASSERT_STR_CONTAINS(noise_strerror(NOISE_ERR_NONCE), "nonce");
  ASSERT(noise_strerror(12345) != NULL);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_hmac_kat);
  RUN_TEST(test_hkdf_kat);
  RUN_TEST(test_vectors);
  RUN_TEST(test_sscache_vectors);
  RUN_TEST(test_sscache_rules);
  RUN_TEST(test_nonce_exhaustion);
  RUN_TEST(test_rekey);
  RUN_TEST(test_flipped_bit);
  RUN_TEST(test_low_order);
  RUN_TEST(test_wrong_static);
  RUN_TEST(test_out_of_order);
  RUN_TEST(test_sizes);
  RUN_TEST(test_random_roundtrip);
  RUN_TEST(test_free_order);
  RUN_TEST(test_with_pk);
  RUN_TEST(test_pool);
  RUN_TEST(test_strerror);
  return 0;
}

/* test_keys.c -- unit tests for member cards, identities, daemon keys and their files. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keys.h"
#include "support/tmpdir.h"
#include "task.h"

static const uint8_t SEED1[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t SEED2[32] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                  9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static char *dir;

static char *path_in(const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  ASSERT(p != NULL);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static sv_identity *seeded(const char *name, const uint8_t seed[32], uint64_t created) {
  int st = 99;
  sv_identity *id = identity_from_seed(name, seed, created, &st);
  ASSERT(id != NULL);
  ASSERT_INT_EQ(st, KEYS_OK);
  return id;
}

static void write_bytes(const char *path, const uint8_t *d, size_t n, mode_t mode) {
  remove(path);
  FILE *f = fopen(path, "wb");
  ASSERT(f != NULL);
  ASSERT_UINT_EQ(fwrite(d, 1, n, f), n);
  ASSERT_INT_EQ(fclose(f), 0);
  ASSERT_INT_EQ(chmod(path, mode), 0);
}

static void assert_same_card(const sv_card *a, const sv_card *b) {
  ASSERT_STR_EQ(a->name, b->name);
  ASSERT_MEM_EQ(a->sign_pk, b->sign_pk, 32);
  ASSERT_MEM_EQ(a->noise_pk, b->noise_pk, 32);
  ASSERT_MEM_EQ(a->enc_pk, b->enc_pk, 32);
  ASSERT_UINT_EQ(a->created, b->created);
  ASSERT_MEM_EQ(a->sig, b->sig, 64);
}

static void test_seed_deterministic(void) {
  sv_identity *a = seeded("Kari Nordmann", SEED1, 1700000000);
  sv_identity *b = seeded("Kari Nordmann", SEED1, 1700000000);
  sv_identity *c = seeded("Kari Nordmann", SEED2, 1700000000);
  ASSERT_MEM_EQ(a->sign_sk, b->sign_sk, 64);
  ASSERT_MEM_EQ(a->noise_sk, b->noise_sk, 32);
  ASSERT_MEM_EQ(a->enc_sk, b->enc_sk, 32);
  assert_same_card(&a->card, &b->card);
  ASSERT(memcmp(a->sign_sk, c->sign_sk, 64) != 0);
  /* The three derived secrets differ from each other. */
  ASSERT(memcmp(a->noise_sk, a->enc_sk, 32) != 0);
  ASSERT(memcmp(a->noise_sk, a->sign_sk, 32) != 0);
  /* Public keys match the secrets. */
  uint8_t pk[32];
  ASSERT_INT_EQ(crypto_scalarmult_base(pk, a->noise_sk), 0);
  ASSERT_MEM_EQ(pk, a->card.noise_pk, 32);
  ASSERT_INT_EQ(crypto_scalarmult_base(pk, a->enc_sk), 0);
  ASSERT_MEM_EQ(pk, a->card.enc_pk, 32);
  ASSERT_MEM_EQ(a->sign_sk + 32, a->card.sign_pk, 32);
  identity_free(a);
  identity_free(b);
  identity_free(c);
}

static void test_card_round_trip(void) {
  sv_identity *id = seeded("Ola", SEED1, 1700000000);
  uint8_t *enc = NULL;
  size_t n = 0;
  ASSERT_INT_EQ(card_encode(&id->card, &enc, &n), KEYS_OK);
  /* Layout: fixmap 7, "v":1, "name":"Ola", ... created as uint32, sig last. */
  ASSERT_UINT_EQ(n, 1 + 3 + 5 + 4 + 5 + 34 + 6 + 34 + 4 + 34 + 8 + 5 + 4 + 66);
  ASSERT_MEM_EQ(enc, "\x87\xa1v\x01\xa4name\xa3Ola\xa4sign\xc4\x20", 20);
  ASSERT_MEM_EQ(enc + n - 66 - 4, "\xa3sig\xc4\x40", 6);
  sv_card back;
  ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_OK);
  assert_same_card(&back, &id->card);
  /* card_hash is SHA-256 of the encoding. */
  uint8_t h[32], want[32];
  ASSERT_INT_EQ(card_hash(&id->card, h), KEYS_OK);
  crypto_hash_sha256(want, enc, n);
  ASSERT_MEM_EQ(h, want, 32);
  /* Signature is over context || 6-entry map. */
  uint8_t msg[400];
  memcpy(msg, "samvirke-card-v1", 17);
  memcpy(msg + 17, enc, n - 70);
  msg[17] = 0x86;
  ASSERT_INT_EQ(crypto_sign_verify_detached(id->card.sig, msg, 17 + n - 70, id->card.sign_pk), 0);
  free(enc);
  identity_free(id);
}

static void test_card_created_widths(void) {
  const uint64_t times[] = {0, 127, 128, 255, 256, 65535, 65536, 4294967295u, 4294967296u,
                            UINT64_MAX};
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
    sv_identity *id = seeded("x", SEED1, times[i]);
    uint8_t *enc;
    size_t n;
    ASSERT_INT_EQ(card_encode(&id->card, &enc, &n), KEYS_OK);
    sv_card back;
    ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_OK);
    ASSERT_UINT_EQ(back.created, times[i]);
    free(enc);
    identity_free(id);
  }
}

/* Build the 7-entry encoding by hand with a chosen created encoding (for non-shortest forms). */
static void test_card_non_canonical(void) {
  sv_identity *id = seeded("Ola", SEED1, 5);
  uint8_t *enc;
  size_t n;
  ASSERT_INT_EQ(card_encode(&id->card, &enc, &n), KEYS_OK);
  sv_card back;
  /* Trailing byte. */
  uint8_t *longer = malloc(n + 1);
  memcpy(longer, enc, n);
  longer[n] = 0xc0;
  ASSERT_INT_EQ(card_decode(longer, n + 1, &back), KEYS_ERR_FORMAT);
  free(longer);
  /* Truncated at every length. */
  for (size_t k = 0; k < n; k++) ASSERT_INT_EQ(card_decode(enc, k, &back), KEYS_ERR_FORMAT);
  /* Reordered keys: swap the "noise" and "enc" entries (7+34 bytes vs 4+34 bytes). */
  size_t noise_at = 1 + 3 + 5 + 4 + 5 + 34;
  ASSERT_MEM_EQ(enc + noise_at, "\xa5noise", 6);
  uint8_t *re = malloc(n);
  memcpy(re, enc, n);
  memcpy(re + noise_at, enc + noise_at + 40, 38);      /* "enc" entry first */
  memcpy(re + noise_at + 38, enc + noise_at, 40);      /* then "noise" */
  ASSERT_MEM_EQ(re + noise_at, "\xa3" "enc", 4);
  ASSERT_INT_EQ(card_decode(re, n, &back), KEYS_ERR_FORMAT);
  free(re);
  /* created = 5 in a non-shortest uint8 form (0xcc 0x05): one byte longer. */
  size_t created_at = n - 70 - 1; /* the fixint 5 */
  ASSERT_INT_EQ(enc[created_at], 5);
  uint8_t *wide = malloc(n + 1);
  memcpy(wide, enc, created_at);
  wide[created_at] = 0xcc;
  wide[created_at + 1] = 5;
  memcpy(wide + created_at + 2, enc + created_at + 1, n - created_at - 1);
  ASSERT_INT_EQ(card_decode(wide, n + 1, &back), KEYS_ERR_FORMAT);
  free(wide);
  /* Map header 0x86 or a str8 key header instead of fixstr. */
  enc[0] = 0x86;
  ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_ERR_FORMAT);
  enc[0] = 0x87;
  /* v = 2. */
  enc[3] = 2;
  ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_ERR_FORMAT);
  enc[3] = 1;
  /* "sign" as str instead of bin. */
  enc[1 + 3 + 5 + 4 + 5] = 0xd9;
  ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_ERR_FORMAT);
  enc[1 + 3 + 5 + 4 + 5] = 0xc4;
  ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_OK);
  free(enc);
  identity_free(id);
}

static void test_card_tamper(void) {
  sv_identity *id = seeded("Ola", SEED1, 1700000000);
  sv_identity *other = seeded("Ola", SEED2, 1700000000);
  sv_card base = id->card;
  uint8_t *enc;
  size_t n;
  sv_card back;
  /* Each modification keeps the encoding valid but breaks the signature. */
  for (int which = 0; which < 6; which++) {
    sv_card c = base;
    switch (which) {
      case 0: memcpy(c.name, "Olb", 4); break;
      case 1: c.noise_pk[0] ^= 1; break;
      case 2: c.enc_pk[31] ^= 0x80; break;
      case 3: c.created++; break;
      case 4: c.sig[10] ^= 1; break;
      case 5: memcpy(c.sign_pk, other->card.sign_pk, 32); break;
      default: break;
    }
    ASSERT_INT_EQ(card_encode(&c, &enc, &n), KEYS_OK);
    ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_ERR_SIGNATURE);
    ASSERT(back.created == 0 && back.name[0] == '\0'); /* zeroed on failure */
    free(enc);
  }
  /* Flipping any single byte of the encoding never yields a valid card. */
  ASSERT_INT_EQ(card_encode(&base, &enc, &n), KEYS_OK);
  for (size_t i = 0; i < n; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      enc[i] ^= (uint8_t)(1u << bit);
      ASSERT(card_decode(enc, n, &back) != KEYS_OK);
      enc[i] ^= (uint8_t)(1u << bit);
    }
  }
  free(enc);
  identity_free(id);
  identity_free(other);
}

static void test_names(void) {
  int st = 0;
  const char *bad[] = {"", "tab\there", "new\nline", "del\x7f", "c1\xc2\x85x", "bad\xff",
                       "over\xc0\xaf", "surrogate\xed\xa0\x80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT(identity_from_seed(bad[i], SEED1, 1, &st) == NULL);
    ASSERT_INT_EQ(st, KEYS_ERR_NAME);
  }
  char longname[CARD_NAME_MAX + 2];
  memset(longname, 'a', sizeof longname);
  longname[CARD_NAME_MAX + 1] = '\0';
  ASSERT(identity_from_seed(longname, SEED1, 1, &st) == NULL);
  ASSERT_INT_EQ(st, KEYS_ERR_NAME);
  longname[CARD_NAME_MAX] = '\0'; /* exactly 64 bytes: fine (str8) */
  sv_identity *id = seeded(longname, SEED1, 1);
  uint8_t *enc;
  size_t n;
  ASSERT_INT_EQ(card_encode(&id->card, &enc, &n), KEYS_OK);
  sv_card back;
  ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_OK);
  ASSERT_STR_EQ(back.name, longname);
  free(enc);
  identity_free(id);
  /* Non-ASCII names are fine. */
  id = seeded("Åse Ødegård 日本", SEED1, 1);
  ASSERT_STR_EQ(id->card.name, "Åse Ødegård 日本");
  /* A card whose name is bad cannot be encoded... */
  sv_card c = id->card;
  memcpy(c.name, "a\x01", 3);
  ASSERT_INT_EQ(card_encode(&c, &enc, &n), KEYS_ERR_NAME);
  ASSERT(enc == NULL);
  /* ...and a decoded name with a control character fails with KEYS_ERR_NAME. */
  sv_card d = id->card;
  memcpy(d.name, "ab", 3);
  ASSERT_INT_EQ(card_encode(&d, &enc, &n), KEYS_OK);
  ASSERT_MEM_EQ(enc + 9, "\xa2" "ab", 3);
  enc[11] = 0x01;
  ASSERT_INT_EQ(card_decode(enc, n, &back), KEYS_ERR_NAME);
  /* An empty name on the wire: drop the two name bytes. */
  enc[9] = 0xa0;
  memmove(enc + 10, enc + 12, n - 12);
  ASSERT_INT_EQ(card_decode(enc, n - 2, &back), KEYS_ERR_NAME);
  free(enc);
  identity_free(id);
}

static void test_keyid_fingerprint(void) {
  sv_identity *a = seeded("A", SEED1, 1);
  sv_identity *a2 = seeded("A renamed", SEED1, 99);
  sv_identity *b = seeded("B", SEED2, 1);
  char k1[CARD_KEYID_HEX], k2[CARD_KEYID_HEX], k3[CARD_KEYID_HEX];
  card_keyid(&a->card, k1);
  card_keyid(&a2->card, k2);
  card_keyid(&b->card, k3);
  ASSERT_UINT_EQ(strlen(k1), 16);
  ASSERT_STR_EQ(k1, k2); /* depends only on the signing key */
  ASSERT(strcmp(k1, k3) != 0);
  uint8_t h[32];
  char hex[17];
  crypto_hash_sha256(h, a->card.sign_pk, 32);
  for (int i = 0; i < 8; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
  ASSERT_STR_EQ(k1, hex);

  char f1[CARD_FINGERPRINT_LEN], f2[CARD_FINGERPRINT_LEN], f3[CARD_FINGERPRINT_LEN];
  card_fingerprint(&a->card, f1);
  card_fingerprint(&a2->card, f2);
  card_fingerprint(&b->card, f3);
  ASSERT_UINT_EQ(strlen(f1), 49);
  ASSERT_STR_EQ(f1, f2);
  ASSERT(strcmp(f1, f3) != 0);
  for (size_t i = 0; i < 49; i++) {
    if (i % 5 == 4)
      ASSERT(f1[i] == ' ');
    else
      ASSERT((f1[i] >= '0' && f1[i] <= '9') || (f1[i] >= 'a' && f1[i] <= 'f'));
  }
  uint8_t keys[96];
  memcpy(keys, a->card.sign_pk, 32);
  memcpy(keys + 32, a->card.noise_pk, 32);
  memcpy(keys + 64, a->card.enc_pk, 32);
  crypto_hash_sha256(h, keys, 96);
  char first[5];
  snprintf(first, sizeof first, "%02x%02x", h[0], h[1]);
  ASSERT_MEM_EQ(f1, first, 4);
  snprintf(first, sizeof first, "%02x%02x", h[18], h[19]);
  ASSERT_MEM_EQ(f1 + 45, first, 4);
  /* A different encryption key alone changes the fingerprint. */
  sv_card c = a->card;
  c.enc_pk[0] ^= 1;
  card_fingerprint(&c, f2);
  ASSERT(strcmp(f1, f2) != 0);
  identity_free(a);
  identity_free(a2);
  identity_free(b);
}

static void test_card_text(void) {
  sv_identity *id = seeded("Per", SEED1, 1700000000);
  char *text = NULL;
  ASSERT_INT_EQ(card_to_text(&id->card, &text), KEYS_OK);
  ASSERT(strncmp(text, "samvirke-card-v1 ", 17) == 0);
  ASSERT(text[strlen(text) - 1] == '\n');
  ASSERT(strchr(text, '\n') == text + strlen(text) - 1);
  sv_card back;
  ASSERT_INT_EQ(card_from_text(text, &back), KEYS_OK);
  assert_same_card(&back, &id->card);
  /* Without the newline, and with CRLF. */
  size_t tl = strlen(text);
  char *t2 = malloc(tl + 2);
  memcpy(t2, text, tl - 1);
  t2[tl - 1] = '\0';
  ASSERT_INT_EQ(card_from_text(t2, &back), KEYS_OK);
  memcpy(t2 + tl - 1, "\r\n", 3);
  ASSERT_INT_EQ(card_from_text(t2, &back), KEYS_OK);
  /* Two newlines, a space, a wrong prefix, broken base64: rejected. */
  memcpy(t2 + tl - 1, "\n\n", 3);
  ASSERT_INT_EQ(card_from_text(t2, &back), KEYS_ERR_FORMAT);
  memcpy(t2 + tl - 1, " \n", 3);
  ASSERT_INT_EQ(card_from_text(t2, &back), KEYS_ERR_FORMAT);
  free(t2);
  ASSERT_INT_EQ(card_from_text("samvirke-card-v2 AAAA\n", &back), KEYS_ERR_FORMAT);
  ASSERT_INT_EQ(card_from_text("samvirke-card-v1 \n", &back), KEYS_ERR_FORMAT);
  ASSERT_INT_EQ(card_from_text("samvirke-card-v1 !!!!\n", &back), KEYS_ERR_FORMAT);
  ASSERT_INT_EQ(card_from_text("", &back), KEYS_ERR_FORMAT);
  /* Bytes outside the base64 alphabet (some high bytes alias '/' in libsodium's decoder). */
  char *hb = strdup(text);
  hb[40] = (char)0xd3;
  ASSERT_INT_EQ(card_from_text(hb, &back), KEYS_ERR_FORMAT);
  free(hb);
  text[30] = text[30] == 'A' ? 'B' : 'A';
  ASSERT(card_from_text(text, &back) != KEYS_OK);

  /* File form. */
  char *p = path_in("per.card");
  char err[256];
  ASSERT_INT_EQ(card_write_file(&id->card, p, err, sizeof err), KEYS_OK);
  ASSERT_INT_EQ(card_read_file(p, &back, err, sizeof err), KEYS_OK);
  assert_same_card(&back, &id->card);
  char *onfile = test_read_file(p, NULL);
  char *fresh;
  ASSERT_INT_EQ(card_to_text(&id->card, &fresh), KEYS_OK);
  ASSERT_STR_EQ(onfile, fresh);
  /* A NUL in the file is not ignored. */
  size_t fl = strlen(fresh);
  uint8_t *withnul = malloc(fl + 2);
  memcpy(withnul, fresh, fl);
  withnul[fl] = 0;
  withnul[fl + 1] = 'x';
  write_bytes(p, withnul, fl + 2, 0644);
  err[0] = '\0';
  ASSERT_INT_EQ(card_read_file(p, &back, err, sizeof err), KEYS_ERR_FORMAT);
  ASSERT_STR_CONTAINS(err, "per.card");
  char *missing = path_in("missing.card");
  ASSERT_INT_EQ(card_read_file(missing, &back, err, sizeof err), KEYS_ERR_IO);
  free(missing);
  free(withnul);
  free(fresh);
  free(onfile);
  free(p);
  free(text);
  identity_free(id);
}

static void test_identity_file(void) {
  char err[256];
  int st = 0;
  sv_identity *id = identity_generate("Generated Member", &st);
  ASSERT(id != NULL);
  ASSERT_INT_EQ(st, KEYS_OK);
  char *p = path_in("identity.key");
  ASSERT_INT_EQ(identity_save(id, p, err, sizeof err), KEYS_OK);
  struct stat sb;
  ASSERT_INT_EQ(stat(p, &sb), 0);
  ASSERT_INT_EQ(sb.st_mode & 0777, 0600);
  size_t flen = 0;
  char *raw = test_read_file(p, &flen);
  uint8_t *cenc;
  size_t clen;
  ASSERT_INT_EQ(card_encode(&id->card, &cenc, &clen), KEYS_OK);
  ASSERT_UINT_EQ(flen, 8 + 67 + 35 + 35 + 4 + clen + 32);
  ASSERT_MEM_EQ(raw, "SVKEY\x01\x01\x03\x01\x00\x40", 11);
  uint8_t sum[32];
  crypto_generichash(sum, 32, (const uint8_t *)raw, flen - 32, NULL, 0);
  ASSERT_MEM_EQ(raw + flen - 32, sum, 32);
  free(cenc);

  sv_identity *back = NULL;
  ASSERT_INT_EQ(identity_load_ex(p, &back, err, sizeof err), KEYS_OK);
  ASSERT(back != NULL);
  ASSERT_MEM_EQ(back->sign_sk, id->sign_sk, 64);
  ASSERT_MEM_EQ(back->noise_sk, id->noise_sk, 32);
  ASSERT_MEM_EQ(back->enc_sk, id->enc_sk, 32);
  assert_same_card(&back->card, &id->card);
  identity_free(back);

  /* Refuses to overwrite, and leaves the file alone. */
  sv_identity *other = seeded("Other", SEED2, 1);
  ASSERT_INT_EQ(identity_save(other, p, err, sizeof err), KEYS_ERR_EXISTS);
  back = identity_load(p, err, sizeof err);
  ASSERT(back != NULL);
  assert_same_card(&back->card, &id->card);
  identity_free(back);

  /* Group- or world-accessible: refused with the message. */
  const mode_t modes[] = {0640, 0604, 0620, 0601, 0644};
  const char *shown[] = {"0640", "0604", "0620", "0601", "0644"};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    ASSERT_INT_EQ(chmod(p, modes[i]), 0);
    err[0] = '\0';
    ASSERT_INT_EQ(identity_load_ex(p, &back, err, sizeof err), KEYS_ERR_PERMS);
    ASSERT(back == NULL);
    ASSERT_STR_CONTAINS(err, "identity.key: permissions ");
    ASSERT_STR_CONTAINS(err, shown[i]);
    ASSERT_STR_CONTAINS(err, "are too open; key files must not be readable by group or others");
    ASSERT_STR_CONTAINS(err, "chmod 600");
    ASSERT(identity_load(p, err, sizeof err) == NULL);
  }
  ASSERT_INT_EQ(chmod(p, 0400), 0);
  back = identity_load(p, err, sizeof err);
  ASSERT(back != NULL);
  identity_free(back);

  /* Any single corrupted byte makes the load fail. */
  char *q = path_in("corrupt.key");
  uint8_t *mut = malloc(flen);
  for (size_t i = 0; i < flen; i++) {
    memcpy(mut, raw, flen);
    mut[i] ^= (uint8_t)(1u << (i % 8));
    write_bytes(q, mut, flen, 0600);
    int rc = identity_load_ex(q, &back, err, sizeof err);
    if (rc != KEYS_ERR_FORMAT) TASK_FAIL("byte %zu: rc %d (%s)", i, rc, err);
    ASSERT(back == NULL);
  }
  /* Truncated and extended files. */
  write_bytes(q, (const uint8_t *)raw, flen - 1, 0600);
  ASSERT_INT_EQ(identity_load_ex(q, &back, err, sizeof err), KEYS_ERR_FORMAT);
  write_bytes(q, (const uint8_t *)raw, 20, 0600);
  ASSERT_INT_EQ(identity_load_ex(q, &back, err, sizeof err), KEYS_ERR_FORMAT);
  /* A daemon key file is not an identity. */
  sv_daemon_keys *dk = daemon_keys_generate(&st);
  ASSERT(dk != NULL);
  remove(q);
  ASSERT_INT_EQ(daemon_keys_save(dk, q, err, sizeof err), KEYS_OK);
  ASSERT_INT_EQ(identity_load_ex(q, &back, err, sizeof err), KEYS_ERR_FORMAT);
  ASSERT_STR_CONTAINS(err, "daemon keys");
  daemon_keys_free(dk);
  /* A missing file. */
  remove(q);
  ASSERT_INT_EQ(identity_load_ex(q, &back, err, sizeof err), KEYS_ERR_IO);
  free(mut);
  free(q);
  free(raw);
  free(p);
  identity_free(other);
  identity_free(id);
}

/* A well-formed file (good checksum) whose secret does not match its card is refused. */
static void test_identity_mismatch(void) {
  char err[256];
  sv_identity *id = seeded("M", SEED1, 1);
  sv_identity *o = seeded("M", SEED2, 1);
  memcpy(id->enc_sk, o->enc_sk, 32); /* wrong secret for the card's enc key */
  char *p = path_in("mismatch.key");
  ASSERT_INT_EQ(identity_save(id, p, err, sizeof err), KEYS_OK);
  sv_identity *back = NULL;
  ASSERT_INT_EQ(identity_load_ex(p, &back, err, sizeof err), KEYS_ERR_FORMAT);
  ASSERT_STR_CONTAINS(err, "do not match");
  free(p);
  identity_free(id);
  identity_free(o);
}

static void test_daemon_file(void) {
  char err[256];
  int st = 0;
  sv_daemon_keys *k = daemon_keys_generate(&st);
  ASSERT(k != NULL);
  ASSERT_INT_EQ(st, KEYS_OK);
  uint8_t pk[32];
  ASSERT_INT_EQ(crypto_scalarmult_base(pk, k->noise_sk), 0);
  ASSERT_MEM_EQ(pk, k->noise_pk, 32);
  ASSERT_MEM_EQ(k->log_sk + 32, k->log_pk, 32);
  char *p = path_in("daemon.key");
  ASSERT_INT_EQ(daemon_keys_save(k, p, err, sizeof err), KEYS_OK);
  struct stat sb;
  ASSERT_INT_EQ(stat(p, &sb), 0);
  ASSERT_INT_EQ(sb.st_mode & 0777, 0600);
  ASSERT_UINT_EQ((size_t)sb.st_size, 142);
  sv_daemon_keys *back = NULL;
  ASSERT_INT_EQ(daemon_keys_load_ex(p, &back, err, sizeof err), KEYS_OK);
  ASSERT_MEM_EQ(back->noise_sk, k->noise_sk, 32);
  ASSERT_MEM_EQ(back->noise_pk, k->noise_pk, 32);
  ASSERT_MEM_EQ(back->log_sk, k->log_sk, 64);
  ASSERT_MEM_EQ(back->log_pk, k->log_pk, 32);
  daemon_keys_free(back);
  ASSERT_INT_EQ(daemon_keys_save(k, p, err, sizeof err), KEYS_ERR_EXISTS);
  ASSERT_INT_EQ(chmod(p, 0640), 0);
  ASSERT_INT_EQ(daemon_keys_load_ex(p, &back, err, sizeof err), KEYS_ERR_PERMS);
  ASSERT_STR_CONTAINS(err, "daemon.key: permissions 0640 are too open");
  ASSERT(daemon_keys_load(p, err, sizeof err) == NULL);
  ASSERT_INT_EQ(chmod(p, 0600), 0);
  size_t flen;
  char *raw = test_read_file(p, &flen);
  char *q = path_in("daemon-corrupt.key");
  uint8_t mut[142];
  for (size_t i = 0; i < flen; i++) {
    memcpy(mut, raw, flen);
    mut[i] ^= 0x20;
    write_bytes(q, mut, flen, 0600);
    ASSERT_INT_EQ(daemon_keys_load_ex(q, &back, err, sizeof err), KEYS_ERR_FORMAT);
  }
  /* An identity file is not a daemon key file. */
  sv_identity *id = seeded("I", SEED1, 1);
  remove(q);
  ASSERT_INT_EQ(identity_save(id, q, err, sizeof err), KEYS_OK);
  ASSERT_INT_EQ(daemon_keys_load_ex(q, &back, err, sizeof err), KEYS_ERR_FORMAT);
  identity_free(id);
  free(raw);
  free(q);
  free(p);
  daemon_keys_free(k);
}

/* A FIFO where a key file should be is refused at once instead of blocking the loader. */
static void test_fifo_refused(void) {
  char err[256];
  char *p = path_in("fifo.key");
  remove(p);
  ASSERT_INT_EQ(mkfifo(p, 0600), 0);
  sv_identity *back = NULL;
  ASSERT_INT_EQ(identity_load_ex(p, &back, err, sizeof err), KEYS_ERR_IO);
  ASSERT_STR_CONTAINS(err, "not a regular file");
  ASSERT(back == NULL);
  remove(p);
  free(p);
}

int main(void) {
  ASSERT(sodium_init() >= 0);
  dir = test_mkdtemp("keys");
  RUN_TEST(test_seed_deterministic);
  RUN_TEST(test_fifo_refused);
  RUN_TEST(test_card_round_trip);
  RUN_TEST(test_card_created_widths);
  RUN_TEST(test_card_non_canonical);
  RUN_TEST(test_card_tamper);
  RUN_TEST(test_names);
  RUN_TEST(test_keyid_fingerprint);
  RUN_TEST(test_card_text);
  RUN_TEST(test_identity_file);
  RUN_TEST(test_identity_mismatch);
  RUN_TEST(test_daemon_file);
  test_rmtree(dir);
  free(dir);
  return 0;
}

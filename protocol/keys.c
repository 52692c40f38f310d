/* keys.c -- member identities, signed member cards and daemon keys, and their files.
 *
 * MEMBER CARD (canonical encoding)
 *   A msgpack map of exactly 7 entries, keys in this order, every value in its shortest
 *   msgpack form (fixstr/str8 for name, bin8 for keys, smallest uint form for created):
 *     {"v": 1, "name": str, "sign": bin 32, "noise": bin 32, "enc": bin 32,
 *      "created": uint, "sig": bin 64}
 *   name: 1..64 bytes of UTF-8 with no control characters (C0, DEL, C1; tab included).
 *   sign: Ed25519 public key; noise: X25519 Noise static public key; enc: X25519 public key
 *   for restricted notes; created: Unix seconds.
 *   sig: Ed25519 (detached) by the "sign" key over
 *     "samvirke-card-v1" 0x00 || canonical encoding of the first 6 entries as a 6-entry map
 *   (i.e. the same bytes without "sig", with map header 0x86 instead of 0x87).
 *   Decoding is strict: any other key order, type, length, non-shortest form, trailing byte,
 *   v != 1, bad name or bad signature is rejected.
 *   card_hash     = SHA-256(canonical encoding including "sig").
 *   card_keyid    = lowercase hex of the first 8 bytes of SHA-256(sign), 16 characters.
 *   card_fingerprint = the first 20 bytes of SHA-256(sign || noise || enc), as 10 groups of
 *                   4 lowercase hex digits separated by single spaces (49 characters), e.g.
 *                   "1f3a 9c0e 77d2 04b8 e915 3c6a 0d4f a2b7 5e81 c0d9".
 *   Text/file form: "samvirke-card-v1 " || base64(canonical encoding, standard alphabet,
 *   padded) || "\n" (a missing final newline or "\r\n" is accepted when reading).
 *
 * KEY FILES (all integers big-endian)
 *   off  len  field
 *   0    5    magic "SVKEY"
 *   5    1    format version, 1
 *   6    1    kind: 1 = member identity, 2 = daemon keys
 *   7    1    number of key entries N (3 for an identity, 2 for daemon keys)
 *   8    ...  N key entries, each: algorithm tag (1 byte), length (u16), secret key bytes
 *               tag 1 = Ed25519 secret key, length 64 (libsodium layout: seed || public key)
 *               tag 2 = X25519 secret key, length 32
 *             identity order: Ed25519 signing key, X25519 Noise key, X25519 encryption key
 *             daemon order:   X25519 Noise static key, Ed25519 audit-log signing key
 *   ...  4+L  identity only: card length L (u32, at most 512), canonical member card
 *   end  32   BLAKE2b-256 (unkeyed) of every byte before it
 *   An identity file is 8+67+35+35+4+L+32 bytes; a daemon key file 8+35+67+32 = 142 bytes.
 *   Files are created with O_EXCL and mode 0600, and refused when group or others have any
 *   permission bit. On load the public keys are derived from the secrets and must match the
 *   card (identity); the card's signature must verify.
 *
 * Deterministic identities (identity_from_seed): crypto_kdf_derive_from_key (BLAKE2b) with
 * context "svident1" and the 32-byte seed as master key: subkey 1 = Ed25519 seed, subkey 2 =
 * X25519 Noise secret, subkey 3 = X25519 encryption secret. */
#include "keys.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define CARD_SIG_CONTEXT "samvirke-card-v1" /* followed by its NUL byte in the signed data */
#define CARD_SIG_CONTEXT_LEN (sizeof CARD_SIG_CONTEXT)   /* 17, including the NUL */
#define CARD_TEXT_PREFIX "samvirke-card-v1 "
#define CARD_ENC_MAX 320 /* upper bound of a canonical card (279 bytes) */
#define CARD_FILE_MAX 512
#define CARD_TEXT_MAX 1024

#define KEYFILE_MAGIC "SVKEY"
#define KEYFILE_VERSION 1
#define KEYFILE_KIND_IDENTITY 1
#define KEYFILE_KIND_DAEMON 2
#define KEYFILE_ALG_ED25519 1
#define KEYFILE_ALG_X25519 2
#define KEYFILE_HDR 8
#define KEYFILE_SUM 32
#define KEYFILE_MAX 4096

#define KDF_CONTEXT "svident1"

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen,
                                                          const char *fmt, ...) {
  if (err == NULL || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- Names ---- */

/* True when name (NUL-terminated within CARD_NAME_MAX+1 bytes) is 1..64 bytes of UTF-8 with
 * no control characters (C0 including tab, DEL, and C1 U+0080..U+009F). */
static bool card_name_ok(const char *name, size_t len) {
  if (len == 0 || len > CARD_NAME_MAX) return false;
  if (!util_utf8_valid(name, len, false)) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == '\t') return false;
    /* C1 controls are encoded as C2 80..C2 9F. */
    if (c == 0xc2 && i + 1 < len && (unsigned char)name[i + 1] <= 0x9f) return false;
  }
  return true;
}

bool card_name_valid(const char *name, size_t len) { return card_name_ok(name, len); }

/* ---- Canonical encoding ---- */

typedef struct {
  uint8_t *p;
  size_t n;
} wbuf;

static void put(wbuf *w, const void *d, size_t n) {
  memcpy(w->p + w->n, d, n);
  w->n += n;
}

static void put_byte(wbuf *w, uint8_t b) { w->p[w->n++] = b; }

static void put_str(wbuf *w, const char *s, size_t n) {
  assert(n <= 255);
  if (n < 32) {
    put_byte(w, (uint8_t)(0xa0 | n));
  } else {
    put_byte(w, 0xd9);
    put_byte(w, (uint8_t)n);
  }
  put(w, s, n);
}

static void put_bin8(wbuf *w, const uint8_t *d, size_t n) {
  assert(n <= 255);
  put_byte(w, 0xc4);
  put_byte(w, (uint8_t)n);
  put(w, d, n);
}

static void put_uint(wbuf *w, uint64_t v) {
  if (v < 128) {
    put_byte(w, (uint8_t)v);
    return;
  }
  int bytes;
  if (v <= UINT8_MAX) {
    put_byte(w, 0xcc);
    bytes = 1;
  } else if (v <= UINT16_MAX) {
    put_byte(w, 0xcd);
    bytes = 2;
  } else if (v <= UINT32_MAX) {
    put_byte(w, 0xce);
    bytes = 4;
  } else {
    put_byte(w, 0xcf);
    bytes = 8;
  }
  for (int i = bytes - 1; i >= 0; i--) put_byte(w, (uint8_t)(v >> (8 * i)));
}

/* Write the canonical encoding of card into out (CARD_ENC_MAX bytes): 7 entries with "sig",
 * or the 6-entry form that is signed. Returns the length, or 0 when the name is invalid. */
static size_t card_encode_buf(const sv_card *card, bool with_sig, uint8_t out[CARD_ENC_MAX]) {
  size_t nlen = strnlen(card->name, sizeof card->name);
  if (nlen == sizeof card->name || !card_name_ok(card->name, nlen)) return 0;
  wbuf w = {out, 0};
  put_byte(&w, with_sig ? 0x87 : 0x86);
  put_str(&w, "v", 1);
  put_uint(&w, 1);
  put_str(&w, "name", 4);
  put_str(&w, card->name, nlen);
  put_str(&w, "sign", 4);
  put_bin8(&w, card->sign_pk, 32);
  put_str(&w, "noise", 5);
  put_bin8(&w, card->noise_pk, 32);
  put_str(&w, "enc", 3);
  put_bin8(&w, card->enc_pk, 32);
  put_str(&w, "created", 7);
  put_uint(&w, card->created);
  if (with_sig) {
    put_str(&w, "sig", 3);
    put_bin8(&w, card->sig, 64);
  }
  assert(w.n <= CARD_ENC_MAX);
  return w.n;
}

/* The signed message: context (with its NUL) || 6-entry encoding. Returns its length or 0. */
static size_t card_signed_msg(const sv_card *card, uint8_t out[CARD_SIG_CONTEXT_LEN + CARD_ENC_MAX]) {
  memcpy(out, CARD_SIG_CONTEXT, CARD_SIG_CONTEXT_LEN);
  size_t n = card_encode_buf(card, false, out + CARD_SIG_CONTEXT_LEN);
  return n ? CARD_SIG_CONTEXT_LEN + n : 0;
}

/* Sign card with sign_sk (which must belong to card->sign_pk), filling card->sig. */
static int card_sign(sv_card *card, const uint8_t sign_sk[64]) {
  uint8_t msg[CARD_SIG_CONTEXT_LEN + CARD_ENC_MAX];
  size_t n = card_signed_msg(card, msg);
  if (n == 0) return KEYS_ERR_NAME;
  crypto_sign_detached(card->sig, NULL, msg, n, sign_sk);
  return KEYS_OK;
}

int card_encode(const sv_card *card, uint8_t **out, size_t *outlen) {
  assert(card != NULL && out != NULL && outlen != NULL);
  *out = NULL;
  *outlen = 0;
  uint8_t buf[CARD_ENC_MAX];
  size_t n = card_encode_buf(card, true, buf);
  if (n == 0) return KEYS_ERR_NAME;
  *out = malloc(n);
  if (*out == NULL) return KEYS_ERR_NOMEM;
  memcpy(*out, buf, n);
  *outlen = n;
  return KEYS_OK;
}

/* ---- Strict decoding ---- */

typedef struct {
  const uint8_t *p;
  size_t n;
} rbuf;

static bool expect(rbuf *r, const void *lit, size_t n) {
  if (r->n < n || memcmp(r->p, lit, n) != 0) return false;
  r->p += n;
  r->n -= n;
  return true;
}

static bool take(rbuf *r, size_t n, const uint8_t **out) {
  if (r->n < n) return false;
  *out = r->p;
  r->p += n;
  r->n -= n;
  return true;
}

/* A fixstr or (for 32..255 bytes) str8; nothing longer is canonical for a name. */
static bool get_str(rbuf *r, const uint8_t **s, size_t *len) {
  const uint8_t *h;
  if (!take(r, 1, &h)) return false;
  if ((*h & 0xe0) == 0xa0) {
    *len = *h & 0x1f;
  } else if (*h == 0xd9) {
    const uint8_t *l;
    if (!take(r, 1, &l) || *l < 32) return false;
    *len = *l;
  } else {
    return false;
  }
  return take(r, *len, s);
}

static bool get_bin8(rbuf *r, uint8_t *out, size_t n) {
  const uint8_t hdr[2] = {0xc4, (uint8_t)n};
  const uint8_t *d;
  if (!expect(r, hdr, 2) || !take(r, n, &d)) return false;
  memcpy(out, d, n);
  return true;
}

/* An unsigned integer in its shortest form. */
static bool get_uint(rbuf *r, uint64_t *v) {
  const uint8_t *h, *d;
  if (!take(r, 1, &h)) return false;
  if (*h < 0x80) {
    *v = *h;
    return true;
  }
  size_t bytes;
  uint64_t min;
  switch (*h) {
    case 0xcc: bytes = 1; min = 0x80; break;
    case 0xcd: bytes = 2; min = 0x100; break;
    case 0xce: bytes = 4; min = 0x10000; break;
    case 0xcf: bytes = 8; min = 0x100000000ull; break;
    default: return false;
  }
  if (!take(r, bytes, &d)) return false;
  *v = 0;
  for (size_t i = 0; i < bytes; i++) *v = *v << 8 | d[i];
  return *v >= min;
}

#define KEY(r, lit) expect((r), lit, sizeof(lit) - 1)

int card_decode(const uint8_t *buf, size_t len, sv_card *card) {
  assert(card != NULL);
  assert(buf != NULL || len == 0);
  memset(card, 0, sizeof *card);
  rbuf r = {buf, len};
  const uint8_t *name;
  size_t nlen;
  uint64_t v;
  int rc = KEYS_ERR_FORMAT;
  if (!KEY(&r, "\x87\xa1v") || !get_uint(&r, &v) || v != 1) goto err;
  if (!KEY(&r, "\xa4name") || !get_str(&r, &name, &nlen)) goto err;
  if (!KEY(&r, "\xa4sign") || !get_bin8(&r, card->sign_pk, 32)) goto err;
  if (!KEY(&r, "\xa5noise") || !get_bin8(&r, card->noise_pk, 32)) goto err;
  if (!KEY(&r, "\xa3" "enc") || !get_bin8(&r, card->enc_pk, 32)) goto err;
  if (!KEY(&r, "\xa7" "created") || !get_uint(&r, &card->created)) goto err;
  if (!KEY(&r, "\xa3sig") || !get_bin8(&r, card->sig, 64)) goto err;
  if (r.n != 0) goto err; /* trailing bytes */
  rc = KEYS_ERR_NAME;
  if (nlen == 0 || nlen > CARD_NAME_MAX) goto err;
  memcpy(card->name, name, nlen);
  card->name[nlen] = '\0';
  if (!card_name_ok(card->name, nlen)) goto err;

  rc = KEYS_ERR_SIGNATURE;
  uint8_t msg[CARD_SIG_CONTEXT_LEN + CARD_ENC_MAX];
  size_t mlen = card_signed_msg(card, msg);
  if (mlen == 0 || crypto_sign_verify_detached(card->sig, msg, mlen, card->sign_pk) != 0) goto err;
  return KEYS_OK;
err:
  memset(card, 0, sizeof *card);
  return rc;
}

int card_hash(const sv_card *card, uint8_t out[32]) {
  assert(card != NULL && out != NULL);
  uint8_t buf[CARD_ENC_MAX];
  size_t n = card_encode_buf(card, true, buf);
  if (n == 0) return KEYS_ERR_NAME;
  crypto_hash_sha256(out, buf, n);
  return KEYS_OK;
}

void card_keyid(const sv_card *card, char out[CARD_KEYID_HEX]) {
  assert(card != NULL && out != NULL);
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, card->sign_pk, sizeof card->sign_pk);
  util_hex(out, h, 8);
}

void card_fingerprint(const sv_card *card, char out[CARD_FINGERPRINT_LEN]) {
  assert(card != NULL && out != NULL);
  crypto_hash_sha256_state st;
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, card->sign_pk, 32);
  crypto_hash_sha256_update(&st, card->noise_pk, 32);
  crypto_hash_sha256_update(&st, card->enc_pk, 32);
  crypto_hash_sha256_final(&st, h);
  static const char hexd[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t g = 0; g < 10; g++) {
    if (g > 0) out[o++] = ' ';
    for (size_t i = 0; i < 2; i++) {
      uint8_t b = h[2 * g + i];
      out[o++] = hexd[b >> 4];
      out[o++] = hexd[b & 15];
    }
  }
  out[o] = '\0';
}

/* ---- Text form ---- */

int card_to_text(const sv_card *card, char **out) {
  assert(card != NULL && out != NULL);
  *out = NULL;
  uint8_t buf[CARD_ENC_MAX];
  size_t n = card_encode_buf(card, true, buf);
  if (n == 0) return KEYS_ERR_NAME;
  char *b64 = util_b64(buf, n);
  if (b64 == NULL) return KEYS_ERR_NOMEM;
  size_t tlen = strlen(CARD_TEXT_PREFIX) + strlen(b64) + 2;
  char *t = malloc(tlen);
  if (t == NULL) {
    free(b64);
    return KEYS_ERR_NOMEM;
  }
  snprintf(t, tlen, "%s%s\n", CARD_TEXT_PREFIX, b64);
  free(b64);
  *out = t;
  return KEYS_OK;
}

int card_from_text(const char *text, sv_card *card) {
  assert(text != NULL && card != NULL);
  memset(card, 0, sizeof *card);
  size_t plen = strlen(CARD_TEXT_PREFIX);
  size_t tlen = strnlen(text, CARD_TEXT_MAX + 1);
  if (tlen > CARD_TEXT_MAX || strncmp(text, CARD_TEXT_PREFIX, plen) != 0) return KEYS_ERR_FORMAT;
  const char *b = text + plen;
  size_t blen = tlen - plen;
  if (blen >= 1 && b[blen - 1] == '\n') blen--;
  if (blen >= 1 && b[blen - 1] == '\r' && blen < tlen - plen) blen--;
  if (blen == 0) return KEYS_ERR_FORMAT;
  /* Only the base64 alphabet: libsodium 1.0.18 decodes some bytes >= 0x80 as if they were
   * base64 characters, which would give one card several text forms. */
  for (size_t i = 0; i < blen; i++) {
    char c = b[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '+' || c == '/' || c == '='))
      return KEYS_ERR_FORMAT;
  }
  size_t n = 0;
  uint8_t *bin = util_unb64(b, blen, &n);
  if (bin == NULL) return KEYS_ERR_FORMAT;
  int rc = card_decode(bin, n, card);
  free(bin);
  return rc;
}

int card_write_file(const sv_card *card, const char *path, char *err, size_t errlen) {
  assert(card != NULL && path != NULL);
  char *text = NULL;
  int rc = card_to_text(card, &text);
  if (rc != KEYS_OK) {
    set_err(err, errlen, "%s: cannot encode card (invalid name)", path);
    return rc;
  }
  if (util_write_file(path, text, strlen(text), 0644) != 0) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    free(text);
    return KEYS_ERR_IO;
  }
  free(text);
  return KEYS_OK;
}

int card_read_file(const char *path, sv_card *card, char *err, size_t errlen) {
  assert(path != NULL && card != NULL);
  memset(card, 0, sizeof *card);
  size_t len = 0;
  uint8_t *buf = util_read_file(path, CARD_TEXT_MAX, &len);
  if (buf == NULL) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    return KEYS_ERR_IO;
  }
  int rc = KEYS_ERR_FORMAT;
  if (strlen((const char *)buf) == len) rc = card_from_text((const char *)buf, card);
  free(buf);
  switch (rc) {
    case KEYS_OK: break;
    case KEYS_ERR_SIGNATURE:
      set_err(err, errlen, "%s: member card signature does not verify", path);
      break;
    case KEYS_ERR_NAME: set_err(err, errlen, "%s: member card has an invalid name", path); break;
    default: set_err(err, errlen, "%s: not a valid samvirke member card", path); break;
  }
  return rc;
}

/* ---- Identities ---- */

sv_identity *identity_from_seed(const char *name, const uint8_t seed[32], uint64_t created,
                                int *status) {
  assert(name != NULL && seed != NULL);
  int rc = KEYS_ERR_NOMEM;
  sv_identity *id = NULL;
  uint8_t edseed[crypto_sign_SEEDBYTES];
  size_t nlen = strnlen(name, CARD_NAME_MAX + 1);
  if (!card_name_ok(name, nlen)) {
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

/* ---- Key files: writing ---- */

static void put_be16(wbuf *w, uint16_t v) {
  put_byte(w, (uint8_t)(v >> 8));
  put_byte(w, (uint8_t)v);
}

static void put_be32(wbuf *w, uint32_t v) {
  for (int i = 3; i >= 0; i--) put_byte(w, (uint8_t)(v >> (8 * i)));
}

static void put_key(wbuf *w, uint8_t alg, const uint8_t *k, uint16_t len) {
  put_byte(w, alg);
  put_be16(w, len);
  put(w, k, len);
}

/* Create path with O_EXCL and mode 0600, write data, fsync. On failure nothing is left
 * behind (except for KEYS_ERR_EXISTS, where the existing file is untouched). */
static int keyfile_write(const char *path, const uint8_t *data, size_t len, char *err,
                         size_t errlen) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      set_err(err, errlen, "%s: already exists; refusing to overwrite a key file", path);
      return KEYS_ERR_EXISTS;
    }
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    return KEYS_ERR_IO;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      goto err;
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0) goto err;
  if (close(fd) != 0) {
    fd = -1;
    goto err;
  }
  return KEYS_OK;
err:
  {
    int saved = errno;
    if (fd >= 0) close(fd);
    unlink(path);
    set_err(err, errlen, "%s: %s", path, strerror(saved));
  }
  return KEYS_ERR_IO;
}

/* Append the BLAKE2b-256 checksum of w's bytes. */
static void put_checksum(wbuf *w) {
  uint8_t sum[KEYFILE_SUM];
  crypto_generichash(sum, sizeof sum, w->p, w->n, NULL, 0);
  put(w, sum, sizeof sum);
}

/* Start a key file of kind with nkeys key entries: w gets a sodium_malloc'd buffer of
 * KEYFILE_MAX bytes holding the header. Returns KEYS_OK, or KEYS_ERR_NOMEM (with err when
 * the allocation failed). The caller finishes with keyfile_finish. */
static int keyfile_begin(wbuf *w, unsigned kind, unsigned nkeys, const char *path, char *err,
                         size_t errlen) {
  if (sodium_init() < 0) return KEYS_ERR_NOMEM;
  uint8_t *buf = sodium_malloc(KEYFILE_MAX);
  if (buf == NULL) {
    set_err(err, errlen, "%s: out of memory", path);
    return KEYS_ERR_NOMEM;
  }
  w->p = buf;
  w->n = 0;
  put(w, KEYFILE_MAGIC, 5);
  put_byte(w, KEYFILE_VERSION);
  put_byte(w, (uint8_t)kind);
  put_byte(w, (uint8_t)nkeys);
  return KEYS_OK;
}

/* Append the checksum to w, write it to path (keyfile_write), then wipe and free w's buffer.
 * Returns keyfile_write's status. */
static int keyfile_finish(wbuf *w, const char *path, char *err, size_t errlen) {
  put_checksum(w);
  int rc = keyfile_write(path, w->p, w->n, err, errlen);
  sodium_memzero(w->p, KEYFILE_MAX);
  sodium_free(w->p);
  w->p = NULL;
  return rc;
}

int identity_save(const sv_identity *id, const char *path, char *err, size_t errlen) {
  assert(id != NULL && path != NULL);
  uint8_t card[CARD_ENC_MAX];
  size_t clen = card_encode_buf(&id->card, true, card);
  if (clen == 0) {
    set_err(err, errlen, "%s: identity card has an invalid name", path);
    return KEYS_ERR_NAME;
  }
  wbuf w;
  int rc = keyfile_begin(&w, KEYFILE_KIND_IDENTITY, 3, path, err, errlen);
  if (rc != KEYS_OK) return rc;
  put_key(&w, KEYFILE_ALG_ED25519, id->sign_sk, 64);
  put_key(&w, KEYFILE_ALG_X25519, id->noise_sk, 32);
  put_key(&w, KEYFILE_ALG_X25519, id->enc_sk, 32);
  put_be32(&w, (uint32_t)clen);
  put(&w, card, clen);
  return keyfile_finish(&w, path, err, errlen);
}

/* ---- Key files: reading ---- */

/* Open and read a key file into a sodium_malloc'd buffer (caller wipes and frees), after
 * checking that it is a regular file that group and others cannot access. */
static int keyfile_read(const char *path, uint8_t **out, size_t *outlen, char *err,
                        size_t errlen) {
  *out = NULL;
  *outlen = 0;
  uint8_t *buf = NULL;
  int rc = KEYS_ERR_IO;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    return KEYS_ERR_IO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    goto err;
  }
  if (!S_ISREG(st.st_mode)) {
    set_err(err, errlen, "%s: not a regular file", path);
    goto err;
  }
  if (st.st_mode & 077) {
    set_err(err, errlen,
            "%s: permissions %04o are too open; key files must not be readable by group or "
            "others (chmod 600)",
            path, (unsigned)(st.st_mode & 07777));
    rc = KEYS_ERR_PERMS;
    goto err;
  }
  rc = KEYS_ERR_NOMEM;
  if (sodium_init() < 0 || (buf = sodium_malloc(KEYFILE_MAX + 1)) == NULL) {
    set_err(err, errlen, "%s: out of memory", path);
    goto err;
  }
  size_t n = 0;
  for (;;) {
    ssize_t got = read(fd, buf + n, KEYFILE_MAX + 1 - n);
    if (got < 0) {
      if (errno == EINTR) continue;
      rc = KEYS_ERR_IO;
      set_err(err, errlen, "%s: %s", path, strerror(errno));
      goto err;
    }
    if (got == 0) break;
    n += (size_t)got;
    if (n > KEYFILE_MAX) {
      rc = KEYS_ERR_FORMAT;
      set_err(err, errlen, "%s: too large for a key file", path);
      goto err;
    }
  }
  close(fd);
  *out = buf;
  *outlen = n;
  return KEYS_OK;
err:
  if (buf != NULL) {
    sodium_memzero(buf, KEYFILE_MAX + 1);
    sodium_free(buf);
  }
  close(fd);
  return rc;
}

static const char *kind_name(unsigned kind) {
  switch (kind) {
    case KEYFILE_KIND_IDENTITY: return "a member identity";
    case KEYFILE_KIND_DAEMON: return "daemon keys";
    default: return "an unknown kind";
  }
}

/* Check the envelope of a key file (magic, version, kind, entry count, checksum) and return a
 * reader positioned on the first key entry with the checksum excluded. */
static int keyfile_open(const uint8_t *buf, size_t n, unsigned kind, unsigned nkeys, rbuf *r,
                        const char *path, char *err, size_t errlen) {
  if (n < KEYFILE_HDR + KEYFILE_SUM || memcmp(buf, KEYFILE_MAGIC, 5) != 0) {
    set_err(err, errlen, "%s: not a samvirke key file", path);
    return KEYS_ERR_FORMAT;
  }
  if (buf[5] != KEYFILE_VERSION) {
    set_err(err, errlen, "%s: unsupported key file version %u", path, buf[5]);
    return KEYS_ERR_FORMAT;
  }
  if (buf[6] != kind) {
    set_err(err, errlen, "%s: holds %s, expected %s", path, kind_name(buf[6]), kind_name(kind));
    return KEYS_ERR_FORMAT;
  }
  uint8_t sum[KEYFILE_SUM];
  crypto_generichash(sum, sizeof sum, buf, n - KEYFILE_SUM, NULL, 0);
  if (sodium_memcmp(sum, buf + n - KEYFILE_SUM, KEYFILE_SUM) != 0) {
    set_err(err, errlen, "%s: checksum mismatch (file damaged)", path);
    return KEYS_ERR_FORMAT;
  }
  if (buf[7] != nkeys) {
    set_err(err, errlen, "%s: expected %u keys, found %u", path, nkeys, buf[7]);
    return KEYS_ERR_FORMAT;
  }
  r->p = buf + KEYFILE_HDR;
  r->n = n - KEYFILE_HDR - KEYFILE_SUM;
  return KEYS_OK;
}

/* Wipe and free a buffer from keyfile_read (NULL is a no-op). */
static void keyfile_release(uint8_t *buf) {
  if (buf == NULL) return;
  sodium_memzero(buf, KEYFILE_MAX + 1);
  sodium_free(buf);
}

/* Read path (keyfile_read) and check its envelope for kind and nkeys (keyfile_open); then
 * allocate size zeroed bytes of sodium memory for the keys in *keys. On KEYS_OK *buf holds the
 * file (the caller releases it with keyfile_release) and r reads its key entries; otherwise
 * nothing is left allocated and err says why. */
static int keyfile_load(const char *path, unsigned kind, unsigned nkeys, size_t size,
                        uint8_t **buf, rbuf *r, void **keys, char *err, size_t errlen) {
  size_t n = 0;
  *keys = NULL;
  int rc = keyfile_read(path, buf, &n, err, errlen);
  if (rc != KEYS_OK) return rc;
  rc = keyfile_open(*buf, n, kind, nkeys, r, path, err, errlen);
  if (rc == KEYS_OK && (*keys = sodium_malloc(size)) == NULL) {
    set_err(err, errlen, "%s: out of memory", path);
    rc = KEYS_ERR_NOMEM;
  }
  if (rc != KEYS_OK) {
    keyfile_release(*buf);
    *buf = NULL;
    return rc;
  }
  memset(*keys, 0, size);
  return KEYS_OK;
}

/* Read one key entry that must have algorithm alg and length len into out. */
static bool get_key(rbuf *r, uint8_t alg, uint8_t *out, uint16_t len) {
  const uint8_t hdr[3] = {alg, (uint8_t)(len >> 8), (uint8_t)len};
  const uint8_t *d;
  if (!expect(r, hdr, 3) || !take(r, len, &d)) return false;
  memcpy(out, d, len);
  return true;
}

/* True when the Ed25519 secret key sk (seed || pk) is consistent, with pk copied to pk_out. */
static bool ed25519_sk_ok(const uint8_t sk[64], uint8_t pk_out[32]) {
  uint8_t pk[32], sk2[64];
  crypto_sign_seed_keypair(pk, sk2, sk);
  bool ok = sodium_memcmp(sk2, sk, 64) == 0;
  sodium_memzero(sk2, sizeof sk2);
  memcpy(pk_out, pk, 32);
  return ok;
}

int identity_load_ex(const char *path, sv_identity **out, char *err, size_t errlen) {
  assert(path != NULL && out != NULL);
  *out = NULL;
  uint8_t *buf = NULL;
  rbuf r;
  void *mem = NULL;
  int rc = keyfile_load(path, KEYFILE_KIND_IDENTITY, 3, sizeof(sv_identity), &buf, &r, &mem,
                        err, errlen);
  if (rc != KEYS_OK) return rc;
  sv_identity *id = mem;
  rc = KEYS_ERR_FORMAT;
  const uint8_t *lenb, *card;
  if (!get_key(&r, KEYFILE_ALG_ED25519, id->sign_sk, 64) ||
      !get_key(&r, KEYFILE_ALG_X25519, id->noise_sk, 32) ||
      !get_key(&r, KEYFILE_ALG_X25519, id->enc_sk, 32) || !take(&r, 4, &lenb)) {
    set_err(err, errlen, "%s: bad key entry (algorithm tag or length)", path);
    goto err;
  }
  uint32_t clen = (uint32_t)lenb[0] << 24 | (uint32_t)lenb[1] << 16 | (uint32_t)lenb[2] << 8 |
                  lenb[3];
  if (clen > CARD_FILE_MAX || clen != r.n || !take(&r, clen, &card)) {
    set_err(err, errlen, "%s: bad member card length", path);
    goto err;
  }
  rc = card_decode(card, clen, &id->card);
  if (rc != KEYS_OK) {
    set_err(err, errlen, "%s: invalid member card (%s)", path,
            rc == KEYS_ERR_SIGNATURE ? "signature does not verify" : "bad encoding");
    goto err;
  }
  uint8_t pk[32];
  bool match = ed25519_sk_ok(id->sign_sk, pk) && memcmp(pk, id->card.sign_pk, 32) == 0 &&
               crypto_scalarmult_base(pk, id->noise_sk) == 0 &&
               memcmp(pk, id->card.noise_pk, 32) == 0 &&
               crypto_scalarmult_base(pk, id->enc_sk) == 0 && memcmp(pk, id->card.enc_pk, 32) == 0;
  if (!match) {
    rc = KEYS_ERR_FORMAT;
    set_err(err, errlen, "%s: secret keys do not match the member card", path);
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

/* ---- Daemon keys ---- */

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
  wbuf w;
  int rc = keyfile_begin(&w, KEYFILE_KIND_DAEMON, 2, path, err, errlen);
  if (rc != KEYS_OK) return rc;
  put_key(&w, KEYFILE_ALG_X25519, k->noise_sk, 32);
  put_key(&w, KEYFILE_ALG_ED25519, k->log_sk, 64);
  return keyfile_finish(&w, path, err, errlen);
}

int daemon_keys_load_ex(const char *path, sv_daemon_keys **out, char *err, size_t errlen) {
  assert(path != NULL && out != NULL);
  *out = NULL;
  uint8_t *buf = NULL;
  rbuf r;
  void *mem = NULL;
  int rc = keyfile_load(path, KEYFILE_KIND_DAEMON, 2, sizeof(sv_daemon_keys), &buf, &r, &mem,
                        err, errlen);
  if (rc != KEYS_OK) return rc;
  sv_daemon_keys *k = mem;
  rc = KEYS_ERR_FORMAT;
  if (!get_key(&r, KEYFILE_ALG_X25519, k->noise_sk, 32) ||
      !get_key(&r, KEYFILE_ALG_ED25519, k->log_sk, 64) || r.n != 0) {
    set_err(err, errlen, "%s: bad key entry (algorithm tag or length)", path);
    goto err;
  }
  if (crypto_scalarmult_base(k->noise_pk, k->noise_sk) != 0 ||
      !ed25519_sk_ok(k->log_sk, k->log_pk)) {
    set_err(err, errlen, "%s: inconsistent secret keys", path);
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

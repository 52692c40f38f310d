/* card.c -- the signed member card: canonical encoding, strict decoding, hash, key id,
 * fingerprint, text and file form (format in card.h). */
#include "card.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "util.h"

#define CARD_SIG_CONTEXT "samvirke-card-v1" /* followed by its NUL byte in the signed data */
#define CARD_SIG_CONTEXT_LEN (sizeof CARD_SIG_CONTEXT)   /* 17, including the NUL */
#define CARD_TEXT_PREFIX "samvirke-card-v1 "
#define CARD_TEXT_MAX 1024

/* ---- Names ---- */

/* True when name (NUL-terminated within CARD_NAME_MAX+1 bytes) is 1..64 bytes of UTF-8 with
 * no control characters (C0 including tab, DEL, and C1 U+0080..U+009F). */
bool card_name_valid(const char *name, size_t len) {
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

/* ---- Canonical encoding ---- */

static void put_str(bytebuf_w *w, const char *s, size_t n) {
  assert(n <= 255);
  if (n < 32) {
    bytebuf_put_byte(w, (uint8_t)(0xa0 | n));
  } else {
    bytebuf_put_byte(w, 0xd9);
    bytebuf_put_byte(w, (uint8_t)n);
  }
  bytebuf_put(w, s, n);
}

static void put_bin8(bytebuf_w *w, const uint8_t *d, size_t n) {
  assert(n <= 255);
  bytebuf_put_byte(w, 0xc4);
  bytebuf_put_byte(w, (uint8_t)n);
  bytebuf_put(w, d, n);
}

static void put_uint(bytebuf_w *w, uint64_t v) {
  if (v < 128) {
    bytebuf_put_byte(w, (uint8_t)v);
    return;
  }
  int bytes;
  if (v <= UINT8_MAX) {
    bytebuf_put_byte(w, 0xcc);
    bytes = 1;
  } else if (v <= UINT16_MAX) {
    bytebuf_put_byte(w, 0xcd);
    bytes = 2;
  } else if (v <= UINT32_MAX) {
    bytebuf_put_byte(w, 0xce);
    bytes = 4;
  } else {
    bytebuf_put_byte(w, 0xcf);
    bytes = 8;
  }
  for (int i = bytes - 1; i >= 0; i--) bytebuf_put_byte(w, (uint8_t)(v >> (8 * i)));
}

/* Write the canonical encoding of card into out (CARD_ENC_MAX bytes): 7 entries with "sig",
 * or the 6-entry form that is signed. Returns the length, or 0 when the name is invalid. */
static size_t card_encode_map(const sv_card *card, bool with_sig, uint8_t out[CARD_ENC_MAX]) {
  size_t nlen = strnlen(card->name, sizeof card->name);
  if (nlen == sizeof card->name || !card_name_valid(card->name, nlen)) return 0;
  bytebuf_w w = {out, 0};
  bytebuf_put_byte(&w, with_sig ? 0x87 : 0x86);
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
static size_t card_signed_msg(const sv_card *card,
                              uint8_t out[CARD_SIG_CONTEXT_LEN + CARD_ENC_MAX]) {
  memcpy(out, CARD_SIG_CONTEXT, CARD_SIG_CONTEXT_LEN);
  size_t n = card_encode_map(card, false, out + CARD_SIG_CONTEXT_LEN);
  return n ? CARD_SIG_CONTEXT_LEN + n : 0;
}

size_t card_encode_into(const sv_card *card, uint8_t out[CARD_ENC_MAX]) {
  assert(card != NULL && out != NULL);
  return card_encode_map(card, true, out);
}

int card_sign(sv_card *card, const uint8_t sign_sk[64]) {
  assert(card != NULL && sign_sk != NULL);
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
  size_t n = card_encode_into(card, buf);
  if (n == 0) return KEYS_ERR_NAME;
  *out = malloc(n);
  if (*out == NULL) return KEYS_ERR_NOMEM;
  memcpy(*out, buf, n);
  *outlen = n;
  return KEYS_OK;
}

/* ---- Strict decoding ---- */

/* A fixstr or (for 32..255 bytes) str8; nothing longer is canonical for a name. */
static bool get_str(bytebuf_r *r, const uint8_t **s, size_t *len) {
  const uint8_t *h;
  if (!bytebuf_take(r, 1, &h)) return false;
  if ((*h & 0xe0) == 0xa0) {
    *len = *h & 0x1f;
  } else if (*h == 0xd9) {
    const uint8_t *l;
    if (!bytebuf_take(r, 1, &l) || *l < 32) return false;
    *len = *l;
  } else {
    return false;
  }
  return bytebuf_take(r, *len, s);
}

static bool get_bin8(bytebuf_r *r, uint8_t *out, size_t n) {
  const uint8_t hdr[2] = {0xc4, (uint8_t)n};
  const uint8_t *d;
  if (!bytebuf_expect(r, hdr, 2) || !bytebuf_take(r, n, &d)) return false;
  memcpy(out, d, n);
  return true;
}

/* An unsigned integer in its shortest form. */
static bool get_uint(bytebuf_r *r, uint64_t *v) {
  const uint8_t *h, *d;
  if (!bytebuf_take(r, 1, &h)) return false;
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
  if (!bytebuf_take(r, bytes, &d)) return false;
  *v = 0;
  for (size_t i = 0; i < bytes; i++) *v = *v << 8 | d[i];
  return *v >= min;
}

#define KEY(r, lit) bytebuf_expect((r), lit, sizeof(lit) - 1)

int card_decode(const uint8_t *buf, size_t len, sv_card *card) {
  assert(card != NULL);
  assert(buf != NULL || len == 0);
  memset(card, 0, sizeof *card);
  bytebuf_r r = {buf, len};
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
  if (!card_name_valid(card->name, nlen)) goto err;

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
  size_t n = card_encode_into(card, buf);
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
  size_t n = card_encode_into(card, buf);
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
    keys_set_err(err, errlen, "%s: cannot encode card (invalid name)", path);
    return rc;
  }
  if (util_write_file(path, text, strlen(text), 0644) != 0) {
    keys_set_err(err, errlen, "%s: %s", path, strerror(errno));
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
    keys_set_err(err, errlen, "%s: %s", path, strerror(errno));
    return KEYS_ERR_IO;
  }
  int rc = KEYS_ERR_FORMAT;
  if (strlen((const char *)buf) == len) rc = card_from_text((const char *)buf, card);
  free(buf);
  switch (rc) {
    case KEYS_OK: break;
    case KEYS_ERR_SIGNATURE:
      keys_set_err(err, errlen, "%s: member card signature does not verify", path);
      break;
    case KEYS_ERR_NAME:
      keys_set_err(err, errlen, "%s: member card has an invalid name", path);
      break;
    default: keys_set_err(err, errlen, "%s: not a valid samvirke member card", path); break;
  }
  return rc;
}


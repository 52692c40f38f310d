/* signed_note.c -- C2SP signed-note with Ed25519 keys: key strings, signing, verification. */
#include "signed_note.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char sig_prefix[] = "\xe2\x80\x94 "; /* U+2014 EM DASH, space */
#define SIG_PREFIX_LEN 4
#define VKEY_B64_LEN 44 /* base64 of 33 bytes */
#define SIG_B64_LEN 92  /* base64 of 4 + 64 bytes */

const char *note_strerror(int status) {
  switch (status) {
    case NOTE_OK: return "ok";
    case NOTE_ERR_FORMAT: return "malformed key or note";
    case NOTE_ERR_NAME: return "invalid key name";
    case NOTE_ERR_KEYID: return "key id does not match key";
    case NOTE_ERR_ALG: return "unsupported key type";
    case NOTE_ERR_SIGNATURE: return "invalid signature by a known key";
    case NOTE_ERR_UNVERIFIED: return "no signature by a known key";
    case NOTE_ERR_NOMEM: return "out of memory";
    default: return "unknown error";
  }
}

/* Decode one UTF-8 code point at s[0..len). Returns its byte length, or 0 if the bytes are
 * not well-formed UTF-8 (overlong forms, surrogates and values above U+10FFFF rejected). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
  size_t n;
  uint32_t c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    n = 2;
    c &= 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    c &= 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    c &= 0x07;
  } else {
    return 0;
  }
  if (n > len) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3f);
  }
  if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000)) return 0;
  if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) return 0;
  *cp = c;
  return n;
}

/* Unicode White_Space (what Go's unicode.IsSpace accepts). */
static bool is_unicode_space(uint32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

bool note_text_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    uint32_t c;
    size_t n = utf8_decode(p + i, len - i, &c);
    if (n == 0) return false;
    if (c < 0x20 && c != '\n') return false;
    i += n;
  }
  return true;
}

bool note_name_valid(const char *name, size_t len) {
  const unsigned char *p = (const unsigned char *)name;
  if (name == NULL || len == 0 || len > NOTE_NAME_MAX) return false;
  size_t i = 0;
  while (i < len) {
    uint32_t c;
    size_t n = utf8_decode(p + i, len - i, &c);
    if (n == 0) return false;
    if (c == '+' || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || is_unicode_space(c))
      return false;
    i += n;
  }
  return true;
}

uint32_t note_key_id(const char *name, size_t namelen, const uint8_t pk[32]) {
  static const uint8_t sep[2] = {'\n', NOTE_ALG_ED25519};
  crypto_hash_sha256_state st;
  uint8_t h[32];
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const uint8_t *)name, namelen);
  crypto_hash_sha256_update(&st, sep, sizeof sep);
  crypto_hash_sha256_update(&st, pk, 32);
  crypto_hash_sha256_final(&st, h);
  return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int note_unb64(const char *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen) {
  assert(in != NULL || inlen == 0);
  assert(outlen != NULL);
  *outlen = 0;
  if (inlen % 4 != 0) return -1;
  /* Check the alphabet first: libsodium 1.0.18 decodes every byte >= 0x80 as '/'. */
  size_t pad = 0;
  for (size_t i = 0; i < inlen; i++) {
    char c = in[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/';
    if (c == '=' && i + 2 >= inlen) {
      pad++;
    } else if (!alpha || pad > 0) {
      return -1;
    }
  }
  if (inlen / 4 * 3 - pad > outcap) return -1;
  const char *end = NULL;
  if (sodium_base642bin(out, outcap, in, inlen, NULL, outlen, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != in + inlen)
    return -1;
  return 0;
}

/* Decode canonical padded base64 of exactly outlen bytes from in[0..inlen). 0 or -1. */
static int b64_exact(uint8_t *out, size_t outlen, const char *in, size_t inlen) {
  size_t got = 0;
  if (note_unb64(in, inlen, out, outlen, &got) != 0) return -1;
  return got == outlen ? 0 : -1;
}

/* Parse exactly 8 lowercase hex digits. */
static int parse_hex_id(const char *s, size_t len, uint32_t *out) {
  uint32_t v = 0;
  if (len != 8) return -1;
  for (size_t i = 0; i < 8; i++) {
    char c = s[i];
    uint32_t d;
    if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
    else return -1;
    v = v << 4 | d;
  }
  *out = v;
  return 0;
}

int note_verifier_init(note_verifier *v, const char *name, const uint8_t pk[32]) {
  assert(v != NULL && name != NULL && pk != NULL);
  size_t len = strlen(name);
  memset(v, 0, sizeof *v);
  if (!note_name_valid(name, len)) return NOTE_ERR_NAME;
  memcpy(v->name, name, len);
  memcpy(v->pk, pk, 32);
  v->key_id = note_key_id(name, len, pk);
  return NOTE_OK;
}

/* Split "name+hexid+b64" (len bytes) and check name, id syntax and key type; decodes the key
 * material into key[32]. Shared by verifier and signer parsing. */
static int parse_key_fields(const char *s, size_t len, char name[NOTE_NAME_MAX + 1],
                            uint32_t *id, uint8_t key[32]) {
  const char *p1 = memchr(s, '+', len);
  if (p1 == NULL) return NOTE_ERR_FORMAT;
  size_t namelen = (size_t)(p1 - s);
  const char *hex = p1 + 1;
  const char *p2 = memchr(hex, '+', len - namelen - 1);
  if (p2 == NULL) return NOTE_ERR_FORMAT;
  const char *b64 = p2 + 1;
  size_t b64len = len - (size_t)(b64 - s);
  if (!note_name_valid(s, namelen)) return NOTE_ERR_NAME;
  if (parse_hex_id(hex, (size_t)(p2 - hex), id) != 0) return NOTE_ERR_FORMAT;
  /* sodium_malloc aborts unless libsodium is initialised; callers need not do it. */
  if (sodium_init() < 0) return NOTE_ERR_NOMEM;
  uint8_t *raw = sodium_malloc(33);
  if (raw == NULL) return NOTE_ERR_NOMEM;
  int rc = NOTE_OK;
  if (b64_exact(raw, 33, b64, b64len) != 0) {
    rc = NOTE_ERR_FORMAT;
    goto err;
  }
  if (raw[0] != NOTE_ALG_ED25519) {
    rc = NOTE_ERR_ALG;
    goto err;
  }
  memcpy(key, raw + 1, 32);
  memcpy(name, s, namelen);
  name[namelen] = '\0';
err:
  sodium_free(raw); /* wipes */
  return rc;
}

int note_verifier_parse(const char *vkey, size_t len, note_verifier *v) {
  assert(vkey != NULL && v != NULL);
  note_verifier tmp;
  memset(&tmp, 0, sizeof tmp);
  memset(v, 0, sizeof *v);
  int rc = parse_key_fields(vkey, len, tmp.name, &tmp.key_id, tmp.pk);
  if (rc != NOTE_OK) return rc;
  if (note_key_id(tmp.name, strlen(tmp.name), tmp.pk) != tmp.key_id) return NOTE_ERR_KEYID;
  *v = tmp;
  return NOTE_OK;
}

int note_verifier_format(const note_verifier *v, char **out) {
  assert(v != NULL && out != NULL);
  uint8_t raw[33];
  raw[0] = NOTE_ALG_ED25519;
  memcpy(raw + 1, v->pk, 32);
  char *b64 = util_b64(raw, sizeof raw);
  *out = NULL;
  if (b64 == NULL) return NOTE_ERR_NOMEM;
  size_t n = strlen(v->name) + 1 + 8 + 1 + strlen(b64) + 1;
  char *s = malloc(n);
  if (s == NULL) {
    free(b64);
    return NOTE_ERR_NOMEM;
  }
  snprintf(s, n, "%s+%08x+%s", v->name, (unsigned)v->key_id, b64);
  free(b64);
  *out = s;
  return NOTE_OK;
}

note_signer *note_signer_from_seed(const char *name, const uint8_t seed[32], int *status) {
  assert(name != NULL && seed != NULL);
  int rc = NOTE_OK;
  note_signer *s = sodium_init() < 0 ? NULL : sodium_malloc(sizeof *s);
  if (s == NULL) {
    rc = NOTE_ERR_NOMEM;
    goto err;
  }
  uint8_t pk[32];
  crypto_sign_seed_keypair(pk, s->sk, seed);
  rc = note_verifier_init(&s->pub, name, pk);
  if (rc != NOTE_OK) goto err;
  if (status) *status = NOTE_OK;
  return s;
err:
  note_signer_free(s);
  if (status) *status = rc;
  return NULL;
}

note_signer *note_signer_parse(const char *skey, size_t len, int *status) {
  static const char prefix[] = "PRIVATE+KEY+";
  const size_t plen = sizeof prefix - 1;
  assert(skey != NULL);
  int rc = NOTE_OK;
  note_signer *s = NULL;
  uint8_t *seed = sodium_init() < 0 ? NULL : sodium_malloc(32);
  if (seed == NULL) {
    rc = NOTE_ERR_NOMEM;
    goto err;
  }
  if (len < plen || memcmp(skey, prefix, plen) != 0) {
    rc = NOTE_ERR_FORMAT;
    goto err;
  }
  char name[NOTE_NAME_MAX + 1];
  uint32_t id;
  rc = parse_key_fields(skey + plen, len - plen, name, &id, seed);
  if (rc != NOTE_OK) goto err;
  s = note_signer_from_seed(name, seed, &rc);
  if (s == NULL) goto err;
  if (s->pub.key_id != id) {
    rc = NOTE_ERR_KEYID;
    goto err;
  }
  sodium_free(seed);
  if (status) *status = NOTE_OK;
  return s;
err:
  sodium_free(seed);
  note_signer_free(s);
  if (status) *status = rc;
  return NULL;
}

int note_signer_format(const note_signer *s, char *out, size_t outcap) {
  assert(s != NULL && out != NULL);
  size_t b64cap = sodium_base64_ENCODED_LEN(33, sodium_base64_VARIANT_ORIGINAL);
  size_t need = strlen("PRIVATE+KEY+") + strlen(s->pub.name) + 1 + 8 + 1 + b64cap;
  if (outcap < need) return NOTE_ERR_NOMEM;
  int n = snprintf(out, outcap, "PRIVATE+KEY+%s+%08x+", s->pub.name, (unsigned)s->pub.key_id);
  assert(n > 0 && (size_t)n + b64cap <= outcap);
  uint8_t *raw = sodium_init() < 0 ? NULL : sodium_malloc(33);
  if (raw == NULL) return NOTE_ERR_NOMEM;
  raw[0] = NOTE_ALG_ED25519;
  memcpy(raw + 1, s->sk, 32); /* the seed half */
  sodium_bin2base64(out + n, outcap - (size_t)n, raw, 33, sodium_base64_VARIANT_ORIGINAL);
  sodium_free(raw);
  return NOTE_OK;
}

void note_signer_free(note_signer *s) {
  if (s != NULL) sodium_free(s); /* sodium_free wipes the allocation */
}

int note_sign(const char *text, size_t len, const note_signer *const *signers, size_t nsigners,
              char **out, size_t *outlen) {
  assert(text != NULL && out != NULL && outlen != NULL);
  assert(signers != NULL || nsigners == 0);
  *out = NULL;
  *outlen = 0;
  if (len == 0 || text[len - 1] != '\n' || !note_text_valid(text, len)) return NOTE_ERR_FORMAT;
  if (nsigners == 0 || nsigners > NOTE_MAX_SIGS) return NOTE_ERR_FORMAT;
  size_t cap = len + 1;
  for (size_t i = 0; i < nsigners; i++) {
    if (!note_name_valid(signers[i]->pub.name, strlen(signers[i]->pub.name)))
      return NOTE_ERR_NAME;
    cap += SIG_PREFIX_LEN + strlen(signers[i]->pub.name) + 1 + SIG_B64_LEN + 1;
  }
  char *buf = malloc(cap + 1);
  if (buf == NULL) return NOTE_ERR_NOMEM;
  memcpy(buf, text, len);
  size_t pos = len;
  buf[pos++] = '\n';
  for (size_t i = 0; i < nsigners; i++) {
    const note_signer *s = signers[i];
    uint8_t sig[68];
    sig[0] = (uint8_t)(s->pub.key_id >> 24);
    sig[1] = (uint8_t)(s->pub.key_id >> 16);
    sig[2] = (uint8_t)(s->pub.key_id >> 8);
    sig[3] = (uint8_t)s->pub.key_id;
    crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, len, s->sk);
    size_t nl = strlen(s->pub.name);
    memcpy(buf + pos, sig_prefix, SIG_PREFIX_LEN);
    pos += SIG_PREFIX_LEN;
    memcpy(buf + pos, s->pub.name, nl);
    pos += nl;
    buf[pos++] = ' ';
    sodium_bin2base64(buf + pos, SIG_B64_LEN + 1, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    pos += SIG_B64_LEN;
    buf[pos++] = '\n';
  }
  assert(pos == cap);
  buf[pos] = '\0';
  *out = buf;
  *outlen = pos;
  return NOTE_OK;
}

/* Last occurrence of "\n\n" in s[0..len), or NULL. */
static const char *last_blank(const char *s, size_t len) {
  for (size_t i = len; i >= 2; i--)
    if (s[i - 2] == '\n' && s[i - 1] == '\n') return s + i - 2;
  return NULL;
}

int note_open(const char *msg, size_t len, const note_verifier *known, size_t nknown,
              size_t *text_len, bool *signed_by) {
  assert(msg != NULL && text_len != NULL);
  assert(known != NULL || nknown == 0);
  *text_len = 0;
  if (signed_by != NULL)
    for (size_t k = 0; k < nknown; k++) signed_by[k] = false;
  if (!note_text_valid(msg, len)) return NOTE_ERR_FORMAT;
  const char *split = last_blank(msg, len);
  if (split == NULL) return NOTE_ERR_FORMAT;
  size_t tlen = (size_t)(split - msg) + 1;
  const char *p = split + 2, *end = msg + len;
  if (p == end || end[-1] != '\n') return NOTE_ERR_FORMAT;

  /* Every line is parsed (a format error anywhere rejects the note); every signature by a
   * known (name, id) is verified, repeated ones too; other signatures are ignored. */
  int rc = NOTE_OK;
  size_t nsigs = 0, nverified = 0;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    assert(eol != NULL); /* the block ends in '\n' */
    size_t llen = (size_t)(eol - p);
    if (++nsigs > NOTE_MAX_SIGS || llen < SIG_PREFIX_LEN ||
        memcmp(p, sig_prefix, SIG_PREFIX_LEN) != 0) {
      rc = NOTE_ERR_FORMAT;
      goto err;
    }
    const char *name = p + SIG_PREFIX_LEN;
    const char *sp = memchr(name, ' ', (size_t)(eol - name));
    if (sp == NULL || !note_name_valid(name, (size_t)(sp - name))) {
      rc = NOTE_ERR_FORMAT;
      goto err;
    }
    size_t namelen = (size_t)(sp - name);
    const char *b64 = sp + 1;
    size_t b64len = (size_t)(eol - b64);
    size_t siglen = 0;
    uint8_t *sig = malloc(b64len / 4 * 3 + 1);
    if (sig == NULL) {
      rc = NOTE_ERR_NOMEM;
      goto err;
    }
    if (note_unb64(b64, b64len, sig, b64len / 4 * 3 + 1, &siglen) != 0 || siglen < 5) {
      free(sig);
      rc = NOTE_ERR_FORMAT;
      goto err;
    }
    uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
    size_t k;
    for (k = 0; k < nknown; k++)
      if (known[k].key_id == id && strlen(known[k].name) == namelen &&
          memcmp(known[k].name, name, namelen) == 0)
        break;
    if (k < nknown) {
      if (siglen != 4 + crypto_sign_BYTES ||
          crypto_sign_verify_detached(sig + 4, (const uint8_t *)msg, tlen, known[k].pk) != 0) {
        free(sig);
        rc = NOTE_ERR_SIGNATURE;
        goto err;
      }
      nverified++;
      if (signed_by != NULL) signed_by[k] = true;
    }
    free(sig);
    p = eol + 1;
  }
  if (nverified == 0) {
    rc = NOTE_ERR_UNVERIFIED;
    goto err;
  }
  *text_len = tlen;
  return NOTE_OK;
err:
  if (signed_by != NULL)
    for (size_t k = 0; k < nknown; k++) signed_by[k] = false;
  return rc;
}

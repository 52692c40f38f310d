/* keys.h -- member identities, signed member cards and daemon keys, and their files. */
#ifndef SAMVIRKE_KEYS_H
#define SAMVIRKE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CARD_NAME_MAX 64          /* bytes of UTF-8, no control characters */
#define CARD_KEYID_HEX 17         /* 16 hex digits + NUL */
#define CARD_FINGERPRINT_LEN 80   /* buffer size for the printable fingerprint */

/* A member card: the public halves of a member's three keys, with a name, signed by the
 * member's Ed25519 key. */
typedef struct sv_card {
  char name[CARD_NAME_MAX + 1];
  uint8_t sign_pk[32];  /* Ed25519 signing key */
  uint8_t noise_pk[32]; /* X25519 transport key (the Noise static key) */
  uint8_t enc_pk[32];   /* X25519 encryption key for restricted notes */
  uint64_t created;     /* Unix seconds */
  uint8_t sig[64];      /* Ed25519 over the canonical encoding without "sig" */
} sv_card;

enum keys_status {
  KEYS_OK = 0,
  KEYS_ERR_IO = -1,        /* cannot open/read/write the file (see errno text in err) */
  KEYS_ERR_FORMAT = -2,    /* wrong magic, version, algorithm tag, length or encoding */
  KEYS_ERR_SIGNATURE = -3, /* card signature does not verify */
  KEYS_ERR_PERMS = -4,     /* secret key file readable by group or others */
  KEYS_ERR_NOMEM = -5,
  KEYS_ERR_EXISTS = -6,    /* refusing to overwrite an existing key file */
  KEYS_ERR_NAME = -7,      /* card name empty, too long, or with control characters */
};

/* True when name (len bytes) is acceptable as a card name: 1..CARD_NAME_MAX bytes of UTF-8
 * without control characters (C0, DEL, C1, tab). */
bool card_name_valid(const char *name, size_t len);
/* Canonical msgpack encoding of a card (fixed key order; see PROTOCOL.md). *out malloc'd. */
int card_encode(const sv_card *card, uint8_t **out, size_t *outlen);
/* Decode a canonical card and verify its signature. Returns KEYS_OK, KEYS_ERR_FORMAT
 * (also for non-canonical or trailing bytes), KEYS_ERR_NAME (empty, too long, not UTF-8 or
 * with control characters) or KEYS_ERR_SIGNATURE. On failure *card is zeroed. */
int card_decode(const uint8_t *buf, size_t len, sv_card *card);
/* SHA-256 of the canonical encoding: the hash the directory log carries. */
int card_hash(const sv_card *card, uint8_t out[32]);
/* Key id: lowercase hex of the first 8 bytes of SHA-256(sign_pk). */
void card_keyid(const sv_card *card, char out[CARD_KEYID_HEX]);
/* Fingerprint to compare out of band: SHA-256(sign_pk || noise_pk || enc_pk), first 20
 * bytes, as 10 groups of 4 lowercase hex digits separated by spaces (49 characters), e.g.
 * "1f3a 9c0e 77d2 04b8 e915 3c6a 0d4f a2b7 5e81 c0d9". */
void card_fingerprint(const sv_card *card, char out[CARD_FINGERPRINT_LEN]);
/* Card file (text, one line): "samvirke-card-v1 " base64(canonical card) "\n". */
int card_write_file(const sv_card *card, const char *path, char *err, size_t errlen);
int card_read_file(const char *path, sv_card *card, char *err, size_t errlen);
/* The same text form in memory (for copy/paste and the wire). *out malloc'd, NUL-terminated. */
int card_to_text(const sv_card *card, char **out);
int card_from_text(const char *text, sv_card *card);

/* A member identity: secret keys in sodium_malloc memory plus the member's card. */
typedef struct sv_identity {
  uint8_t sign_sk[64];  /* Ed25519 secret key (libsodium layout: seed || pk) */
  uint8_t noise_sk[32]; /* X25519 transport secret */
  uint8_t enc_sk[32];   /* X25519 encryption secret */
  sv_card card;
} sv_identity;

/* Generate fresh keys and a signed card for name. NULL with *status set on failure. */
sv_identity *identity_generate(const char *name, int *status);
/* Deterministic variant for test vectors: keys derived from a 32-byte seed. */
sv_identity *identity_from_seed(const char *name, const uint8_t seed[32], uint64_t created,
                                int *status);
/* Write a new identity file (mode 0600, O_EXCL: refuses to overwrite). */
int identity_save(const sv_identity *id, const char *path, char *err, size_t errlen);
/* Load an identity; refuses (KEYS_ERR_PERMS) a file that group or others can read.
 * Returns NULL with a one-line reason in err. Caller frees with identity_free. */
sv_identity *identity_load(const char *path, char *err, size_t errlen);
/* The same, returning the keys_status (KEYS_ERR_PERMS, KEYS_ERR_FORMAT, ...) and the identity
 * in *out (NULL on failure). */
int identity_load_ex(const char *path, sv_identity **out, char *err, size_t errlen);
void identity_free(sv_identity *id);

/* Daemon keys: X25519 Noise static key and Ed25519 audit-log key, in sodium_malloc memory. */
typedef struct sv_daemon_keys {
  uint8_t noise_sk[32];
  uint8_t noise_pk[32];
  uint8_t log_sk[64];
  uint8_t log_pk[32];
} sv_daemon_keys;

sv_daemon_keys *daemon_keys_generate(int *status);
int daemon_keys_save(const sv_daemon_keys *k, const char *path, char *err, size_t errlen);
sv_daemon_keys *daemon_keys_load(const char *path, char *err, size_t errlen);
/* The same, returning the keys_status and the keys in *out (NULL on failure). */
int daemon_keys_load_ex(const char *path, sv_daemon_keys **out, char *err, size_t errlen);
void daemon_keys_free(sv_daemon_keys *k);

#endif

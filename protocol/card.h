/* card.h -- the signed member card: its canonical encoding, hash, key id, fingerprint, and its
 * text and file form.
 *
 * CANONICAL ENCODING
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
 *   padded) || "\n" (a missing final newline or "\r\n" is accepted when reading). */
#ifndef SAMVIRKE_CARD_H
#define SAMVIRKE_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys_status.h"

#define CARD_NAME_MAX 64          /* bytes of UTF-8, no control characters */
#define CARD_KEYID_HEX 17         /* 16 hex digits + NUL */
#define CARD_FINGERPRINT_LEN 80   /* buffer size for the printable fingerprint */
#define CARD_ENC_MAX 320          /* upper bound of a canonical card (279 bytes) */

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

/* True when name (len bytes) is acceptable as a card name: 1..CARD_NAME_MAX bytes of UTF-8
 * without control characters (C0, DEL, C1, tab). */
bool card_name_valid(const char *name, size_t len);
/* Canonical msgpack encoding of a card (fixed key order; see above). *out malloc'd. */
int card_encode(const sv_card *card, uint8_t **out, size_t *outlen);
/* The same into out (CARD_ENC_MAX bytes). Returns the length, or 0 when the name is invalid. */
size_t card_encode_into(const sv_card *card, uint8_t out[CARD_ENC_MAX]);
/* Sign card with sign_sk (the Ed25519 secret key of card->sign_pk), filling card->sig.
 * Returns KEYS_OK or KEYS_ERR_NAME. */
int card_sign(sv_card *card, const uint8_t sign_sk[64]);
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

#endif

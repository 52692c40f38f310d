/* signed_note.h -- C2SP signed-note with Ed25519 keys: key strings, signing, verification. */
#ifndef SAMVIRKE_SIGNED_NOTE_H
#define SAMVIRKE_SIGNED_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTE_NAME_MAX 255     /* bytes of UTF-8 in a key name (a local limit, not the spec's) */
#define NOTE_ALG_ED25519 0x01 /* signature type byte */
#define NOTE_MAX_SIGS 100     /* signature lines accepted in one note (spec: at least 16) */

enum note_status {
  NOTE_OK = 0,
  NOTE_ERR_FORMAT = -1,     /* malformed key string or note */
  NOTE_ERR_NAME = -2,       /* key name empty, too long, or with '+', spaces or controls */
  NOTE_ERR_KEYID = -3,      /* key id in the string does not match the key */
  NOTE_ERR_ALG = -4,        /* key type other than Ed25519 */
  NOTE_ERR_SIGNATURE = -5,  /* a signature by a known key does not verify */
  NOTE_ERR_UNVERIFIED = -6, /* no signature by any known key */
  NOTE_ERR_NOMEM = -7,
};

/* Short English description of a note_status. */
const char *note_strerror(int status);

/* A verifier (public) key. */
typedef struct note_verifier {
  char name[NOTE_NAME_MAX + 1];
  uint32_t key_id;
  uint8_t pk[32];
} note_verifier;

/* A signer key; allocated by this module in sodium_malloc memory, freed by note_signer_free. */
typedef struct note_signer {
  note_verifier pub;
  uint8_t sk[64]; /* libsodium Ed25519 secret key: seed || pk */
} note_signer;

/* Strict standard base64 (RFC 4648 section 4, padding required, canonical trailing bits, no
 * whitespace) of in[0..inlen) into out (capacity outcap); *outlen receives the length.
 * Returns 0, or -1 for any deviation or if the result does not fit. */
int note_unb64(const char *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen);

/* True iff s (len bytes) follows the note character rules: well-formed UTF-8 and no ASCII
 * control characters other than newline. */
bool note_text_valid(const char *s, size_t len);

/* True iff name (len bytes) is a valid key name: non-empty, at most NOTE_NAME_MAX bytes,
 * valid UTF-8, no '+', no Unicode white space, no control characters. */
bool note_name_valid(const char *name, size_t len);

/* Key ID: first 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || pk). */
uint32_t note_key_id(const char *name, size_t namelen, const uint8_t pk[32]);

/* Build a verifier from a name and an Ed25519 public key. NOTE_OK or NOTE_ERR_NAME. */
int note_verifier_init(note_verifier *v, const char *name, const uint8_t pk[32]);

/* Parse `name+hexid+base64(0x01||pk)` (exactly len bytes, nothing around it). Strict: the id
 * must be 8 lowercase hex digits equal to the computed id, and the base64 canonical, padded,
 * decoding to 33 bytes. Returns NOTE_OK or NOTE_ERR_FORMAT/NAME/KEYID/ALG. */
int note_verifier_parse(const char *vkey, size_t len, note_verifier *v);

/* Format a verifier key string. *out is malloc'd and NUL-terminated; caller frees.
 * Returns NOTE_OK or NOTE_ERR_NOMEM. */
int note_verifier_format(const note_verifier *v, char **out);

/* Signer from a 32-byte Ed25519 seed. Returns NULL and sets *status (if non-NULL) on error. */
note_signer *note_signer_from_seed(const char *name, const uint8_t seed[32], int *status);

/* Parse `PRIVATE+KEY+name+hexid+base64(0x01||seed)` (exactly len bytes). The key id must match
 * the public key derived from the seed. Returns NULL and sets *status on error. */
note_signer *note_signer_parse(const char *skey, size_t len, int *status);

/* Format the signer key string into out (capacity outcap, NUL-terminated). The result is a
 * secret: the caller keeps it in protected memory and wipes it. Returns NOTE_OK or
 * NOTE_ERR_NOMEM if outcap is too small. */
int note_signer_format(const note_signer *s, char *out, size_t outcap);

/* Wipe and free a signer (NULL is fine). */
void note_signer_free(note_signer *s);

/* Sign text (len bytes; must end in '\n', be valid UTF-8 and contain no control characters
 * other than '\n') with each signer, in order. *out (malloc'd, NUL-terminated, *outlen bytes
 * without the NUL) is text, a blank line, then one signature line per signer.
 * Returns NOTE_OK, NOTE_ERR_FORMAT (bad text, no signer) or NOTE_ERR_NOMEM. */
int note_sign(const char *text, size_t len, const note_signer *const *signers, size_t nsigners,
              char **out, size_t *outlen);

/* Parse and verify a signed note (len bytes) against the known verifier keys.
 * Signatures from keys not in `known` (name and id both must match) are ignored; a known
 * key's signature that fails is an error (NOTE_ERR_SIGNATURE); at least one known signature
 * is required (else NOTE_ERR_UNVERIFIED). On NOTE_OK, *text_len is the length of the signed
 * text, which is msg[0 .. *text_len) (it includes its final newline), and, if signed_by is
 * non-NULL, signed_by[i] tells whether known[i] signed (signed_by has nknown entries).
 * Malformed notes give NOTE_ERR_FORMAT. */
int note_open(const char *msg, size_t len, const note_verifier *known, size_t nknown,
              size_t *text_len, bool *signed_by);

#endif

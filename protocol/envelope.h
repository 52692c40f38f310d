/* envelope.h -- restricted-note envelopes: seal a body to several members, verify, open. */
#ifndef SAMVIRKE_ENVELOPE_H
#define SAMVIRKE_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

/* The byte layout is specified in protocol/PROTOCOL.md, section "Note envelopes". */
#define ENVELOPE_VERSION 2            /* 2: the header carries a key commitment */
#define ENVELOPE_MAGIC "SVNE"            /* 4 bytes */
#define ENVELOPE_ID_LEN 16
#define ENVELOPE_KEYID_LEN 8          /* a card's key id as bytes (first 8 of SHA-256(sign_pk)) */
#define ENVELOPE_MAX_RECIPIENTS 64
#define ENVELOPE_CLASS_MAX 31         /* bytes of [a-z0-9_-], at least 1 */
#define ENVELOPE_AREA_MAX 255         /* bytes of UTF-8 without controls, may be empty */
#define ENVELOPE_PURPOSE_MAX 255      /* bytes of UTF-8 without controls, may be empty */
#define ENVELOPE_COMMIT_LEN 32        /* BLAKE2b-256 key commitment to the content key */
#define ENVELOPE_WRAP_LEN 80          /* ephemeral public key 32 + wrapped content key 48 */
#define ENVELOPE_NONCE_LEN 24
#define ENVELOPE_SIG_LEN 64
#define ENVELOPE_BODY_MAX (UINT32_MAX - 16u)
#define ENVELOPE_SIG_CONTEXT "samvirke note envelope v2"          /* 25 bytes, then 0x00 */
#define ENVELOPE_WRAP_CONTEXT "samvirke note wrap v2"             /* 21 bytes, then 0x00 */
#define ENVELOPE_COMMIT_CONTEXT "samvirke note key commitment v2" /* 31 bytes, then 0x00 */

/* Which check failed. Every opening failure names exactly one. */
enum envelope_status {
  ENVELOPE_OK = 0,
  ENVELOPE_ERR_FORMAT = -1,        /* not a well-formed v2 envelope (magic, lengths, fields) */
  ENVELOPE_ERR_SENDER = -2,        /* the header's sender key id is not the given card's */
  ENVELOPE_ERR_SIGNATURE = -3,     /* the sender's Ed25519 signature does not verify */
  ENVELOPE_ERR_NOT_RECIPIENT = -4, /* the reader's key id is not among the recipients */
  ENVELOPE_ERR_WRAP = -5,          /* the reader's wrapped content key fails its tag */
  ENVELOPE_ERR_LOW_ORDER = -6,     /* an X25519 result was all zero (low-order point) */
  ENVELOPE_ERR_BODY = -7,          /* the body fails its tag under the content key */
  ENVELOPE_ERR_NOMEM = -8,
  ENVELOPE_ERR_INVALID = -9,       /* seal: a parameter breaks a field rule */
  ENVELOPE_ERR_COMMIT = -10,       /* the unwrapped content key is not the one the header commits
                                    * to (the sender gave recipients different keys) */
};

/* The cleartext header of an envelope (decoded; owns no memory). */
typedef struct envelope_header {
  uint8_t version;
  uint8_t id[ENVELOPE_ID_LEN];
  uint8_t sender[ENVELOPE_KEYID_LEN];
  uint64_t created; /* Unix seconds */
  char klass[ENVELOPE_CLASS_MAX + 1];
  char area[ENVELOPE_AREA_MAX + 1];       /* "" when none */
  char purpose[ENVELOPE_PURPOSE_MAX + 1]; /* "" when none */
  size_t nrecipients;
  uint8_t recipients[ENVELOPE_MAX_RECIPIENTS][ENVELOPE_KEYID_LEN];
  uint8_t key_commit[ENVELOPE_COMMIT_LEN]; /* commitment to the content key */
  size_t body_len; /* ciphertext length including the 16-byte tag */
} envelope_header;

/* What to seal. recipients are borrowed cards (their key ids must be distinct). */
typedef struct envelope_params {
  const char *klass;
  const char *area;    /* NULL or "" for none */
  const char *purpose; /* NULL or "" for none */
  const sv_card *const *recipients;
  size_t nrecipients;
  uint64_t created;    /* 0: now */
} envelope_params;

/* Fixed randomness for test vectors: note id, content key, body nonce, and one ephemeral X25519
 * secret (32 bytes) per recipient, in recipient order. */
typedef struct envelope_fixed {
  const uint8_t *id;          /* 16 bytes */
  const uint8_t *content_key; /* 32 bytes */
  const uint8_t *nonce;       /* 24 bytes */
  const uint8_t *eph_sk;      /* 32 * nrecipients bytes */
} envelope_fixed;

/* Seal body (len bytes) from sender to the recipients: fresh content key committed to in the
 * header, one wrap per recipient with a fresh ephemeral key, body under XChaCha20-Poly1305,
 * signed by the sender.
 * *out is malloc'd (caller frees). Returns ENVELOPE_OK, ENVELOPE_ERR_INVALID (bad class, area,
 * purpose, recipient count, duplicate recipient, body too large), ENVELOPE_ERR_LOW_ORDER (a
 * recipient's encryption key is a low-order point) or ENVELOPE_ERR_NOMEM. */
int envelope_seal(const sv_identity *sender, const envelope_params *p, const uint8_t *body,
                  size_t len, uint8_t **out, size_t *outlen);
/* The same with fixed randomness (tests and vectors only; never reuse a content key). */
int envelope_seal_fixed(const sv_identity *sender, const envelope_params *p,
                        const envelope_fixed *fx, const uint8_t *body, size_t len, uint8_t **out,
                        size_t *outlen);

/* Decode the header and check the whole layout (no cryptography). Returns ENVELOPE_OK or
 * ENVELOPE_ERR_FORMAT; h is zeroed on failure. */
int envelope_parse(const uint8_t *env, size_t len, envelope_header *h);

/* Check the layout, that the header's sender is sender_pk's key id, and the signature.
 * Returns ENVELOPE_OK, ENVELOPE_ERR_FORMAT, ENVELOPE_ERR_SENDER or ENVELOPE_ERR_SIGNATURE. */
int envelope_verify(const uint8_t *env, size_t len, const uint8_t sender_pk[32]);

/* Open an envelope as reader: verify (as envelope_verify, against sender's card), find the
 * reader's wrap, unwrap the content key, check it against the header's key commitment
 * (ENVELOPE_ERR_COMMIT; so every recipient who opens a note reads the same body), open the body. On success *body is the plaintext in
 * sodium_malloc memory (free it with envelope_free_body(*body, *bodylen)); h (may be NULL)
 * gets the header. On failure *body is NULL and the status names the failed check. */
int envelope_open(const uint8_t *env, size_t len, const sv_card *sender,
                  const sv_identity *reader, envelope_header *h, uint8_t **body,
                  size_t *bodylen);
/* Wipe and free a body from envelope_open, with the length it gave. NULL is a no-op. */
void envelope_free_body(uint8_t *body, size_t len);
/* Bodies up to this many bytes are opened into pooled secure blocks (reused, wiped). */
#define ENVELOPE_BODY_POOLED 16384u
/* How many wiped secure blocks the envelope code keeps for reuse: for keys and for bodies. */
void envelope_pool_count(unsigned *secret_blocks, unsigned *body_blocks);

/* The key commitment for content_key and note id:
 * BLAKE2b-256(key = content_key, ENVELOPE_COMMIT_CONTEXT || 0x00 || id). */
void envelope_key_commit(const uint8_t content_key[32], const uint8_t id[ENVELOPE_ID_LEN],
                         uint8_t out[ENVELOPE_COMMIT_LEN]);
/* A card's key id as the 8 bytes an envelope carries. */
void envelope_card_keyid(const sv_card *card, uint8_t out[ENVELOPE_KEYID_LEN]);
/* One line naming a status ("the sender's signature does not verify", ...). */
const char *envelope_strerror(int status);

#endif

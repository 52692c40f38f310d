/* identity.h -- a member identity: the secret halves of a member's three keys and their signed
 * card, and the identity file (a key file of kind 1, keyfile.h) that keeps them. */
#ifndef SAMVIRKE_IDENTITY_H
#define SAMVIRKE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "card.h"
#include "keys_status.h"

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
/* Wipe and free (NULL is fine). */
void identity_free(sv_identity *id);

#endif

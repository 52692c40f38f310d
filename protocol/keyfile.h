/* keyfile.h -- the secret key file: a small tagged, versioned, checksummed container of secret
 * keys, the format of member identities (identity.h) and the daemon's keys (daemon_keys.h).
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
 *   permission bit (or when they are not regular files). On load the public keys are derived
 *   from the secrets and must match (for an identity: the card, whose signature must verify). */
#ifndef SAMVIRKE_KEYFILE_H
#define SAMVIRKE_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "keys_status.h"

#define KEYFILE_KIND_IDENTITY 1
#define KEYFILE_KIND_DAEMON 2
#define KEYFILE_ALG_ED25519 1
#define KEYFILE_ALG_X25519 2
#define KEYFILE_MAX 4096 /* bytes of a key file, at most */

/* Start a key file of kind with nkeys key entries: w gets a sodium_malloc'd buffer of
 * KEYFILE_MAX bytes holding the header. Returns KEYS_OK, or KEYS_ERR_NOMEM with err naming
 * path. The caller appends its entries (keyfile_put_key, bytebuf_put) and ends with
 * keyfile_finish. */
int keyfile_begin(bytebuf_w *w, unsigned kind, unsigned nkeys, const char *path, char *err,
                  size_t errlen);
/* Append a key entry: algorithm alg, len bytes of key k. */
void keyfile_put_key(bytebuf_w *w, uint8_t alg, const uint8_t *k, uint16_t len);
/* Append the checksum, create path (O_EXCL, mode 0600, fsync; nothing is left behind on
 * failure), then wipe and free w's buffer. Returns KEYS_OK, KEYS_ERR_EXISTS (the existing file
 * untouched) or KEYS_ERR_IO, with err. */
int keyfile_finish(bytebuf_w *w, const char *path, char *err, size_t errlen);

/* Read path (a regular file that group and others cannot access) and check its envelope for
 * kind and nkeys; then allocate size zeroed bytes of sodium memory for the keys in *keys. On
 * KEYS_OK *buf holds the file (release it with keyfile_release) and r reads its key entries
 * (checksum excluded); otherwise nothing is left allocated and err says why
 * (KEYS_ERR_IO, _PERMS, _FORMAT, _NOMEM). */
int keyfile_load(const char *path, unsigned kind, unsigned nkeys, size_t size, uint8_t **buf,
                 bytebuf_r *r, void **keys, char *err, size_t errlen);
/* Read one key entry that must have algorithm alg and length len into out. */
bool keyfile_get_key(bytebuf_r *r, uint8_t alg, uint8_t *out, uint16_t len);
/* Wipe and free a buffer from keyfile_load (NULL is a no-op). */
void keyfile_release(uint8_t *buf);
/* True when the Ed25519 secret key sk (seed || pk) is consistent; its public key goes to
 * pk_out. */
bool keyfile_ed25519_ok(const uint8_t sk[64], uint8_t pk_out[32]);

#endif

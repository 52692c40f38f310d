/* noise.h -- Noise_IK_25519_ChaChaPoly_BLAKE2b (Noise spec rev. 34) over libsodium primitives. */
#ifndef SAMVIRKE_NOISE_H
#define SAMVIRKE_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOISE_PROTOCOL_NAME "Noise_IK_25519_ChaChaPoly_BLAKE2b"
#define NOISE_DHLEN 32
#define NOISE_KEYLEN 32
#define NOISE_HASHLEN 64
#define NOISE_TAGLEN 16
#define NOISE_MAX_MSG 65535
/* Largest transport payload that fits one Noise message. */
#define NOISE_MAX_PAYLOAD (NOISE_MAX_MSG - NOISE_TAGLEN)
/* Prologue used by samvirke on the wire. */
#define SAMVIRKE_PROLOGUE "samvirke/1"

enum noise_status {
  NOISE_OK = 0,
  NOISE_ERR_DECRYPT = -1,  /* AEAD tag did not verify */
  NOISE_ERR_DH = -2,       /* X25519 failed (low-order point) */
  NOISE_ERR_NONCE = -3,    /* nonce exhausted (2^64-1 reached) */
  NOISE_ERR_STATE = -4,    /* call out of order for the handshake pattern */
  NOISE_ERR_SIZE = -5,     /* message too short, too long, or output too small */
  NOISE_ERR_NOMEM = -6,    /* sodium_malloc failed */
};

/* Human-readable text for a noise_status. Never NULL. */
const char *noise_strerror(int status);

/* HMAC-BLAKE2b (RFC 2104 over BLAKE2b-512, block length 128) as the Noise spec defines HMAC-HASH. */
void noise_hmac_blake2b(uint8_t out[NOISE_HASHLEN], const uint8_t *key, size_t keylen,
                        const uint8_t *data, size_t datalen);

/* Noise HKDF(chaining_key, ikm, num_outputs): writes out1, out2 and (if non-NULL) out3,
 * each NOISE_HASHLEN bytes. */
void noise_hkdf(const uint8_t ck[NOISE_HASHLEN], const uint8_t *ikm, size_t ikmlen,
                uint8_t out1[NOISE_HASHLEN], uint8_t out2[NOISE_HASHLEN], uint8_t *out3);

/* A CipherState: key and 64-bit nonce; lives in sodium_malloc memory, wiped on free. The two
 * CipherStates from noise_handshake_split share their handshake's secure block (one
 * sodium_malloc per handshake); each object is still freed on its own, in any order and from
 * any thread, and the block is wiped and released with the last of them. */
typedef struct noise_cipher noise_cipher;

/* Allocate a CipherState holding key k (32 bytes) with nonce 0. NULL on allocation failure. */
/* Secure memory: each handshake (with the two CipherStates its Split() makes) lives in one
 * sodium_malloc block. A released block is wiped and kept for reuse, at most NOISE_POOL_MAX of
 * them (each holds one locked page). noise_pool_count says how many are kept;
 * noise_pool_drain frees them (for a process that is done with Noise). */
#define NOISE_POOL_MAX 64
size_t noise_pool_count(void);
void noise_pool_drain(void);

noise_cipher *noise_cipher_new(const uint8_t k[NOISE_KEYLEN]);
void noise_cipher_free(noise_cipher *c);
/* Encrypt ptlen bytes (with associated data) into out, which must hold ptlen + NOISE_TAGLEN
 * bytes. Nonce is 4 zero bytes then the 64-bit little-endian counter; the counter then
 * increments. Returns NOISE_OK, NOISE_ERR_NONCE (when n == 2^64-1) or NOISE_ERR_SIZE
 * (ptlen > NOISE_MAX_PAYLOAD); on error nothing is written and the nonce is unchanged. */
int noise_cipher_encrypt(noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *pt,
                         size_t ptlen, uint8_t *out);
/* Decrypt ctlen bytes into out (ctlen - NOISE_TAGLEN bytes). The nonce increments only on
 * success. Returns NOISE_OK, NOISE_ERR_SIZE, NOISE_ERR_DECRYPT or NOISE_ERR_NONCE. */
int noise_cipher_decrypt(noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *ct,
                         size_t ctlen, uint8_t *out);
/* Rekey(): k = first 32 bytes of ENCRYPT(k, 2^64-1, zerolen, zeros[32]). Nonce unchanged. */
void noise_cipher_rekey(noise_cipher *c);
/* Test hooks: set or read the nonce counter. */
void noise_cipher_set_nonce(noise_cipher *c, uint64_t n);
uint64_t noise_cipher_nonce(const noise_cipher *c);

/* A HandshakeState for pattern IK. Initiator: "-> e, es, s, ss" then "<- e, ee, se". */
typedef struct noise_handshake noise_handshake;

/* Start a handshake. s_sk is this side's X25519 secret key (copied into secure memory).
 * The initiator must pass the responder's static public key rs_pk; the responder passes NULL.
 * Returns NULL on allocation failure or misuse. */
noise_handshake *noise_handshake_new(bool initiator, const uint8_t *prologue, size_t prologue_len,
                                     const uint8_t s_sk[NOISE_DHLEN], const uint8_t *rs_pk);
/* The same, with this side's static public key supplied by the caller (s_pk must be
 * X25519_base(s_sk); checked by assert in debug builds) instead of computed: saves one X25519
 * per handshake for a daemon that accepts many. s_pk NULL behaves as noise_handshake_new. */
noise_handshake *noise_handshake_new_with_pk(bool initiator, const uint8_t *prologue,
                                             size_t prologue_len, const uint8_t s_sk[NOISE_DHLEN],
                                             const uint8_t *s_pk, const uint8_t *rs_pk);
void noise_handshake_free(noise_handshake *hs);
/* Take this handshake's ss = DH(s, rs) from c (noise_sscache.h) when c holds it, instead of an
 * X25519, and give c one computed here once the remote key is authenticated (the responder: by
 * message 1's payload tag; the initiator: by message 2). Messages and keys are unchanged. Call
 * before the first message; c must be for this side's static key and outlive the handshake.
 * Returns NOISE_OK, or NOISE_ERR_STATE (too late, a cache already set, another key's cache). */
typedef struct noise_sscache noise_sscache;
int noise_handshake_use_sscache(noise_handshake *hs, noise_sscache *c);
/* Test hook: use a fixed ephemeral secret instead of a random one (before the first write). */
int noise_handshake_set_ephemeral(noise_handshake *hs, const uint8_t e_sk[NOISE_DHLEN]);
/* Write the next handshake message carrying payload into out (capacity outcap); *outlen
 * receives its size. Returns NOISE_OK or an error; on error the handshake is unusable. */
int noise_handshake_write(noise_handshake *hs, const uint8_t *payload, size_t payload_len,
                          uint8_t *out, size_t outcap, size_t *outlen);
/* Read the next handshake message; its payload goes to payload (capacity cap), size in
 * *payload_len. Returns NOISE_OK or an error (NOISE_ERR_DH for a low-order point,
 * NOISE_ERR_DECRYPT for a bad tag); on error the handshake is unusable. */
int noise_handshake_read(noise_handshake *hs, const uint8_t *msg, size_t msglen, uint8_t *payload,
                         size_t cap, size_t *payload_len);
/* True once both IK messages have been processed. */
bool noise_handshake_done(const noise_handshake *hs);
/* After completion: split into this side's sending and receiving CipherStates (caller owns
 * both and frees each with noise_cipher_free; hs may be freed before or after them). Does not
 * allocate. Returns NOISE_OK or NOISE_ERR_STATE. */
int noise_handshake_split(noise_handshake *hs, noise_cipher **send, noise_cipher **recv);
/* The remote static public key (known to the responder after message 1). */
int noise_handshake_remote_static(const noise_handshake *hs, uint8_t out[NOISE_DHLEN]);
/* The handshake hash h (for channel binding). */
void noise_handshake_hash(const noise_handshake *hs, uint8_t out[NOISE_HASHLEN]);

#endif

/* noise_sscache.h -- remembered static-static DH results for one local Noise static key.
 *
 * In every IK handshake between the same two static keys both ends compute the same
 * ss = DH(s, rs). A daemon that sees its members reconnect can keep it and skip one X25519 per
 * handshake, as WireGuard precomputes it for each configured peer. The result is the one the
 * DH would give, so the handshake's messages and keys are byte for byte the same.
 *
 * The cache is a fixed table of slots in one sodium_malloc block (guarded, locked, wiped on
 * replacement and on free). A remote key's slot set is chosen by a keyed hash (SipHash with a
 * random key), so keys an attacker picks cannot aim at one member's set; a full set replaces
 * its oldest entry. Only results of handshake messages that authenticated are stored (see
 * noise_handshake_use_sscache), and never a failed DH. One thread uses a cache at a time.
 *
 * Timing: a remembered key skips one X25519 (tens of microseconds), so how fast a daemon
 * answers message 1 says whether that initiator's key handshook with it recently. The daemon's
 * answer already differs in time between enrolled and unknown keys (its directory lookup). */
#ifndef SAMVIRKE_NOISE_SSCACHE_H
#define SAMVIRKE_NOISE_SSCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "noise.h"

#define NOISE_SSCACHE_WAYS 4 /* slots per set */

/* A cache for the local static key whose public key is s_pk, with room for `slots` remote keys
 * (rounded up to a power of two, at least NOISE_SSCACHE_WAYS). NULL when slots is 0 or too
 * large (over 2^16), or on allocation failure. */
noise_sscache *noise_sscache_new(const uint8_t s_pk[NOISE_DHLEN], size_t slots);
/* Wipe and free. NULL is ignored. */
void noise_sscache_free(noise_sscache *c);

/* The local static public key the cache is for. */
const uint8_t *noise_sscache_local(const noise_sscache *c);
/* Copy the remembered DH(s, rs) into out and return 1, or return 0 when rs is not remembered. */
int noise_sscache_get(noise_sscache *c, const uint8_t rs[NOISE_DHLEN], uint8_t out[NOISE_DHLEN]);
/* Remember ss as DH(s, rs), replacing rs's earlier entry or the oldest of its set. */
void noise_sscache_put(noise_sscache *c, const uint8_t rs[NOISE_DHLEN],
                       const uint8_t ss[NOISE_DHLEN]);

/* Wipe rs's entry, if there is one (a key that is no longer to be answered: its result is not
 * kept past its use). Returns 1 when there was one, else 0. */
int noise_sscache_forget(noise_sscache *c, const uint8_t rs[NOISE_DHLEN]);

typedef struct noise_sscache_stats {
  uint64_t hits, misses, stored, replaced; /* replaced: an entry of another key pushed out */
  size_t slots, used;
} noise_sscache_stats;
void noise_sscache_get_stats(const noise_sscache *c, noise_sscache_stats *out);

#endif

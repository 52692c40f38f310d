/* audit_entry.h -- canonical msgpack encoding of one audit-log entry, and its leaf hash. */
#ifndef SAMVIRKE_AUDIT_ENTRY_H
#define SAMVIRKE_AUDIT_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field limits in bytes (UTF-8). Strings are NUL-terminated in fixed arrays, so a decoded
 * entry owns no memory. All strings must be valid UTF-8 without control characters. */
#define AUDIT_ACTOR_MAX 64    /* "-" or lowercase hex key id */
#define AUDIT_NAME_MAX 64     /* role, op, class, rule, outcome: non-empty */
#define AUDIT_OBJECT_MAX 255  /* may be empty */
#define AUDIT_PURPOSE_MAX 512 /* may be empty */
#define AUDIT_SALT_LEN 16     /* random bytes per version-2 entry */

/* Entry format versions. Version 1 (11 keys, no outcome, no salt) is what logs written before
 * version 2 hold; it is decoded and verified but a daemon writes only version 2. */
#define AUDIT_ENTRY_V1 1u
#define AUDIT_ENTRY_V2 2u

/* The outcome of a request that succeeded. */
#define AUDIT_OUTCOME_OK "ok"

enum audit_status {
  AUDIT_OK = 0,
  AUDIT_ERR_FORMAT = -1, /* bytes are not the canonical encoding of a valid entry */
  AUDIT_ERR_INVALID = -2, /* entry to encode breaks a field rule */
  AUDIT_ERR_NOMEM = -3,
};

enum audit_decision { AUDIT_DENY = 0, AUDIT_PERMIT = 1 };

typedef struct audit_entry {
  unsigned version; /* AUDIT_ENTRY_V1 or AUDIT_ENTRY_V2 */
  uint64_t seq;
  uint64_t time_ms; /* Unix milliseconds */
  char actor[AUDIT_ACTOR_MAX + 1];
  char role[AUDIT_NAME_MAX + 1];
  char op[AUDIT_NAME_MAX + 1];
  char data_class[AUDIT_NAME_MAX + 1]; /* key "class" */
  char object[AUDIT_OBJECT_MAX + 1];
  enum audit_decision decision; /* "permit" | "deny" */
  char rule[AUDIT_NAME_MAX + 1];
  /* v2: "ok" or the error code the request got (lowercase letters, digits and '_'); a denial
   * never has outcome "ok". v1: always "" (the format did not record it). */
  char outcome[AUDIT_NAME_MAX + 1];
  char purpose[AUDIT_PURPOSE_MAX + 1];
  uint8_t policy[32];             /* SHA-256 of the policy text */
  uint8_t salt[AUDIT_SALT_LEN];   /* v2: random; v1: all zero */
} audit_entry;

/* Encode as a msgpack map, every value in its smallest form, keys in this order:
 *   v1: seq, time, actor, role, op, class, object, decision, rule, purpose, policy
 *       (uint, uint, str x 8, bin 32);
 *   v2: v (= 2), seq, time, actor, role, op, class, object, decision, rule, outcome, purpose,
 *       policy, salt (uint, uint, uint, str x 9, bin 32, bin 16).
 * A v1 entry must have an empty outcome and an all-zero salt. *out is malloc'd (caller
 * frees). Returns AUDIT_OK, AUDIT_ERR_INVALID or AUDIT_ERR_NOMEM. */
int audit_entry_encode(const audit_entry *e, uint8_t **out, size_t *outlen);

/* Decode exactly len bytes of either version. Accepts only the canonical encoding: that key
 * order, those types, smallest encodings, no extra keys, no trailing bytes, field rules met.
 * Returns AUDIT_OK, AUDIT_ERR_FORMAT or AUDIT_ERR_NOMEM; e is zeroed on failure. */
int audit_entry_decode(const uint8_t *buf, size_t len, audit_entry *e);

/* Merkle leaf hash SHA-256(0x00 || encoding) of an entry. Returns as audit_entry_encode. */
int audit_entry_leaf_hash(const audit_entry *e, uint8_t out[32]);

/* True when an entry of version next may follow one of version prev in a log: versions never
 * go back (a log that switched to v2 holds no later v1 entry, which would hide outcomes and
 * salts). prev 0 means "no previous entry". */
bool audit_entry_version_follows(unsigned prev, unsigned next);

#endif

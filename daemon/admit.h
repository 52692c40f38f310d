/* admit.h -- admission control: a bounded table of peers (IP addresses and Noise keys) with how
 * many not-yet-member connections each address holds, token buckets for request rates, and how
 * often a refused handshake of a key is audited. Loop thread only. */
#ifndef SAMVIRKED_ADMIT_H
#define SAMVIRKED_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Entries the table holds at most; idle ones are forgotten to make room. */
#define ADMIT_TABLE 16384
/* An entry with no connection and no recent activity is idle after this long. */
#define ADMIT_IDLE_MS 120000

enum admit_kind { ADMIT_ADDRESS = 1, ADMIT_KEY = 2 };

typedef struct admit admit;

/* A table with a fresh random hash key. NULL on allocation failure. */
admit *admit_new(void);
void admit_free(admit *a);

/* A peer's identity in the table: kind and up to 32 bytes (an IP address's bytes, a key). */
typedef struct admit_id {
  uint8_t kind;
  uint8_t len;
  uint8_t b[32];
} admit_id;

admit_id admit_id_make(enum admit_kind kind, const void *bytes, size_t len);
/* Whether two ids name the same peer. */
bool admit_id_same(const admit_id *x, const admit_id *y);

/* Count one more not-yet-member connection of address id, unless it already has max. Returns
 * true when counted (the caller later calls admit_conn_del once), false when over the limit or
 * the table is full of peers in use. */
bool admit_conn_add(admit *a, const admit_id *id, uint32_t max, uint64_t now_ms);
void admit_conn_del(admit *a, const admit_id *id);
/* Not-yet-member connections id holds (0 when unknown). */
uint32_t admit_conns(admit *a, const admit_id *id);

/* Take one token from id's bucket, which refills at rate per second up to burst (rate 0: no
 * limit). Returns true when the request may go on. A table full of peers in use refuses (and
 * fails open for callers that pass fail_open: members, who are known and accountable). */
bool admit_take(admit *a, const admit_id *id, uint32_t rate, uint32_t burst, uint64_t now_ms,
                bool fail_open);

/* A refusal of id is to be audited: true at most once per every_ms (*suppressed then receives
 * how many were not audited since the last one), false otherwise (and it is counted). */
bool admit_audit_due(admit *a, const admit_id *id, uint64_t every_ms, uint64_t now_ms,
                     uint32_t *suppressed);

/* Entries in use (for tests and status). */
size_t admit_size(const admit *a);

#endif

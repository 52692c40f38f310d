/* directory.h -- the loop thread's cache of enrolled members, keyed by Noise static key. */
#ifndef SAMVIRKED_DIRECTORY_H
#define SAMVIRKED_DIRECTORY_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>
#include <sqlite3.h>
#include <stddef.h>

#include "keys.h"

typedef struct dir_member {
  int64_t id;
  char name[CARD_NAME_MAX + 1];
  char role[32];
  char keyid[CARD_KEYID_HEX];
  char fingerprint[CARD_FINGERPRINT_LEN];
  uint8_t noise_pk[32];
  uint8_t enc_pk[32];
  uint8_t sign_pk[32]; /* from the card when the row carried a "card" column, else zero */
  bool revoked;
} dir_member;

typedef struct directory {
  dir_member *m;
  size_t n, cap;
} directory;

void directory_init(directory *d);
void directory_free(directory *d);
/* Insert or replace (by id). Returns 0 or -1 on allocation failure. */
int directory_put(directory *d, const dir_member *m);
/* Find an active (not revoked) member by Noise static key; NULL when none. */
const dir_member *directory_by_noise(const directory *d, const uint8_t pk[32]);
/* Find a revoked member by Noise static key (to refuse it with a reason); NULL when none. */
const dir_member *directory_revoked_by_noise(const directory *d, const uint8_t pk[32]);
const dir_member *directory_by_id(const directory *d, int64_t id);
/* Find a member (revoked ones included) by its 16-hex-digit key id; NULL when none. */
const dir_member *directory_by_keyid(const directory *d, const char *keyid);
/* Fill d from the members table (start-up, before the storage thread runs). 0 or -1 + err. */
int directory_load(directory *d, sqlite3 *db, char *err, size_t errlen);
/* Fill one dir_member from a members row selected with DIRECTORY_COLUMNS (and, if the row has a
 * column named "card", its signing key from the card). */
#define DIRECTORY_COLUMNS "id, name, role, keyid, fingerprint, noise_pk, enc_pk, revoked"
void directory_row(sqlite3_stmt *s, dir_member *m);
/* Pack the member map of the handshake payload, whoami and enroll: {name, role, keyid,
 * fingerprint}. */
void directory_pack_member(msgpack_packer *pk, const dir_member *m);

#endif

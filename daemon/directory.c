/* directory.c -- the loop thread's cache of enrolled members, keyed by Noise static key. */
#include "directory.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

void directory_init(directory *d) { memset(d, 0, sizeof *d); }

void directory_free(directory *d) {
  free(d->m);
  memset(d, 0, sizeof *d);
}

int directory_put(directory *d, const dir_member *m) {
  for (size_t i = 0; i < d->n; i++) {
    if (d->m[i].id == m->id) {
      d->m[i] = *m;
      return 0;
    }
  }
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    dir_member *nm = realloc(d->m, cap * sizeof *nm);
    if (nm == NULL) return -1;
    d->m = nm;
    d->cap = cap;
  }
  d->m[d->n++] = *m;
  return 0;
}

const dir_member *directory_by_noise(const directory *d, const uint8_t pk[32]) {
  for (size_t i = 0; i < d->n; i++)
    if (!d->m[i].revoked && sodium_memcmp(d->m[i].noise_pk, pk, 32) == 0) return &d->m[i];
  return NULL;
}

const dir_member *directory_revoked_by_noise(const directory *d, const uint8_t pk[32]) {
  for (size_t i = 0; i < d->n; i++)
    if (d->m[i].revoked && sodium_memcmp(d->m[i].noise_pk, pk, 32) == 0) return &d->m[i];
  return NULL;
}

const dir_member *directory_by_id(const directory *d, int64_t id) {
  for (size_t i = 0; i < d->n; i++)
    if (d->m[i].id == id) return &d->m[i];
  return NULL;
}

const dir_member *directory_by_keyid(const directory *d, const char *keyid) {
  const dir_member *found = NULL;
  for (size_t i = 0; i < d->n; i++) {
    if (strcmp(d->m[i].keyid, keyid) != 0) continue;
    if (!d->m[i].revoked) return &d->m[i];
    found = &d->m[i];
  }
  return found;
}

static void copy_blob(uint8_t *out, size_t n, sqlite3_stmt *s, int col) {
  const void *b = sqlite3_column_blob(s, col);
  if (b != NULL && (size_t)sqlite3_column_bytes(s, col) == n)
    memcpy(out, b, n);
  else
    memset(out, 0, n);
}

static void copy_text(char *out, size_t n, sqlite3_stmt *s, int col) {
  const unsigned char *t = sqlite3_column_text(s, col);
  snprintf(out, n, "%s", t ? (const char *)t : "");
}

void directory_row(sqlite3_stmt *s, dir_member *m) {
  memset(m, 0, sizeof *m);
  m->id = sqlite3_column_int64(s, 0);
  copy_text(m->name, sizeof m->name, s, 1);
  copy_text(m->role, sizeof m->role, s, 2);
  copy_text(m->keyid, sizeof m->keyid, s, 3);
  copy_text(m->fingerprint, sizeof m->fingerprint, s, 4);
  copy_blob(m->noise_pk, 32, s, 5);
  copy_blob(m->enc_pk, 32, s, 6);
  m->revoked = sqlite3_column_int(s, 7) != 0;
  for (int i = 8; i < sqlite3_column_count(s); i++) {
    const char *name = sqlite3_column_name(s, i);
    if (name == NULL || strcmp(name, "card") != 0) continue;
    sv_card card;
    const void *b = sqlite3_column_blob(s, i);
    if (b != NULL && card_decode(b, (size_t)sqlite3_column_bytes(s, i), &card) == KEYS_OK)
      memcpy(m->sign_pk, card.sign_pk, 32);
    break;
  }
}

int directory_load(directory *d, sqlite3 *db, char *err, size_t errlen) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(db, "SELECT " DIRECTORY_COLUMNS ", card FROM members", -1, &s, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
  }
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    dir_member m;
    directory_row(s, &m);
    if (directory_put(d, &m) != 0) {
      sqlite3_finalize(s);
      snprintf(err, errlen, "out of memory");
      return -1;
    }
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
  }
  return 0;
}

void directory_pack_member(msgpack_packer *pk, const dir_member *m) {
  msgpack_pack_map(pk, 4);
  sv_pack_str(pk, "name");
  sv_pack_str(pk, m->name);
  sv_pack_str(pk, "role");
  sv_pack_str(pk, m->role);
  sv_pack_str(pk, "keyid");
  sv_pack_str(pk, m->keyid);
  sv_pack_str(pk, "fingerprint");
  sv_pack_str(pk, m->fingerprint);
}

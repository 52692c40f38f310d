/* daemon_keys.h -- the daemon's secret keys (X25519 Noise static key, Ed25519 audit-log key) and
 * their key file (keyfile.h, kind 2). */
#ifndef SAMVIRKE_DAEMON_KEYS_H
#define SAMVIRKE_DAEMON_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "keys_status.h"

/* Daemon keys, in sodium_malloc memory. */
typedef struct sv_daemon_keys {
  uint8_t noise_sk[32];
  uint8_t noise_pk[32];
  uint8_t log_sk[64];
  uint8_t log_pk[32];
} sv_daemon_keys;

/* Fresh keys. NULL with *status (may be NULL) set on failure. Free with daemon_keys_free. */
sv_daemon_keys *daemon_keys_generate(int *status);
/* Write a new key file (mode 0600, O_EXCL: refuses to overwrite). Returns a keys_status. */
int daemon_keys_save(const sv_daemon_keys *k, const char *path, char *err, size_t errlen);
/* Load a key file; NULL with a one-line reason in err. */
sv_daemon_keys *daemon_keys_load(const char *path, char *err, size_t errlen);
/* The same, returning the keys_status and the keys in *out (NULL on failure). */
int daemon_keys_load_ex(const char *path, sv_daemon_keys **out, char *err, size_t errlen);
/* Wipe and free (NULL is fine). */
void daemon_keys_free(sv_daemon_keys *k);

#endif

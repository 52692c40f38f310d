/* logkey.c -- the audit log key held in this process, signing checkpoints (see logkey.h). */
#include "logkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "signed_note.h"

struct logkey {
  char origin[CHECKPOINT_ORIGIN_MAX + 1];
  note_signer *key; /* sodium_malloc'd by signed_note.c */
};

logkey *logkey_new(const char *origin, const uint8_t log_sk[64], char *err, size_t errlen) {
  logkey *k = calloc(1, sizeof *k);
  if (k == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  int status = 0;
  if (strlen(origin) < sizeof k->origin) {
    memcpy(k->origin, origin, strlen(origin) + 1);
    k->key = note_signer_from_seed(origin, log_sk, &status);
  }
  if (k->key == NULL) {
    snprintf(err, errlen, "cannot set up the log key for origin '%s'", origin);
    logkey_free(k);
    return NULL;
  }
  return k;
}

void logkey_free(logkey *k) {
  if (k == NULL) return;
  note_signer_free(k->key);
  free(k);
}

/* auditlog_sign_fn: sign the checkpoint of size base + n with the root the log computed (this
 * signer keeps no frontier of its own; the leaves are not needed). */
static int logkey_sign(void *ctx, uint64_t base, const uint8_t (*leaves)[32], size_t n,
                       const uint8_t root[32], char **note, char *err, size_t errlen) {
  (void)leaves;
  logkey *k = ctx;
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  memcpy(cp.origin, k->origin, sizeof cp.origin);
  cp.size = base + n;
  memcpy(cp.root, root, 32);
  size_t len = 0;
  if (checkpoint_sign(&cp, k->key, note, &len) == CHECKPOINT_OK) return 0;
  snprintf(err, errlen, "cannot sign checkpoint %llu", (unsigned long long)cp.size);
  return -1;
}

auditlog_signer logkey_signer(logkey *k) {
  auditlog_signer s = {logkey_sign, k, NULL, NULL, NULL};
  return s;
}

static void logkey_release(void *ctx) { logkey_free(ctx); }

store *logkey_store_open(const config *cfg, const sv_daemon_keys *keys, enum auditlog_verify mode,
                         char *err, size_t errlen) {
  logkey *k = logkey_new(cfg->origin, keys->log_sk, err, errlen);
  if (k == NULL) return NULL;
  auditlog_signer sg = {logkey_sign, k, logkey_release, NULL, NULL};
  store *st = store_open(cfg, keys->log_pk, &sg, mode, err, errlen);
  if (st == NULL) logkey_free(k); /* not taken when the store does not open */
  return st;
}

/* logkey.h -- the audit log key held in this process: signs the log's checkpoints (an
 * auditlog_signer) for samvirked init and for a daemon that does not use the separate log
 * signer process (signer.h). */
#ifndef SAMVIRKED_LOGKEY_H
#define SAMVIRKED_LOGKEY_H

#include <stddef.h>
#include <stdint.h>

#include "auditlog.h"
#include "config.h"
#include "keys.h"
#include "store.h"

typedef struct logkey logkey;

/* A signer for checkpoints of the log named origin with the Ed25519 secret key log_sk (its
 * seed, the first 32 bytes, is copied into sodium_malloc memory). NULL with a reason in err. */
logkey *logkey_new(const char *origin, const uint8_t log_sk[64], char *err, size_t errlen);
/* Wipe the key and free. NULL is a no-op. */
void logkey_free(logkey *k);
/* The auditlog_signer that signs with k (k must outlive its use). */
auditlog_signer logkey_signer(logkey *k);
/* Open the store of cfg's directory with a log key of its own made from keys->log_sk (released
 * when the store closes), verifying the log as mode says: for offline tools (init, admin,
 * backup). NULL with the reason in err. */
store *logkey_store_open(const config *cfg, const sv_daemon_keys *keys, enum auditlog_verify mode,
                         char *err, size_t errlen);

#endif

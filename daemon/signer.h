/* signer.h -- signs audit-log checkpoints with the daemon's log key: the only code that holds
 * the key. Its interface is one question, "sign the checkpoint of size N with root R", so that
 * it can move into a process of its own. */
#ifndef SAMVIRKED_SIGNER_H
#define SAMVIRKED_SIGNER_H

#include <stddef.h>
#include <stdint.h>

typedef struct signer signer;

/* A signer for checkpoints of the log named origin, with the Ed25519 secret key log_sk (its
 * seed, the first 32 bytes, is copied into sodium_malloc memory). NULL with a reason in err. */
signer *signer_new(const char *origin, const uint8_t log_sk[64], char *err, size_t errlen);
/* Wipe the key and free. NULL is a no-op. */
void signer_free(signer *s);
/* Sign the C2SP tlog-checkpoint for a tree of size entries with root hash root, as a signed
 * note ("origin\nsize\nbase64(root)\n\n— origin sig\n"). *note is malloc'd (caller frees).
 * Returns 0, or -1 (out of memory). */
int signer_sign(signer *s, uint64_t size, const uint8_t root[32], char **note);

#endif

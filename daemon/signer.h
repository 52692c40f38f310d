/* signer.h -- the network-facing process's handle on the log signer process (signer_proc.c):
 * starting it, receiving the keys this process may hold, and asking it to sign. */
#ifndef SAMVIRKED_SIGNER_H
#define SAMVIRKED_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auditlog.h"
#include "keys.h"
#include "merkle.h"

typedef struct signer signer;

/* Start the signer for the daemon directory dir: fork and exec this program (exe, normally
 * "/proc/self/exe") as `samvirked signer DIR` with one end of a socket pair, and wait for its
 * first message. On success returns the handle and *keys (sodium_malloc'd; free with
 * daemon_keys_free) holds the Noise keys and the log's public key; its log_sk is all zero: the
 * log signing key never enters this process. Returns NULL with the reason in err. Call before
 * any thread is started. */
signer *signer_spawn(const char *exe, const char *dir, sv_daemon_keys **keys, char *err,
                     size_t errlen);

/* Whether the signer holds a state, and its size (as reported at start, then after every
 * successful init or extension), and its root as of start or init. */
bool signer_has_state(const signer *s);
uint64_t signer_size(const signer *s);
void signer_root(const signer *s, uint8_t out[32]);

/* Give the signer its first state: the frontier fr of a log whose checkpoint for fr->size is
 * note (nlen bytes; none for the empty tree). The signer checks that note is signed by its key
 * and that fr's root is the note's. Only once: a signer with a state refuses. Returns 0 or -1
 * with the signer's reason in err. */
int signer_init(signer *s, const merkle_frontier *fr, const char *note, size_t nlen, char *err,
                size_t errlen);

/* Extend the signer's tree, whose size must be base, by the n leaf hashes, and get the signed
 * checkpoint of the result: *note (malloc'd, NUL-terminated, *nlen bytes). n may be 0 to have
 * the current size signed again. n above SIGNER_MAX_LEAVES is sent in several steps. Returns 0,
 * or -1 with the reason in err (the signer's state is unchanged by a refused step). Not
 * thread-safe: one caller at a time. */
int signer_extend(signer *s, uint64_t base, const uint8_t (*leaves)[32], size_t n, char **note,
                  size_t *nlen, char *err, size_t errlen);

/* The audit log's signer (auditlog.h) that signs through s, with its record (state, adopt).
 * Every note it returns is checked: signed by the log key for origin, for the size and root
 * the log computed. When the signer process stops answering, lost(lost_ctx) is called once,
 * on the signing thread. s must outlive the log; the log does not release it. */
auditlog_signer signer_auditlog(signer *s, const char *origin, void (*lost)(void *ctx),
                                void *lost_ctx);

/* Close the socket (the signer then exits) and reap the process. NULL is fine. */
void signer_close(signer *s);

/* The signer's process id (for tests and logs). */
int signer_pid(const signer *s);

#endif

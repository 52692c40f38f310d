/* signer_state.h -- the log signer's own durable record of the tree it has signed: its Merkle
 * frontier, in a file of two slots written alternately, so a torn write never loses the last
 * good state and the state never moves backwards. */
#ifndef SAMVIRKED_SIGNER_STATE_H
#define SAMVIRKED_SIGNER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

#define SIGNER_STATE_FILE "signer.state"
/* Bytes per slot; a slot holds a header, up to 64 hashes and a checksum (2,144 bytes). */
#define SIGNER_STATE_SLOT 4096

/* How often a save also flushes the state to disk (ms); see signer_state_save. */
#define SIGNER_STATE_SYNC_MS 1000

typedef struct signer_state {
  int fd;
  int slot;            /* slot holding the current state, -1 when none yet */
  uint64_t generation; /* generation of that slot; the next save writes generation + 1 */
  int hot;             /* the slot saves write until the next flush (never the flushed one) */
  bool dirty;          /* saved since the last flush */
  uint64_t synced_ms;  /* monotonic time of the last flush, 0: never */
  uint32_t sync_ms;    /* SIGNER_STATE_SYNC_MS; tests may change it */
} signer_state;

/* Open the state file at path, creating it (mode 0600, both slots allocated on disk, so a full
 * disk cannot make a later save fail for want of space) when it does not exist, and load the
 * newest valid slot into *fr. *found is false for a new file (or one whose slots were never
 * written). A file whose slots hold data but none of it valid is an error (damaged or edited:
 * starting over would let the signer sign a second history). Returns 0, or -1 with the reason
 * in err. */
int signer_state_open(signer_state *ss, const char *path, merkle_frontier *fr, bool *found,
                      char *err, size_t errlen);

/* Read the state file at path without creating or changing it (offline tools: restore).
 * *found false when there is no file or it was never written. Returns 0, or -1 with the reason
 * in err (unreadable, damaged). */
int signer_state_peek(const char *path, merkle_frontier *fr, bool *found, char *err,
                      size_t errlen);

/* Record fr as the new state. It goes into the hot slot (the page cache: it outlives the
 * process), and when sync_ms have passed since the last flush the file is flushed to disk
 * (fdatasync) and the other slot becomes the hot one. So the slot flushed last is never
 * rewritten until the next flush has made a newer one durable: a torn write can cost at most
 * the states saved since, never the file. A state lost to a power cut is one the log's own
 * database (committed before anything is signed) brings back at the next start. On failure the
 * last good state stays on disk (and ss unchanged). Returns 0 or -1 with the reason in err. */
int signer_state_save(signer_state *ss, const merkle_frontier *fr, char *err, size_t errlen);
/* Flush what was saved since the last flush. Returns 0 or -1 with err. */
int signer_state_sync(signer_state *ss, char *err, size_t errlen);

/* Flush and close. */
void signer_state_close(signer_state *ss);

/* Encode fr with generation gen into one slot image (SIGNER_STATE_SLOT bytes) / decode one.
 * decode returns 0 and fills fr and *gen, or -1 when the slot is not a valid state. Exposed for
 * tests. */
void signer_state_encode(const merkle_frontier *fr, uint64_t gen, uint8_t out[SIGNER_STATE_SLOT]);
int signer_state_decode(const uint8_t in[SIGNER_STATE_SLOT], merkle_frontier *fr, uint64_t *gen);

#endif

/* checkpoint.h -- C2SP tlog-checkpoint: the signed tree head of the audit log. */
#ifndef SAMVIRKE_CHECKPOINT_H
#define SAMVIRKE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "signed_note.h"

#define CHECKPOINT_ORIGIN_MAX 255 /* bytes (local limit) */
#define CHECKPOINT_EXT_MAX 1024   /* bytes of extension lines, newlines included (local limit) */

enum checkpoint_status {
  CHECKPOINT_OK = 0,
  CHECKPOINT_ERR_FORMAT = -1, /* body not a well-formed checkpoint */
  CHECKPOINT_ERR_ORIGIN = -2, /* origin differs from the expected one */
  CHECKPOINT_ERR_NOTE = -3,   /* signed note malformed or not signed by the log key */
  CHECKPOINT_ERR_NOMEM = -4,
};

/* A parsed checkpoint. Plain value type (no owned memory). */
typedef struct checkpoint {
  char origin[CHECKPOINT_ORIGIN_MAX + 1];
  uint64_t size;
  uint8_t root[32];
  /* Optional extension lines, each ending in '\n', concatenated; "" when none. */
  char ext[CHECKPOINT_EXT_MAX + 1];
} checkpoint;

/* Format the note text "origin\nsize\nbase64(root)\n" + ext. *out malloc'd, NUL-terminated,
 * *outlen bytes without the NUL. Returns CHECKPOINT_OK, CHECKPOINT_ERR_FORMAT (empty origin
 * or one with a newline or control characters; ext not a sequence of non-empty lines) or
 * CHECKPOINT_ERR_NOMEM. */
int checkpoint_format(const checkpoint *c, char **out, size_t *outlen);

/* Parse a checkpoint note text (len bytes) strictly: non-empty origin; size in decimal with no
 * sign, no leading zeros (except "0") and no overflow; root exactly the 44-character padded
 * base64 of 32 bytes; any further lines non-empty. Returns CHECKPOINT_OK or
 * CHECKPOINT_ERR_FORMAT. */
int checkpoint_parse(const char *text, size_t len, checkpoint *c);

/* Format and sign: *out is the signed note (malloc'd, NUL-terminated). */
int checkpoint_sign(const checkpoint *c, const note_signer *signer, char **out, size_t *outlen);

/* Verify a signed checkpoint with the log's verifier key and parse it. If origin is non-NULL
 * the checkpoint's origin must equal it. Returns CHECKPOINT_OK, CHECKPOINT_ERR_NOTE (see
 * *note_status, may be NULL, for the signed_note reason), CHECKPOINT_ERR_FORMAT or
 * CHECKPOINT_ERR_ORIGIN. */
int checkpoint_open(const char *msg, size_t len, const note_verifier *log_key, const char *origin,
                    checkpoint *c, int *note_status);

#endif

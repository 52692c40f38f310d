/* tlog.h -- the client's reading of the audit log's signed material, for every caller: the
 * configured log key, signed checkpoints (from a file or from a server's answer) and the Merkle
 * proofs in answers. Each function returns 0 (or 1/0 for found/absent) and -1 with one line
 * in err, in words an auditor understands. */
#ifndef SAMVIRKE_CLIENT_TLOG_H
#define SAMVIRKE_CLIENT_TLOG_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "merkle.h"
#include "signed_note.h"

#define TLOG_NOTE_MAX (64 * 1024) /* largest checkpoint file accepted */

/* The hashes of an inclusion or consistency proof. Plain value type. */
typedef struct tlog_proof {
  uint8_t hash[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
  size_t n;
} tlog_proof;

/* Parse the configured log verifier key vkey (C2SP "<origin>+<keyid>+<base64>"; NULL or "" when
 * none is configured) into *v. Returns 0, or -1 with err saying that no key is configured and
 * how to set one, or that the key is not a valid verifier key. */
int tlog_key_parse(const char *vkey, note_verifier *v, char *err, size_t errlen);

/* Verify the signed checkpoint text (len bytes) with the log key v, require v's name as its
 * origin, and parse it into *cp. what names the checkpoint in err ("the server's checkpoint",
 * a file name). Returns 0, or -1 with err: not signed by the configured log key (and why),
 * names another log, or not a well-formed checkpoint. */
int tlog_checkpoint_open(const char *text, size_t len, const note_verifier *v, const char *what,
                         checkpoint *cp, char *err, size_t errlen);

/* Read the checkpoint file path (at most TLOG_NOTE_MAX bytes) and open it
 * (tlog_checkpoint_open, named by its path). Returns 1 with *cp and, when note is non-NULL,
 * *note (malloc'd, NUL-terminated; caller frees); 0 when the file does not exist (*note NULL);
 * -1 with err. */
int tlog_checkpoint_read(const char *path, const note_verifier *v, checkpoint *cp, char **note,
                         char *err, size_t errlen);

/* The string field "checkpoint" of a server's answer res, opened with v as "the server's
 * checkpoint". Returns 0 with *cp, and *note / *notelen pointing into res (valid while res
 * is); -1 with err when it is missing or does not verify. */
int tlog_checkpoint_answer(const msgpack_object *res, const note_verifier *v, checkpoint *cp,
                           const char **note, size_t *notelen, char *err, size_t errlen);

/* Decode the proof under key in a server's answer res (an array of at most MERKLE_MAX_PROOF
 * 32-byte bin values) into *p. Returns 0, 1 when res is no map or has no such key, -1 when the
 * value is not such an array (*p then holds nothing). */
int tlog_proof_answer(const msgpack_object *res, const char *key, tlog_proof *p);

#endif

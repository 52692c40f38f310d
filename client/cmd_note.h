/* cmd_note.h -- `samvirke note ...`: send, list, read, acknowledge and watch restricted notes. */
#ifndef SAMVIRKE_CMD_NOTE_H
#define SAMVIRKE_CMD_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "config.h"
#include "envelope.h"
#include "keys.h"
#include "session.h"

/* Largest frame a session that fetches envelopes accepts from the daemon. */
#define CMD_NOTE_FRAME_MAX ((64u << 20) + 65536)

extern const cli_cmd cmd_note_table[];

int cmd_note_send(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_list(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_read(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_ack(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_watch(int argc, char **argv, const cli_ctx *ctx);

/* Read a note's body from FILE or stdin ("-" or NULL), at most 4 MiB, into sodium_malloc
 * memory (the caller releases it with sodium_free, which wipes it). The plaintext is read with
 * read(2), not stdio, so no copy stays behind in a stdio buffer. When stdin is a terminal, says
 * so on stderr before waiting for the text. An empty (or blank) body is refused. Returns NULL
 * (printed) on failure. */
uint8_t *cmd_note_read_body(const char *path, size_t *len);

/* Verify and decrypt envelope env as identity id: the sender's card is first proven against
 * the log (directory_trust_card over s with cfg). On success returns 0 with *body (sodium
 * memory; envelope_free_body), *blen, the header h and the sender's name; else -1 (printed). */
int cmd_note_open(session *s, const client_config *cfg, const sv_identity *id,
                  const uint8_t *env, size_t elen, envelope_header *h, char *sender_name,
                  size_t namelen, uint8_t **body, size_t *blen);

#endif

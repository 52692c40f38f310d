/* cmd_note.h -- `samvirke note ...`: send, list, read, acknowledge and watch restricted notes. */
#ifndef SAMVIRKE_CMD_NOTE_H
#define SAMVIRKE_CMD_NOTE_H

#include "cli.h"

extern const cli_cmd cmd_note_table[];

int cmd_note_send(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_list(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_read(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_ack(int argc, char **argv, const cli_ctx *ctx);
int cmd_note_watch(int argc, char **argv, const cli_ctx *ctx);

#endif

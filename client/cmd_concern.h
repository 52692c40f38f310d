/* cmd_concern.h -- `samvirke concern ...`: a partner hands in a concern about a person, sealed to
 * the regime, and keeps a receipt; regime members list, read, assign, close and answer. */
#ifndef SAMVIRKE_CMD_CONCERN_H
#define SAMVIRKE_CMD_CONCERN_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* Sub-table for the row {"concern", NULL, help, cmd_concern_table}. */
extern const cli_cmd cmd_concern_table[];

/* The receipts kept in the identity directory (file "receipts", mode 0600): one line per
 * concern handed in, "<receipt, 32 hex> <audit number> <Unix time> <area or ->\n". */
#define CONCERN_RECEIPTS_FILE "receipts"

typedef struct concern_receipt {
  uint8_t id[16];
  uint64_t audit, time;
  char area[256];
} concern_receipt;

/* Append r to dir's receipts file. Returns 0 or -1 with err. */
int concern_receipt_save(const char *dir, const concern_receipt *r, char *err, size_t errlen);
/* Read dir's receipts into *out (malloc'd; *n of them; none when the file does not exist).
 * Malformed lines are skipped. Returns 0 or -1 with err. */
int concern_receipt_load(const char *dir, concern_receipt **out, size_t *n, char *err,
                         size_t errlen);

#endif

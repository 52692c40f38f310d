/* concern_receipts.h -- the receipts a partner keeps of the concerns it handed in (`concern
 * submit`, the web's concern page), and reads back to ask what became of them. */
#ifndef SAMVIRKE_CONCERN_RECEIPTS_H
#define SAMVIRKE_CONCERN_RECEIPTS_H

#include <stddef.h>
#include <stdint.h>

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

/* audit_file.h -- the auditor's local copy of the audit trail: the entries file and the two files
 * beside it. Formats (all integers big-endian):
 *
 *   FILE              the line "samvirke-audit-entries-v1\n"; the sequence number START of the
 *                     first entry (8 bytes); a byte K and K 32-byte hashes: the Merkle frontier
 *                     of the START entries before it (the perfect subtree hashes for each set
 *                     bit of START, lowest level first; none for START 0); then records: length
 *                     (4 bytes, 1..AUDIT_FILE_ENTRY_MAX) and one canonical entry.
 *   FILE.checkpoint   the latest fetched signed checkpoint note, verbatim.
 *   FILE.consistency  "samvirke-audit-consistency-v1\nOLD NEW\n" then one base64 hash per line:
 *                     the consistency proof from the trusted checkpoint's size OLD to the
 *                     fetched checkpoint's size NEW.
 *
 * FILE defaults to <identity>/audit/entries.bin. Nothing here checks what the files say: the
 * frontier and the entries are authenticated by recomputing the signed root (audit_verify.h). */
#ifndef SAMVIRKE_CLIENT_AUDIT_FILE_H
#define SAMVIRKE_CLIENT_AUDIT_FILE_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "merkle.h"
#include "tlog.h"

#define AUDIT_FILE_ENTRY_MAX 4096 /* larger than any canonical entry */

/* The files of one trail. */
typedef struct audit_paths {
  char dir[CLIENT_PATH_MAX]; /* <identity>/audit */
  char entries[CLIENT_PATH_MAX];
  char checkpoint[CLIENT_PATH_MAX + 16];
  char consistency[CLIENT_PATH_MAX + 16];
} audit_paths;

/* Fill p for identity directory dir and the entries file file (NULL: the default). Returns 0,
 * or -1 when a path does not fit. */
int audit_paths_init(const char *dir, const char *file, audit_paths *p);

/* An entries file open for reading. */
typedef struct audit_file {
  FILE *f;
  uint64_t start;     /* sequence number of the first record */
  merkle_frontier fr; /* the frontier of the first `start` entries, as the file says */
} audit_file;

/* Open the entries file path and read its header into *af. Returns 0, or -1 with err (errno is
 * ENOENT when the file does not exist, EINVAL when it is not an entries file). */
int audit_file_open(const char *path, audit_file *af, char *err, size_t errlen);

/* The next record into buf (AUDIT_FILE_ENTRY_MAX bytes), its length in *len. Returns 1, 0 at a
 * clean end of the file, or -1 for a truncated, empty or oversized record. */
int audit_file_next(audit_file *af, uint8_t *buf, size_t *len);

/* Count the records after the header by skipping over them; leaves af at the end. Returns the
 * count, or -1 when the file is damaged (a record cut short, empty or oversized). */
int64_t audit_file_count(audit_file *af);

/* Close af (an already closed one is fine). */
void audit_file_close(audit_file *af);

/* Create (or truncate) the entries file path with a header for START fr->size and frontier fr,
 * and no records. Returns 0, or -1 with err. */
int audit_file_create(const char *path, const merkle_frontier *fr, char *err, size_t errlen);

/* Append one record of len bytes (1..AUDIT_FILE_ENTRY_MAX) to f (opened for appending). Returns
 * 0, or -1 on a write error. */
int audit_file_append(FILE *f, const uint8_t *entry, size_t len);

/* Write the consistency file path: the proof from size old to size nsize. Returns 0, or -1 with
 * err. */
int audit_consistency_write(const char *path, uint64_t old, uint64_t nsize,
                            const tlog_proof *proof, char *err, size_t errlen);

/* Read the consistency file path. Returns 0 with *old, *nsize and *proof, 1 when it does not
 * exist, -1 when it cannot be read or is malformed. */
int audit_consistency_read(const char *path, uint64_t *old, uint64_t *nsize, tlog_proof *proof);

#endif

/* powercut.h -- power-cut simulation below SQLite: for every database, WAL and journal file,
 * a shadow copy holding only what was durably synced, so a test can replace the files with
 * what a disk would hold after the power failed at any moment (see powercut.c for the model).
 * Test builds only. */
#ifndef SAMVIRKE_POWERCUT_H
#define SAMVIRKE_POWERCUT_H

#include <stdint.h>

typedef struct pc_file pc_file;

/* Enable the simulation with its shadow directory (made if missing). Returns 0 or -1. */
int powercut_init(const char *dir);
/* Whether powercut_init succeeded. */
int powercut_enabled(void);
/* Start tracking the file at path (as it is now, taken to be durable). NULL when the
 * simulation is off. Aborts the process if the shadow cannot be made: a simulation that
 * silently lost track would judge nothing. */
pc_file *powercut_open(const char *path);
/* A write, a truncation, a sync that succeeded or failed; a close; a deletion. */
void powercut_write(pc_file *f, const void *buf, int amt, int64_t off);
void powercut_truncate(pc_file *f, int64_t size);
void powercut_synced(pc_file *f);
void powercut_sync_failed(pc_file *f);
void powercut_close(pc_file *f);
void powercut_delete(const char *path);

#endif

/* walsync.h -- flushes the store's write-ahead log to disk from a connection of its own, so that
 * the storage thread can commit without waiting for the disk (synchronous=NORMAL) and another
 * thread makes those commits durable (see store.c). */
#ifndef SAMVIRKED_WALSYNC_H
#define SAMVIRKED_WALSYNC_H

#include <stddef.h>

typedef struct walsync walsync;

/* A flusher for the WAL of the database at path, which must be in WAL mode with its WAL file
 * in place (the store has written to it). It opens its own connection (through SQLite's
 * default VFS, so fault injection and power-cut simulation see its flushes) and holds the WAL
 * file's handle of that connection. NULL with the reason in err. */
walsync *walsync_open(const char *path, char *err, size_t errlen);
/* Flush the WAL: everything written to it before the call is on disk when it returns 0. One
 * thread at a time. Returns 0, or the SQLite error code of the failed flush. */
int walsync_flush(walsync *w);
/* Close the connection (before the store's own, which then checkpoints the log). NULL is a
 * no-op. */
void walsync_close(walsync *w);

#endif

/* walsync.c -- flushes the store's write-ahead log from a connection of its own (walsync.h).
 *
 * The flush is the WAL file's xSync, reached through the documented VFS interface: the second
 * connection's handle of the WAL (SQLITE_FCNTL_JOURNAL_POINTER). A flush of one handle of a file
 * makes every write to the file durable, the store's connection's included; using a handle of
 * its own keeps this thread off the storage thread's SQLite objects. */
#include "walsync.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

struct walsync {
  sqlite3 *db;
  sqlite3_file *wal; /* owned by db's pager */
};

walsync *walsync_open(const char *path, char *err, size_t errlen) {
  walsync *w = calloc(1, sizeof *w);
  if (w == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  sqlite3_stmt *s = NULL;
  if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK)
    goto err;
  /* A read opens the WAL for this connection; it keeps it open until it closes. */
  if (sqlite3_prepare_v2(w->db, "SELECT count(*) FROM schema_version", -1, &s, NULL) !=
          SQLITE_OK ||
      sqlite3_step(s) != SQLITE_ROW)
    goto err;
  sqlite3_finalize(s);
  s = NULL;
  if (sqlite3_file_control(w->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &w->wal) != SQLITE_OK ||
      w->wal == NULL || w->wal->pMethods == NULL) {
    snprintf(err, errlen, "%s: the write-ahead log is not open", path);
    walsync_close(w);
    return NULL;
  }
  return w;
err:
  snprintf(err, errlen, "%s: %s", path, w->db ? sqlite3_errmsg(w->db) : "cannot open");
  sqlite3_finalize(s);
  walsync_close(w);
  return NULL;
}

int walsync_flush(walsync *w) { return w->wal->pMethods->xSync(w->wal, SQLITE_SYNC_NORMAL); }

void walsync_close(walsync *w) {
  if (w == NULL) return;
  if (w->db) sqlite3_close(w->db);
  free(w);
}

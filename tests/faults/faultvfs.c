/* faultvfs.c -- a SQLite VFS shim that injects I/O faults (see faultvfs.h), written against
 * SQLite's documented VFS interface (sqlite3_vfs, sqlite3_io_methods). Test builds only.
 *
 * Faults are reported the way SQLite's unix VFS reports the real errors, so the code above
 * sees exactly what a failing disk would give it:
 *   write  ENOSPC -> SQLITE_FULL, other errno -> SQLITE_IOERR_WRITE, nothing written;
 *          FE_SHORT -> the first half of the bytes written, then SQLITE_FULL (a short write);
 *   sync   any errno -> SQLITE_IOERR_FSYNC, nothing synced;
 *   read   any errno -> SQLITE_IOERR_READ, the buffer left unspecified;
 *   truncate any errno -> SQLITE_IOERR_TRUNCATE.
 * Memory-mapped I/O is refused (xFetch maps nothing), so every page read goes through xRead. */
#include "faultvfs.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "faultctl.h"
#include "powercut.h"

#define TRACKED (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)

typedef struct fv_file {
  sqlite3_file base; /* must be first */
  sqlite3_file *real;
  int tracked;
  pc_file *pc;
  int err; /* errno of the last injected fault (xGetLastError) */
} fv_file;

static sqlite3_vfs fv_vfs;
static sqlite3_vfs *real_vfs;
static int last_errno;

static int fv_close(sqlite3_file *f) {
  fv_file *p = (fv_file *)f;
  int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
  powercut_close(p->pc);
  p->pc = NULL;
  return rc;
}

static int fv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off) {
  fv_file *p = (fv_file *)f;
  if (p->tracked) {
    int e = faultctl_hit(FK_READ);
    uint64_t n = faultctl_last(FK_READ);
    if (e != 0) {
      last_errno = e == FE_SHORT ? EIO : e;
      return SQLITE_IOERR_READ;
    }
    int rc = p->real->pMethods->xRead(p->real, buf, amt, off);
    faultctl_after(FK_READ, n);
    return rc;
  }
  return p->real->pMethods->xRead(p->real, buf, amt, off);
}

static int fv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off) {
  fv_file *p = (fv_file *)f;
  if (!p->tracked) return p->real->pMethods->xWrite(p->real, buf, amt, off);
  int e = faultctl_hit(FK_WRITE);
  uint64_t n = faultctl_last(FK_WRITE);
  if (e == FE_SHORT) {
    int half = amt / 2;
    if (half > 0) {
      powercut_write(p->pc, buf, half, off);
      p->real->pMethods->xWrite(p->real, buf, half, off);
    }
    last_errno = ENOSPC;
    return SQLITE_FULL;
  }
  if (e != 0) {
    last_errno = e;
    return e == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
  }
  powercut_write(p->pc, buf, amt, off);
  int rc = p->real->pMethods->xWrite(p->real, buf, amt, off);
  faultctl_after(FK_WRITE, n);
  return rc;
}

static int fv_truncate(sqlite3_file *f, sqlite3_int64 size) {
  fv_file *p = (fv_file *)f;
  if (!p->tracked) return p->real->pMethods->xTruncate(p->real, size);
  int e = faultctl_hit(FK_TRUNC);
  uint64_t n = faultctl_last(FK_TRUNC);
  if (e != 0) {
    last_errno = e == FE_SHORT ? EIO : e;
    return SQLITE_IOERR_TRUNCATE;
  }
  powercut_truncate(p->pc, size);
  int rc = p->real->pMethods->xTruncate(p->real, size);
  faultctl_after(FK_TRUNC, n);
  return rc;
}

static int fv_sync(sqlite3_file *f, int flags) {
  fv_file *p = (fv_file *)f;
  if (!p->tracked) return p->real->pMethods->xSync(p->real, flags);
  int e = faultctl_hit(FK_SYNC);
  uint64_t n = faultctl_last(FK_SYNC);
  if (e != 0) {
    last_errno = e == FE_SHORT ? EIO : e;
    powercut_sync_failed(p->pc);
    return SQLITE_IOERR_FSYNC;
  }
  int rc = p->real->pMethods->xSync(p->real, flags);
  if (rc == SQLITE_OK)
    powercut_synced(p->pc);
  else
    powercut_sync_failed(p->pc);
  faultctl_after(FK_SYNC, n);
  return rc;
}

static int fv_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xFileSize(p->real, size);
}

static int fv_lock(sqlite3_file *f, int level) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xLock(p->real, level);
}

static int fv_unlock(sqlite3_file *f, int level) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xUnlock(p->real, level);
}

static int fv_check_reserved(sqlite3_file *f, int *out) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xCheckReservedLock(p->real, out);
}

static int fv_file_control(sqlite3_file *f, int op, void *arg) {
  fv_file *p = (fv_file *)f;
  if (op == SQLITE_FCNTL_MMAP_SIZE) { /* keep memory-mapped reads off: faults must be seen */
    *(sqlite3_int64 *)arg = 0;
    return SQLITE_OK;
  }
  return p->real->pMethods->xFileControl(p->real, op, arg);
}

static int fv_sector_size(sqlite3_file *f) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xSectorSize(p->real);
}

static int fv_device_characteristics(sqlite3_file *f) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xDeviceCharacteristics(p->real);
}

static int fv_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xShmMap(p->real, pg, pgsz, extend, pp);
}

static int fv_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void fv_shm_barrier(sqlite3_file *f) {
  fv_file *p = (fv_file *)f;
  p->real->pMethods->xShmBarrier(p->real);
}

static int fv_shm_unmap(sqlite3_file *f, int del) {
  fv_file *p = (fv_file *)f;
  return p->real->pMethods->xShmUnmap(p->real, del);
}

static int fv_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp) {
  (void)f, (void)off, (void)amt;
  *pp = NULL; /* no mapping: SQLite reads through xRead */
  return SQLITE_OK;
}

static int fv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *page) {
  (void)f, (void)off, (void)page;
  return SQLITE_OK;
}

static const sqlite3_io_methods fv_io = {
    3,
    fv_close,
    fv_read,
    fv_write,
    fv_truncate,
    fv_sync,
    fv_file_size,
    fv_lock,
    fv_unlock,
    fv_check_reserved,
    fv_file_control,
    fv_sector_size,
    fv_device_characteristics,
    fv_shm_map,
    fv_shm_lock,
    fv_shm_barrier,
    fv_shm_unmap,
    fv_fetch,
    fv_unfetch,
};

/* Open through the real VFS into the memory after our header; our methods wrap the file
 * whenever the real open set methods, since SQLite then calls xClose even after a failure. */
static int fv_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
                   int *out_flags) {
  (void)vfs;
  fv_file *p = (fv_file *)f;
  memset(p, 0, sizeof *p);
  p->real = (sqlite3_file *)&p[1];
  int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
  if (p->real->pMethods == NULL) {
    p->base.pMethods = NULL;
    return rc;
  }
  p->base.pMethods = &fv_io;
  p->tracked = (flags & TRACKED) != 0 && name != NULL;
  if (rc == SQLITE_OK && p->tracked) p->pc = powercut_open(name);
  return rc;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs;
  int rc = real_vfs->xDelete(real_vfs, name, sync_dir);
  if (rc == SQLITE_OK) powercut_delete(name);
  return rc;
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  (void)vfs;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *fv_dlopen(sqlite3_vfs *vfs, const char *path) {
  (void)vfs;
  return real_vfs->xDlOpen(real_vfs, path);
}

static void fv_dlerror(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  real_vfs->xDlError(real_vfs, n, out);
}

static void (*fv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void) {
  (void)vfs;
  return real_vfs->xDlSym(real_vfs, h, sym);
}

static void fv_dlclose(sqlite3_vfs *vfs, void *h) {
  (void)vfs;
  real_vfs->xDlClose(real_vfs, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return real_vfs->xRandomness(real_vfs, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us) {
  (void)vfs;
  return real_vfs->xSleep(real_vfs, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out) {
  (void)vfs;
  return real_vfs->xCurrentTime(real_vfs, out);
}

static int fv_get_last_error(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  if (last_errno != 0) {
    if (n > 0) {
      strncpy(out, strerror(last_errno), (size_t)n - 1);
      out[n - 1] = '\0';
    }
    return last_errno;
  }
  return real_vfs->xGetLastError(real_vfs, n, out);
}

static int fv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
  (void)vfs;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static int fv_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr fn) {
  (void)vfs;
  return real_vfs->xSetSystemCall(real_vfs, name, fn);
}

static sqlite3_syscall_ptr fv_get_system_call(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return real_vfs->xGetSystemCall(real_vfs, name);
}

static const char *fv_next_system_call(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return real_vfs->xNextSystemCall(real_vfs, name);
}

int faultvfs_register(void) {
  if (real_vfs != NULL) return SQLITE_OK;
  sqlite3_vfs *r = sqlite3_vfs_find(NULL);
  if (r == NULL || r->iVersion < 3) return SQLITE_ERROR;
  real_vfs = r;
  fv_vfs.iVersion = 3;
  fv_vfs.szOsFile = (int)sizeof(fv_file) + r->szOsFile;
  fv_vfs.mxPathname = r->mxPathname;
  fv_vfs.zName = "svfault";
  fv_vfs.xOpen = fv_open;
  fv_vfs.xDelete = fv_delete;
  fv_vfs.xAccess = fv_access;
  fv_vfs.xFullPathname = fv_full_pathname;
  fv_vfs.xDlOpen = fv_dlopen;
  fv_vfs.xDlError = fv_dlerror;
  fv_vfs.xDlSym = fv_dlsym;
  fv_vfs.xDlClose = fv_dlclose;
  fv_vfs.xRandomness = fv_randomness;
  fv_vfs.xSleep = fv_sleep;
  fv_vfs.xCurrentTime = fv_current_time;
  fv_vfs.xGetLastError = fv_get_last_error;
  fv_vfs.xCurrentTimeInt64 = fv_current_time_int64;
  fv_vfs.xSetSystemCall = fv_set_system_call;
  fv_vfs.xGetSystemCall = fv_get_system_call;
  fv_vfs.xNextSystemCall = fv_next_system_call;
  return sqlite3_vfs_register(&fv_vfs, 1);
}

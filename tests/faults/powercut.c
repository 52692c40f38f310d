/* powercut.c -- power-cut simulation below SQLite (see powercut.h).
 *
 * The model, per tracked file F (database, WAL, rollback journal), exactly as a disk with a
 * volatile write cache behaves when the power fails:
 *   - what F held when it was first opened is durable;
 *   - a write or truncation becomes durable only when a later fsync of F succeeds;
 *   - a failed fsync makes nothing durable, and the writes it covered never become durable
 *     unless they are written again (Linux may drop dirty pages after a write-back error);
 *   - deleting F is durable at once (SQLite deletes only files it no longer needs).
 * The shadow directory holds, for F's base name B:
 *   B.durable  F's durable content, updated at every successful fsync;
 *   B.pending  the writes and truncations since the last fsync, in order: records of
 *              {u32 magic, u32 type, u64 offset or size, u64 length} followed by the data.
 *              A SYNC record ends the part a successful fsync made durable; it is applied to
 *              B.durable and the file emptied. A process killed in between leaves a pending
 *              file whose records before its last SYNC record are durable (re-applying them
 *              is idempotent) and whose records after it are not.
 * After the process is killed, a test rebuilds the files from the shadows
 * (tests/integration/svfault.py, powercut_restore): only what was synced survives, or, in its
 * harsher mode, a random subset of the unsynced writes as well (a disk may write back any of
 * them, in any order). */
#include "powercut.h"

#include "faultmem.h" /* its own allocations are never failed */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PC_MAGIC 0x43524350u /* "PCRC" */
enum { PC_WRITE = 1, PC_TRUNC = 2, PC_SYNC = 3 };

struct pc_record {
  uint32_t magic;
  uint32_t type;
  uint64_t off;
  uint64_t len;
};

struct pc_file {
  struct pc_file *next;
  int refs;
  char path[1024];
  int durable_fd;
  int pending_fd;
  pthread_mutex_t mu;
};

static char shadow_dir[1024];
static int enabled;
static pc_file *files;
static pthread_mutex_t files_mu = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what, const char *path) {
  fprintf(stderr, "powercut: %s %s: %s\n", what, path, strerror(errno));
  abort();
}

static void write_all(int fd, const void *buf, size_t len, int64_t off, const char *what) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = off >= 0 ? pwrite(fd, p, len, off) : write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("cannot write", what);
    p += n;
    len -= (size_t)n;
    if (off >= 0) off += n;
  }
}

static void shadow_path(char *out, size_t cap, const char *path, const char *ext) {
  const char *base = strrchr(path, '/');
  snprintf(out, cap, "%s/%s.%s", shadow_dir, base ? base + 1 : path, ext);
}

int powercut_init(const char *dir) {
  if (snprintf(shadow_dir, sizeof shadow_dir, "%s", dir) >= (int)sizeof shadow_dir) return -1;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
  enabled = 1;
  return 0;
}

int powercut_enabled(void) { return enabled; }

/* Copy the file at src (missing: empty) into the new file dst_fd. */
static void copy_into(int dst_fd, const char *src) {
  int fd = open(src, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;
    die("cannot read", src);
  }
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("cannot read", src);
    write_all(dst_fd, buf, (size_t)n, -1, src);
  }
  close(fd);
}

pc_file *powercut_open(const char *path) {
  if (!enabled || path == NULL) return NULL;
  pthread_mutex_lock(&files_mu);
  for (pc_file *f = files; f != NULL; f = f->next) {
    if (strcmp(f->path, path) == 0) {
      f->refs++;
      pthread_mutex_unlock(&files_mu);
      return f;
    }
  }
  pc_file *f = faultmem_real_calloc(1, sizeof *f);
  if (f == NULL) die("out of memory for", path);
  snprintf(f->path, sizeof f->path, "%s", path);
  f->refs = 1;
  pthread_mutex_init(&f->mu, NULL);
  char p[1200];
  shadow_path(p, sizeof p, path, "durable");
  f->durable_fd = open(p, O_RDWR | O_CLOEXEC);
  if (f->durable_fd < 0) { /* first sight of this file: what it holds now is durable */
    f->durable_fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->durable_fd < 0) die("cannot create", p);
    copy_into(f->durable_fd, path);
  }
  shadow_path(p, sizeof p, path, "pending");
  f->pending_fd = open(p, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (f->pending_fd < 0) die("cannot create", p);
  f->next = files;
  files = f;
  pthread_mutex_unlock(&files_mu);
  return f;
}

static void append(pc_file *f, uint32_t type, uint64_t off, const void *data, uint64_t len) {
  struct pc_record r = {PC_MAGIC, type, off, len};
  write_all(f->pending_fd, &r, sizeof r, -1, f->path);
  if (len > 0) write_all(f->pending_fd, data, (size_t)len, -1, f->path);
}

void powercut_write(pc_file *f, const void *buf, int amt, int64_t off) {
  if (f == NULL || amt <= 0) return;
  pthread_mutex_lock(&f->mu);
  append(f, PC_WRITE, (uint64_t)off, buf, (uint64_t)amt);
  pthread_mutex_unlock(&f->mu);
}

void powercut_truncate(pc_file *f, int64_t size) {
  if (f == NULL) return;
  pthread_mutex_lock(&f->mu);
  append(f, PC_TRUNC, (uint64_t)size, NULL, 0);
  pthread_mutex_unlock(&f->mu);
}

/* Apply the pending records before the last SYNC record to the durable copy. */
static void apply_pending(pc_file *f) {
  off_t end = lseek(f->pending_fd, 0, SEEK_END);
  if (end < 0) die("cannot seek", f->path);
  char *buf = faultmem_real_malloc(end > 0 ? (size_t)end : 1);
  if (buf == NULL) die("out of memory for", f->path);
  size_t got = 0;
  while (got < (size_t)end) {
    ssize_t n = pread(f->pending_fd, buf + got, (size_t)end - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("cannot read pending writes of", f->path);
    got += (size_t)n;
  }
  for (size_t o = 0; o + sizeof(struct pc_record) <= got;) {
    struct pc_record r;
    memcpy(&r, buf + o, sizeof r);
    if (r.magic != PC_MAGIC || o + sizeof r + r.len > got) die("corrupt pending writes of", f->path);
    if (r.type == PC_WRITE)
      write_all(f->durable_fd, buf + o + sizeof r, (size_t)r.len, (int64_t)r.off, f->path);
    else if (r.type == PC_TRUNC && ftruncate(f->durable_fd, (off_t)r.off) != 0)
      die("cannot truncate", f->path);
    o += sizeof r + r.len;
  }
  free(buf);
  if (ftruncate(f->pending_fd, 0) != 0) die("cannot empty pending writes of", f->path);
}

void powercut_synced(pc_file *f) {
  if (f == NULL) return;
  pthread_mutex_lock(&f->mu);
  append(f, PC_SYNC, 0, NULL, 0);
  apply_pending(f);
  pthread_mutex_unlock(&f->mu);
}

void powercut_sync_failed(pc_file *f) {
  if (f == NULL) return;
  pthread_mutex_lock(&f->mu);
  if (ftruncate(f->pending_fd, 0) != 0) die("cannot empty pending writes of", f->path);
  pthread_mutex_unlock(&f->mu);
}

static void release(pc_file *f) {
  close(f->durable_fd);
  close(f->pending_fd);
  pthread_mutex_destroy(&f->mu);
  free(f);
}

static void unlist(pc_file *f) {
  for (pc_file **pp = &files; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == f) {
      *pp = f->next;
      return;
    }
  }
}

void powercut_close(pc_file *f) {
  if (f == NULL) return;
  pthread_mutex_lock(&files_mu);
  if (--f->refs == 0) {
    unlist(f);
    release(f);
  }
  pthread_mutex_unlock(&files_mu);
}

void powercut_delete(const char *path) {
  if (!enabled || path == NULL) return;
  char p[1200];
  pthread_mutex_lock(&files_mu);
  for (pc_file *f = files; f != NULL; f = f->next) {
    if (strcmp(f->path, path) == 0) { /* still open: its name is gone, a new file may take it */
      unlist(f);
      break;
    }
  }
  shadow_path(p, sizeof p, path, "durable");
  unlink(p);
  shadow_path(p, sizeof p, path, "pending");
  unlink(p);
  pthread_mutex_unlock(&files_mu);
}

/* signer_state.c -- the log signer's durable frontier: two alternating slots in one file.
 *
 * Slot layout (SIGNER_STATE_SLOT bytes; integers big-endian):
 *   0   8   magic "SVSIGNER"
 *   8   1   format version, 1
 *   9   7   zero
 *   16  8   generation (the save counter; the valid slot with the higher one is current)
 *   24  8   tree size N
 *   32  32K K = popcount(N) subtree hashes of the frontier, lowest level first
 *   .   32  BLAKE2b-256 (unkeyed) of every byte before it
 *   .   ... zero up to the end of the slot */
#include "signer_state.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define MAGIC "SVSIGNER"
#define VERSION 1
#define HEADER 32

static void put_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}

void signer_state_encode(const merkle_frontier *fr, uint64_t gen, uint8_t out[SIGNER_STATE_SLOT]) {
  memset(out, 0, SIGNER_STATE_SLOT);
  memcpy(out, MAGIC, 8);
  out[8] = VERSION;
  put_be64(out + 16, gen);
  put_be64(out + 24, fr->size);
  size_t off = HEADER;
  for (unsigned l = 0; l < MERKLE_FRONTIER_LEVELS; l++) {
    if (!(fr->size >> l & 1)) continue;
    memcpy(out + off, fr->hash[l], 32);
    off += 32;
  }
  crypto_generichash(out + off, 32, out, off, NULL, 0);
}

int signer_state_decode(const uint8_t in[SIGNER_STATE_SLOT], merkle_frontier *fr, uint64_t *gen) {
  if (memcmp(in, MAGIC, 8) != 0 || in[8] != VERSION) return -1;
  for (int i = 9; i < 16; i++)
    if (in[i] != 0) return -1;
  merkle_frontier f;
  merkle_frontier_init(&f);
  f.size = get_be64(in + 24);
  size_t off = HEADER;
  for (unsigned l = 0; l < MERKLE_FRONTIER_LEVELS; l++) {
    if (!(f.size >> l & 1)) continue;
    memcpy(f.hash[l], in + off, 32);
    off += 32;
  }
  uint8_t sum[32];
  crypto_generichash(sum, 32, in, off, NULL, 0);
  if (sodium_memcmp(sum, in + off, 32) != 0) return -1;
  *fr = f;
  *gen = get_be64(in + 16);
  return 0;
}

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* Read exactly n bytes at off. Returns 0, or -1 (errno set; EIO for a short file). */
static int read_at(int fd, uint8_t *p, size_t n, off_t off) {
  while (n > 0) {
    ssize_t r = pread(fd, p, n, off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = EIO;
      return -1;
    }
    p += r;
    n -= (size_t)r;
    off += r;
  }
  return 0;
}

static int write_at(int fd, const uint8_t *p, size_t n, off_t off) {
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return -1;
    }
    p += w;
    n -= (size_t)w;
    off += w;
  }
  return 0;
}

/* Create path with two zeroed slots, synced, and its directory entry synced. Returns the open
 * descriptor or -1 (errno set). */
static int create_file(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  static const uint8_t zero[2 * SIGNER_STATE_SLOT];
  if (write_at(fd, zero, sizeof zero, 0) != 0 || fsync(fd) != 0) goto err;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    slash[1] = '\0';
  else if (slash != NULL)
    *slash = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) goto err;
  int rc = fsync(dfd);
  close(dfd);
  if (rc != 0) goto err;
  return fd;
err:;
  int saved = errno;
  close(fd);
  unlink(path);
  errno = saved;
  return -1;
}

/* Load the newest valid slot of the open state file fd (see signer_state_open). Returns 0 with
 * *found, *slot and *gen set, or -1 with err. */
static int load_slots(int fd, const char *path, merkle_frontier *fr, bool *found, int *slot,
                      uint64_t *generation, char *err, size_t errlen);

int signer_state_peek(const char *path, merkle_frontier *fr, bool *found, char *err,
                      size_t errlen) {
  *found = false;
  merkle_frontier_init(fr);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return 0;
  if (fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  int slot = -1;
  uint64_t gen = 0;
  int rc = load_slots(fd, path, fr, found, &slot, &gen, err, errlen);
  close(fd);
  return rc;
}

int signer_state_open(signer_state *ss, const char *path, merkle_frontier *fr, bool *found,
                      char *err, size_t errlen) {
  assert(ss != NULL && path != NULL && fr != NULL && found != NULL);
  memset(ss, 0, sizeof *ss);
  ss->fd = -1;
  ss->slot = -1;
  *found = false;
  merkle_frontier_init(fr);
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) fd = create_file(path);
  if (fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  if (load_slots(fd, path, fr, found, &ss->slot, &ss->generation, err, errlen) != 0) {
    close(fd);
    return -1;
  }
  ss->fd = fd;
  ss->hot = ss->slot == 0 ? 1 : 0; /* never rewrite the slot the state was loaded from */
  ss->sync_ms = SIGNER_STATE_SYNC_MS;
  return 0;
}

static int load_slots(int fd, const char *path, merkle_frontier *fr, bool *found, int *slot,
                      uint64_t *generation, char *err, size_t errlen) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 2 * SIGNER_STATE_SLOT) {
    snprintf(err, errlen, "%s: not a signer state file (%lld bytes, expected %d)", path,
             (long long)st.st_size, 2 * SIGNER_STATE_SLOT);
    return -1;
  }
  if ((st.st_mode & 077) != 0) {
    snprintf(err, errlen, "%s: group or others may access it (mode %03o); chmod 600 it", path,
             (unsigned)(st.st_mode & 0777));
    return -1;
  }
  uint8_t slots[2][SIGNER_STATE_SLOT];
  if (read_at(fd, slots[0], sizeof slots, 0) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  merkle_frontier f[2];
  uint64_t gen[2];
  bool ok[2];
  for (int i = 0; i < 2; i++) ok[i] = signer_state_decode(slots[i], &f[i], &gen[i]) == 0;
  int cur = ok[0] && ok[1] ? (gen[1] > gen[0] ? 1 : 0) : ok[0] ? 0 : ok[1] ? 1 : -1;
  if (cur < 0) {
    if (!all_zero(slots[0], sizeof slots)) {
      snprintf(err, errlen,
               "%s: neither slot holds a valid signer state (the file is damaged or was "
               "edited); the signer will not start over, since that could sign a second "
               "history of the log",
               path);
      return -1;
    }
  } else {
    /* The newer slot can only be the larger tree: the signer never shrinks its state. */
    if (ok[0] && ok[1] && f[cur].size < f[1 - cur].size) {
      snprintf(err, errlen, "%s: the newest slot holds a smaller tree than the older one",
               path);
      return -1;
    }
    *fr = f[cur];
    *found = true;
    *slot = cur;
    *generation = gen[cur];
  }
  return 0;
}

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int signer_state_sync(signer_state *ss, char *err, size_t errlen) {
  assert(ss != NULL && ss->fd >= 0);
  if (!ss->dirty) return 0;
  if (fdatasync(ss->fd) != 0) {
    snprintf(err, errlen, "cannot flush the signer state: %s", strerror(errno));
    return -1;
  }
  ss->dirty = false;
  ss->synced_ms = mono_ms();
  ss->hot = 1 - ss->slot; /* keep the slot just made durable as it is */
  return 0;
}

int signer_state_save(signer_state *ss, const merkle_frontier *fr, char *err, size_t errlen) {
  assert(ss != NULL && ss->fd >= 0 && fr != NULL);
  uint8_t buf[SIGNER_STATE_SLOT];
  signer_state_encode(fr, ss->generation + 1, buf);
  if (write_at(ss->fd, buf, sizeof buf, (off_t)ss->hot * SIGNER_STATE_SLOT) != 0) {
    snprintf(err, errlen, "cannot record the signer state: %s", strerror(errno));
    return -1;
  }
  ss->slot = ss->hot;
  ss->generation++;
  ss->dirty = true;
  if (ss->synced_ms == 0 || mono_ms() - ss->synced_ms >= ss->sync_ms)
    return signer_state_sync(ss, err, errlen);
  return 0;
}

void signer_state_close(signer_state *ss) {
  if (ss == NULL || ss->fd < 0) return;
  char err[128];
  if (signer_state_sync(ss, err, sizeof err) != 0) {
    /* the state is in the page cache; a power cut before it is written is survived (see .h) */
  }
  close(ss->fd);
  ss->fd = -1;
}

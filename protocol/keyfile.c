/* keyfile.c -- the secret key file container: create, read, check and release (format in
 * keyfile.h). */
#include "keyfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYFILE_MAGIC "SVKEY"
#define KEYFILE_VERSION 1
#define KEYFILE_HDR 8
#define KEYFILE_SUM 32

/* ---- writing ---- */

void keyfile_put_key(bytebuf_w *w, uint8_t alg, const uint8_t *k, uint16_t len) {
  assert(w != NULL && k != NULL && w->n + 3u + len <= KEYFILE_MAX - KEYFILE_SUM);
  bytebuf_put_byte(w, alg);
  bytebuf_put_byte(w, (uint8_t)(len >> 8));
  bytebuf_put_byte(w, (uint8_t)len);
  bytebuf_put(w, k, len);
}

/* Create path with O_EXCL and mode 0600, write data, fsync. On failure nothing is left
 * behind (except for KEYS_ERR_EXISTS, where the existing file is untouched). */
static int keyfile_write(const char *path, const uint8_t *data, size_t len, char *err,
                         size_t errlen) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      keys_set_err(err, errlen, "%s: already exists; refusing to overwrite a key file", path);
      return KEYS_ERR_EXISTS;
    }
    keys_set_err(err, errlen, "%s: %s", path, strerror(errno));
    return KEYS_ERR_IO;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      goto err;
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0) goto err;
  if (close(fd) != 0) {
    fd = -1;
    goto err;
  }
  return KEYS_OK;
err:
  {
    int saved = errno;
    if (fd >= 0) close(fd);
    unlink(path);
    keys_set_err(err, errlen, "%s: %s", path, strerror(saved));
  }
  return KEYS_ERR_IO;
}

/* Append the BLAKE2b-256 checksum of w's bytes. */
static void put_checksum(bytebuf_w *w) {
  uint8_t sum[KEYFILE_SUM];
  crypto_generichash(sum, sizeof sum, w->p, w->n, NULL, 0);
  bytebuf_put(w, sum, sizeof sum);
}

int keyfile_begin(bytebuf_w *w, unsigned kind, unsigned nkeys, const char *path, char *err,
                  size_t errlen) {
  assert(w != NULL && path != NULL);
  if (sodium_init() < 0) return KEYS_ERR_NOMEM;
  uint8_t *buf = sodium_malloc(KEYFILE_MAX);
  if (buf == NULL) {
    keys_set_err(err, errlen, "%s: out of memory", path);
    return KEYS_ERR_NOMEM;
  }
  w->p = buf;
  w->n = 0;
  bytebuf_put(w, KEYFILE_MAGIC, 5);
  bytebuf_put_byte(w, KEYFILE_VERSION);
  bytebuf_put_byte(w, (uint8_t)kind);
  bytebuf_put_byte(w, (uint8_t)nkeys);
  return KEYS_OK;
}

int keyfile_finish(bytebuf_w *w, const char *path, char *err, size_t errlen) {
  put_checksum(w);
  int rc = keyfile_write(path, w->p, w->n, err, errlen);
  sodium_memzero(w->p, KEYFILE_MAX);
  sodium_free(w->p);
  w->p = NULL;
  return rc;
}

/* ---- reading ---- */

/* Open and read a key file into a sodium_malloc'd buffer (caller wipes and frees), after
 * checking that it is a regular file that group and others cannot access. */
static int keyfile_read(const char *path, uint8_t **out, size_t *outlen, char *err,
                        size_t errlen) {
  *out = NULL;
  *outlen = 0;
  uint8_t *buf = NULL;
  int rc = KEYS_ERR_IO;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    keys_set_err(err, errlen, "%s: %s", path, strerror(errno));
    return KEYS_ERR_IO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    keys_set_err(err, errlen, "%s: %s", path, strerror(errno));
    goto err;
  }
  if (!S_ISREG(st.st_mode)) {
    keys_set_err(err, errlen, "%s: not a regular file", path);
    goto err;
  }
  if (st.st_mode & 077) {
    keys_set_err(err, errlen,
            "%s: permissions %04o are too open; key files must not be readable by group or "
            "others (chmod 600)",
            path, (unsigned)(st.st_mode & 07777));
    rc = KEYS_ERR_PERMS;
    goto err;
  }
  rc = KEYS_ERR_NOMEM;
  if (sodium_init() < 0 || (buf = sodium_malloc(KEYFILE_MAX + 1)) == NULL) {
    keys_set_err(err, errlen, "%s: out of memory", path);
    goto err;
  }
  size_t n = 0;
  for (;;) {
    ssize_t got = read(fd, buf + n, KEYFILE_MAX + 1 - n);
    if (got < 0) {
      if (errno == EINTR) continue;
      rc = KEYS_ERR_IO;
      keys_set_err(err, errlen, "%s: %s", path, strerror(errno));
      goto err;
    }
    if (got == 0) break;
    n += (size_t)got;
    if (n > KEYFILE_MAX) {
      rc = KEYS_ERR_FORMAT;
      keys_set_err(err, errlen, "%s: too large for a key file", path);
      goto err;
    }
  }
  close(fd);
  *out = buf;
  *outlen = n;
  return KEYS_OK;
err:
  if (buf != NULL) {
    sodium_memzero(buf, KEYFILE_MAX + 1);
    sodium_free(buf);
  }
  close(fd);
  return rc;
}

static const char *kind_name(unsigned kind) {
  switch (kind) {
    case KEYFILE_KIND_IDENTITY: return "a member identity";
    case KEYFILE_KIND_DAEMON: return "daemon keys";
    default: return "an unknown kind";
  }
}

/* Check the envelope of a key file (magic, version, kind, entry count, checksum) and return a
 * reader positioned on the first key entry with the checksum excluded. */
static int keyfile_open(const uint8_t *buf, size_t n, unsigned kind, unsigned nkeys,
                        bytebuf_r *r, const char *path, char *err, size_t errlen) {
  if (n < KEYFILE_HDR + KEYFILE_SUM || memcmp(buf, KEYFILE_MAGIC, 5) != 0) {
    keys_set_err(err, errlen, "%s: not a samvirke key file", path);
    return KEYS_ERR_FORMAT;
  }
  if (buf[5] != KEYFILE_VERSION) {
    keys_set_err(err, errlen, "%s: unsupported key file version %u", path, buf[5]);
    return KEYS_ERR_FORMAT;
  }
  if (buf[6] != kind) {
    keys_set_err(err, errlen, "%s: holds %s, expected %s", path, kind_name(buf[6]),
                 kind_name(kind));
    return KEYS_ERR_FORMAT;
  }
  uint8_t sum[KEYFILE_SUM];
  crypto_generichash(sum, sizeof sum, buf, n - KEYFILE_SUM, NULL, 0);
  if (sodium_memcmp(sum, buf + n - KEYFILE_SUM, KEYFILE_SUM) != 0) {
    keys_set_err(err, errlen, "%s: checksum mismatch (file damaged)", path);
    return KEYS_ERR_FORMAT;
  }
  if (buf[7] != nkeys) {
    keys_set_err(err, errlen, "%s: expected %u keys, found %u", path, nkeys, buf[7]);
    return KEYS_ERR_FORMAT;
  }
  r->p = buf + KEYFILE_HDR;
  r->n = n - KEYFILE_HDR - KEYFILE_SUM;
  return KEYS_OK;
}

void keyfile_release(uint8_t *buf) {
  if (buf == NULL) return;
  sodium_memzero(buf, KEYFILE_MAX + 1);
  sodium_free(buf);
}

int keyfile_load(const char *path, unsigned kind, unsigned nkeys, size_t size, uint8_t **buf,
                 bytebuf_r *r, void **keys, char *err, size_t errlen) {
  size_t n = 0;
  *keys = NULL;
  int rc = keyfile_read(path, buf, &n, err, errlen);
  if (rc != KEYS_OK) return rc;
  rc = keyfile_open(*buf, n, kind, nkeys, r, path, err, errlen);
  if (rc == KEYS_OK && (*keys = sodium_malloc(size)) == NULL) {
    keys_set_err(err, errlen, "%s: out of memory", path);
    rc = KEYS_ERR_NOMEM;
  }
  if (rc != KEYS_OK) {
    keyfile_release(*buf);
    *buf = NULL;
    return rc;
  }
  memset(*keys, 0, size);
  return KEYS_OK;
}

bool keyfile_get_key(bytebuf_r *r, uint8_t alg, uint8_t *out, uint16_t len) {
  const uint8_t hdr[3] = {alg, (uint8_t)(len >> 8), (uint8_t)len};
  const uint8_t *d;
  if (!bytebuf_expect(r, hdr, 3) || !bytebuf_take(r, len, &d)) return false;
  memcpy(out, d, len);
  return true;
}

bool keyfile_ed25519_ok(const uint8_t sk[64], uint8_t pk_out[32]) {
  uint8_t pk[32], sk2[64];
  crypto_sign_seed_keypair(pk, sk2, sk);
  bool ok = sodium_memcmp(sk2, sk, 64) == 0;
  sodium_memzero(sk2, sizeof sk2);
  memcpy(pk_out, pk, 32);
  return ok;
}


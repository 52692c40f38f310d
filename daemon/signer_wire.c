/* signer_wire.c -- framing of the messages between samvirked and its log signer process. */
#include "signer_wire.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

void signer_wire_put64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

uint64_t signer_wire_get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}

int signer_wire_send(int fd, uint8_t type, const void *a, size_t alen, const void *b, size_t blen,
                     const void *c, size_t clen) {
  size_t total = alen + blen + clen;
  if (total > SIGNER_MAX_PAYLOAD) {
    errno = EMSGSIZE;
    return -1;
  }
  uint8_t hdr[5] = {(uint8_t)(total >> 24), (uint8_t)(total >> 16), (uint8_t)(total >> 8),
                    (uint8_t)total, type};
  /* writev only reads the buffers; the casts drop const for the iovec type alone */
  struct iovec iov[4] = {{hdr, sizeof hdr},
                         {(void *)(uintptr_t)a, alen},
                         {(void *)(uintptr_t)b, blen},
                         {(void *)(uintptr_t)c, clen}};
  int iovcnt = 4, first = 0;
  while (first < iovcnt) {
    ssize_t w = writev(fd, iov + first, iovcnt - first);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    size_t n = (size_t)w;
    while (first < iovcnt && n >= iov[first].iov_len) {
      n -= iov[first].iov_len;
      first++;
    }
    if (first < iovcnt) {
      iov[first].iov_base = (uint8_t *)iov[first].iov_base + n;
      iov[first].iov_len -= n;
    }
  }
  return 0;
}

/* Read exactly n bytes. Returns 1, 0 at end of stream before any byte, -1 otherwise. */
static int read_full(int fd, uint8_t *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) {
      if (got == 0) return 0;
      errno = EPROTO;
      return -1;
    }
    got += (size_t)r;
  }
  return 1;
}

int signer_wire_recv(int fd, uint8_t *type, uint8_t *buf, size_t cap, size_t *len) {
  uint8_t hdr[5];
  int rc = read_full(fd, hdr, sizeof hdr);
  if (rc <= 0) return rc;
  size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
  if (n > cap || n > SIGNER_MAX_PAYLOAD) {
    errno = EPROTO;
    return -1;
  }
  if (n > 0 && read_full(fd, buf, n) != 1) {
    if (errno == 0) errno = EPROTO;
    return -1;
  }
  *type = hdr[4];
  *len = n;
  return 1;
}

/* util.c -- small shared helpers: hex and base64 text, checked file I/O, clocks. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void util_hex(char *out, const uint8_t *in, size_t len) {
  sodium_bin2hex(out, 2 * len + 1, in, len);
}

int util_unhex(uint8_t *out, size_t outlen, const char *hex) {
  size_t got = 0;
  const char *end = NULL;
  if (strlen(hex) != 2 * outlen) return -1;
  if (sodium_hex2bin(out, outlen, hex, 2 * outlen, NULL, &got, &end) != 0) return -1;
  return (got == outlen && *end == '\0') ? 0 : -1;
}

char *util_b64(const uint8_t *in, size_t len) {
  size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
  char *out = malloc(n);
  if (out == NULL) return NULL;
  sodium_bin2base64(out, n, in, len, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

uint8_t *util_unb64(const char *in, size_t inlen, size_t *outlen) {
  /* libsodium 1.0.18 maps some bytes >= 0x80 to base64 digits: accept only the alphabet. */
  for (size_t i = 0; i < inlen; i++) {
    char c = in[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/' || c == '='))
      return NULL;
  }
  size_t cap = inlen / 4 * 3 + 3;
  uint8_t *out = malloc(cap ? cap : 1);
  if (out == NULL) return NULL;
  const char *end = NULL;
  if (inlen % 4 != 0 ||
      sodium_base642bin(out, cap, in, inlen, NULL, outlen, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != in + inlen) {
    free(out);
    return NULL;
  }
  return out;
}

int util_unb64_exact(uint8_t *out, size_t outlen, const char *in) {
  size_t n = 0;
  uint8_t *buf = util_unb64(in, strlen(in), &n);
  if (buf == NULL) return -1;
  int ok = (n == outlen);
  if (ok) memcpy(out, buf, n);
  sodium_memzero(buf, n);
  free(buf);
  return ok ? 0 : -1;
}

uint8_t *util_read_file(const char *path, size_t max, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  if (buf == NULL) goto err;
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max + 1) {
        errno = EFBIG;
        goto err;
      }
      uint8_t *nb = realloc(buf, cap * 2);
      if (nb == NULL) goto err;
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    if (got == 0) break;
    n += got;
  }
  if (ferror(f)) goto err;
  if (n > max) {
    errno = EFBIG;
    goto err;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
err:
  {
    int saved = errno;
    free(buf);
    fclose(f);
    errno = saved;
  }
  return NULL;
}

int util_write_file(const char *path, const void *data, size_t len, unsigned mode) {
  size_t plen = strlen(path) + 16;
  char *tmp = malloc(plen);
  if (tmp == NULL) return -1;
  snprintf(tmp, plen, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) goto err;
  if (fchmod(fd, (mode_t)mode) != 0) goto err_fd;
  const uint8_t *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      goto err_fd;
    }
    p += w;
    left -= (size_t)w;
  }
  if (fsync(fd) != 0) goto err_fd;
  if (close(fd) != 0) {
    fd = -1;
    goto err_unlink;
  }
  if (rename(tmp, path) != 0) goto err_unlink;
  free(tmp);
  return 0;
err_fd:
  close(fd);
err_unlink:
  {
    int saved = errno;
    unlink(tmp);
    errno = saved;
  }
err:
  free(tmp);
  return -1;
}

uint64_t util_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t util_unix_time(void) { return (uint64_t)time(NULL); }

void util_utc_text(char *out, size_t outlen, uint64_t t) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (gmtime_r(&tt, &tm) == NULL || strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm) == 0)
    snprintf(out, outlen, "%llu", (unsigned long long)t);
}

uint64_t util_unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool util_utf8_valid(const char *s, size_t len, bool allow_newline) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    unsigned c = p[i];
    if (c < 0x80) {
      if (c == 0 || c == 0x7f) return false;
      if (c < 0x20 && c != '\t' && !(allow_newline && (c == '\n' || c == '\r'))) return false;
      i++;
      continue;
    }
    size_t n;
    unsigned cp;
    if ((c & 0xe0) == 0xc0) {
      n = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > len) return false;
    for (size_t k = 1; k < n; k++) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return false;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

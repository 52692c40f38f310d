/* util.h -- small shared helpers: hex and base64 text, checked file I/O, clocks. */
#ifndef SAMVIRKE_UTIL_H
#define SAMVIRKE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lowercase hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void util_hex(char *out, const uint8_t *in, size_t len);
/* Decode exactly outlen bytes from a hex string of length 2*outlen. Returns 0 or -1. */
int util_unhex(uint8_t *out, size_t outlen, const char *hex);
/* Standard base64 with padding. Returns a malloc'd NUL-terminated string or NULL. */
char *util_b64(const uint8_t *in, size_t len);
/* Decode standard base64 (padding required, no whitespace) into a malloc'd buffer.
 * Returns NULL on malformed input. *outlen receives the length. */
uint8_t *util_unb64(const char *in, size_t inlen, size_t *outlen);
/* Decode into a fixed buffer; succeeds only when the decoded length is exactly outlen. */
int util_unb64_exact(uint8_t *out, size_t outlen, const char *in);
/* Read a whole file into a malloc'd buffer (NUL-terminated for convenience). Returns NULL and
 * sets errno on failure. Refuses files larger than max bytes (errno EFBIG). */
uint8_t *util_read_file(const char *path, size_t max, size_t *len);
/* Write a file atomically (temp + fsync + rename) with the given mode. Returns 0 or -1/errno. */
int util_write_file(const char *path, const void *data, size_t len, unsigned mode);
/* Monotonic clock in nanoseconds, and wall clock in Unix seconds / milliseconds. */
uint64_t util_now_ns(void);
uint64_t util_unix_time(void);
/* Format Unix time t as "YYYY-MM-DD HH:MM UTC" (the number itself if it cannot). */
void util_utc_text(char *out, size_t outlen, uint64_t t);
uint64_t util_unix_ms(void);
/* True when s (len bytes) is valid UTF-8 without NUL and without C0 controls other than
 * tab and newline (allow_newline decides newline). */
bool util_utf8_valid(const char *s, size_t len, bool allow_newline);

#endif

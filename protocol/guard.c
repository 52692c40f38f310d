/* guard.c -- privacy and sanity guards on area data: CPR-shaped numbers, labels, coordinates. */
#include "guard.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool leap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

bool guard_cpr_date_valid(int dd, int mm, int yy, int digit7) {
  if (yy < 0 || yy > 99 || digit7 < 0 || digit7 > 9 || mm < 1 || mm > 12 || dd < 1) return false;
  int century;
  if (digit7 <= 3)
    century = 1900;
  else if (digit7 == 4 || digit7 == 9)
    century = yy <= 36 ? 2000 : 1900;
  else
    century = yy <= 57 ? 2000 : 1800;
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = days[mm - 1];
  if (mm == 2 && leap(century + yy)) max = 29;
  return dd <= max;
}

/* Length of a separator starting at p (at most n bytes available), or 0. */
static size_t separator_len(const unsigned char *p, size_t n) {
  if (n >= 1 && (p[0] == '-' || p[0] == ' ')) return 1;
  if (n >= 3 && p[0] == 0xe2) {
    /* U+2010..U+2013 are E2 80 90..93; U+2212 is E2 88 92. */
    if (p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0x93) return 3;
    if (p[1] == 0x88 && p[2] == 0x92) return 3;
  }
  return 0;
}

static int two(const unsigned char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

bool guard_find_cpr(const char *text, size_t len, size_t *off, size_t *mlen) {
  assert(text != NULL || len == 0);
  const unsigned char *p = (const unsigned char *)text;
  for (size_t i = 0; i + 10 <= len; i++) {
    /* A candidate starts a digit run: the byte before must not be a digit. */
    if (!is_digit(p[i]) || (i > 0 && is_digit(p[i - 1]))) continue;
    size_t k = 0;
    while (k < 6 && i + k < len && is_digit(p[i + k])) k++;
    if (k < 6) {
      i += k; /* skip the short run */
      continue;
    }
    size_t j = i + 6, s;
    if (j < len && is_digit(p[j])) {
      s = j; /* DDMMYYNNNN */
    } else {
      size_t sep = j < len ? separator_len(p + j, len - j) : 0;
      if (sep == 0) continue;
      s = j + sep; /* DDMMYY-NNNN */
    }
    if (s + 4 > len) continue;
    bool ok = is_digit(p[s]) && is_digit(p[s + 1]) && is_digit(p[s + 2]) && is_digit(p[s + 3]);
    if (!ok) continue;
    if (s + 4 < len && is_digit(p[s + 4])) continue; /* part of a longer run */
    if (!guard_cpr_date_valid(two(p + i), two(p + i + 2), two(p + i + 4), p[s] - '0')) continue;
    if (off) *off = i;
    if (mlen) *mlen = s + 4 - i;
    return true;
  }
  return false;
}

bool guard_label_valid(const char *s, size_t len, size_t max) {
  if (s == NULL || len == 0 || len > max) return false;
  if (!util_utf8_valid(s, len, false)) return false;
  if (memchr(s, '\t', len) != NULL) return false;
  if (s[0] == ' ' || s[len - 1] == ' ') return false;
  /* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i + 1 < len; i++)
    if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) return false;
  return true;
}

bool guard_coords_valid(double lat, double lon) {
  return isfinite(lat) && isfinite(lon) && lat >= -90.0 && lat <= 90.0 && lon >= -180.0 &&
         lon <= 180.0;
}

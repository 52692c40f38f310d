/* fuzz_timearg.c -- the command line's times and durations (client/timearg.c): any text is
 * either refused with one line or gives a time in range / a duration within its bounds, and
 * the result does not depend on the direction except for unsigned relative forms. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timearg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One line, non-empty, NUL-terminated within its buffer. */
static void check_err(const char *err, size_t cap) {
  size_t n = strnlen(err, cap);
  if (n == 0 || n == cap || memchr(err, '\n', n) != NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char s[128], err[256];
  if (size >= sizeof s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  static const uint64_t nows[] = {0, 1767225600000ull, TIMEARG_MAX_MS};
  for (size_t i = 0; i < sizeof nows / sizeof nows[0]; i++) {
    uint64_t back = 7, ahead = 7;
    int rb = timearg_parse_time(s, nows[i], TIMEARG_BACK, &back, err, sizeof err);
    if (rb != 0) check_err(err, sizeof err);
    int ra = timearg_parse_time(s, nows[i], TIMEARG_AHEAD, &ahead, err, sizeof err);
    if (ra != 0) check_err(err, sizeof err);
    if ((rb == 0 && back > TIMEARG_MAX_MS) || (ra == 0 && ahead > TIMEARG_MAX_MS)) abort();
    if ((rb != 0 && back != 7) || (ra != 0 && ahead != 7)) abort(); /* untouched on refusal */
    /* Only "N unit" without a sign may differ with the direction. */
    int unsigned_rel = s[0] >= '0' && s[0] <= '9' && strspn(s, "0123456789") < size;
    if (rb == 0 && ra == 0 && back != ahead && !unsigned_rel) abort();
  }
  uint64_t d = 7;
  const uint64_t year = 365 * 86400ull;
  if (timearg_parse_duration(s, 3600, 1, year, &d, err, sizeof err) == 0) {
    if (d < 1 || d > year) abort();
  } else {
    check_err(err, sizeof err);
    if (d != 7) abort();
  }
  return 0;
}

/* trackarg.c -- command-line arguments of the two-track commands: meeting references (3, K3),
 * object ids, times (meetings, due dates) and options that may be repeated. */
#include "trackarg.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

uint64_t trackarg_id(const char *s, char prefix) {
  if (s[0] == '#' || (prefix && (s[0] == prefix || s[0] == (prefix | 0x20)))) s++;
  if (s[0] < '0' || s[0] > '9') return 0;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v == 0 || v > INT64_MAX) return 0;
  return v;
}

int trackarg_meeting(const char *s, bool *core, uint64_t *id) {
  bool k = s[0] == 'K' || s[0] == 'k';
  uint64_t v = trackarg_id(k ? s + 1 : s, 0);
  if (v == 0 || (k && s[1] == '#')) return -1;
  *core = k;
  *id = v;
  return 0;
}

void trackarg_meeting_label(char *out, size_t n, bool core, uint64_t id) {
  snprintf(out, n, "%s%llu", core ? "K" : "#", (unsigned long long)id);
}

/* Local midnight (hh:mm 00:00) or hh:mm of y-m-d as Unix seconds; -1 when it does not exist. */
static int local_time(int y, int mo, int d, int h, int mi, uint64_t *out) {
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
      mi < 0 || mi > 59)
    return -1;
  struct tm tm = {0};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  if (t == (time_t)-1 || t < 0 || tm.tm_mday != d || tm.tm_mon != mo - 1) return -1;
  *out = (uint64_t)t;
  return 0;
}

int trackarg_time(const char *s, bool ahead, uint64_t *secs, char *err, size_t errlen) {
  size_t n = strlen(s);
  int y, mo, d, h = 0, mi = 0;
  char sep = 0, tail = 0;
  uint64_t now = util_unix_time();
  if (strcmp(s, "now") == 0 || strcmp(s, "nu") == 0) {
    *secs = now;
    return 0;
  }
  if (n == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3) {
    if (local_time(y, mo, d, 0, 0, secs) == 0) return 0;
    goto bad;
  }
  if (n == 16 && sscanf(s, "%4d-%2d-%2d%c%2d:%2d%c", &y, &mo, &d, &sep, &h, &mi, &tail) == 6 &&
      (sep == ' ' || sep == 'T')) {
    if (local_time(y, mo, d, h, mi, secs) == 0) return 0;
    goto bad;
  }
  const char *p = s;
  int sign = ahead ? 1 : -1;
  if (*p == '+' || *p == '-') sign = *p++ == '+' ? 1 : -1;
  if (*p < '0' || *p > '9') goto bad;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(p, &end, 10);
  if (errno != 0) goto bad;
  if (*end == '\0' && p == s) {
    *secs = v;
    return 0;
  }
  uint64_t unit = strcmp(end, "h") == 0 ? 3600 : strcmp(end, "d") == 0 ? 86400
                 : strcmp(end, "w") == 0 ? 7 * 86400 : 0;
  if (unit == 0 || v > (UINT64_C(1) << 40) / unit) goto bad;
  if (sign < 0 && v * unit > now) goto bad;
  *secs = sign > 0 ? now + v * unit : now - v * unit;
  return 0;
bad:
  snprintf(err, errlen, "'%s' is not a time: give YYYY-MM-DD, YYYY-MM-DD HH:MM, now, +7d, 2w, "
                        "or Unix seconds", s);
  return -1;
}

int trackarg_take(int argc, char **argv, const char *opt, char **out, int max, int *n) {
  assert(argc >= 1 && opt != NULL);
  size_t ol = strlen(opt);
  int w = 1;
  *n = 0;
  for (int i = 1; i < argc; i++) {
    char *v = NULL;
    if (strcmp(argv[i], opt) == 0 && i + 1 < argc) {
      v = argv[++i];
    } else if (strncmp(argv[i], opt, ol) == 0 && argv[i][ol] == '=') {
      v = argv[i] + ol + 1;
    } else if (strcmp(argv[i], "--") == 0) {
      while (i < argc) argv[w++] = argv[i++];
      break;
    } else {
      argv[w++] = argv[i];
      continue;
    }
    if (*n < max) out[*n] = v;
    (*n)++;
  }
  argv[w] = NULL;
  return w;
}

int trackarg_split(char *s, char **out, int max) {
  int n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    size_t l = strlen(tok);
    while (l > 0 && tok[l - 1] == ' ') tok[--l] = '\0';
    if (l > 0 && n < max) out[n++] = tok;
  }
  return n;
}

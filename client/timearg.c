/* timearg.c -- parse the times and durations typed on the command line (syntax in timearg.h). */
#include "timearg.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_SECS (TIMEARG_MAX_MS / 1000) /* 9999-12-31T23:59:59Z */
#define SHOWN 40                         /* bytes of the argument echoed in an error */

/* One unit of a relative time or duration. */
typedef struct unit {
  const char *name;
  uint64_t secs;
} unit;

static const unit units[] = {
    {"s", 1},     {"m", 60},     {"min", 60},       {"h", 3600},       {"t", 3600},
    {"d", 86400}, {"w", 604800}, {"u", 604800},     {NULL, 0},
};

/* The argument s as an error message echoes it: at most SHOWN bytes ("..." after a longer one),
 * control characters as '?', so the message stays one line. */
static const char *shown(const char *s, char out[SHOWN + 4]) {
  size_t n = 0;
  for (; s[n] != '\0' && n < SHOWN; n++)
    out[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
  if (s[n] != '\0') {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n] = '\0';
  return out;
}

/* Read between min and max decimal digits at *p into *out, advancing *p. False when there are
 * fewer than min digits or more than max. */
static bool take_digits(const char **p, int min, int max, int *out) {
  int n = 0, v = 0;
  while ((*p)[n] >= '0' && (*p)[n] <= '9') {
    if (n == max) return false;
    v = v * 10 + ((*p)[n] - '0');
    n++;
  }
  if (n < min) return false;
  *p += n;
  *out = v;
  return true;
}

/* Exactly n decimal digits at *p, whatever follows (advancing *p). */
static bool take_exact(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if ((*p)[i] < '0' || (*p)[i] > '9') return false;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return true;
}

/* A whole number of up to 19 digits at *p (advancing it). False when there is none or it does
 * not fit. */
static bool take_number(const char **p, uint64_t *out) {
  const char *q = *p;
  uint64_t v = 0;
  if (*q < '0' || *q > '9') return false;
  for (; *q >= '0' && *q <= '9'; q++) {
    if (q - *p >= 19) return false; /* keeps v * 10 + 9 below 2^64 */
    v = v * 10 + (uint64_t)(*q - '0');
  }
  *p = q;
  *out = v;
  return true;
}

/* The seconds of unit name u (exactly the rest of the string), or 0 when u is no unit. */
static uint64_t unit_secs(const char *u) {
  for (const unit *x = units; x->name != NULL; x++)
    if (strcmp(u, x->name) == 0) return x->secs;
  return 0;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* A calendar time as typed. */
typedef struct civil {
  int year, month, day, hour, min, sec, ms;
  bool zoned;     /* Z or an offset was given: the fields are UTC + offset_min */
  int offset_min; /* east of UTC */
} civil;

/* Local time c (no zone) to Unix seconds in *out: of the readings as winter and as summer time
 * that give back the fields typed, the earlier. False when neither does (a skipped hour). */
static bool local_to_unix(const civil *c, int64_t *out) {
  bool found = false;
  int64_t best = 0;
  for (int dst = 0; dst <= 1; dst++) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = c->year - 1900;
    tm.tm_mon = c->month - 1;
    tm.tm_mday = c->day;
    tm.tm_hour = c->hour;
    tm.tm_min = c->min;
    tm.tm_sec = c->sec;
    tm.tm_isdst = dst;
    time_t t = mktime(&tm); /* -1 (an error, or 1969-12-31T23:59:59Z) fails the range check */
    if (tm.tm_isdst != dst || tm.tm_year != c->year - 1900 || tm.tm_mon != c->month - 1 ||
        tm.tm_mday != c->day || tm.tm_hour != c->hour || tm.tm_min != c->min)
      continue;
    if (!found || (int64_t)t < best) best = (int64_t)t;
    found = true;
  }
  *out = best;
  return found;
}

/* The zone after a time of day at *p: "Z"/"z", or +HH, +HHMM, +HH:MM (or -). Returns true and
 * fills c when the rest of the string is exactly a zone (or empty). */
static bool parse_zone(const char *p, civil *c) {
  if (*p == '\0') return true;
  if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
    c->zoned = true;
    return true;
  }
  if (*p != '+' && *p != '-') return false;
  int sign = *p == '-' ? -1 : 1, hh = 0, mm = 0;
  p++;
  if (!take_exact(&p, 2, &hh)) return false;
  if (*p == ':') p++;
  if ((*p != '\0' || p[-1] == ':') && !take_exact(&p, 2, &mm)) return false;
  if (*p != '\0' || hh > 14 || mm > 59) return false;
  c->zoned = true;
  c->offset_min = sign * (hh * 60 + mm);
  return true;
}

/* The date part at *p: YYYY-MM-DD or D.M.YYYY (advancing *p). */
static bool parse_date(const char **p, civil *c) {
  const char *q = *p;
  int a = 0, b = 0, y = 0;
  if (take_digits(&q, 4, 4, &y) && *q == '-') {
    q++;
    if (!take_digits(&q, 2, 2, &a) || *q != '-') return false;
    q++;
    if (!take_digits(&q, 2, 2, &b)) return false;
    c->year = y, c->month = a, c->day = b;
  } else {
    q = *p;
    if (!take_digits(&q, 1, 2, &a) || *q != '.') return false;
    q++;
    if (!take_digits(&q, 1, 2, &b) || *q != '.') return false;
    q++;
    if (!take_digits(&q, 4, 4, &y)) return false;
    c->year = y, c->month = b, c->day = a;
  }
  *p = q;
  return true;
}

/* HH:MM[:SS[.f{1,3}]] at *p (advancing *p). */
static bool parse_clock(const char **p, civil *c) {
  const char *q = *p;
  if (!take_digits(&q, 2, 2, &c->hour) || *q != ':') return false;
  q++;
  if (!take_digits(&q, 2, 2, &c->min)) return false;
  if (*q == ':') {
    q++;
    if (!take_digits(&q, 2, 2, &c->sec)) return false;
    if (*q == '.') {
      q++;
      const char *f = q;
      int frac = 0;
      if (!take_digits(&q, 1, 3, &frac)) return false;
      for (ptrdiff_t n = q - f; n < 3; n++) frac *= 10;
      c->ms = frac;
    }
  }
  *p = q;
  return true;
}

/* An absolute calendar time (date, optional time of day and zone) to Unix milliseconds.
 * Returns 0, 1 when s is not of this shape, -1 with err for one that is but names no time. */
static int parse_calendar(const char *s, uint64_t *ms, char *err, size_t errlen) {
  char echo[SHOWN + 4];
  civil c;
  memset(&c, 0, sizeof c);
  const char *p = s;
  if (!parse_date(&p, &c)) return 1;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    p++;
    if (!parse_clock(&p, &c) || !parse_zone(p, &c)) return 1;
  } else if (*p != '\0') {
    return 1;
  }
  if (c.month < 1 || c.month > 12) {
    snprintf(err, errlen, "'%s': there is no month %d", shown(s, echo), c.month);
    return -1;
  }
  if (c.year < 1970) {
    snprintf(err, errlen, "'%s' is before 1970", shown(s, echo));
    return -1;
  }
  if (c.day < 1 || c.day > month_days(c.year, c.month)) {
    snprintf(err, errlen, "'%s': %04d-%02d has no day %d", shown(s, echo), c.year, c.month,
             c.day);
    return -1;
  }
  if (c.hour > 23 || c.min > 59 || c.sec > 59) {
    snprintf(err, errlen, "'%s': the time of day runs from 00:00:00 to 23:59:59",
             shown(s, echo));
    return -1;
  }
  int64_t t;
  if (c.zoned) {
    t = days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.min * 60 + c.sec -
        (int64_t)c.offset_min * 60;
  } else if (!local_to_unix(&c, &t)) {
    snprintf(err, errlen, "'%s' does not exist in local time (the clocks skip it)",
             shown(s, echo));
    return -1;
  }
  if (t < 0 || (uint64_t)t > MAX_SECS) {
    snprintf(err, errlen, "'%s' is outside 1970-01-01 to 9999-12-31 UTC", shown(s, echo));
    return -1;
  }
  *ms = (uint64_t)t * 1000 + (uint64_t)c.ms;
  return 0;
}

int timearg_parse_time(const char *s, uint64_t now_ms, enum timearg_dir dir, uint64_t *ms,
                       char *err, size_t errlen) {
  assert(s != NULL && ms != NULL && err != NULL && errlen > 0);
  assert(dir == TIMEARG_BACK || dir == TIMEARG_AHEAD);
  char echo[SHOWN + 4];
  if (strcmp(s, "now") == 0 || strcmp(s, "nu") == 0) {
    if (now_ms > TIMEARG_MAX_MS) goto range;
    *ms = now_ms;
    return 0;
  }
  int rc = parse_calendar(s, ms, err, errlen);
  if (rc <= 0) return rc;
  /* Unix seconds, or a relative time: [+-]N unit. */
  const char *p = s;
  int sign = 0;
  if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
  uint64_t n;
  if (!take_number(&p, &n)) goto shape;
  if (*p == '\0') {
    if (sign != 0) goto shape; /* "+5": a number of what? */
    if (n > MAX_SECS) goto range;
    *ms = n * 1000;
    return 0;
  }
  uint64_t u = unit_secs(p);
  if (u == 0) goto shape;
  if (sign == 0) sign = dir;
  if (n > MAX_SECS / u) goto range;
  uint64_t delta = n * u * 1000;
  if (sign < 0 ? delta > now_ms : delta > TIMEARG_MAX_MS || now_ms > TIMEARG_MAX_MS - delta)
    goto range;
  *ms = sign < 0 ? now_ms - delta : now_ms + delta;
  return 0;
range:
  snprintf(err, errlen, "'%s' is outside 1970-01-01 to 9999-12-31 UTC", shown(s, echo));
  return -1;
shape:
  snprintf(err, errlen,
           "'%s' is not a time: write e.g. 2026-03-01, 2026-03-01 14:30, 1.3.2026, -7d, now "
           "or Unix seconds",
           shown(s, echo));
  return -1;
}

/* "N unit" for an error message: the largest unit that divides secs. */
static void say_duration(uint64_t secs, char *out, size_t outlen) {
  static const unit big[] = {{"w", 604800}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}};
  size_t i = 0;
  while (i + 1 < sizeof big / sizeof big[0] && (secs == 0 || secs % big[i].secs != 0)) i++;
  snprintf(out, outlen, "%llu%s", (unsigned long long)(secs / big[i].secs), big[i].name);
}

int timearg_parse_duration(const char *s, uint64_t bare_unit, uint64_t min_s, uint64_t max_s,
                           uint64_t *secs, char *err, size_t errlen) {
  assert(s != NULL && secs != NULL && err != NULL && errlen > 0 && min_s <= max_s);
  char echo[SHOWN + 4];
  const char *p = s;
  uint64_t n, u;
  if (!take_number(&p, &n)) goto shape;
  u = *p == '\0' ? bare_unit : unit_secs(p);
  if (u == 0) goto shape;
  if (n > max_s / u || n * u < min_s) {
    char lo[32], hi[32];
    say_duration(min_s, lo, sizeof lo);
    say_duration(max_s, hi, sizeof hi);
    snprintf(err, errlen, "'%s' is not between %s and %s", shown(s, echo), lo, hi);
    return -1;
  }
  *secs = n * u;
  return 0;
shape:
  snprintf(err, errlen,
           "'%s' is not a duration: write a whole number and a unit, e.g. 90s, 30m, 12h, 7d, 2w",
           shown(s, echo));
  return -1;
}

/* test_client_timearg.c -- the command line's times and durations (client/timearg.c): every form,
 * the calendar's and the clock's boundaries on both sides, and the refusals. Local time is
 * Danish time (CET/CEST), given as a POSIX TZ rule so no zone database is needed. */
#include <stdlib.h>
#include <time.h>

#include "task.h"
#include "timearg.h"

#define NOW UINT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define MAX_S UINT64_C(253402300799)

static char err[256];

static uint64_t t_ok(const char *s, enum timearg_dir dir, uint64_t now) {
  uint64_t ms = 12345;
  err[0] = '\0';
  if (timearg_parse_time(s, now, dir, &ms, err, sizeof err) != 0)
    TASK_FAIL("'%s' refused: %s", s, err);
  return ms;
}

#define TIME_IS(s, secs) ASSERT_UINT_EQ(t_ok((s), TIMEARG_BACK, NOW), (uint64_t)(secs) * 1000)

/* s must be refused with a message containing why; the output stays untouched. */
static void t_bad(const char *s, uint64_t now, const char *why) {
  uint64_t ms = 12345;
  err[0] = '\0';
  ASSERT_INT_EQ(timearg_parse_time(s, now, TIMEARG_BACK, &ms, err, sizeof err), -1);
  ASSERT_UINT_EQ(ms, 12345);
  ASSERT_STR_CONTAINS(err, why);
}

static void test_calendar_forms(void) {
  TIME_IS("2026-01-02", 1767308400);                /* local midnight, winter (UTC+1) */
  TIME_IS("2026-07-01 14:30", 1782909000);          /* summer (UTC+2) */
  TIME_IS("2026-07-01T14:30", 1782909000);
  TIME_IS("2026-07-01t14:30", 1782909000);
  TIME_IS("2026-07-01 14:30:00", 1782909000);
  TIME_IS("2026-07-01 14:30:59", 1782909059);
  TIME_IS("2026-03-01T13:30Z", 1772371800);
  TIME_IS("2026-03-01T13:30z", 1772371800);
  TIME_IS("2026-03-01T14:30+01:00", 1772371800);
  TIME_IS("2026-03-01T14:30+0100", 1772371800);
  TIME_IS("2026-03-01T14:30+01", 1772371800);
  TIME_IS("2026-03-01T08:30-05", 1772371800);
  TIME_IS("2026-03-01T03:30+14:00", 1772285400); /* 2026-02-28T13:30Z */
  TIME_IS("1.3.2026", 1772319600);
  TIME_IS("01.03.2026 14:30", 1772371800);
  TIME_IS("1.3.2026 14:30:00", 1772371800);
  TIME_IS("1.3.2026T13:30Z", 1772371800);
  /* milliseconds, as `audit show` prints them */
  ASSERT_UINT_EQ(t_ok("2026-03-01T13:30:00.250Z", TIMEARG_BACK, NOW), UINT64_C(1772371800250));
  ASSERT_UINT_EQ(t_ok("2026-03-01T13:30:00.2Z", TIMEARG_BACK, NOW), UINT64_C(1772371800200));
  ASSERT_UINT_EQ(t_ok("2026-03-01T13:30:00.007Z", TIMEARG_BACK, NOW), UINT64_C(1772371800007));
  /* the calendar: leap years, month lengths */
  TIME_IS("2024-02-29", 1709161200);
  TIME_IS("2000-02-29T00:00Z", 951782400);
  TIME_IS("2026-12-31T23:59:59Z", 1798761599);
  /* the ends of the range */
  TIME_IS("1970-01-01T00:00Z", 0);
  TIME_IS("1970-01-01T01:00", 0); /* local midnight + 1 h is 00:00Z */
  ASSERT_UINT_EQ(t_ok("9999-12-31T23:59:59.999Z", TIMEARG_BACK, NOW), TIMEARG_MAX_MS);
}

static void test_local_clock_changes(void) {
  /* 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:00..02:59 do not exist. */
  TIME_IS("2026-03-29 01:59", 1774745940);
  TIME_IS("2026-03-29 03:00", 1774746000);
  t_bad("2026-03-29 02:00", NOW, "does not exist in local time");
  t_bad("2026-03-29 02:59", NOW, "does not exist in local time");
  /* 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice, the first is meant. */
  TIME_IS("2026-10-25 02:30", 1792888200);
  TIME_IS("2026-10-25T02:30+01:00", 1792888200 + 3600); /* the second, by its offset */
}

static void test_other_forms(void) {
  ASSERT_UINT_EQ(t_ok("now", TIMEARG_BACK, NOW), NOW);
  ASSERT_UINT_EQ(t_ok("nu", TIMEARG_AHEAD, NOW + 7), NOW + 7);
  TIME_IS("1767225600", 1767225600);
  TIME_IS("0", 0);
  TIME_IS("2026", 2026); /* a bare number is Unix seconds, as it always was */
  ASSERT_UINT_EQ(t_ok("253402300799", TIMEARG_BACK, NOW), MAX_S * 1000);
  /* relative: signed, and unsigned in the option's direction */
  ASSERT_UINT_EQ(t_ok("-7d", TIMEARG_AHEAD, NOW), NOW - 7 * 86400000ull);
  ASSERT_UINT_EQ(t_ok("+2w", TIMEARG_BACK, NOW), NOW + 14 * 86400000ull);
  ASSERT_UINT_EQ(t_ok("7d", TIMEARG_BACK, NOW), NOW - 7 * 86400000ull);
  ASSERT_UINT_EQ(t_ok("7d", TIMEARG_AHEAD, NOW), NOW + 7 * 86400000ull);
  ASSERT_UINT_EQ(t_ok("2u", TIMEARG_AHEAD, NOW), NOW + 14 * 86400000ull);
  ASSERT_UINT_EQ(t_ok("3t", TIMEARG_BACK, NOW), NOW - 3 * 3600000ull);
  ASSERT_UINT_EQ(t_ok("3h", TIMEARG_BACK, NOW), NOW - 3 * 3600000ull);
  ASSERT_UINT_EQ(t_ok("30m", TIMEARG_BACK, NOW), NOW - 30 * 60000ull);
  ASSERT_UINT_EQ(t_ok("30min", TIMEARG_BACK, NOW), NOW - 30 * 60000ull);
  ASSERT_UINT_EQ(t_ok("-90s", TIMEARG_BACK, NOW), NOW - 90000ull);
  ASSERT_UINT_EQ(t_ok("-0d", TIMEARG_BACK, NOW), NOW);
  /* relative times stop at the ends of the range, on both sides of them */
  ASSERT_UINT_EQ(t_ok("-1s", TIMEARG_BACK, 1000), 0);
  t_bad("-2s", 1000, "outside 1970-01-01 to 9999-12-31");
  ASSERT_UINT_EQ(t_ok("+1s", TIMEARG_BACK, TIMEARG_MAX_MS - 1000), TIMEARG_MAX_MS);
  t_bad("+1s", TIMEARG_MAX_MS - 999, "outside");
  t_bad("+99999999999999w", NOW, "outside");
}

static void test_refusals(void) {
  t_bad("2026-13-01", NOW, "there is no month 13");
  t_bad("2026-00-10", NOW, "there is no month 0");
  t_bad("2025-02-29", NOW, "2025-02 has no day 29");
  t_bad("2100-02-29", NOW, "2100-02 has no day 29");
  t_bad("2026-04-31", NOW, "has no day 31");
  t_bad("2026-01-32", NOW, "has no day 32");
  t_bad("2026-01-00", NOW, "has no day 0");
  t_bad("31.4.2026", NOW, "has no day 31");
  t_bad("1.13.2026", NOW, "no month 13");
  t_bad("2026-01-01 24:00", NOW, "from 00:00:00 to 23:59:59");
  t_bad("2026-01-01 23:60", NOW, "from 00:00:00 to 23:59:59");
  t_bad("2026-01-01 23:59:60", NOW, "from 00:00:00 to 23:59:59");
  t_bad("1969-12-31", NOW, "before 1970");
  t_bad("1970-01-01", NOW, "outside"); /* local midnight is 1969-12-31T23:00Z */
  t_bad("9999-12-31T23:59:59-00:01", NOW, "outside");
  t_bad("253402300800", NOW, "outside");
  /* shapes that are not a time */
  const char *shapes[] = {"",           " 2026-01-01", "2026-01-01 ",      "2026-1-1",
                          "2026-01-01T", "2026-01-01 9:30", "2026-01-01 14",  "2026-01-011",
                          "2026/01/01", "1.3.26",       "yesterday",
                          "+5",         "-7x",          "7 d",              "7D",
                          "1.5h",       "-",            "2026-03-01T13:30:00.2500Z",
                          "2026-03-01T13:30:00.Z", "2026-03-01T13:30+15:00",
                          "2026-03-01T13:30+01:60", "2026-03-01T13:30+01:", "2026-03-01T13:30+1",
                          "2026-03-01T13:30+01:0030", "2026-03-01T13:30 Z",
                          "99999999999999999999", "now ", "NOW", "0x10"};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    t_bad(shapes[i], NOW, "is not a time");
  /* what is echoed is cut short */
  char longarg[300];
  memset(longarg, 'x', sizeof longarg - 1);
  longarg[sizeof longarg - 1] = '\0';
  t_bad(longarg, NOW, "is not a time");
  ASSERT(strlen(err) < 160);
  ASSERT_STR_CONTAINS(err, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
  /* what is echoed stays one line */
  t_bad("2026-01-01\n\x1b[2J", NOW, "'2026-01-01??[2J' is not a time");
}

static uint64_t d_ok(const char *s, uint64_t bare, uint64_t lo, uint64_t hi) {
  uint64_t v = 777;
  err[0] = '\0';
  if (timearg_parse_duration(s, bare, lo, hi, &v, err, sizeof err) != 0)
    TASK_FAIL("duration '%s' refused: %s", s, err);
  return v;
}

static void d_bad(const char *s, uint64_t bare, uint64_t lo, uint64_t hi, const char *why) {
  uint64_t v = 777;
  err[0] = '\0';
  ASSERT_INT_EQ(timearg_parse_duration(s, bare, lo, hi, &v, err, sizeof err), -1);
  ASSERT_UINT_EQ(v, 777);
  ASSERT_STR_CONTAINS(err, why);
}

static void test_durations(void) {
  const uint64_t H = 3600, YEAR = 365 * 86400;
  ASSERT_UINT_EQ(d_ok("72", H, 1, YEAR), 72 * H);
  ASSERT_UINT_EQ(d_ok("1s", H, 1, YEAR), 1);
  ASSERT_UINT_EQ(d_ok("90s", H, 1, YEAR), 90);
  ASSERT_UINT_EQ(d_ok("30m", H, 1, YEAR), 1800);
  ASSERT_UINT_EQ(d_ok("2min", H, 1, YEAR), 120);
  ASSERT_UINT_EQ(d_ok("12h", H, 1, YEAR), 12 * H);
  ASSERT_UINT_EQ(d_ok("12t", H, 1, YEAR), 12 * H);
  ASSERT_UINT_EQ(d_ok("7d", H, 1, YEAR), 7 * 86400);
  ASSERT_UINT_EQ(d_ok("2w", H, 1, YEAR), 14 * 86400);
  ASSERT_UINT_EQ(d_ok("2u", H, 1, YEAR), 14 * 86400);
  /* the limits, on both sides */
  ASSERT_UINT_EQ(d_ok("365d", H, 1, YEAR), YEAR);
  ASSERT_UINT_EQ(d_ok("8760", H, 1, YEAR), YEAR);
  ASSERT_UINT_EQ(d_ok("52w", H, 1, YEAR), 52 * 7 * 86400);
  d_bad("366d", H, 1, YEAR, "is not between 1s and 365d");
  d_bad("8761", H, 1, YEAR, "is not between");
  d_bad("31536001s", H, 1, YEAR, "is not between");
  d_bad("53w", H, 1, YEAR, "is not between");
  d_bad("0s", H, 1, YEAR, "is not between");
  d_bad("0", H, 1, YEAR, "is not between");
  ASSERT_UINT_EQ(d_ok("0s", H, 0, YEAR), 0);
  ASSERT_UINT_EQ(d_ok("60s", H, 60, 120), 60);
  d_bad("59s", H, 60, 120, "is not between 1m and 2m");
  d_bad("9999999999999999999w", H, 1, UINT64_MAX, "is not between");
  /* a bare number needs a unit when the option names none */
  d_bad("72", 0, 1, YEAR, "is not a duration");
  const char *shapes[] = {"", "h", "1.5h", "-1h", "+1h", "1 h", "1H", "1hour", "soon", "abc",
                          " 1h", "1h ", "1d12h", "99999999999999999999"};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    d_bad(shapes[i], H, 1, YEAR, "is not a duration");
}

int main(void) {
  /* Danish local time: CET (UTC+1), CEST (UTC+2) from the last Sunday of March 02:00 to the
   * last Sunday of October 03:00. */
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
  tzset();
  RUN_TEST(test_calendar_forms);
  RUN_TEST(test_local_clock_changes);
  RUN_TEST(test_other_forms);
  RUN_TEST(test_refusals);
  RUN_TEST(test_durations);
  return 0;
}

/* test_guard.c -- unit tests for the area-data guards: CPR detection, labels, coordinates. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "task.h"

/* Reference: is day/month/year a real Gregorian date? Uses timegm's normalisation, a method
 * independent of guard.c's month table. */
static bool ref_date(int dd, int mm, int year) {
  if (mm < 1 || mm > 12 || dd < 1 || dd > 31) return false;
  struct tm tm = {0};
  tm.tm_mday = dd;
  tm.tm_mon = mm - 1;
  tm.tm_year = year - 1900;
  tm.tm_hour = 12;
  time_t t = timegm(&tm);
  struct tm back;
  gmtime_r(&t, &back);
  return back.tm_mday == dd && back.tm_mon == mm - 1 && back.tm_year == year - 1900;
}

/* Reference century rule, written as the CPR office's table. */
static int ref_year(int yy, int d7) {
  switch (d7) {
  case 0: case 1: case 2: case 3: return 1900 + yy;
  case 4: case 9: return yy <= 36 ? 2000 + yy : 1900 + yy;
  default: return yy <= 57 ? 2000 + yy : 1800 + yy;
  }
}

static bool find(const char *s) { return guard_find_cpr(s, strlen(s), NULL, NULL); }

/* Every combination of day 0..32, month 0..13, year 00..99 and century digit 0..9. */
static void test_date_exhaustive(void) {
  long valid = 0;
  for (int d7 = 0; d7 <= 9; d7++)
    for (int yy = 0; yy <= 99; yy++)
      for (int mm = 0; mm <= 13; mm++)
        for (int dd = 0; dd <= 32; dd++) {
          bool want = ref_date(dd, mm, ref_year(yy, d7));
          bool got = guard_cpr_date_valid(dd, mm, yy, d7);
          if (want != got)
            TASK_FAIL("date %02d%02d%02d digit7 %d: want %d got %d", dd, mm, yy, d7, want, got);
          valid += got;
        }
  /* 100 years x 365 days x 10 digits plus the leap days each digit's centuries contribute. */
  ASSERT(valid > 365000 && valid < 366000);
  ASSERT(!guard_cpr_date_valid(1, 1, -1, 0));
  ASSERT(!guard_cpr_date_valid(1, 1, 100, 0));
  ASSERT(!guard_cpr_date_valid(1, 1, 0, 10));
}

static void test_leap_years(void) {
  /* 29 February 2000 (digit 4: 2000) exists; 1900 (digit 0) does not. */
  ASSERT(guard_cpr_date_valid(29, 2, 0, 4));
  ASSERT(!guard_cpr_date_valid(29, 2, 0, 0));
  ASSERT(!guard_cpr_date_valid(29, 2, 0, 3));
  /* digit 5..8 with YY 58..99 is the 1800s: 1896 leap, 1800 not in range; 2000 via 5..8. */
  ASSERT(guard_cpr_date_valid(29, 2, 96, 5));
  ASSERT(guard_cpr_date_valid(29, 2, 0, 7));
  ASSERT(guard_cpr_date_valid(29, 2, 84, 1));  /* 1984 */
  ASSERT(!guard_cpr_date_valid(29, 2, 85, 1)); /* 1985 */
  ASSERT(!guard_cpr_date_valid(30, 2, 84, 1));
  ASSERT(guard_cpr_date_valid(31, 12, 99, 0));
  ASSERT(!guard_cpr_date_valid(31, 4, 99, 0));
  ASSERT(!guard_cpr_date_valid(0, 1, 99, 0));
  ASSERT(!guard_cpr_date_valid(1, 13, 99, 0));
  ASSERT(find("290200-4123"));
  ASSERT(!find("290200-1123"));
  ASSERT(find("2902004123"));
  ASSERT(!find("2902001123"));
}

/* Every date in both written forms, with every serial's first digit, is found exactly when the
 * date is valid; the match covers exactly the number. */
static void test_find_all_dates(void) {
  char buf[64];
  for (int d7 = 0; d7 <= 9; d7++)
    for (int yy = 0; yy <= 99; yy++)
      for (int mm = 0; mm <= 13; mm++)
        for (int dd = 0; dd <= 32; dd++) {
          bool want = ref_date(dd, mm, ref_year(yy, d7));
          for (int form = 0; form < 2; form++) {
            snprintf(buf, sizeof buf, "born %02d%02d%02d%s%d234 here", dd, mm, yy,
                     form ? "-" : "", d7);
            size_t off = 99, ml = 99;
            bool got = guard_find_cpr(buf, strlen(buf), &off, &ml);
            if (got != want) TASK_FAIL("\"%s\": want %d got %d", buf, want, got);
            if (got) {
              ASSERT_UINT_EQ(off, 5);
              ASSERT_UINT_EQ(ml, form ? 11 : 10);
            }
          }
        }
}

static void test_separators(void) {
  ASSERT(find("010190-1234"));
  ASSERT(find("010190 1234"));
  ASSERT(find("0101901234"));
  ASSERT(find("010190\xe2\x80\x90" "1234")); /* U+2010 hyphen */
  ASSERT(find("010190\xe2\x80\x91" "1234")); /* U+2011 non-breaking hyphen */
  ASSERT(find("010190\xe2\x80\x92" "1234")); /* U+2012 figure dash */
  ASSERT(find("010190\xe2\x80\x93" "1234")); /* U+2013 en dash */
  ASSERT(find("010190\xe2\x88\x92" "1234")); /* U+2212 minus */
  ASSERT(!find("010190\xe2\x80\x94" "1234")); /* U+2014 em dash: not a separator */
  ASSERT(!find("010190--1234"));
  ASSERT(!find("010190  1234"));
  ASSERT(!find("010190/1234"));
  ASSERT(!find("010190.1234"));
  ASSERT(!find("010190_1234"));
  ASSERT(!find("01-01-90-1234"));
  ASSERT(!find("010190-123"));
  ASSERT(!find("010190-12a4"));
  ASSERT(!find("010190-"));
  ASSERT(!find("010190"));
  ASSERT(!find(""));
  size_t off, ml;
  const char *s = "x 010190\xe2\x80\x93" "1234 y";
  ASSERT(guard_find_cpr(s, strlen(s), &off, &ml));
  ASSERT_UINT_EQ(off, 2);
  ASSERT_UINT_EQ(ml, 13);
}

static void test_digit_runs(void) {
  ASSERT(!find("10101901234"));       /* 11 digits */
  ASSERT(!find("01019012345"));       /* 11 digits */
  ASSERT(!find("9010190-1234"));      /* digit before */
  ASSERT(!find("010190-12345"));      /* digit after */
  ASSERT(!find("123456789012345678"));
  ASSERT(!find("phone 12345678, account 0101901234567"));
  ASSERT(find("a0101901234b"));       /* letters around do not make a longer run */
  ASSERT(find("(010190-1234)"));
  ASSERT(find("nr.010190-1234."));
  ASSERT(find("010190-1234-5"));      /* separator after, no digit */
  ASSERT(find("12 34 010190-1234"));
  ASSERT(find("\xc3\xa6\xc3\xb8\xc3\xa5 0101901234"));
  ASSERT(find("10101901234 and 0101901234")); /* second one stands alone */
  size_t off;
  const char *s = "10101901234 and 0101901234";
  ASSERT(guard_find_cpr(s, strlen(s), &off, NULL));
  ASSERT_UINT_EQ(off, 16);
  /* Invalid date in the first candidate, valid in a later one. */
  s = "3202901234, 0202901234";
  ASSERT(guard_find_cpr(s, strlen(s), &off, NULL));
  ASSERT_UINT_EQ(off, 12);
  /* Length bound is respected: the number cut short by len is not found. */
  s = "0101901234";
  ASSERT(!guard_find_cpr(s, 9, NULL, NULL));
  ASSERT(guard_find_cpr(s, 10, NULL, NULL));
  /* ... and a digit beyond len does not count as part of the run. */
  s = "01019012345";
  ASSERT(guard_find_cpr(s, 10, NULL, NULL));
  ASSERT(!guard_find_cpr(s, 11, NULL, NULL));
  ASSERT(!guard_find_cpr(NULL, 0, NULL, NULL));
  /* Ordinary area text does not trigger. */
  ASSERT(!find("Legepladsen ved Blok 4 er renoveret 2023; 25 børn bruger den dagligt."));
  ASSERT(!find("Mødes kl. 19:30 den 12.03.2024 i fælleshuset, tlf 12 34 56 78"));
}

static void test_labels(void) {
  ASSERT(guard_label_valid("Gellerup", 8, GUARD_LABEL_MAX));
  ASSERT(guard_label_valid("fritid og foreninger", 20, GUARD_LABEL_MAX));
  ASSERT(guard_label_valid("Tingbjerg \xc3\xb8st", 14, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid("", 0, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid(NULL, 0, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid(" lead", 5, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid("trail ", 6, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid("a\tb", 3, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid("a\nb", 3, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid("a\x7f", 2, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid("a\xc2\x85", 3, GUARD_LABEL_MAX)); /* U+0085 NEL */
  ASSERT(guard_label_valid("a\xc2\xa0" "b", 4, GUARD_LABEL_MAX)); /* U+00A0 is printable */
  ASSERT(!guard_label_valid("\xff", 1, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid("\xc3", 1, GUARD_LABEL_MAX));
  char long_label[GUARD_LABEL_MAX + 2];
  memset(long_label, 'a', sizeof long_label);
  ASSERT(guard_label_valid(long_label, GUARD_LABEL_MAX, GUARD_LABEL_MAX));
  ASSERT(!guard_label_valid(long_label, GUARD_LABEL_MAX + 1, GUARD_LABEL_MAX));
}

static void test_coords(void) {
  ASSERT(guard_coords_valid(56.15, 10.12));
  ASSERT(guard_coords_valid(-90, -180));
  ASSERT(guard_coords_valid(90, 180));
  ASSERT(guard_coords_valid(0, 0));
  ASSERT(!guard_coords_valid(90.0001, 0));
  ASSERT(!guard_coords_valid(-90.0001, 0));
  ASSERT(!guard_coords_valid(0, 180.0001));
  ASSERT(!guard_coords_valid(0, -180.0001));
  ASSERT(!guard_coords_valid(NAN, 0));
  ASSERT(!guard_coords_valid(0, INFINITY));
}

int main(void) {
  RUN_TEST(test_date_exhaustive);
  RUN_TEST(test_leap_years);
  RUN_TEST(test_find_all_dates);
  RUN_TEST(test_separators);
  RUN_TEST(test_digit_runs);
  RUN_TEST(test_labels);
  RUN_TEST(test_coords);
  return 0;
}

/* test_guard.c -- unit tests for the area-data guards: CPR detection (also in Unicode forms),
 * labels, label keys, coordinates. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "support/rng.h"
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
  /* U+2014 em dash: a separator since the guard takes every dash (category Pd); a word
   * processor turns "--" into it. Two dashes in a row stay no separator. */
  ASSERT(find("010190\xe2\x80\x94" "1234"));
  ASSERT(!find("010190--1234"));
  ASSERT(!find("010190  1234"));
  ASSERT(!find("010190/1234"));
  ASSERT(!find("010190.1234"));
  ASSERT(!find("010190_1234"));
  ASSERT(!find("01-01-90-1234"));
  ASSERT(!find("010190-123"));
  /* nine ASCII digits and one that is not ASCII (fullwidth 4, U+FF14): still ten digits */
  ASSERT(find("010190-123\xef\xbc\x94"));
  ASSERT(find("\xef\xbc\x90" "10190-1234")); /* fullwidth 0 first */
  ASSERT(!find("\xef\xbc\x90" "10190-123"));
  /* Latin-1: letters are no digits, superscripts and fractions are */
  ASSERT(find("\xc3\x86r\xc3\xb8 010190-1234 \xc3\xa5"));  /* Ærø ... å */
  ASSERT(!find("\xc3\x86r\xc3\xb8 010190-123 \xc3\xa5"));
  ASSERT(find("010190-12\xc2\xb3" "4"));                     /* superscript three */
  ASSERT(find("\xc2\xb9" "10190-1234"));                     /* superscript one first */
  ASSERT(!find("010190-1\xc2\xbc"));                         /* 1/4: 1, fraction slash, 4 */
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

/* Found, covering exactly bytes [off, off + mlen) of s. */
static void found_at(const char *s, size_t want_off, size_t want_len) {
  size_t off = 999, ml = 999;
  if (!guard_find_cpr(s, strlen(s), &off, &ml)) TASK_FAIL("not found: \"%s\"", s);
  if (off != want_off || ml != want_len)
    TASK_FAIL("\"%s\": match at %zu+%zu, want %zu+%zu", s, off, ml, want_off, want_len);
}

/* Invisible characters are dropped before matching, wherever they stand; they do not break a
 * longer run of digits either. */
static void test_invisible_characters(void) {
  static const char *const invisible[] = {
      "\xe2\x80\x8b", /* U+200B zero-width space */
      "\xe2\x80\x8c", /* U+200C zero-width non-joiner */
      "\xe2\x80\x8d", /* U+200D zero-width joiner */
      "\xe2\x81\xa0", /* U+2060 word joiner */
      "\xef\xbb\xbf", /* U+FEFF zero-width no-break space */
      "\xc2\xad",     /* U+00AD soft hyphen */
      "\xe2\x80\x8e", /* U+200E left-to-right mark */
      "\xe2\x80\xae", /* U+202E right-to-left override */
      "\xe2\x81\xa6", /* U+2066 left-to-right isolate */
      "\xcd\x8f",     /* U+034F combining grapheme joiner */
      "\xcc\x81",     /* U+0301 combining acute accent */
      "\xd8\x80",     /* U+0600 Arabic number sign (format, not default-ignorable) */
      "\xef\xbf\xb9", /* U+FFF9 interlinear annotation anchor (the same) */
  };
  char buf[128];
  for (size_t i = 0; i < sizeof invisible / sizeof invisible[0]; i++) {
    const char *z = invisible[i];
    size_t zl = strlen(z);
    snprintf(buf, sizeof buf, "010190%s1234", z);
    found_at(buf, 0, 10 + zl);
    snprintf(buf, sizeof buf, "0101%s901234", z);
    found_at(buf, 0, 10 + zl);
    snprintf(buf, sizeof buf, "x %s0%s1%s0%s1%s9%s0%s-%s1%s2%s3%s4%s y", z, z, z, z, z, z, z, z,
             z, z, z, z);
    found_at(buf, 2 + zl, 11 + 10 * zl);
    snprintf(buf, sizeof buf, "010190-%s1234", z);
    ASSERT(find(buf));
    /* ... but an 11-digit run stays one, and five digits before the separator are no date. */
    snprintf(buf, sizeof buf, "0101901234%s5", z);
    ASSERT(!find(buf));
    snprintf(buf, sizeof buf, "9%s0101901234", z);
    ASSERT(!find(buf));
    snprintf(buf, sizeof buf, "01019%s-1234", z);
    ASSERT(!find(buf));
    snprintf(buf, sizeof buf, "010190-123%s", z);
    ASSERT(!find(buf));
  }
}

static void test_unicode_spaces(void) {
  found_at("010190\xc2\xa0" "1234", 0, 12);         /* U+00A0 no-break space */
  found_at("010190\xe2\x80\xaf" "1234", 0, 13);     /* U+202F narrow no-break space */
  found_at("010190\xe2\x80\x87" "1234", 0, 13);     /* U+2007 figure space */
  found_at("010190\xe2\x80\x89" "1234", 0, 13);     /* U+2009 thin space */
  found_at("010190\xe3\x80\x80" "1234", 0, 13);     /* U+3000 ideographic space */
  /* One space at most, as with ASCII spaces. */
  ASSERT(!find("010190\xc2\xa0\xc2\xa0" "1234"));
  ASSERT(!find("010190 \xc2\xa0" "1234"));
  ASSERT(!find("010190\t1234"));
  ASSERT(!find("010190\n1234"));
}

static void test_unicode_dashes(void) {
  static const char *const dashes[] = {
      "\xe2\x80\x94", /* U+2014 em dash */
      "\xe2\x80\x95", /* U+2015 horizontal bar */
      "\xef\xb9\x98", /* U+FE58 small em dash */
      "\xef\xb9\xa3", /* U+FE63 small hyphen-minus */
      "\xef\xbc\x8d", /* U+FF0D fullwidth hyphen-minus */
      "\xe2\xb8\xba", /* U+2E3A two-em dash */
      "\xd6\x8a",     /* U+058A Armenian hyphen */
      "\xe2\x81\xbb", /* U+207B superscript minus (NFKC: U+2212) */
      "\xe2\x80\x90", /* U+2010 hyphen */
      "\xe2\x88\x92", /* U+2212 minus */
  };
  char buf[64];
  for (size_t i = 0; i < sizeof dashes / sizeof dashes[0]; i++) {
    const char *d = dashes[i];
    size_t dl = strlen(d);
    snprintf(buf, sizeof buf, "010190%s1234", d);
    found_at(buf, 0, 10 + dl);
    snprintf(buf, sizeof buf, "010190 %s 1234", d);
    found_at(buf, 0, 12 + dl);
    snprintf(buf, sizeof buf, "010190%s%s1234", d, d);
    ASSERT(!find(buf));
    snprintf(buf, sizeof buf, "010190-%s1234", d);
    ASSERT(!find(buf));
  }
  ASSERT(!find("010190\xe2\x80\xa2" "1234")); /* U+2022 bullet is no dash */
  ASSERT(!find("010190\xe2\x80\xa6" "1234")); /* U+2026 ellipsis */
}

/* "010190 - 1234": a dash with at most one space on each side. */
static void test_spaced_dash(void) {
  found_at("010190 - 1234", 0, 13);
  found_at("010190 -1234", 0, 12);
  found_at("010190- 1234", 0, 12);
  found_at("010190 \xe2\x80\x93 1234", 0, 15); /* en dash */
  found_at("nr. 010190 - 1234.", 4, 13);
  ASSERT(!find("010190  - 1234"));
  ASSERT(!find("010190 -  1234"));
  ASSERT(!find("010190 - - 1234"));
  ASSERT(!find("010190 -- 1234"));
  ASSERT(!find("010190 - 12345"));
  ASSERT(!find("010190 - 123"));
  ASSERT(!find("320190 - 1234")); /* no 32nd */
  ASSERT(!find("010190 / 1234"));
}

/* "01.01.90-1234": a date with dots, then a dash. */
static void test_dotted_date(void) {
  found_at("01.01.90-1234", 0, 13);
  found_at("x 01.01.90-1234 y", 2, 13);
  found_at("01.01.90 - 1234", 0, 15);
  found_at("01.01.90\xe2\x80\x93" "1234", 0, 15);
  found_at("29.02.00-4123", 0, 13);              /* 2000 is a leap year ... */
  ASSERT(!find("29.02.00-1123"));                /* ... 1900 is not */
  ASSERT(!find("32.01.90-1234"));
  ASSERT(!find("01.13.90-1234"));
  ASSERT(!find("01.01.90 1234"));  /* a date, then a number: "betalt 01.02.24 2500 kr" */
  ASSERT(!find("betalt 01.02.24 2500 kr"));
  ASSERT(!find("01.01.901234"));
  ASSERT(!find("01.0190-1234"));   /* both dots or none */
  ASSERT(!find("0101.90-1234"));
  ASSERT(!find("01.01.90.1234"));
  ASSERT(!find("01.01.90-12345"));
  ASSERT(!find("1.01.90-1234"));
  ASSERT(!find("101.01.90-1234"));
  ASSERT(!find("01.01.2024-1234"));
  ASSERT(!find("01.01.90--1234"));
  ASSERT(!find("Mødes 12.03.2024 kl. 19.30-21.00 i fælleshuset"));
  ASSERT(!find("Periode 01.01.90-31.12.90"));
}

static void test_unicode_digits(void) {
  /* Fullwidth: "０１０１９０－１２３４" */
  const char *fw = "\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x91\xef\xbc\x99\xef\xbc\x90"
                   "\xef\xbc\x8d\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94";
  found_at(fw, 0, 33);
  /* Fullwidth digits without separator, and mixed with ASCII. */
  found_at("\xef\xbc\x90\xef\xbc\x91" "0190" "\xef\xbc\x91" "234", 0, 16);
  /* Arabic-Indic digits U+0660..U+0669: "٠١٠١٩٠-١٢٣٤" */
  const char *ar = "\xd9\xa0\xd9\xa1\xd9\xa0\xd9\xa1\xd9\xa9\xd9\xa0-\xd9\xa1\xd9\xa2\xd9\xa3"
                   "\xd9\xa4";
  found_at(ar, 0, 21);
  /* Extended Arabic-Indic (Persian) U+06F0..: "۰۱۰۱۹۰۱۲۳۴" */
  found_at("\xdb\xb0\xdb\xb1\xdb\xb0\xdb\xb1\xdb\xb9\xdb\xb0\xdb\xb1\xdb\xb2\xdb\xb3\xdb\xb4", 0,
           20);
  /* Devanagari U+0966..: "०१०१९०-१२३४" */
  found_at("\xe0\xa5\xa6\xe0\xa5\xa7\xe0\xa5\xa6\xe0\xa5\xa7\xe0\xa5\xaf\xe0\xa5\xa6-"
           "\xe0\xa5\xa7\xe0\xa5\xa8\xe0\xa5\xa9\xe0\xa5\xaa",
           0, 31);
  /* Mathematical bold digits U+1D7CE.. (NFKC: ASCII): "𝟎𝟏𝟎𝟏𝟗𝟎𝟏𝟐𝟑𝟒" */
  found_at("\xf0\x9d\x9f\x8e\xf0\x9d\x9f\x8f\xf0\x9d\x9f\x8e\xf0\x9d\x9f\x8f\xf0\x9d\x9f\x97"
           "\xf0\x9d\x9f\x8e\xf0\x9d\x9f\x8f\xf0\x9d\x9f\x90\xf0\x9d\x9f\x91\xf0\x9d\x9f\x92",
           0, 40);
  /* Superscript digits and minus (category No; NFKC: ASCII): "⁰¹⁰¹⁹⁰⁻¹²³⁴" */
  found_at("\xe2\x81\xb0\xc2\xb9\xe2\x81\xb0\xc2\xb9\xe2\x81\xb9\xe2\x81\xb0\xe2\x81\xbb\xc2\xb9"
           "\xc2\xb2\xc2\xb3\xe2\x81\xb4",
           0, 28);
  /* Digit values: every digit of the Arabic-Indic set in a date position. 29 February 2000
   * (serial 4...) exists, 1900 (serial 1...) does not. */
  ASSERT(find("\xd9\xa2\xd9\xa9\xd9\xa0\xd9\xa2\xd9\xa0\xd9\xa0-"
              "\xd9\xa4\xd9\xa1\xd9\xa2\xd9\xa3"));
  ASSERT(!find("\xd9\xa2\xd9\xa9\xd9\xa0\xd9\xa2\xd9\xa0\xd9\xa0-"
               "\xd9\xa1\xd9\xa1\xd9\xa2\xd9\xa3"));
  char buf[64];
  for (int d = 0; d <= 9; d++) {
    /* January 1990, serial 1234, the day's second digit d in Arabic-Indic (U+0660 + d):
     * days 01..09 and 10..19 exist, 00 does not; 30 and 31 exist, 32..39 do not. */
    snprintf(buf, sizeof buf, "0\xd9%c0190-1234", (char)(0xa0 + d));
    ASSERT(find(buf) == (d != 0));
    snprintf(buf, sizeof buf, "1\xd9%c0190-1234", (char)(0xa0 + d));
    ASSERT(find(buf));
    snprintf(buf, sizeof buf, "3\xd9%c0190-1234", (char)(0xa0 + d));
    ASSERT(find(buf) == (d <= 1));
  }
  /* Boundaries: eleven fullwidth digits are one run; a fullwidth digit before an ASCII
   * number makes the run longer; an invalid date in fullwidth is no date. */
  ASSERT(!find("\xef\xbc\x90" "0101901234"));
  ASSERT(!find("0101901234" "\xef\xbc\x95"));
  ASSERT(!find("\xd9\xa0" "0101901234"));
  ASSERT(!find("\xef\xbc\x93\xef\xbc\x92" "01901234")); /* "３２" January */
  ASSERT(!find("\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x91\xef\xbc\x99\xef\xbc\x90"
               "\xef\xbc\x8d\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93")); /* three serial digits */
  /* Numbers that are not decimal digits stay text: Roman numerals, vulgar fractions. */
  ASSERT(!find("\xe2\x85\xa0" "01901234")); /* "Ⅰ" */
}

/* What the guard must keep letting through: ordinary Danish area text, phone numbers as the
 * ASCII rules treat them, dates, amounts, times. */
static void test_no_false_positives(void) {
  static const char *const ok[] = {
      "Legepladsen ved Blok 4 er renoveret 2023; 25 børn bruger den dagligt.",
      "Mødes kl. 19:30 den 12.03.2024 i fælleshuset, tlf 12 34 56 78",
      "Ring på tlf. 12 34 56 78 eller +45 12345678 eller +45 1234 5678",
      "Åbent 10.00\xe2\x80\x93" "16.00, lukket 24.12\xe2\x80\x93" "26.12",
      "Perioden 01.01.2024 - 31.12.2024, budget 1.234.567 kr.",
      "Møde 01.02.24 kl. 1930 i klubben",
      "betalt 01.02.24 2500 kr.",
      "Postnummer 8000 Aarhus C, 5000 Odense C",
      "Blok 4\xe2\x80\x93" "6 og opgang 12\xc2\xa0" "A",
      "1990\xe2\x80\x94" "2024: 34 år med fritidsklubben",
      "Konto 1234-5678901234",
      "Sag 2024-0012345",
      "ordrenr. 123456789012345678",
      "Gruppen er ca. 8\xe2\x80\x93" "10 unge i alderen 14\xe2\x80\x93" "17 år",
      /* fullwidth "12 34 56" */
      "\xef\xbc\x91\xef\xbc\x92 \xef\xbc\x93\xef\xbc\x94 \xef\xbc\x95\xef\xbc\x96",
      "\xd9\xa1\xd9\xa2 \xd9\xa3\xd9\xa4 \xd9\xa5\xd9\xa6 \xd9\xa7\xd9\xa8", /* Arabic phone */
      "", "0", "010190", "01.01.90", "010190-", "-1234",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (find(ok[i])) TASK_FAIL("false positive: \"%s\"", ok[i]);
  /* Invalid UTF-8 around a number is other text, not a way round the guard. */
  found_at("\xff" "0101901234" "\xfe", 1, 10);
  ASSERT(!find("\xff\xfe\xc3"));
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

static enum guard_label_status label(const char *s) {
  return guard_label_check(s, strlen(s), GUARD_LABEL_MAX);
}

/* Each refused form next to the accepted one it imitates. */
static void test_label_unicode(void) {
  ASSERT_INT_EQ(label("Vollsmose"), GUARD_LABEL_OK);
  /* Format, bidi control and other invisible characters, anywhere. */
  ASSERT_INT_EQ(label("Vollsmose\xe2\x80\x8b"), GUARD_LABEL_INVISIBLE); /* U+200B */
  ASSERT_INT_EQ(label("Voll\xe2\x80\x8bsmose"), GUARD_LABEL_INVISIBLE);
  ASSERT_INT_EQ(label("\xe2\x80\x8bVollsmose"), GUARD_LABEL_INVISIBLE);
  ASSERT_INT_EQ(label("Voll\xe2\x80\x8dsmose"), GUARD_LABEL_INVISIBLE);    /* U+200D ZWJ */
  ASSERT_INT_EQ(label("Volls\xc2\xadmose"), GUARD_LABEL_INVISIBLE);        /* soft hyphen */
  ASSERT_INT_EQ(label("\xef\xbb\xbfVollsmose"), GUARD_LABEL_INVISIBLE);    /* BOM */
  ASSERT_INT_EQ(label("Voll\xe2\x81\xa0smose"), GUARD_LABEL_INVISIBLE);    /* word joiner */
  ASSERT_INT_EQ(label("\xe2\x80\x8eVollsmose"), GUARD_LABEL_INVISIBLE);    /* LRM */
  ASSERT_INT_EQ(label("\xe2\x80\x8fVollsmose"), GUARD_LABEL_INVISIBLE);    /* RLM */
  ASSERT_INT_EQ(label("\xd8\x9cVollsmose"), GUARD_LABEL_INVISIBLE);        /* U+061C ALM */
  ASSERT_INT_EQ(label("Blok \xe2\x80\xae" "4 A"), GUARD_LABEL_INVISIBLE);   /* RLO */
  ASSERT_INT_EQ(label("Blok \xe2\x80\xaa" "4"), GUARD_LABEL_INVISIBLE);     /* LRE */
  ASSERT_INT_EQ(label("Blok \xe2\x81\xa7" "4"), GUARD_LABEL_INVISIBLE);     /* RLI */
  ASSERT_INT_EQ(label("Blok \xe2\x81\xa9" "4"), GUARD_LABEL_INVISIBLE);     /* PDI */
  ASSERT_INT_EQ(label("Vollsmose\xef\xb8\x8f"), GUARD_LABEL_INVISIBLE);    /* VS16 */
  ASSERT_INT_EQ(label("Voll\xcd\x8fsmose"), GUARD_LABEL_INVISIBLE);        /* CGJ */
  ASSERT_INT_EQ(label("Vollsmose\xe3\x85\xa4"), GUARD_LABEL_INVISIBLE);    /* Hangul filler */
  /* Line and paragraph separators, C1 controls. */
  ASSERT_INT_EQ(label("Voll\xe2\x80\xa8smose"), GUARD_LABEL_CONTROL);
  ASSERT_INT_EQ(label("Voll\xe2\x80\xa9smose"), GUARD_LABEL_CONTROL);
  ASSERT_INT_EQ(label("Voll\xc2\x85smose"), GUARD_LABEL_CONTROL);
  /* Unassigned and private-use code points. */
  ASSERT_INT_EQ(label("Voll\xcd\xb8smose"), GUARD_LABEL_UNASSIGNED);       /* U+0378 */
  ASSERT_INT_EQ(label("Voll\xee\x80\x80smose"), GUARD_LABEL_UNASSIGNED);   /* U+E000 */
  ASSERT_INT_EQ(label("Voll\xef\xbf\xbfsmose"), GUARD_LABEL_UNASSIGNED);   /* U+FFFF */
  /* Spaces: one between words; none at the ends; any space separator counts. */
  ASSERT_INT_EQ(label("Blok 4"), GUARD_LABEL_OK);
  ASSERT_INT_EQ(label("Blok\xc2\xa0" "4"), GUARD_LABEL_OK);
  ASSERT_INT_EQ(label("Blok  4"), GUARD_LABEL_SPACING);
  ASSERT_INT_EQ(label("Blok \xc2\xa0" "4"), GUARD_LABEL_SPACING);
  ASSERT_INT_EQ(label("\xc2\xa0" "Blok 4"), GUARD_LABEL_SPACING);
  ASSERT_INT_EQ(label("Blok 4\xe2\x80\xaf"), GUARD_LABEL_SPACING);        /* U+202F at the end */
  ASSERT_INT_EQ(label("Blok 4 "), GUARD_LABEL_SPACING);
  ASSERT_INT_EQ(label("\xcc\x81" "Blok"), GUARD_LABEL_SPACING);           /* leading accent */
  /* NFC: a composed letter, not a letter and a combining accent. */
  ASSERT_INT_EQ(label("Caf\xc3\xa9"), GUARD_LABEL_OK);
  ASSERT_INT_EQ(label("Cafe\xcc\x81"), GUARD_LABEL_NORMALISED);
  ASSERT_INT_EQ(label("\xc3\x85rhus \xc3\x98st"), GUARD_LABEL_OK);       /* "Århus Øst" */
  ASSERT_INT_EQ(label("A\xcc\x8arhus"), GUARD_LABEL_NORMALISED);          /* A + ring */
  /* Scripts: a Cyrillic or Greek letter inside a Latin name is refused ... */
  ASSERT_INT_EQ(label("V\xd0\xbellsmose"), GUARD_LABEL_MIXED_SCRIPT);    /* Cyrillic о */
  ASSERT_INT_EQ(label("Vollsmos\xd0\xb5"), GUARD_LABEL_MIXED_SCRIPT);    /* Cyrillic е */
  ASSERT_INT_EQ(label("V\xce\xbfllsmose"), GUARD_LABEL_MIXED_SCRIPT);    /* Greek ο */
  ASSERT_INT_EQ(label("\xd0\x92ollsmose"), GUARD_LABEL_MIXED_SCRIPT);    /* Cyrillic В */
  /* ... a name wholly in one script is not ... */
  ASSERT_INT_EQ(label("\xd0\x92\xd0\xbe\xd0\xbb\xd0\xbb\xd1\x81"), GUARD_LABEL_OK); /* Cyrillic */
  ASSERT_INT_EQ(label("\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1"), GUARD_LABEL_OK); /* Αθήνα */
  ASSERT_INT_EQ(label("\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85"), GUARD_LABEL_OK);         /* سلام */
  ASSERT_INT_EQ(label("Gellerup-Toveshøj 2"), GUARD_LABEL_OK);
  /* ... nor Latin with one other script that does not imitate it ... */
  ASSERT_INT_EQ(label("Caf\xc3\xa9 Salam \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85"), GUARD_LABEL_OK);
  ASSERT_INT_EQ(label("Shalom \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"), GUARD_LABEL_OK);   /* Hebrew */
  ASSERT_INT_EQ(label("Tokyo \xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xa8"), GUARD_LABEL_OK); /* Han+kana */
  /* ... but Latin with Cyrillic, Latin with two others, or two non-Latin scripts are. */
  ASSERT_INT_EQ(label("Klub \xd0\x9c\xd0\xb8\xd1\x80"), GUARD_LABEL_MIXED_SCRIPT);  /* Мир */
  ASSERT_INT_EQ(label("Klub \xce\x91\xce\xb8"), GUARD_LABEL_MIXED_SCRIPT);
  ASSERT_INT_EQ(label("Salam \xd8\xb3\xd9\x84 \xd7\xa9\xd7\x9c"), GUARD_LABEL_MIXED_SCRIPT);
  ASSERT_INT_EQ(label("\xd0\x9c\xd0\xb8\xd1\x80 \xd8\xb3\xd9\x84"), GUARD_LABEL_MIXED_SCRIPT);
  /* Digits, spaces and punctuation belong to every script. */
  ASSERT_INT_EQ(label("\xd0\x9c\xd0\xb8\xd1\x80 4-6 (2024)"), GUARD_LABEL_OK);
  /* Every status has its own message. */
  for (int a = GUARD_LABEL_OK; a <= GUARD_LABEL_MIXED_SCRIPT; a++) {
    ASSERT(strlen(guard_label_message((enum guard_label_status)a)) > 10);
    for (int b = a + 1; b <= GUARD_LABEL_MIXED_SCRIPT; b++)
      ASSERT(strcmp(guard_label_message((enum guard_label_status)a),
                    guard_label_message((enum guard_label_status)b)) != 0);
  }
}

static bool same_key(const char *a, const char *b) {
  char *ka = guard_label_key(a, strlen(a)), *kb = guard_label_key(b, strlen(b));
  ASSERT(ka != NULL && kb != NULL);
  bool same = strcmp(ka, kb) == 0;
  free(ka);
  free(kb);
  return same;
}

/* Labels that look the same share a key; labels that differ do not. */
static void test_label_key(void) {
  ASSERT(same_key("Vollsmose", "vollsmose"));
  ASSERT(same_key("Vollsmose", "VOLLSMOSE"));
  ASSERT(same_key("Blok 4", "Blok\xc2\xa0" "4"));
  ASSERT(same_key("Blok 4", "Blok\xe2\x80\xaf" "4"));
  ASSERT(same_key("Blok 4-6", "Blok 4\xe2\x80\x93" "6"));
  ASSERT(same_key("Vollsmose", "\xef\xbc\xb6ollsmose")); /* fullwidth V */
  ASSERT(same_key("Gro\xc3\x9f" "e Gade", "Grosse Gade"));
  ASSERT(same_key("Caf\xc3\xa9", "Cafe\xcc\x81"));
  ASSERT(!same_key("Vollsmose", "Vollsmose 2"));
  ASSERT(!same_key("Vollsmose", "V\xd0\xbellsmose")); /* scripts are refused, not folded */
  ASSERT(!same_key("Blok 4", "Blok 5"));
  ASSERT(!same_key("S\xc3\xb8" "nderparken", "Sonderparken"));
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

static bool near(double a, double b, double eps) { return fabs(a - b) <= eps; }

/* Distances the formula must give exactly: along a meridian and the equator the distance is
 * the angle times the radius; half the globe is pi times the radius. */
static void test_distance(void) {
  const double r = 6371.0088, per_degree = r * M_PI / 180.0;
  ASSERT(near(guard_distance_km(55.393, 10.423, 55.393, 10.423), 0.0, 1e-9));
  ASSERT(near(guard_distance_km(55.0, 10.423, 56.0, 10.423), per_degree, 1e-6));
  ASSERT(near(guard_distance_km(0.0, 10.0, 0.0, 11.0), per_degree, 1e-6));
  ASSERT(near(guard_distance_km(0.0, 0.0, 0.0, 180.0), M_PI * r, 1e-6));
  ASSERT(near(guard_distance_km(90.0, 0.0, -90.0, 0.0), M_PI * r, 1e-6));
  /* Symmetric; and at 60 degrees north a degree of longitude is about half as long. */
  double ab = guard_distance_km(55.6761, 12.5683, 56.1629, 10.2039);
  ASSERT(near(ab, guard_distance_km(56.1629, 10.2039, 55.6761, 12.5683), 1e-9));
  ASSERT(ab > 150.0 && ab < 165.0); /* Copenhagen - Aarhus, about 157 km */
  ASSERT(near(guard_distance_km(60.0, 10.0, 60.0, 10.001), per_degree * 0.001 / 2, 1e-4));
  /* Swapped latitude and longitude of a point in Odense are thousands of km away. */
  ASSERT(guard_distance_km(55.393, 10.423, 10.423, 55.393) > 4000.0);
  /* The rule's boundary, due north of a point. */
  ASSERT(guard_distance_km(55.393, 10.423, 55.393 + 24.9 / per_degree, 10.423) <=
         GUARD_AREA_RADIUS_KM);
  ASSERT(guard_distance_km(55.393, 10.423, 55.393 + 25.1 / per_degree, 10.423) >
         GUARD_AREA_RADIUS_KM);
}

static void test_median_point(void) {
  double lat[5] = {55.394, 55.392, 55.393, 10.4, 55.395}, lon[5] = {10.42, 10.43, 55.4, 10.41,
                                                                      10.44};
  double mlat, mlon;
  guard_median_point(lat, lon, 5, &mlat, &mlon);
  /* One swapped point does not move the middle much: each coordinate's median. */
  ASSERT(near(mlat, 55.393, 1e-12) && near(mlon, 10.43, 1e-12));
  ASSERT(lat[0] <= lat[1] && lat[1] <= lat[2] && lat[3] <= lat[4]); /* sorted in place */
  double la[2] = {55.0, 56.0}, lo[2] = {11.0, 10.0};
  guard_median_point(la, lo, 2, &mlat, &mlon);
  ASSERT(near(mlat, 55.5, 1e-12) && near(mlon, 10.5, 1e-12));
  double l1 = 55.1, o1 = 10.2;
  guard_median_point(&l1, &o1, 1, &mlat, &mlon);
  ASSERT(mlat == 55.1 && mlon == 10.2);
}

/* The running median equals guard_median_point's for every prefix of a sequence with ties,
 * runs in both directions and few distinct values. */
static void test_running_median(void) {
  enum { N = 600 };
  double v[N], sorted[N], other[N];
  test_rng r = {.state = 0x5eed1234abcdull};
  for (int i = 0; i < N; i++) {
    if (i < 100)
      v[i] = 55.0 + i * 1e-3;               /* rising */
    else if (i < 200)
      v[i] = 56.0 - i * 1e-3;               /* falling */
    else if (i < 400)
      v[i] = 10.0 + test_rng_below(&r, 7);  /* many ties */
    else
      v[i] = (double)test_rng_below(&r, 1000000) * 1e-4 - 50.0;
  }
  guard_median m = {0};
  for (int n = 1; n <= N; n++) {
    ASSERT_INT_EQ(guard_median_add(&m, v[n - 1]), 0);
    ASSERT(guard_median_count(&m) == (size_t)n);
    memcpy(sorted, v, (size_t)n * sizeof *v);
    memcpy(other, v, (size_t)n * sizeof *v);
    double want, ignored;
    guard_median_point(sorted, other, (size_t)n, &want, &ignored);
    ASSERT(guard_median_value(&m) == want); /* exactly: the same values, the same sum */
  }
  guard_median_free(&m);
  ASSERT(guard_median_count(&m) == 0);
  ASSERT_INT_EQ(guard_median_add(&m, 3.5), 0);
  ASSERT(guard_median_value(&m) == 3.5);
  ASSERT_INT_EQ(guard_median_add(&m, 1.5), 0);
  ASSERT(guard_median_value(&m) == 2.5);
  guard_median_free(&m);
}

int main(void) {
  RUN_TEST(test_date_exhaustive);
  RUN_TEST(test_leap_years);
  RUN_TEST(test_find_all_dates);
  RUN_TEST(test_separators);
  RUN_TEST(test_digit_runs);
  RUN_TEST(test_invisible_characters);
  RUN_TEST(test_unicode_spaces);
  RUN_TEST(test_unicode_dashes);
  RUN_TEST(test_spaced_dash);
  RUN_TEST(test_dotted_date);
  RUN_TEST(test_unicode_digits);
  RUN_TEST(test_no_false_positives);
  RUN_TEST(test_labels);
  RUN_TEST(test_label_unicode);
  RUN_TEST(test_label_key);
  RUN_TEST(test_coords);
  RUN_TEST(test_distance);
  RUN_TEST(test_median_point);
  RUN_TEST(test_running_median);
  return 0;
}

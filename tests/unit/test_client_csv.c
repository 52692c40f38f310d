/* test_client_csv.c -- spreadsheet files: byte-order mark, separators, quoting, CRLF, the
 * formula guard (CSV injection) and numbers that stay numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "task.h"

/* Write one row of the given texts with separator sep; returns the malloc'd file. */
static char *row(char sep, const char *const *cells, int n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  csv_writer w;
  csv_begin(&w, f, sep);
  for (int i = 0; i < n; i++) csv_text(&w, cells[i]);
  csv_end_row(&w);
  ASSERT_INT_EQ(csv_finish(&w), 0);
  fclose(f);
  return buf;
}

static void expect_row(char sep, const char *const *cells, int n, const char *want) {
  char *got = row(sep, cells, n);
  ASSERT(strncmp(got, "\xef\xbb\xbf", 3) == 0);
  ASSERT_STR_EQ(got + 3, want);
  free(got);
}

static void test_plain_and_quoted(void) {
  const char *a[] = {"Gellerup", "Gospelkor øver", ""};
  expect_row(';', a, 3, "Gellerup;Gospelkor øver;\r\n");
  const char *b[] = {"a;b", "say \"hi\"", "two\nlines", "x,y"};
  expect_row(';', b, 4, "\"a;b\";\"say \"\"hi\"\"\";\"two\nlines\";x,y\r\n");
  expect_row(',', b, 4, "a;b,\"say \"\"hi\"\"\",\"two\nlines\",\"x,y\"\r\n");
  const char *c[] = {" padded", "end ", "in side"};
  expect_row(';', c, 3, "\" padded\";\"end \";in side\r\n");
}

static void test_formula_guard(void) {
  const char *a[] = {"=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "1+1", "a=b"};
  expect_row(';', a, 6,
             "\"'=HYPERLINK(\"\"http://x\"\")\";'+1;'-2;'@SUM(A1);1+1;a=b\r\n");
  const char *b[] = {"\tTAB", "\rCR"};
  expect_row(';', b, 2, "\"'\tTAB\";\"'\rCR\"\r\n");
}

static void test_bad_bytes(void) {
  const char *a[] = {"bell\x07", "bad \xff byte", "c1 \xc2\x85 x", "ok \xc3\xa6"};
  expect_row(';', a, 4, "bell ;bad \xef\xbf\xbd byte;c1   x;ok \xc3\xa6\r\n");
  const char *b[] = {"\xed\xa0\x80 surrogate", "\xc0\xaf overlong"};
  expect_row(';', b, 2, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate;"
                        "\xef\xbf\xbd\xef\xbf\xbd overlong\r\n");
}

static void test_numbers(void) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  csv_writer w;
  csv_begin(&w, f, ';');
  csv_uint(&w, 42);
  csv_double(&w, -12.25, 4);
  csv_empty(&w);
  csv_double(&w, 56.15432109, 6);
  csv_end_row(&w);
  csv_text(&w, "next");
  csv_end_row(&w);
  ASSERT_INT_EQ(csv_finish(&w), 0);
  fclose(f);
  ASSERT_STR_EQ(buf + 3, "42;-12.2500;;56.154321\r\nnext\r\n");
  free(buf);
}

int main(void) {
  RUN_TEST(test_plain_and_quoted);
  RUN_TEST(test_formula_guard);
  RUN_TEST(test_bad_bytes);
  RUN_TEST(test_numbers);
  return 0;
}

/* csv.c -- spreadsheet files (RFC 4180 CSV) that open in Excel and LibreOffice as they are:
 * UTF-8 with a byte-order mark, CRLF line ends, fields quoted when needed, and text that a
 * spreadsheet would run as a formula made inert. */
#include "csv.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void csv_begin(csv_writer *w, FILE *f, char sep) {
  assert(sep == ',' || sep == ';');
  w->f = f;
  w->sep = sep;
  w->first = true;
  fputs("\xef\xbb\xbf", f);
}

static void field_start(csv_writer *w) {
  if (!w->first) fputc(w->sep, w->f);
  w->first = false;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 (shortest forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  if (s[0] < 0x80) return 1;
  size_t len;
  unsigned cp;
  if ((s[0] & 0xe0) == 0xc0) len = 2, cp = s[0] & 0x1fu;
  else if ((s[0] & 0xf0) == 0xe0) len = 3, cp = s[0] & 0x0fu;
  else if ((s[0] & 0xf8) == 0xf0) len = 4, cp = s[0] & 0x07u;
  else return 0;
  if (len > n) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((s[k] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (s[k] & 0x3fu);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

void csv_text(csv_writer *w, const char *s) {
  field_start(w);
  size_t n = strlen(s);
  bool formula = n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                           s[0] == '\t' || s[0] == '\r');
  bool quote = n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
  for (size_t i = 0; i < n && !quote; i++)
    if (s[i] == w->sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n') quote = true;
  if (quote) fputc('"', w->f);
  if (formula) fputc('\'', w->f);
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == '"') {
      fputs("\"\"", w->f);
      i++;
    } else if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
      fputc(' ', w->f);
      i++;
    } else if (c == 0x7f) {
      fputc(' ', w->f);
      i++;
    } else if (c >= 0x80) {
      size_t l = utf8_seq(p + i, n - i);
      if (l == 0 || (l == 2 && c == 0xc2 && p[i + 1] < 0xa0)) { /* invalid, or a C1 control */
        fputs(l == 0 ? "\xef\xbf\xbd" : " ", w->f);
        i += l ? l : 1;
        continue;
      }
      fwrite(p + i, 1, l, w->f);
      i += l;
    } else {
      fputc(c, w->f);
      i++;
    }
  }
  if (quote) fputc('"', w->f);
}

void csv_uint(csv_writer *w, uint64_t v) {
  field_start(w);
  fprintf(w->f, "%llu", (unsigned long long)v);
}

void csv_double(csv_writer *w, double v, int decimals) {
  field_start(w);
  if (isfinite(v)) fprintf(w->f, "%.*f", decimals, v);
}

void csv_empty(csv_writer *w) { field_start(w); }

void csv_end_row(csv_writer *w) {
  fputs("\r\n", w->f);
  w->first = true;
}

int csv_finish(csv_writer *w) { return fflush(w->f) == 0 && !ferror(w->f) ? 0 : -1; }

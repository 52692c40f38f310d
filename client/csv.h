/* csv.h -- spreadsheet files (RFC 4180 CSV) that open in Excel and LibreOffice as they are:
 * UTF-8 with a byte-order mark, CRLF line ends, fields quoted when needed, and text that a
 * spreadsheet would run as a formula made inert. */
#ifndef SAMVIRKE_CLIENT_CSV_H
#define SAMVIRKE_CLIENT_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct csv_writer {
  FILE *f;
  char sep;   /* ';' (what a Danish spreadsheet expects) or ',' */
  bool first; /* no field written yet in this row */
} csv_writer;

/* Start a file on f with separator sep (',' or ';'): writes the UTF-8 byte-order mark. */
void csv_begin(csv_writer *w, FILE *f, char sep);

/* One text field. Quoted (with "" for ") when it holds the separator, a quote, CR, LF, or
 * leading or trailing blanks. Text that starts with = + - @, tab or CR would be taken for a
 * formula by a spreadsheet (CSV injection): it is written with a leading apostrophe. Invalid
 * UTF-8 becomes U+FFFD and control characters other than tab, CR and LF become spaces. */
void csv_text(csv_writer *w, const char *s);

/* A number field, written as it is (never guarded as a formula: "-12.5" stays a number). */
void csv_uint(csv_writer *w, uint64_t v);
void csv_double(csv_writer *w, double v, int decimals);

/* An empty field. */
void csv_empty(csv_writer *w);

/* End the row (CRLF). */
void csv_end_row(csv_writer *w);

/* Flush; 0, or -1 when the stream reported a write error. */
int csv_finish(csv_writer *w);

#endif

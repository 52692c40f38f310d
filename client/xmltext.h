/* xmltext.h -- text for SVG and HTML documents: character data escaped so a file is always
 * well-formed whatever the text holds, and text wrapped into lines for a fixed width. */
#ifndef SAMVIRKE_CLIENT_XMLTEXT_H
#define SAMVIRKE_CLIENT_XMLTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write n bytes of s as XML/HTML character data (also safe inside a quoted attribute): & < > "
 * and ' escaped, newline and tab kept, other control characters as spaces, invalid UTF-8 and C1
 * controls as U+FFFD. */
void xmltext_write(FILE *f, const char *s, size_t n);
void xmltext_str(FILE *f, const char *s);

/* One line of wrapped text: bytes [start, start + len) of the text. */
typedef struct xmltext_span {
  size_t start, len;
} xmltext_span;

/* Wrap s into at most max_lines lines of about cols code points, breaking at blanks (a newline
 * also breaks). *cut is set when text was left over. Returns the number of lines. */
int xmltext_wrap(const char *s, int cols, int max_lines, xmltext_span *lines, bool *cut);

#endif

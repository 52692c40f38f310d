/* xmltext.c -- text for SVG and HTML documents: character data escaped so a file is always
 * well-formed whatever the text holds, and text wrapped into lines for a fixed width. */
#include "xmltext.h"

#include <string.h>

/* Length of the UTF-8 sequence at s (n bytes left), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  if (s[0] < 0x80) return 1;
  size_t len = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
  if (len == 0 || len > n) return 0;
  for (size_t k = 1; k < len; k++)
    if ((s[k] & 0xc0) != 0x80) return 0;
  return len;
}

void xmltext_write(FILE *f, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == '&') fputs("&amp;", f);
    else if (c == '<') fputs("&lt;", f);
    else if (c == '>') fputs("&gt;", f);
    else if (c == '"') fputs("&quot;", f);
    else if (c == '\'') fputs("&#39;", f);
    else if (c == '\n' || c == '\t') fputc(c, f);
    else if (c < 0x20 || c == 0x7f) fputc(' ', f);
    else if (c >= 0x80) {
      size_t l = utf8_len(p + i, n - i);
      if (l == 0 || (c == 0xc2 && p[i + 1] < 0xa0)) { /* invalid, or a C1 control */
        fputs("\xef\xbf\xbd", f);
        i += l ? l : 1;
        continue;
      }
      fwrite(p + i, 1, l, f);
      i += l;
      continue;
    } else fputc(c, f);
    i++;
  }
}

void xmltext_str(FILE *f, const char *s) { xmltext_write(f, s, strlen(s)); }

static bool blank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int xmltext_wrap(const char *s, int cols, int max_lines, xmltext_span *lines, bool *cut) {
  size_t n = strlen(s), i = 0;
  int count = 0;
  *cut = false;
  while (i < n && count < max_lines) {
    while (i < n && blank(s[i])) i++;
    if (i >= n) break;
    size_t start = i, last_space = 0, j = i;
    int cp = 0;
    while (j < n && cp < cols) {
      if (blank(s[j])) last_space = j;
      if (s[j] == '\n') break;
      size_t l = utf8_len((const unsigned char *)s + j, n - j);
      j += l ? l : 1;
      cp++;
    }
    size_t end;
    if (j >= n || s[j] == '\n') end = j;
    else if (s[j] == ' ') end = j;
    else if (last_space > start) end = last_space;
    else end = j; /* a word longer than a line: hard break */
    lines[count].start = start;
    lines[count].len = end - start;
    count++;
    i = end;
  }
  while (i < n && blank(s[i])) i++;
  if (i < n) *cut = true;
  return count;
}

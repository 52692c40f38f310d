/* html.c -- text into HTML. */
#include "html.h"

#include <assert.h>

void html_escape(FILE *f, const char *s) {
  assert(f != NULL && s != NULL);
  for (; *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
  }
}

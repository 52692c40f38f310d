/* html.h -- text into HTML: the one escaping the client's HTML output uses (the web interface's
 * pages, the audit report). */
#ifndef SAMVIRKE_CLIENT_HTML_H
#define SAMVIRKE_CLIENT_HTML_H

#include <stdio.h>

/* Write the NUL-terminated text s to f with & < > " ' as character references, so that it is
 * text in element content and in quoted attribute values alike. */
void html_escape(FILE *f, const char *s);

#endif

/* web_pages.h -- the pages, files, login link and session answer of `samvirke web`. */
#ifndef SAMVIRKE_WEB_PAGES_H
#define SAMVIRKE_WEB_PAGES_H

#include "web_server.h"

/* "/", "/area", "/notes", "/audit", "/meeting", "/login", "/static/", "/leaflet/",
 * "/api/session". */
extern const web_route web_pages_routes[];

#endif

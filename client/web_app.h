/* web_app.h -- what every handler of `samvirke web` shares: the daemon session, the words, the
 * interface's files, the security guard and the member's settings. Built by cmd_web.c. */
#ifndef SAMVIRKE_WEB_APP_H
#define SAMVIRKE_WEB_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "config.h"
#include "web_backend.h"
#include "web_guard.h"
#include "web_i18n.h"
#include "web_static.h"

#define WEB_ATTRIBUTION_MAX 256
#define WEB_CSP_MAX 1024

struct web_audit;

typedef struct web_app {
  web_backend backend;          /* the member's identity and session with samvirked */
  web_i18n *i18n;               /* the words, Danish and English */
  web_static *files;            /* embedded assets and Debian's Leaflet */
  web_guard *guard;             /* token, logins, accepted Host/Origin (set by the server) */
  char tile_url[WEB_TILE_URL_MAX + 1];      /* "" when no base map is configured */
  char tile_attribution[WEB_ATTRIBUTION_MAX];
  char csp[WEB_CSP_MAX];        /* Content-Security-Policy of every answer */
  struct web_audit *audit;      /* the auditor's verification (web_audit.c) */
  /* --open's page holding the token. Its path is set before the HTTP thread starts and never
   * changes; open_pending says the page is on disk. The first login or the stop takes it. */
  char open_file[CLIENT_PATH_MAX];
  atomic_bool open_pending;
  char dir[CLIENT_PATH_MAX];    /* the identity directory (the concern receipts are kept there) */
} web_app;

/* Remove --open's page if it is still on disk; safe from the HTTP thread and the main thread
 * at once (only the one that takes open_pending removes it). */
static inline void web_app_drop_open_page(web_app *app) {
  if (atomic_exchange(&app->open_pending, false)) unlink(app->open_file);
}

#endif

/* web_assets.h -- the files of client/web/ (pages, scripts, style, strings), compiled into the
 * client by client/CMakeLists.txt, which generates the table. */
#ifndef SAMVIRKE_WEB_ASSETS_H
#define SAMVIRKE_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
  const char *name;           /* file name under client/web/, e.g. "app.js" */
  const unsigned char *data;  /* its bytes, NUL-terminated for convenience */
  size_t len;
} web_asset;

/* Every embedded file; the table ends with a row whose name is NULL. */
extern const web_asset web_assets[];

#endif

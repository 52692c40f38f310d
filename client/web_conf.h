/* web_conf.h -- the member's settings for `samvirke web`, in <identity>/web.conf:
 *   tiles = https://tiles.example.dk/{z}/{x}/{y}.png     base-map tile URL (none: no base map)
 *   tiles_attribution = © Styrelsen for Dataforsyning   shown in the map's corner
 * Lines are "key = value"; '#' starts a comment line. Command-line options override them. */
#ifndef SAMVIRKE_WEB_CONF_H
#define SAMVIRKE_WEB_CONF_H

#include <stddef.h>

#include "web_app.h"

#define WEB_CONF_FILE "web.conf"

typedef struct web_conf {
  char tiles[WEB_TILE_URL_MAX + 1];
  char tiles_attribution[WEB_ATTRIBUTION_MAX];
} web_conf;

/* Read dir/web.conf into c (zeroed first). A missing file is an empty configuration. Unknown
 * keys, malformed lines and values that are too long or not text are errors naming file:line.
 * The tile URL is only read here; web_guard_tile_url_check judges it. Returns 0 or -1 with err. */
int web_conf_load(const char *dir, web_conf *c, char *err, size_t errlen);

#endif

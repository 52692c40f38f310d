/* web_static.c -- the files `samvirke web` serves as they are (see web_static.h). */
#include "web_static.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "web_assets.h"

#define LEAFLET_FILE_MAX (4u << 20)

/* The Leaflet files served: the script, its style sheet and the images the style sheet names. */
static const char *const LEAFLET_FILES[] = {
    "leaflet.js",           "leaflet.css",           "images/layers.png",
    "images/layers-2x.png", "images/marker-icon.png", "images/marker-icon-2x.png",
    "images/marker-shadow.png", NULL,
};
#define LEAFLET_NFILES (sizeof LEAFLET_FILES / sizeof LEAFLET_FILES[0] - 1)

struct web_static {
  unsigned char *leaflet[LEAFLET_NFILES];
  size_t leaflet_len[LEAFLET_NFILES];
  char problem[4096 + 256];
};

web_static *web_static_new(const char *dir) {
  web_static *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  for (size_t i = 0; i < LEAFLET_NFILES; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, LEAFLET_FILES[i]);
    s->leaflet[i] = util_read_file(path, LEAFLET_FILE_MAX, &s->leaflet_len[i]);
    if (s->leaflet[i] == NULL && i < 2 && s->problem[0] == '\0')
      snprintf(s->problem, sizeof s->problem,
               "the map needs Leaflet from Debian's package libjs-leaflet, and %s cannot be "
               "read (%s); install it with: apt install libjs-leaflet",
               path, strerror(errno));
  }
  return s;
}

void web_static_free(web_static *s) {
  if (s == NULL) return;
  for (size_t i = 0; i < LEAFLET_NFILES; i++) free(s->leaflet[i]);
  free(s);
}

const char *web_static_problem(const web_static *s) {
  return s->problem[0] ? s->problem : NULL;
}

bool web_static_embedded(const char *name, const unsigned char **data, size_t *len) {
  for (const web_asset *a = web_assets; a->name; a++)
    if (strcmp(a->name, name) == 0) {
      *data = a->data;
      *len = a->len;
      return true;
    }
  return false;
}

bool web_static_leaflet(const web_static *s, const char *name, const unsigned char **data,
                        size_t *len) {
  for (size_t i = 0; i < LEAFLET_NFILES; i++)
    if (strcmp(LEAFLET_FILES[i], name) == 0 && s->leaflet[i] != NULL) {
      *data = s->leaflet[i];
      *len = s->leaflet_len[i];
      return true;
    }
  return false;
}

const char *web_static_type(const char *name) {
  static const struct {
    const char *ext, *type;
  } types[] = {
      {".js", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".html", "text/html; charset=utf-8"},     {".png", "image/png"},
      {".svg", "image/svg+xml"},                 {".txt", "text/plain; charset=utf-8"},
  };
  const char *dot = strrchr(name, '.');
  if (dot != NULL)
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
      if (strcmp(dot, types[i].ext) == 0) return types[i].type;
  return "application/octet-stream";
}

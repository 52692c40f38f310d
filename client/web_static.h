/* web_static.h -- the files `samvirke web` serves as they are: its own (embedded at build time)
 * and Leaflet, read at start from Debian's libjs-leaflet (/usr/share/javascript/leaflet). */
#ifndef SAMVIRKE_WEB_STATIC_H
#define SAMVIRKE_WEB_STATIC_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_LEAFLET_DIR "/usr/share/javascript/leaflet"

typedef struct web_static web_static;

/* Read Leaflet's files (leaflet.js, leaflet.css and its images) from dir. A missing or
 * unreadable Leaflet is not an error here: the map pages then explain it (web_static_problem).
 * NULL only when memory runs out. Free with web_static_free. */
web_static *web_static_new(const char *leaflet_dir);
void web_static_free(web_static *s);

/* NULL when Leaflet was read, else one line saying what is missing and how to install it. */
const char *web_static_problem(const web_static *s);

/* An embedded file by name ("app.js"); false when there is none. */
bool web_static_embedded(const char *name, const unsigned char **data, size_t *len);

/* A Leaflet file by its path under the Leaflet directory ("leaflet.js", "images/layers.png");
 * only the files Leaflet's script and style sheet use are served. false when there is none. */
bool web_static_leaflet(const web_static *s, const char *name, const unsigned char **data,
                        size_t *len);

/* The Content-Type for a file name by its extension ("application/octet-stream" if unknown). */
const char *web_static_type(const char *name);

#endif

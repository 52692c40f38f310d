/* web_req.h -- one HTTP request of `samvirke web` as web_server.c (which fills it) and
 * web_reply.c (which answers it) see it. Handlers use the accessors of web_server.h. */
#ifndef SAMVIRKE_WEB_REQ_H
#define SAMVIRKE_WEB_REQ_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "web_server.h"

/* One form field; value in malloc'd memory, wiped when the request ends. */
typedef struct web_field {
  char key[64];
  char *val;
  size_t len, cap;
} web_field;

struct web_req {
  struct web_app *app;
  struct MHD_Connection *conn;
  const web_route *route;
  char path[256];
  bool post;
  bool head;
  web_lang lang;
  bool lang_asked;               /* ?lang= named a language: remember it in a cookie */
  const web_login *login;
  struct MHD_PostProcessor *pp;
  web_field fields[WEB_FIELDS_MAX];
  size_t nfields;
  size_t body_bytes;
  const char *bad;               /* why the body was refused (set while reading it) */
  unsigned bad_status;
  bool replied;
};

#endif

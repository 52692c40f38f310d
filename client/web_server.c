/* web_server.c -- `samvirke web`'s HTTP server: libmicrohttpd on a loopback socket, the checks
 * before any handler runs, form bodies, routing (see web_server.h). */
#include "web_server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"
#include "web_app.h"
#include "web_reply.h"
#include "web_req.h"

#define CONN_LIMIT 64
#define CONN_TIMEOUT_S 60
#define CONN_MEMORY (128u * 1024) /* per connection: request line, headers, buffers */
#define POST_BUFFER 8192

struct web_server {
  struct MHD_Daemon *d;
  web_app *app;
  const web_route *const *tables;
  int fd;
};

/* A route for paths no table knows, so the refusal takes the right form (JSON under /api/). */
static const web_route NOT_FOUND_PAGE = {"", WEB_PAGE, WEB_R_PUBLIC, NULL};
static const web_route NOT_FOUND_API = {"", WEB_API, WEB_R_PUBLIC, NULL};

static const web_route *find_route(const web_server *ws, const char *path) {
  for (size_t t = 0; ws->tables[t] != NULL; t++)
    for (const web_route *rt = ws->tables[t]; rt->path != NULL; rt++) {
      if (rt->flags & WEB_R_PREFIX) {
        if (strncmp(path, rt->path, strlen(rt->path)) == 0) return rt;
      } else if (strcmp(path, rt->path) == 0) {
        return rt;
      }
    }
  return NULL;
}

static const char *header(web_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Counts a request's Content-Length and Transfer-Encoding headers. */
typedef struct framing {
  int length, encoding;
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value) {
  (void)kind, (void)value;
  framing *f = cls;
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) f->length++;
  if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) f->encoding++;
  return MHD_YES;
}

/* Whether the request says where its body ends in one way only (RFC 9112 6.3: a message with
 * both Content-Length and Transfer-Encoding, or two lengths, is refused, since a proxy in front
 * could read the body one way and this server another). */
static bool framing_ok(web_req *r) {
  framing f = {0, 0};
  MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_framing, &f);
  return f.length <= 1 && f.encoding <= 1 && !(f.length && f.encoding);
}

/* ---- form bodies ---- */

/* Append size bytes to a field's value, growing it without leaving copies behind. */
static int field_append(web_field *f, const char *data, size_t size) {
  if (f->len + size > WEB_FIELD_MAX) return -1;
  if (f->len + size + 1 > f->cap) {
    size_t nc = f->cap ? f->cap : 256;
    while (nc < f->len + size + 1) nc *= 2;
    char *nv = malloc(nc);
    if (nv == NULL) return -1;
    if (f->val) {
      memcpy(nv, f->val, f->len);
      sodium_memzero(f->val, f->cap);
      free(f->val);
    }
    f->val = nv;
    f->cap = nc;
  }
  memcpy(f->val + f->len, data, size);
  f->len += size;
  f->val[f->len] = '\0';
  return 0;
}

/* libmicrohttpd's post processor hands over form fields piece by piece (off 0 starts one). */
static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size) {
  (void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
  web_req *r = cls;
  if (r->bad) return MHD_NO;
  size_t kl = key ? strlen(key) : 0;
  if (kl == 0 || kl >= sizeof r->fields[0].key) {
    r->bad = "a form field has no name or too long a name";
    r->bad_status = 400;
    return MHD_NO;
  }
  web_field *f = r->nfields ? &r->fields[r->nfields - 1] : NULL;
  if (off == 0 || f == NULL || strcmp(f->key, key) != 0) {
    if (r->nfields == WEB_FIELDS_MAX) {
      r->bad = "the form has too many fields";
      r->bad_status = 400;
      return MHD_NO;
    }
    f = &r->fields[r->nfields++];
    memcpy(f->key, key, kl + 1);
    if (field_append(f, "", 0) != 0) goto too_big;
  }
  if (size > 0 && memchr(data, '\0', size) != NULL) {
    r->bad = "a form field holds a NUL byte";
    r->bad_status = 400;
    return MHD_NO;
  }
  if (size > 0 && field_append(f, data, size) != 0) goto too_big;
  return MHD_YES;
too_big:
  r->bad = "a form field is too large";
  r->bad_status = 413;
  return MHD_NO;
}

static void req_free(web_req *r) {
  if (r == NULL) return;
  if (r->pp) MHD_destroy_post_processor(r->pp);
  for (size_t i = 0; i < r->nfields; i++) {
    if (r->fields[i].val) sodium_memzero(r->fields[i].val, r->fields[i].cap);
    free(r->fields[i].val);
  }
  free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)c, (void)toe;
  req_free(*con_cls);
  *con_cls = NULL;
}

/* ---- the checks before a handler runs ---- */

/* Decide on the request's headers alone (first call). Returns 0 to go on, or -1 after
 * queueing a refusal. */
static int precheck(web_server *ws, web_req *r, const char *method) {
  web_guard *g = ws->app->guard;
  /* Host first: a request for another name (DNS rebinding) learns nothing, not even a 404. */
  if (!web_guard_host_ok(g, header(r, MHD_HTTP_HEADER_HOST))) {
    r->route = &NOT_FOUND_PAGE;
    web_reply_refuse(r, 403, "host", NULL);
    return -1;
  }
  r->route = find_route(ws, r->path);
  if (!framing_ok(r)) {
    if (r->route == NULL)
      r->route = strncmp(r->path, "/api/", 5) == 0 ? &NOT_FOUND_API : &NOT_FOUND_PAGE;
    web_reply_refuse(r, 400, "framing", NULL);
    return -1;
  }
  if (r->route == NULL) {
    r->route = strncmp(r->path, "/api/", 5) == 0 ? &NOT_FOUND_API : &NOT_FOUND_PAGE;
    web_reply_refuse(r, 404, "not_found", NULL);
    return -1;
  }
  bool change = (r->route->flags & WEB_R_CHANGE) != 0;
  bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || r->head;
  if (change ? !r->post : !get) {
    web_reply_refuse(r, 405, "method", NULL);
    return -1;
  }
  bool navigation = r->route->kind != WEB_API;
  if (!(r->route->flags & WEB_R_ANYSITE) &&
      !web_guard_fetch_site_ok(header(r, "Sec-Fetch-Site"), navigation)) {
    web_reply_refuse(r, 403, "origin", NULL);
    return -1;
  }
  if (!web_guard_origin_ok(g, header(r, "Origin"), change)) {
    web_reply_refuse(r, 403, "origin", NULL);
    return -1;
  }
  if (!(r->route->flags & WEB_R_PUBLIC)) {
    r->login = web_guard_session(g, MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                                                g->cookie),
                                 util_now_ns());
    if (r->login == NULL ||
        (r->route->kind == WEB_API && !web_guard_key_ok(r->login, header(r, "X-SV-Key")))) {
      web_reply_refuse(r, 401, "login", NULL);
      return -1;
    }
  }
  if (change && !web_guard_csrf_ok(r->login, header(r, "X-CSRF-Token"))) {
    web_reply_refuse(r, 403, "csrf", NULL);
    return -1;
  }
  if (r->post) {
    const char *cl = header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && strtoull(cl, NULL, 10) > WEB_BODY_MAX) {
      web_reply_refuse(r, 413, "too_large", NULL);
      return -1;
    }
    const char *ct = header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
        (r->pp = MHD_create_post_processor(r->conn, POST_BUFFER, post_iter, r)) == NULL) {
      web_reply_refuse(r, 415, "form", NULL);
      return -1;
    }
  }
  return 0;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload, size_t *upload_size, void **con_cls) {
  (void)version;
  web_server *ws = cls;
  web_req *r = *con_cls;
  if (r == NULL) {
    r = calloc(1, sizeof *r);
    if (r == NULL) return MHD_NO;
    *con_cls = r;
    r->app = ws->app;
    r->conn = c;
    r->post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    r->head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    snprintf(r->path, sizeof r->path, "%s", url ? url : "/");
    const char *ql = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    r->lang = web_i18n_pick(ql, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "sv_lang"));
    r->lang_asked = ql != NULL && (strcmp(ql, "da") == 0 || strcmp(ql, "en") == 0);
    if (strlen(url ? url : "") >= sizeof r->path) {
      r->route = &NOT_FOUND_PAGE;
      web_reply_refuse(r, 414, "not_found", NULL);
      return MHD_YES;
    }
    precheck(ws, r, method);
    return MHD_YES;
  }
  if (*upload_size != 0) {
    size_t n = *upload_size;
    *upload_size = 0;
    if (r->replied) return MHD_YES; /* refused already: the body is thrown away */
    r->body_bytes += n;
    if (r->body_bytes > WEB_BODY_MAX) return MHD_NO; /* a chunked body beyond the limit */
    if (!r->bad && r->pp && MHD_post_process(r->pp, upload, n) != MHD_YES && !r->bad) {
      r->bad = "the form could not be read";
      r->bad_status = 400;
    }
    return MHD_YES;
  }
  if (r->replied) return MHD_YES;
  if (r->bad) {
    web_reply_refuse(r, r->bad_status, r->bad_status == 413 ? "too_large" : "form", r->bad);
    return MHD_YES;
  }
  r->route->fn(r);
  if (!r->replied) web_reply_error(r, 500, "web_internal", NULL, "no answer was made");
  return MHD_YES;
}

/* libmicrohttpd's own complaints, one line each on stderr. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt,
                                                          va_list ap) {
  (void)cls;
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  fprintf(stderr, "samvirke web: http: %s\n", line);
}

/* Bind and listen on l ourselves, so the guard knows the port before the first request. */
static int listen_socket(const web_listen *l, uint16_t *port, char *err, size_t errlen) {
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof ss);
  if (l->v6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    a->sin6_port = htons(l->port);
    sl = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    memcpy(&a->sin_addr, l->addr4, 4);
    a->sin_port = htons(l->port);
    sl = sizeof *a;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) goto fail;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) goto fail;
  sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) goto fail;
  *port = ntohs(l->v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                      : ((struct sockaddr_in *)&ss)->sin_port);
  return fd;
fail:
  snprintf(err, errlen, "cannot listen on port %u: %s", (unsigned)l->port, strerror(errno));
  if (fd >= 0) close(fd);
  return -1;
}

web_server *web_server_start(web_app *app, const web_listen *l, const web_route *const *tables,
                             uint16_t *port, char *err, size_t errlen) {
  assert(app != NULL && l != NULL && tables != NULL && port != NULL);
  web_server *ws = calloc(1, sizeof *ws);
  if (ws == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  ws->app = app;
  ws->tables = tables;
  ws->fd = listen_socket(l, port, err, errlen);
  if (ws->fd < 0) goto err;
  app->guard = web_guard_new(l, *port);
  if (app->guard == NULL) {
    snprintf(err, errlen, "out of memory");
    goto err;
  }
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
  if (l->v6) flags |= MHD_USE_IPv6;
  ws->d = MHD_start_daemon(
      flags, 0, NULL, NULL, on_access, ws, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, ws,
      MHD_OPTION_LISTEN_SOCKET, ws->fd,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)CONN_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, ws, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
  if (ws->d == NULL) {
    snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
    goto err;
  }
  return ws;
err:
  if (app->guard) web_guard_free(app->guard);
  app->guard = NULL;
  if (ws->fd >= 0) close(ws->fd);
  free(ws);
  return NULL;
}

void web_server_stop(web_server *ws) {
  if (ws == NULL) return;
  MHD_stop_daemon(ws->d); /* closes the listening socket it was given */
  web_guard_free(ws->app->guard);
  ws->app->guard = NULL;
  free(ws);
}

/* ---- accessors ---- */

web_app *web_req_app(web_req *r) { return r->app; }
const char *web_req_path(const web_req *r) { return r->path; }
web_lang web_req_lang(const web_req *r) { return r->lang; }
const web_login *web_req_login(const web_req *r) { return r->login; }

const char *web_req_query(web_req *r, const char *key) {
  const char *v = NULL;
  size_t n = 0;
  if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v,
                                    &n) != MHD_YES ||
      v == NULL || memchr(v, '\0', n) != NULL)
    return NULL;
  return v;
}

const char *web_req_form(web_req *r, const char *key, size_t *len) {
  for (size_t i = 0; i < r->nfields; i++)
    if (strcmp(r->fields[i].key, key) == 0) {
      if (len) *len = r->fields[i].len;
      return r->fields[i].val;
    }
  return NULL;
}

size_t web_req_form_all(web_req *r, const char *key, const char **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < r->nfields; i++)
    if (strcmp(r->fields[i].key, key) == 0) {
      if (n < max) out[n] = r->fields[i].val;
      n++;
    }
  return n;
}

const char *web_req_cookie(web_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

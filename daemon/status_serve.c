/* status_serve.c -- the daemon's end of `samvirked status` (see status_serve.h): every
 * connection to the status socket gets the figures and is closed; nothing is read from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "status_serve.h"

typedef struct answer {
  uv_pipe_t pipe;
  uv_write_t wr;
  char buf[STATUS_MAX];
} answer;

static void on_closed(uv_handle_t *h) { free(h->data); }

static void on_written(uv_write_t *wr, int status) {
  (void)status;
  answer *a = wr->data;
  uv_close((uv_handle_t *)&a->pipe, on_closed);
}

static void on_status_conn(uv_stream_t *listener, int status) {
  status_srv *s = listener->data;
  if (status < 0) return;
  answer *a = calloc(1, sizeof *a);
  if (a == NULL) return;
  uv_pipe_init(listener->loop, &a->pipe, 0);
  a->pipe.data = a;
  a->wr.data = a;
  if (uv_accept(listener, (uv_stream_t *)&a->pipe) != 0) {
    uv_close((uv_handle_t *)&a->pipe, on_closed);
    return;
  }
  s->fill(s->ctx, a->buf, sizeof a->buf);
  uv_buf_t b = uv_buf_init(a->buf, (unsigned)strlen(a->buf));
  if (uv_write(&a->wr, (uv_stream_t *)&a->pipe, &b, 1, on_written) != 0)
    uv_close((uv_handle_t *)&a->pipe, on_closed);
}

void status_serve_start(status_srv *s, uv_loop_t *loop, const char *dir, status_fill_fn fill,
                        void *ctx) {
  memset(s, 0, sizeof *s);
  s->fill = fill;
  s->ctx = ctx;
  snprintf(s->path, sizeof s->path, "%s/%s", dir, STATUS_SOCKET_FILE);
  uv_pipe_init(loop, &s->pipe, 0);
  s->pipe.data = s;
  s->on = true;
  unlink(s->path); /* a stale socket from an earlier run */
  int rc = uv_pipe_bind(&s->pipe, s->path);
  /* The figures are for the daemon's own user (the directory is private to it as well). */
  if (rc == 0 && chmod(s->path, 0600) != 0) rc = UV_EPERM;
  if (rc == 0) rc = uv_listen((uv_stream_t *)&s->pipe, 16, on_status_conn);
  if (rc != 0) {
    log_warn("no status socket %s: %s (samvirked status cannot reach this daemon)", s->path,
             uv_strerror(rc));
    status_serve_close(s);
  }
}

void status_serve_close(status_srv *s) {
  if (!s->on) return;
  uv_close((uv_handle_t *)&s->pipe, NULL);
  unlink(s->path);
  s->on = false;
}

/* status_serve.h -- the running daemon's side of `samvirked status`: it answers on a Unix socket
 * of its own in the daemon directory (mode 0600: only the daemon's user, who may read the
 * database anyway) with its live figures, one "key value" line each, and closes. The command's
 * side is status_show.h. */
#ifndef SAMVIRKED_STATUS_SERVE_H
#define SAMVIRKED_STATUS_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define STATUS_SOCKET_FILE "samvirked.status" /* in the daemon directory */
#define STATUS_MAX 4096                       /* bytes of one answer */

/* Fill buf (n bytes) with the "key value" lines of the daemon's figures. */
typedef void (*status_fill_fn)(void *ctx, char *buf, size_t n);

typedef struct status_srv {
  uv_pipe_t pipe;
  bool on;
  char path[1100];
  status_fill_fn fill;
  void *ctx;
} status_srv;

/* Listen on the status socket of dir (loop thread). A failure is logged and leaves the daemon
 * without one (it serves on). */
void status_serve_start(status_srv *s, uv_loop_t *loop, const char *dir, status_fill_fn fill,
                        void *ctx);
/* Stop listening and remove the socket. */
void status_serve_close(status_srv *s);

#endif

/* status.h -- `samvirked status`: the running daemon answers on a Unix socket of its own in the
 * daemon directory (mode 0600: only the daemon's user, who may read the database anyway) with
 * its live figures, one "key value" line each, and closes; the command adds what the database
 * says (log size, last checkpoint, pending notes) and prints it all. */
#ifndef SAMVIRKED_STATUS_H
#define SAMVIRKED_STATUS_H

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

/* `samvirked status DIR [--json]`: print the daemon's status. Returns 0 when it runs, 3 when it
 * does not (what the database says is printed all the same), -1 with the reason in err. */
int status_show(const char *dir, bool json, char *err, size_t errlen);

#endif

/* server.c -- the daemon's libuv side: listeners, signals, policy (re)load, orderly shutdown. */
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "log.h"
#include "ops.h"
#include "util.h"

/* Load and check the policy file; on success replaces srv->pol. Returns 0 or -1 with the
 * loader's diagnostics in err. */
static int load_policy(server *srv, char *err, size_t errlen) {
  policy_diag diag;
  memset(&diag, 0, sizeof diag);
  policy *p = policy_load_file(srv->cfg.policy_path, &diag);
  if (p == NULL) {
    policy_diag_format(&diag, err, errlen);
    return -1;
  }
  size_t len = 0;
  const char *text = policy_source(p, &len);
  policy_free(srv->pol);
  srv->pol = p;
  crypto_hash_sha256(srv->policy_hash, (const unsigned char *)text, len);
  util_hex(srv->policy_hash_hex, srv->policy_hash, 32);
  dispatch_bind_policy(srv);
  return 0;
}

static void on_conn(uv_stream_t *listener, int status) {
  server *srv = listener->data;
  if (status < 0) {
    log_warn("accept: %s", uv_strerror(status));
    return;
  }
  if (srv->stopping) return;
  conn_accept(srv, listener, listener == (uv_stream_t *)&srv->pipe);
}

static void on_shutdown_done(uv_shutdown_t *req, int status) {
  (void)status;
  conn *c = req->data;
  free(req);
  conn_close(c, "daemon shutting down");
}

/* Close every handle once shutdown is requested and nothing is in flight. */
void server_maybe_finish(server *srv) {
  static bool finished;
  if (!srv->stopping || srv->jobs_inflight > 0 || finished) return;
  finished = true;
  for (conn *c = srv->conns, *next; c != NULL; c = next) {
    next = c->next;
    uv_shutdown_t *req = malloc(sizeof *req);
    if (c->state == CONN_OPEN && req != NULL) {
      req->data = c;
      if (uv_shutdown(req, &c->h.stream, on_shutdown_done) == 0) {
        /* A client that does not read would hold the shutdown until its idle timeout. */
        conn_deadline(c, srv->cfg.handshake_timeout_ms);
        continue;
      }
    }
    free(req);
    conn_close(c, "daemon shutting down");
  }
  store_stop(srv->st);
  uv_close((uv_handle_t *)&srv->sweep, NULL);
  uv_close((uv_handle_t *)&srv->sigterm, NULL);
  uv_close((uv_handle_t *)&srv->sigint, NULL);
  uv_close((uv_handle_t *)&srv->sighup, NULL);
  /* Closing the watchers restored the default actions (terminate): a repeated signal while
   * the last answers are flushed must not kill the orderly exit. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
}

static void begin_shutdown(server *srv, const char *why) {
  if (srv->stopping) return;
  srv->stopping = true;
  log_info("%s: stopping (finishing %u requests in flight)", why, srv->jobs_inflight);
  if (srv->tcp_on) uv_close((uv_handle_t *)&srv->tcp, NULL);
  if (srv->pipe_on) {
    uv_close((uv_handle_t *)&srv->pipe, NULL);
    unlink(srv->cfg.socket_path);
  }
  srv->tcp_on = srv->pipe_on = false;
  for (conn *c = srv->conns; c != NULL; c = c->next) {
    if (c->reading) {
      uv_read_stop(&c->h.stream);
      c->reading = false;
    }
  }
  server_maybe_finish(srv);
}

static void on_signal(uv_signal_t *h, int signum) {
  server *srv = h->data;
  if (signum == SIGHUP) {
    char err[4096];
    if (load_policy(srv, err, sizeof err) != 0) {
      log_error("policy reload failed; keeping the last good policy (sha256 %s):\n%s",
                srv->policy_hash_hex, err);
      return;
    }
    log_info("policy reloaded from %s: sha256 %s", srv->cfg.policy_path, srv->policy_hash_hex);
    dispatch_internal(srv, "policy.reload", "policy", srv->policy_hash_hex, "policy reload");
    return;
  }
  begin_shutdown(srv, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_sweep(uv_timer_t *t) {
  server *srv = t->data;
  if (!srv->stopping) ops_note_sweep(srv);
}

static int listen_tcp(server *srv) {
  struct sockaddr_storage addr;
  int rc = uv_ip4_addr(srv->cfg.listen_host, srv->cfg.listen_port, (struct sockaddr_in *)&addr);
  if (rc != 0) rc = uv_ip6_addr(srv->cfg.listen_host, srv->cfg.listen_port, (struct sockaddr_in6 *)&addr);
  if (rc != 0) {
    log_error("listen address %s is not an IP address", srv->cfg.listen_host);
    return -1;
  }
  uv_tcp_init(srv->loop, &srv->tcp);
  srv->tcp.data = srv;
  srv->tcp_on = true;
  if ((rc = uv_tcp_bind(&srv->tcp, (const struct sockaddr *)&addr, 0)) != 0 ||
      (rc = uv_listen((uv_stream_t *)&srv->tcp, 511, on_conn)) != 0) {
    log_error("cannot listen on %s:%d: %s", srv->cfg.listen_host, srv->cfg.listen_port,
              uv_strerror(rc));
    return -1;
  }
  log_info("listening on %s:%d", srv->cfg.listen_host, srv->cfg.listen_port);
  return 0;
}

static int listen_pipe(server *srv) {
  uv_pipe_init(srv->loop, &srv->pipe, 0);
  srv->pipe.data = srv;
  srv->pipe_on = true;
  unlink(srv->cfg.socket_path); /* a stale socket from an earlier run */
  int rc;
  if ((rc = uv_pipe_bind(&srv->pipe, srv->cfg.socket_path)) != 0 ||
      (rc = uv_listen((uv_stream_t *)&srv->pipe, 511, on_conn)) != 0) {
    log_error("cannot listen on %s: %s", srv->cfg.socket_path, uv_strerror(rc));
    return -1;
  }
  chmod(srv->cfg.socket_path, 0666); /* every client still authenticates with Noise */
  log_info("listening on %s", srv->cfg.socket_path);
  return 0;
}

int server_run(const char *dir, enum store_verify verify) {
  server *srv = calloc(1, sizeof *srv);
  if (srv == NULL) return 1;
  static char err[8192];
  int code = 1;
  uv_loop_t loop;
  bool loop_ok = false;
  if (config_load(&srv->cfg, dir, err, sizeof err) != 0) {
    log_error("%s", err);
    goto out;
  }
  log_set_level(srv->cfg.log_level);
  char path[1100];
  config_path(&srv->cfg, CONFIG_KEYS_FILE, path, sizeof path);
  srv->keys = daemon_keys_load(path, err, sizeof err);
  if (srv->keys == NULL) {
    log_error("%s", err);
    goto out;
  }
  if (load_policy(srv, err, sizeof err) != 0) {
    log_error("refusing to start: the policy %s is invalid:\n%s", srv->cfg.policy_path, err);
    goto out;
  }
  log_info("policy %s loaded: sha256 %s", srv->cfg.policy_path, srv->policy_hash_hex);
  srv->st = store_open(&srv->cfg, srv->keys, verify, err, sizeof err);
  if (srv->st == NULL) {
    log_error("refusing to serve: %s", err);
    goto out;
  }
  directory_init(&srv->dir);
  if (directory_load(&srv->dir, store_db(srv->st), err, sizeof err) != 0) {
    log_error("cannot load the member directory: %s", err);
    goto out;
  }
  if (uv_loop_init(&loop) != 0) goto out;
  loop_ok = true;
  srv->loop = &loop;
  uv_signal_init(&loop, &srv->sigterm);
  uv_signal_init(&loop, &srv->sigint);
  uv_signal_init(&loop, &srv->sighup);
  srv->sigterm.data = srv->sigint.data = srv->sighup.data = srv;
  uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
  uv_signal_start(&srv->sigint, on_signal, SIGINT);
  uv_signal_start(&srv->sighup, on_signal, SIGHUP);
  uv_timer_init(&loop, &srv->sweep);
  srv->sweep.data = srv;
  if (ops_note_init(srv, err, sizeof err) != 0) {
    log_error("cannot read pending notes: %s", err);
    goto fail_loop;
  }
  uv_timer_start(&srv->sweep, on_sweep, srv->cfg.note_sweep_ms, srv->cfg.note_sweep_ms);
  uint64_t log_size = auditlog_size(store_auditlog(srv->st));
  if (store_start(srv->st, &loop, conn_job_done, srv) != 0) {
    log_error("cannot start the storage thread");
    goto fail_loop;
  }
  if ((srv->cfg.listen_host[0] && listen_tcp(srv) != 0) ||
      (srv->cfg.socket_path[0] && listen_pipe(srv) != 0)) {
    goto fail_loop;
  }
  log_info("samvirked serving %s (%zu members, audit log size %llu)", dir, srv->dir.n,
           (unsigned long long)log_size);
  uv_run(&loop, UV_RUN_DEFAULT);
  code = srv->exit_code;
  log_info("stopped");
  goto close_loop;
fail_loop:
  srv->stopping = true;
  if (srv->tcp_on) uv_close((uv_handle_t *)&srv->tcp, NULL);
  if (srv->pipe_on) uv_close((uv_handle_t *)&srv->pipe, NULL);
  srv->tcp_on = srv->pipe_on = false;
  server_maybe_finish(srv);
  uv_run(&loop, UV_RUN_DEFAULT);
  code = 1;
close_loop:
  if (uv_loop_close(&loop) != 0) log_warn("event loop closed with handles still open");
  loop_ok = false;
out:
  if (loop_ok) uv_loop_close(&loop);
  store_close(srv->st);
  directory_free(&srv->dir);
  policy_free(srv->pol);
  daemon_keys_free(srv->keys);
  free(srv);
  return code;
}

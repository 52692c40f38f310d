/* server.c -- the daemon process: start-up, listeners, signals, policy (re)load, shutdown. */
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "conn.h"
#include "directory.h"
#include "keys.h"
#include "log.h"
#include "ops_note.h"
#include "ops_retention.h"
#include "ops_table.h"
#include "policy.h"
#include "request.h"
#include "signer.h"
#include "status_serve.h"
#include "store.h"
#include "util.h"

#define RATE_WINDOW 60 /* seconds of request counts kept for the rates */

typedef struct server {
  uv_loop_t *loop;
  config cfg;
  sv_daemon_keys *keys; /* the Noise keys and the log's public key; never the log's secret */
  signer *signer;       /* the log signer process, the only holder of the log key */
  uv_async_t lost;      /* the signer stopped answering (sent from the storage thread) */
  bool lost_ready;      /* lost is initialised */
  store *st;
  requests *rq;
  conn_env conns;
  uv_tcp_t tcp;
  uv_pipe_t pipe;
  bool tcp_on, pipe_on;
  uv_signal_t sigterm, sigint, sighup;
  uv_timer_t sweep; /* periodic: note TTL expiry, retention */
  uv_timer_t tick;  /* every second: the request rates of the status */
  status_srv status;
  uint64_t started_ms;
  uint64_t answered[RATE_WINDOW + 1]; /* requests answered, sampled each second (a ring) */
  uint64_t ticks;
  bool stopping;
  bool finished;    /* shutdown's last step has run */
  int exit_code;
} server;

/* Load and check the policy file. Returns it, or NULL with the loader's diagnostics in err. */
static policy *load_policy(const server *srv, char *err, size_t errlen) {
  policy_diag diag;
  memset(&diag, 0, sizeof diag);
  policy *p = policy_load_file(srv->cfg.policy_path, &diag);
  if (p == NULL) policy_diag_format(&diag, err, errlen);
  return p;
}

static void on_conn(uv_stream_t *listener, int status) {
  server *srv = listener->data;
  if (status < 0) {
    log_warn("accept: %s", uv_strerror(status));
    return;
  }
  if (srv->stopping) return;
  conn_accept(&srv->conns, listener, listener == (uv_stream_t *)&srv->pipe);
}

/* Close every handle once shutdown is requested and nothing is in flight. */
static void server_maybe_finish(server *srv) {
  if (!srv->stopping || request_inflight(srv->rq) > 0 || srv->finished) return;
  srv->finished = true;
  conn_shutdown_all(&srv->conns);
  store_stop(srv->st);
  conn_env_close(&srv->conns);
  uv_close((uv_handle_t *)&srv->sweep, NULL);
  uv_close((uv_handle_t *)&srv->tick, NULL);
  status_serve_close(&srv->status);
  uv_close((uv_handle_t *)&srv->sigterm, NULL);
  uv_close((uv_handle_t *)&srv->sigint, NULL);
  uv_close((uv_handle_t *)&srv->sighup, NULL);
  if (srv->lost_ready) uv_close((uv_handle_t *)&srv->lost, NULL);
  /* Closing the watchers restored the default actions (terminate): a repeated signal while
   * the last answers are flushed must not kill the orderly exit. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
}

/* The request module has nothing in flight. */
static void on_drained(void *ctx) { server_maybe_finish(ctx); }

static void begin_shutdown(server *srv, const char *why) {
  if (srv->stopping) return;
  srv->stopping = true;
  log_info("%s: stopping (finishing %u requests in flight)", why, request_inflight(srv->rq));
  if (srv->tcp_on) uv_close((uv_handle_t *)&srv->tcp, NULL);
  if (srv->pipe_on) {
    uv_close((uv_handle_t *)&srv->pipe, NULL);
    unlink(srv->cfg.socket_path);
  }
  srv->tcp_on = srv->pipe_on = false;
  conn_stop_reading(&srv->conns);
  server_maybe_finish(srv);
}

/* SIGHUP: reload the policy, and log the reload with the new policy's hash. */
static void reload_policy(server *srv) {
  char err[4096];
  policy *p = load_policy(srv, err, sizeof err);
  if (p == NULL) {
    log_error("policy reload failed; keeping the last good policy (sha256 %s):\n%s",
              request_policy_hash_hex(srv->rq), err);
    return;
  }
  request_set_policy(srv->rq, p);
  const char *hash = request_policy_hash_hex(srv->rq);
  log_info("policy reloaded from %s: sha256 %s", srv->cfg.policy_path, hash);
  job *j = job_internal(NULL, "policy.reload", "policy", hash, "policy reload");
  if (j == NULL) {
    log_error("out of memory: cannot log policy.reload");
    return;
  }
  request_submit_internal(request_ctx(srv->rq), j);
}

static void on_signal(uv_signal_t *h, int signum) {
  server *srv = h->data;
  if (signum == SIGHUP)
    reload_policy(srv);
  else
    begin_shutdown(srv, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_sweep(uv_timer_t *t) {
  server *srv = t->data;
  if (srv->stopping) return;
  ops_note_sweep(request_ctx(srv->rq));
  ops_retention_sweep(request_ctx(srv->rq));
}

static void on_tick(uv_timer_t *t) {
  server *srv = t->data;
  srv->ticks++;
  srv->answered[srv->ticks % (RATE_WINDOW + 1)] = request_answered(srv->rq);
}

/* Requests per second over the last secs seconds (fewer while the daemon is younger). */
static double rate(const server *srv, uint64_t secs) {
  if (secs > srv->ticks) secs = srv->ticks;
  if (secs == 0) return 0;
  uint64_t now = srv->answered[srv->ticks % (RATE_WINDOW + 1)];
  uint64_t then = srv->answered[(srv->ticks - secs) % (RATE_WINDOW + 1)];
  return (double)(now - then) / (double)secs;
}

/* The status socket's answer (status_serve.h): the live figures, one "key value" line each. */
static void fill_status(void *ctx, char *buf, size_t n) {
  server *srv = ctx;
  store_stats st;
  store_get_stats(srv->st, &st);
  snprintf(buf, n,
           "version 1\npid %ld\nuptime_s %llu\nconnections %u\nhandshaking %u\n"
           "unenrolled %u\nrequests %llu\nrequests_per_s_10s %.1f\nrequests_per_s_60s %.1f\n"
           "inflight %u\ncommits %llu\ncommit_latency_last_us %llu\n"
           "commit_latency_avg_us %llu\ncommit_latency_max_us %llu\n"
           "retention_sweep_s %u\nnext_retention_sweep %llu\npolicy_sha256 %s\n",
           (long)getpid(), (unsigned long long)((util_unix_ms() - srv->started_ms) / 1000),
           srv->conns.n, srv->conns.handshaking, srv->conns.unenrolled,
           (unsigned long long)request_answered(srv->rq), rate(srv, 10), rate(srv, RATE_WINDOW),
           request_inflight(srv->rq), (unsigned long long)st.commits,
           (unsigned long long)st.latency_last_us, (unsigned long long)st.latency_avg_us,
           (unsigned long long)st.latency_max_us, srv->cfg.retention_sweep_s,
           (unsigned long long)ops_retention_next(), request_policy_hash_hex(srv->rq));
}

/* The log signer stopped answering (storage thread, or start-up): nothing more can be signed,
 * so the daemon stops (exit status 1: a service manager restarts it, and start-up holds the
 * log against the signer's record again). */
static void on_signer_lost(void *ctx) {
  server *srv = ctx;
  log_error("the log signer process has stopped; samvirked cannot sign checkpoints and stops");
  if (srv->lost_ready) uv_async_send(&srv->lost);
}

static void on_lost(uv_async_t *h) {
  server *srv = h->data;
  srv->exit_code = 1;
  begin_shutdown(srv, "log signer lost");
}

/* The request module hands jobs to the storage thread. */
static void submit_to_store(void *ctx, job *j) { store_submit(ctx, j); }
/* A revocation committed: the connections forget what they keep for that key. */
static bool forget_revoked_key(void *ctx, const uint8_t noise_pk[32]) {
  return conn_forget_key(ctx, noise_pk);
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

int server_run(const char *dir, enum auditlog_verify verify) {
  server *srv = calloc(1, sizeof *srv);
  if (srv == NULL) {
    log_error("refusing to serve: out of memory");
    return 1;
  }
  static char err[8192];
  int code = 1;
  uv_loop_t loop;
  bool loop_ok = false;
  policy *pol = NULL;
  directory dir_cache;
  directory_init(&dir_cache);
  if (config_load(&srv->cfg, dir, err, sizeof err) != 0) {
    log_error("%s", err);
    goto out;
  }
  log_set_level(srv->cfg.log_level);
  /* The signer reads the key file and keeps the log key; this process gets the rest. */
  srv->signer = signer_spawn("/proc/self/exe", srv->cfg.dir, &srv->keys, err, sizeof err);
  if (srv->signer == NULL) {
    log_error("refusing to serve: %s", err);
    goto out;
  }
  pol = load_policy(srv, err, sizeof err);
  if (pol == NULL) {
    log_error("refusing to serve: the policy %s cannot be loaded:\n%s", srv->cfg.policy_path, err);
    goto out;
  }
  auditlog_signer sg = signer_auditlog(srv->signer, srv->cfg.origin, on_signer_lost, srv);
  srv->st = store_open(&srv->cfg, srv->keys->log_pk, &sg, verify, err, sizeof err);
  if (srv->st == NULL) {
    log_error("refusing to serve: %s", err);
    goto out;
  }
  if (directory_load(&dir_cache, store_db(srv->st), err, sizeof err) != 0) {
    log_error("cannot load the member directory: %s", err);
    goto out;
  }
  size_t nmembers = dir_cache.n;
  srv->rq = request_new(&srv->cfg, ops_table, &dir_cache, submit_to_store, srv->st, on_drained,
                        srv);
  if (srv->rq == NULL) {
    log_error("out of memory");
    goto out;
  }
  request_set_policy(srv->rq, pol);
  pol = NULL;
  log_info("policy %s loaded: sha256 %s", srv->cfg.policy_path, request_policy_hash_hex(srv->rq));
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
  uv_timer_init(&loop, &srv->tick);
  srv->tick.data = srv;
  srv->started_ms = util_unix_ms();
  if (conn_env_init(&srv->conns, &loop, &srv->cfg, srv->keys, srv->rq) != 0) {
    log_error("cannot set up the connection handles");
    goto fail_loop;
  }
  request_on_revoked(srv->rq, forget_revoked_key, &srv->conns);
  if (ops_note_init(srv->st, err, sizeof err) != 0) {
    log_error("cannot read pending notes: %s", err);
    goto fail_loop;
  }
  uv_timer_start(&srv->sweep, on_sweep, srv->cfg.note_sweep_ms, srv->cfg.note_sweep_ms);
  uint64_t log_size = auditlog_size(store_auditlog(srv->st));
  uv_async_init(&loop, &srv->lost, on_lost);
  srv->lost.data = srv;
  srv->lost_ready = true;
  if (store_start(srv->st, &loop, request_run, request_done, srv->rq) != 0) {
    log_error("cannot start the storage thread");
    goto fail_loop;
  }
  ops_retention_init();
  ops_retention_sweep(request_ctx(srv->rq)); /* the first sweep, before any request */
  uv_timer_start(&srv->tick, on_tick, 1000, 1000);
  status_serve_start(&srv->status, &loop, srv->cfg.dir, fill_status, srv);
  if ((srv->cfg.listen_host[0] && listen_tcp(srv) != 0) ||
      (srv->cfg.socket_path[0] && listen_pipe(srv) != 0)) {
    goto fail_loop;
  }
  log_info("samvirked serving %s (%zu members, audit log size %llu)", dir, nmembers,
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
  conn_env_free(&srv->conns);
  store_close(srv->st);
  request_free(srv->rq);
  directory_free(&dir_cache);
  policy_free(pol);
  signer_close(srv->signer);
  daemon_keys_free(srv->keys);
  free(srv);
  return code;
}

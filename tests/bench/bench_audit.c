/* bench_audit.c -- the audit log end to end: a real samvirked driven over its Unix socket with
 * pipelined pings from several connections (entries appended per second with group commit),
 * inclusion and consistency proofs at that size, start-up time (quick and full verification),
 * and how fast `samvirke audit verify` checks entries offline.
 *
 * usage: bench_audit [N]   (default 1000000 entries)
 * env:   SAMVIRKED, SAMVIRKE  the binaries (default: ./daemon/samvirked, ./client/samvirke,
 *                             relative to the build directory run.sh uses) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "keys.h"
#include "merkle.h"
#include "session.h"
#include "support/rng.h"
#include "support/tmpdir.h"
#include "util.h"

extern char **environ;

#define CONNS 4
#define WINDOW 200 /* requests in flight per connection (the daemon pauses at 256) */
#define PROOFS 1000

static const char *samvirked, *samvirke;
static char *dir;
static char ddir[1200], idir[1200], sock[1300];
static uint8_t server_pk[32];
static sv_identity *ident;

static double now_s(void) { return (double)util_now_ns() / 1e9; }

static int run(const char *cmd) {
  int rc = system(cmd);
  if (rc != 0) fprintf(stderr, "bench_audit: '%s' failed (%d)\n", cmd, rc);
  return rc;
}

/* Start the daemon with extra args; returns its pid once the socket accepts, and the time it
 * took in *secs. */
static pid_t start_daemon(const char *verify, double *secs) {
  char logp[1300];
  snprintf(logp, sizeof logp, "%s/daemon.log", dir);
  char a0[1024], a1[] = "run", a3[] = "--verify", a4[16];
  snprintf(a0, sizeof a0, "%s", samvirked);
  snprintf(a4, sizeof a4, "%s", verify);
  char *argv[] = {a0, a1, ddir, a3, a4, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
  unlink(sock);
  double t0 = now_s();
  pid_t pid;
  if (posix_spawn(&pid, samvirked, &fa, NULL, argv, environ) != 0) return -1;
  posix_spawn_file_actions_destroy(&fa);
  for (int i = 0; i < 20000; i++) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(sock) >= sizeof a.sun_path) return -1;
    memcpy(a.sun_path, sock, strlen(sock) + 1);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    if (ok) {
      *secs = now_s() - t0;
      return pid;
    }
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      fprintf(stderr, "bench_audit: samvirked exited; see %s\n", logp);
      return -1;
    }
    usleep(1000);
  }
  return -1;
}

/* Stop the daemon; returns the CPU seconds (user + system) it used. */
static double stop_daemon(pid_t pid) {
  kill(pid, SIGTERM);
  int st;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  wait4(pid, &st, 0, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static session *connect_one(void) {
  char addr[1400], err[256];
  snprintf(addr, sizeof addr, "unix:%s", sock);
  session_params p = {.address = addr, .server_pk = server_pk, .client_sk = ident->noise_sk,
                      .timeout_ms = 60000};
  session *s = session_connect(&p, err, sizeof err);
  if (s == NULL) fprintf(stderr, "bench_audit: %s\n", err);
  return s;
}

/* One connection sends `count` pings keeping WINDOW in flight. */
static void *load_thread(void *arg) {
  uint64_t count = *(uint64_t *)arg;
  session *s = connect_one();
  if (s == NULL) return (void *)1;
  static const uint8_t ping[] = {0x82, 0xa2, 'i', 'd', 0x01, 0xa2, 'o', 'p',
                                 0xa4, 'p',  'i', 'n', 'g'};
  uint64_t sent = 0, got = 0;
  char err[256];
  void *rc = NULL;
  while (got < count) {
    while (sent < count && sent - got < WINDOW) {
      if (session_send_frame(s, ping, sizeof ping, err, sizeof err) != 0) goto fail;
      sent++;
    }
    uint8_t *body = NULL;
    size_t len = 0;
    if (session_recv_frame(s, 60000, &body, &len, err, sizeof err) != 1) goto fail;
    free(body);
    got++;
  }
  goto out;
fail:
  fprintf(stderr, "bench_audit: load: %s\n", err);
  rc = (void *)1;
out:
  session_close(s);
  return rc;
}

/* Call op with uint args; returns the response (caller destroys) or -1. */
static int call_u(session *s, enum sv_op op, enum sv_field f1, uint64_t v1, enum sv_field f2,
                  uint64_t v2, msgpack_unpacked *resp) {
  sv_request req;
  char err[256];
  sv_request_init(&req, 0, op);
  if (f1 != SV_F__COUNT) sv_request_set_uint(&req, f1, v1);
  if (f2 != SV_F__COUNT) sv_request_set_uint(&req, f2, v2);
  int r = session_call(s, &req, resp, err, sizeof err);
  sv_request_free(&req);
  if (r != 0) fprintf(stderr, "bench_audit: %s: %s\n", sv_op_name(op), err);
  return r;
}

static size_t get_proof(const msgpack_object *res, uint8_t (*out)[32]) {
  const msgpack_object *a = sv_map_get(res, "proof");
  size_t n = a->via.array.size;
  for (size_t i = 0; i < n; i++) memcpy(out[i], a->via.array.ptr[i].via.bin.ptr, 32);
  return n;
}

int main(int argc, char **argv) {
  if (sodium_init() < 0) return 1;
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  samvirked = getenv("SAMVIRKED") ? getenv("SAMVIRKED") : "./daemon/samvirked";
  samvirke = getenv("SAMVIRKE") ? getenv("SAMVIRKE") : "./client/samvirke";
  dir = test_mkdtemp("bench_audit");
  if (dir == NULL) return 1;
  snprintf(ddir, sizeof ddir, "%s/d", dir);
  snprintf(idir, sizeof idir, "%s/aud", dir);
  snprintf(sock, sizeof sock, "%s/samvirked.sock", ddir);
  char cmd[8192], err[256];
  snprintf(cmd, sizeof cmd,
           "%s --identity %s init --name Auditor >/dev/null && "
           "%s init %s --member %s/card.txt:auditor >/dev/null && "
           /* one auditor's key drives the load: capacity, not its request rate limit */
           "sed -i 's/^listen = .*/listen =/; s/^rate_member = .*/rate_member = 0/' "
           "%s/samvirked.conf",
           samvirke, idir, samvirked, ddir, idir, ddir);
  if (run(cmd) != 0) return 1;
  char path[1300];
  snprintf(path, sizeof path, "%s/daemon.key", ddir);
  sv_daemon_keys *dk = daemon_keys_load(path, err, sizeof err);
  ident = client_config_load_identity(idir, err, sizeof err);
  if (dk == NULL || ident == NULL) {
    fprintf(stderr, "bench_audit: %s\n", err);
    return 1;
  }
  memcpy(server_pk, dk->noise_pk, 32);
  daemon_keys_free(dk);

  /* 1. Appends through the whole request path, group-committed. */
  double t;
  pid_t pid = start_daemon("full", &t);
  if (pid < 0) return 1;
  pthread_t th[CONNS];
  uint64_t per = n / CONNS;
  double t0 = now_s();
  for (int i = 0; i < CONNS; i++) pthread_create(&th[i], NULL, load_thread, &per);
  int bad = 0;
  for (int i = 0; i < CONNS; i++) {
    void *r;
    pthread_join(th[i], &r);
    bad |= r != NULL;
  }
  double dt = now_s() - t0;
  if (bad) return 1;
  double cpu = stop_daemon(pid);
  printf("appends: %llu pinged entries over %d pipelined connections in %.2f s: %.0f entries/s "
         "(each durable before its response; client and daemon share the machine)\n",
         (unsigned long long)(per * CONNS), CONNS, dt, (double)(per * CONNS) / dt);
  printf("daemon CPU for that: %.2f s = %.1f us per request (Noise, dispatch, policy, entry, "
         "Merkle, SQLite), i.e. %.0f requests/s per fully used core\n",
         cpu, cpu / (double)(per * CONNS) * 1e6, (double)(per * CONNS) / cpu);
  pid = start_daemon("quick", &t);
  if (pid < 0) return 1;

  /* 2. Proofs at this size. */
  session *s = connect_one();
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  if (s == NULL || call_u(s, SV_OP_AUDIT_CHECKPOINT, SV_F__COUNT, 0, SV_F__COUNT, 0, &resp) != 0)
    return 1;
  uint64_t size = 0;
  sv_map_uint(session_result(&resp), "size", &size);
  msgpack_unpacked_destroy(&resp);
  uint8_t proof[MERKLE_MAX_PROOF][32];
  size_t total_h = 0;
  double tv = 0;
  t0 = now_s();
  for (int i = 0; i < PROOFS; i++) {
    if (call_u(s, SV_OP_AUDIT_INCLUSION, SV_F_SEQ, test_random_below(size), SV_F_SIZE, size, &resp) != 0)
      return 1;
    total_h += get_proof(session_result(&resp), proof);
    msgpack_unpacked_destroy(&resp);
  }
  dt = now_s() - t0;
  printf("inclusion proofs at %llu entries: %.1f hashes (%.0f bytes) on average, %.1f us per "
         "request round trip (%d requests)\n",
         (unsigned long long)size, (double)total_h / PROOFS, 32.0 * (double)total_h / PROOFS,
         dt / PROOFS * 1e6, PROOFS);
  total_h = 0;
  t0 = now_s();
  for (int i = 0; i < PROOFS; i++) {
    if (call_u(s, SV_OP_AUDIT_CONSISTENCY, SV_F_OLD_SIZE, 1 + test_random_below(size - 1), SV_F_SIZE, size,
               &resp) != 0)
      return 1;
    total_h += get_proof(session_result(&resp), proof);
    msgpack_unpacked_destroy(&resp);
  }
  dt = now_s() - t0;
  printf("consistency proofs to %llu entries: %.1f hashes (%.0f bytes) on average, %.1f us per "
         "request round trip\n",
         (unsigned long long)size, (double)total_h / PROOFS, 32.0 * (double)total_h / PROOFS,
         dt / PROOFS * 1e6);
  (void)tv;
  session_close(s);

  /* 3. The auditor's offline verification. */
  snprintf(cmd, sizeof cmd,
           "K=$(%s info %s --json | sed 's/.*\"server_key\":\"\\([^\"]*\\)\".*/\\1/') && "
           "L=$(%s info %s --json | sed 's/.*\"log_key\":\"\\([^\"]*\\)\".*/\\1/') && "
           "%s --identity %s server set --address unix:%s --key \"$K\" --log-key \"$L\" "
           ">/dev/null",
           samvirked, ddir, samvirked, ddir, samvirke, idir, sock);
  if (run(cmd) != 0) return 1;
  snprintf(cmd, sizeof cmd, "%s --identity %s audit fetch >/dev/null", samvirke, idir);
  t0 = now_s();
  if (run(cmd) != 0) return 1;
  double tf = now_s() - t0;
  snprintf(cmd, sizeof cmd, "%s --identity %s audit verify >/dev/null", samvirke, idir);
  t0 = now_s();
  if (run(cmd) != 0) return 1;
  dt = now_s() - t0;
  printf("audit fetch: %llu entries in %.2f s (%.0f entries/s); audit verify (offline): %.2f s, "
         "%.0f entries/s\n",
         (unsigned long long)size, tf, (double)size / tf, dt, (double)size / dt);
  stop_daemon(pid);

  /* 4. Start-up at this size. */
  const char *modes[] = {"quick", "full"};
  for (int m = 0; m < 2; m++) {
    pid = start_daemon(modes[m], &t);
    if (pid < 0) return 1;
    printf("start-up (--verify %s) at %llu entries: %.3f s until the socket accepts\n", modes[m],
           (unsigned long long)size, t);
    stop_daemon(pid);
  }
  struct stat sb;
  snprintf(path, sizeof path, "%s/samvirke.db", ddir);
  if (stat(path, &sb) == 0)
    printf("database: %.1f MB (%.0f bytes per entry, with subtree hashes and checkpoints)\n",
           (double)sb.st_size / 1e6, (double)sb.st_size / (double)size);
  identity_free(ident);
  test_rmtree(dir);
  free(dir);
  return 0;
}

/* bench_area.c -- observation writes and lists against a real samvirked: many concurrent
 * Noise connections with pipelined requests; requests/s, median and p99 latency, daemon peak RSS.
 * Each connection sends the requests that one read's answers let it send in one write, as a
 * pipelining client does (with 1 in flight that is one request a write).
 *
 * usage: bench_area SAMVIRKED [--clients N] [--writes N] [--lists N] [--depth N]
 * It creates a daemon directory in a temporary directory, enrols one coordinator identity,
 * starts the daemon on a free loopback port, runs the phases, and stops it again. Every
 * write is acknowledged only after group commit (data and audit entry durable). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "frame.h"
#include "keys.h"
#include "noise.h"
#include "support/cputime.h"
#include "support/net.h"
#include "support/sort.h"
#include "support/tmpdir.h"
#include "util.h"

typedef struct bconn {
  int fd;
  frame_reader *rd;
  frame_writer *wr;
  uint64_t next_id;
  uint64_t *sent_ns; /* ring of send times, in request order */
  uint32_t head, inflight;
  uint64_t sent, done;
  uint8_t *obuf; /* frames sealed and not yet written (bconn_flush) */
  size_t olen, ocap;
} bconn;

static int die(const char *what) {
  fprintf(stderr, "bench_area: %s\n", what);
  return 1;
}

/* Run `samvirked init DIR --admin CARD` with stdout silenced; its exit status or -1. */
static int run_wait(const char *samvirked, const char *dir, const char *card) {
  pid_t p = fork();
  if (p < 0) return -1;
  if (p == 0) {
    int nul = open("/dev/null", O_WRONLY);
    if (nul >= 0) dup2(nul, 1);
    execl(samvirked, samvirked, "init", dir, "--admin", card, (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(p, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int tcp_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* Connect and run the IK handshake (blocking). Returns 0 or -1. */
static int bconn_open(bconn *c, int port, const uint8_t *client_sk, const uint8_t *server_pk,
                      uint32_t depth) {
  memset(c, 0, sizeof *c);
  c->fd = tcp_connect(port);
  if (c->fd < 0) return -1;
  noise_handshake *hs = noise_handshake_new(true, (const uint8_t *)SAMVIRKE_PROLOGUE,
                                            strlen(SAMVIRKE_PROLOGUE), client_sk, server_pk);
  if (hs == NULL) return -1;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 2);
  sv_pack_str(&pk, "v");
  msgpack_pack_uint8(&pk, 1);
  sv_pack_str(&pk, "client");
  sv_pack_str(&pk, "bench_area/1");
  uint8_t msg[2 + 512], pl[1024];
  size_t mlen = 0, plen = 0;
  int rc = -1;
  noise_cipher *send = NULL, *recv = NULL;
  if (noise_handshake_write(hs, (const uint8_t *)sb.data, sb.size, msg + 2, sizeof msg - 2,
                            &mlen) != NOISE_OK)
    goto out;
  msg[0] = (uint8_t)(mlen >> 8);
  msg[1] = (uint8_t)mlen;
  if (write_all(c->fd, msg, mlen + 2) != 0 || read_all(c->fd, msg, 2) != 0) goto out;
  mlen = ((size_t)msg[0] << 8) | msg[1];
  if (mlen > sizeof msg || read_all(c->fd, msg, mlen) != 0) goto out;
  if (noise_handshake_read(hs, msg, mlen, pl, sizeof pl, &plen) != NOISE_OK) goto out;
  if (noise_handshake_split(hs, &send, &recv) != NOISE_OK) goto out;
  c->wr = frame_writer_new(send);
  c->rd = frame_reader_new(recv, 16u << 20);
  c->sent_ns = calloc(depth, sizeof *c->sent_ns);
  if (c->wr == NULL || c->rd == NULL || c->sent_ns == NULL) goto out;
  c->next_id = 1;
  rc = 0;
out:
  msgpack_sbuffer_destroy(&sb);
  noise_handshake_free(hs);
  return rc;
}

static void bconn_close(bconn *c) {
  if (c->fd > 0) close(c->fd);
  frame_reader_free(c->rd);
  frame_writer_free(c->wr);
  free(c->sent_ns);
  free(c->obuf);
}

typedef int (*build_fn)(sv_request *req, uint64_t n);

static int build_write(sv_request *req, uint64_t n) {
  char text[128];
  snprintf(text, sizeof text, "Belastningsprøve %llu: lys ved stien mangler",
           (unsigned long long)n);
  return sv_request_set_str(req, SV_F_AREA, "Bench") |
         sv_request_set_str(req, SV_F_KIND, n % 2 ? "challenge" : "resource") |
         sv_request_set_str(req, SV_F_CATEGORY, "tryghed") |
         sv_request_set_str(req, SV_F_LEVEL, "area") | sv_request_set_str(req, SV_F_TEXT, text) |
         sv_request_set_double(req, SV_F_LAT, 56.15 + (double)(n % 100) * 1e-4) |
         sv_request_set_double(req, SV_F_LON, 10.13);
}

static int build_seed(sv_request *req, uint64_t n) {
  char text[128];
  snprintf(text, sizeof text, "Ressource nr. %llu i listeområdet", (unsigned long long)n);
  return sv_request_set_str(req, SV_F_AREA, "Liste") |
         sv_request_set_str(req, SV_F_KIND, n % 3 ? "resource" : "challenge") |
         sv_request_set_str(req, SV_F_CATEGORY, "fritid") |
         sv_request_set_str(req, SV_F_LEVEL, "area") | sv_request_set_str(req, SV_F_TEXT, text);
}

static int build_area_bench(sv_request *req, uint64_t n) {
  (void)n;
  return sv_request_set_str(req, SV_F_NAME, "Bench");
}

static int build_area_list(sv_request *req, uint64_t n) {
  (void)n;
  return sv_request_set_str(req, SV_F_NAME, "Liste");
}

static int build_list(sv_request *req, uint64_t n) {
  (void)n;
  return sv_request_set_str(req, SV_F_AREA, "Liste");
}

/* Append len bytes to what c is to write. Returns 0 or -1. */
static int bconn_queue(bconn *c, const uint8_t *b, size_t len) {
  if (c->olen + len > c->ocap) {
    size_t cap = c->ocap ? 2 * c->ocap : 4096;
    while (cap < c->olen + len) cap *= 2;
    uint8_t *nb = realloc(c->obuf, cap);
    if (nb == NULL) return -1;
    c->obuf = nb;
    c->ocap = cap;
  }
  memcpy(c->obuf + c->olen, b, len);
  c->olen += len;
  return 0;
}

/* Write what bconn_send queued on c, in one write as a pipelining client does. 0 or -1. */
static int bconn_flush(bconn *c) {
  if (c->olen == 0) return 0;
  int rc = write_all(c->fd, c->obuf, c->olen);
  c->olen = 0;
  return rc;
}

/* Seal one request of op for c and queue it (bconn_flush writes it). Returns 0 or -1. */
static int bconn_send(bconn *c, enum sv_op op, build_fn build, uint64_t n, uint32_t depth) {
  sv_request req;
  sv_request_init(&req, c->next_id++, op);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  char err[128];
  uint8_t *out = NULL;
  size_t outlen = 0;
  int rc = -1;
  if ((build && build(&req, n) != 0) || sv_request_encode(&req, &sb, err, sizeof err) != 0)
    goto out;
  if (frame_writer_seal(c->wr, (const uint8_t *)sb.data, sb.size, &out, &outlen) != FRAME_OK)
    goto out;
  c->sent_ns[(c->head + c->inflight) % depth] = util_now_ns();
  c->inflight++;
  c->sent++;
  rc = bconn_queue(c, out, outlen);
out:
  free(out);
  msgpack_sbuffer_destroy(&sb);
  sv_request_free(&req);
  return rc;
}

static pid_t g_daemon = -1; /* for its CPU time per request */

/* Run total requests of op over nc connections with depth in flight on each. Prints one line.
 * Returns 0, or -1 on a transport failure or a refused request. The connections are watched
 * with epoll, as redis-benchmark watches its own: the client's cost per answer does not grow
 * with the number of connections. */
static int phase(const char *name, bconn *cs, int nc, enum sv_op op, build_fn build,
                 uint64_t total, uint32_t depth, double *rate_out) {
  uint64_t *lat = malloc(total * sizeof *lat);
  struct epoll_event *evs = calloc((size_t)nc, sizeof *evs);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (lat == NULL || evs == NULL || ep < 0) goto fail_setup;
  for (int i = 0; i < nc; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0) goto fail_setup;
  }
  uint64_t issued = 0, finished = 0, errors = 0;
  double d0 = test_proc_cpu(g_daemon, 0), c0 = test_rusage_cpu(RUSAGE_SELF);
  test_cpu_snap k0, k1; /* by thread: loop (the process's name), storage, flush, log signer */
  test_cpu_snap_take(g_daemon, &k0);
  uint64_t t0 = util_now_ns();
  for (int i = 0; i < nc; i++) {
    cs[i].head = cs[i].inflight = 0;
    for (uint32_t k = 0; k < depth && issued < total; k++)
      if (bconn_send(&cs[i], op, build, issued++, depth) != 0) goto fail;
    if (bconn_flush(&cs[i]) != 0) goto fail;
  }
  uint8_t buf[65536];
  while (finished < total) {
    int nev = epoll_wait(ep, evs, nc, 30000);
    if (nev <= 0) goto fail;
    for (int k = 0; k < nev; k++) {
      bconn *c = &cs[evs[k].data.u32];
      ssize_t r = read(c->fd, buf, sizeof buf);
      if (r <= 0) goto fail;
      if (frame_reader_feed(c->rd, buf, (size_t)r) != FRAME_OK) goto fail;
      const uint8_t *body;
      size_t len;
      int got;
      while ((got = frame_reader_next(c->rd, &body, &len)) == 1) {
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        bool ok = false;
        if (msgpack_unpack_next(&u, (const char *)body, len, NULL) == MSGPACK_UNPACK_SUCCESS)
          sv_map_bool(&u.data, "ok", &ok);
        if (!ok && errors++ == 0) {
          const msgpack_object *e = sv_map_get(&u.data, "error");
          const char *m = "?";
          size_t ml = 1;
          if (e) sv_map_str(e, "message", &m, &ml);
          fprintf(stderr, "bench_area: %s refused: %.*s\n", name, (int)ml, m);
        }
        msgpack_unpacked_destroy(&u);
        lat[finished++] = util_now_ns() - c->sent_ns[c->head];
        c->head = (c->head + 1) % depth;
        c->inflight--;
        if (issued < total && bconn_send(c, op, build, issued++, depth) != 0) goto fail;
      }
      if (got < 0 || bconn_flush(c) != 0) goto fail;
    }
  }
  uint64_t t1 = util_now_ns();
  double d1 = test_proc_cpu(g_daemon, 0), c1 = test_rusage_cpu(RUSAGE_SELF);
  test_cpu_snap_take(g_daemon, &k1);
  qsort(lat, total, sizeof *lat, test_cmp_u64);
  double secs = (double)(t1 - t0) / 1e9, rate = (double)total / secs;
  printf("%-18s %7llu requests  %9.0f req/s  median %7.2f ms  p99 %7.2f ms  (%d conns x %u "
         "in flight)%s\n",
         name, (unsigned long long)total, rate, (double)lat[total / 2] / 1e6,
         (double)lat[(total * 99) / 100] / 1e6, nc, depth, errors ? "  ERRORS" : "");
  if (total >= 1000 && d0 >= 0 && d1 >= 0) /* CPU per request: the daemon's all threads */
    printf("%-18s cpu/request: daemon %.1f us, this client %.1f us\n", "",
           (d1 - d0) * 1e6 / (double)total, (c1 - c0) * 1e6 / (double)total);
  if (total >= 1000)
    test_cpu_print_by_thread("                   by thread:", &k0, &k1, (double)total);
  if (rate_out) *rate_out = rate;
  free(lat);
  free(evs);
  close(ep);
  return errors ? -1 : 0;
fail:
  fprintf(stderr, "bench_area: %s: connection failed\n", name);
fail_setup:
  free(lat);
  free(evs);
  if (ep >= 0) close(ep);
  return -1;
}

static long vm_hwm_kb(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  long kb = -1;
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
  fclose(f);
  return kb;
}

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: %s SAMVIRKED [--clients N] [--writes N] [--lists N] [--depth N]\n",
            argv[0]);
    return 2;
  }
  const char *samvirked = argv[1];
  long clients = 50, writes = 20000, lists = 20000, pdepth = 16;
  for (int i = 2; i + 1 < argc; i += 2) {
    long v = strtol(argv[i + 1], NULL, 10);
    if (strcmp(argv[i], "--clients") == 0) clients = v;
    else if (strcmp(argv[i], "--writes") == 0) writes = v;
    else if (strcmp(argv[i], "--lists") == 0) lists = v;
    else if (strcmp(argv[i], "--depth") == 0) pdepth = v;
    else return die("unknown option");
  }
  if (clients < 1 || clients > 1000 || writes < 1 || lists < 1 || pdepth < 1 || pdepth > 256)
    return die("bad option value");
  if (sodium_init() < 0) return die("libsodium");
  signal(SIGPIPE, SIG_IGN);

  char *tmp = test_mkdtemp("bench_area");
  if (tmp == NULL) return die("mkdtemp");
  char dir[1024], card[1024], conf[1100], keyf[1100], logf[1100];
  snprintf(dir, sizeof dir, "%s/d", tmp);
  snprintf(card, sizeof card, "%s/card.txt", tmp);
  snprintf(conf, sizeof conf, "%s/samvirked.conf", dir);
  snprintf(keyf, sizeof keyf, "%s/daemon.key", dir);
  snprintf(logf, sizeof logf, "%s/daemon.log", tmp);
  int status = 0, rc = 1;
  char err[256];
  pid_t pid = -1;
  bconn *cs = NULL;
  sv_daemon_keys *dk = NULL;
  sv_identity *id = identity_generate("Bench Koordinator", &status);
  if (id == NULL || card_write_file(&id->card, card, err, sizeof err) != KEYS_OK) {
    die("cannot make an identity");
    goto out;
  }
  if (run_wait(samvirked, dir, card) != 0) {
    die("samvirked init failed");
    goto out;
  }
  int port = test_free_port();
  size_t clen = 0;
  char *text = test_read_file(conf, &clen);
  FILE *f = fopen(conf, "w");
  if (text == NULL || f == NULL || port < 0) {
    free(text);
    if (f) fclose(f);
    die("cannot rewrite the config");
    goto out;
  }
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "listen = ", 9) == 0)
      fprintf(f, "listen = 127.0.0.1:%d\n", port);
    else
      fprintf(f, "%s\n", line);
  }
  /* One key drives the whole load: the per-key request rate limit would measure itself, and
   * its 50 connections from one address would meet the cap on handshakes per address. */
  fprintf(f, "rate_member = 0\nmax_per_address = 4096\n");
  fclose(f);
  free(text);
  dk = daemon_keys_load(keyf, err, sizeof err);
  if (dk == NULL) {
    die(err);
    goto out;
  }
  pid = g_daemon = fork();
  if (pid == 0) {
    int lf = open(logf, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (lf >= 0) dup2(lf, 2);
    execl(samvirked, samvirked, "run", dir, (char *)NULL);
    _exit(127);
  }
  for (int k = 0; k < 200; k++) {
    int fd = tcp_connect(port);
    if (fd >= 0) {
      close(fd);
      break;
    }
    usleep(25000);
  }
  cs = calloc((size_t)clients, sizeof *cs);
  if (cs == NULL) goto out;
  uint64_t th = util_now_ns();
  for (long i = 0; i < clients; i++)
    if (bconn_open(&cs[i], port, id->noise_sk, dk->noise_pk, (uint32_t)pdepth) != 0) {
      die("cannot connect or handshake");
      goto out;
    }
  double hs_ms = (double)(util_now_ns() - th) / 1e6;
  printf("samvirked: %ld connections (Noise IK handshakes) in %.1f ms\n", clients, hs_ms);

  /* Setup: the write area, and a list area holding 20 observations. */
  if (phase("setup area.add", cs, 1, SV_OP_AREA_ADD, build_area_bench, 1, 1, NULL) != 0 ||
      phase("setup area.add", cs, 1, SV_OP_AREA_ADD, build_area_list, 1, 1, NULL) != 0 ||
      phase("setup seed", cs, 1, SV_OP_OBS_ADD, build_seed, 20, 1, NULL) != 0)
    goto out;
  printf("\n");
  double w1 = 0, wp = 0, l1 = 0, lp = 0;
  if (phase("observation.add", cs, (int)clients, SV_OP_OBS_ADD, build_write, (uint64_t)writes,
            1, &w1) != 0 ||
      phase("observation.add", cs, (int)clients, SV_OP_OBS_ADD, build_write, (uint64_t)writes,
            (uint32_t)pdepth, &wp) != 0 ||
      phase("observation.list", cs, (int)clients, SV_OP_OBS_LIST, build_list, (uint64_t)lists,
            1, &l1) != 0 ||
      phase("observation.list", cs, (int)clients, SV_OP_OBS_LIST, build_list, (uint64_t)lists,
            (uint32_t)pdepth, &lp) != 0)
    goto out;
  long hwm = vm_hwm_kb(pid);
  printf("\nsamvirked peak RSS (VmHWM): %.1f MiB\n", hwm > 0 ? (double)hwm / 1024 : -1.0);
  printf("RESULT writes_rps=%.0f writes_pipelined_rps=%.0f lists_rps=%.0f "
         "lists_pipelined_rps=%.0f peak_rss_kb=%ld\n", w1, wp, l1, lp, hwm);
  rc = 0;
out:
  if (cs) {
    for (long i = 0; i < clients; i++) bconn_close(&cs[i]);
    free(cs);
  }
  if (pid > 0) {
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
  }
  daemon_keys_free(dk);
  identity_free(id);
  test_rmtree(tmp);
  free(tmp);
  return rc;
}

/* bench_load.c -- load against a running samvirked: handshakes per second and ping round trips
 * per second (median and p99 latency) with N = 1, 50 and 500 concurrent connections.
 *
 * Usage: bench_load [--only=handshake|ping] HOST:PORT SERVER_KEY_B64 [SECONDS_PER_PHASE] [N...]
 * One thread drives every connection with non-blocking sockets and poll(). Each N has two phases:
 *   handshake: N connections at a time connect, run the Noise IK handshake and are closed with a
 *              reset (no TIME_WAIT pile-up), and replaced at once;
 *   ping:      N connections are opened, then each keeps one "ping" outstanding (closed loop).
 * Client keys are random and not enrolled (ping is open to every key).
 * Besides rates and latencies it prints the CPU time spent per operation by this client and,
 * with --daemon-pid (same machine), by the daemon: on a shared machine the daemon's CPU per
 * handshake is a steadier figure of its capacity than the rate, which the client also limits. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec.h"
#include "frame.h"
#include "noise.h"
#include "support/cputime.h"
#include "support/sort.h"
#include "util.h"

#define NKEYS 16 /* client static keys, reused round-robin */

enum bstate { B_FREE, B_CONNECTING, B_HS_WAIT, B_OPEN, B_PING_WAIT };

typedef struct bconn {
  int fd;
  enum bstate state;
  uint64_t t0; /* start of the current handshake or ping */
  noise_handshake *hs;
  frame_msgsplit *split;
  frame_reader *rd;
  frame_writer *wr;
  uint8_t *out; /* bytes not yet written */
  size_t outlen, outoff;
  uint64_t next_id;
} bconn;

typedef struct lat {
  uint64_t *v;
  size_t n, cap;
} lat;

static struct sockaddr_in g_addr;
static uint8_t g_server_pk[32];
static uint8_t g_sk[NKEYS][32], g_pk[NKEYS][32];
static unsigned g_key_next;
static uint8_t g_hello[64];
static size_t g_hello_len;
static long g_daemon_pid; /* 0: unknown */
static unsigned long g_errors;
static const char *g_first_error;

static void lat_add(lat *l, uint64_t ns) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 4096;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
    if (l->v == NULL) abort();
  }
  l->v[l->n++] = ns;
}

/* Quantile q (0..1) in microseconds; 0 when empty. Sorts l. */
static double lat_q(lat *l, double q) {
  if (l->n == 0) return 0;
  qsort(l->v, l->n, sizeof *l->v, test_cmp_u64);
  size_t i = (size_t)(q * (double)(l->n - 1) + 0.5);
  return (double)l->v[i] / 1e3;
}

static void note_error(const char *what) {
  g_errors++;
  if (g_first_error == NULL) g_first_error = what;
}

static void bconn_reset(bconn *c, bool hard) {
  if (c->fd >= 0) {
    if (hard) {
      struct linger lg = {1, 0}; /* close with RST: no TIME_WAIT on the client side */
      setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(c->fd);
  }
  noise_handshake_free(c->hs);
  frame_reader_free(c->rd);
  frame_writer_free(c->wr);
  free(c->out);
  frame_msgsplit *split = c->split;
  memset(c, 0, sizeof *c);
  c->split = split;
  c->fd = -1;
  c->state = B_FREE;
}

/* Write what is pending. Returns 0 (all written, or the socket is full) or -1 (broken). */
static int bconn_flush(bconn *c) {
  while (c->outoff < c->outlen) {
    ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == EINTR) continue;
      return -1;
    }
    c->outoff += (size_t)w;
  }
  free(c->out);
  c->out = NULL;
  c->outlen = c->outoff = 0;
  return 0;
}

/* Queue bytes (takes ownership) and try to write them now. Returns 0 or -1 (broken). */
static int bconn_send(bconn *c, uint8_t *buf, size_t len) {
  if (c->out != NULL) { /* previous bytes still pending: append */
    uint8_t *n = realloc(c->out, c->outlen + len);
    if (n == NULL) abort();
    memcpy(n + c->outlen, buf, len);
    free(buf);
    c->out = n;
    c->outlen += len;
  } else {
    c->out = buf;
    c->outlen = len;
    c->outoff = 0;
  }
  return bconn_flush(c);
}

/* Open a socket and start connecting; the handshake starts when it is writable. */
static int bconn_start(bconn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return -1;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->t0 = util_now_ns();
  if (connect(c->fd, (const struct sockaddr *)&g_addr, sizeof g_addr) != 0 &&
      errno != EINPROGRESS)
    return -1;
  c->state = B_CONNECTING;
  return 0;
}

/* Connected: send handshake message 1. */
static int bconn_hello(bconn *c) {
  int err = 0;
  socklen_t el = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) return -1;
  unsigned k = g_key_next++ % NKEYS;
  c->hs = noise_handshake_new_with_pk(true, (const uint8_t *)SAMVIRKE_PROLOGUE,
                                      strlen(SAMVIRKE_PROLOGUE), g_sk[k], g_pk[k], g_server_pk);
  uint8_t *msg = malloc(2 + 256);
  size_t mlen = 0;
  if (c->hs == NULL || msg == NULL) abort();
  if (noise_handshake_write(c->hs, g_hello, g_hello_len, msg + 2, 256, &mlen) != NOISE_OK) {
    free(msg);
    return -1;
  }
  msg[0] = (uint8_t)(mlen >> 8);
  msg[1] = (uint8_t)mlen;
  c->state = B_HS_WAIT;
  return bconn_send(c, msg, mlen + 2);
}

/* Send one ping request. */
static int bconn_ping(bconn *c) {
  uint8_t body[32];
  /* {"id": <uint64>, "op": "ping"} packed by hand: fixmap 2, "id", uint64, "op", "ping" */
  size_t n = 0;
  uint64_t id = ++c->next_id;
  memcpy(body, "\x82\xa2id\xcf", 5);
  n = 5;
  for (int i = 7; i >= 0; i--) body[n++] = (uint8_t)(id >> (8 * i));
  memcpy(body + n, "\xa2op\xa4ping", 8);
  n += 8;
  uint8_t *out = NULL;
  size_t outlen = 0;
  if (frame_writer_seal(c->wr, body, n, &out, &outlen) != FRAME_OK) return -1;
  c->t0 = util_now_ns();
  c->state = B_PING_WAIT;
  return bconn_send(c, out, outlen);
}

/* Check a ping response frame: {"id": our id, "ok": true, ...}. */
static int check_pong(const bconn *c, const uint8_t *body, size_t len) {
  if (sv_msgpack_check(body, len, NULL) != 0) return -1;
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  uint64_t id = 0;
  bool ok = false;
  int rc = -1;
  if (msgpack_unpack_next(&up, (const char *)body, len, &off) == MSGPACK_UNPACK_SUCCESS &&
      sv_map_uint(&up.data, "id", &id) == 0 && sv_map_bool(&up.data, "ok", &ok) == 0 && ok &&
      id == c->next_id)
    rc = 0;
  msgpack_unpacked_destroy(&up);
  return rc;
}

typedef struct phase {
  bool handshake_only; /* handshake phase: close after the handshake and start another */
  lat hs, ping;
  unsigned long hs_done, pings_done;
  bool measuring;
} phase;

/* Handle readable bytes. Returns 0, or -1 to drop the connection. */
static int bconn_read(bconn *c, phase *ph) {
  uint8_t buf[65536];
  for (;;) {
    ssize_t r = recv(c->fd, buf, sizeof buf, 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return -1;
    const uint8_t *p = buf;
    size_t n = (size_t)r;
    if (c->state == B_HS_WAIT) {
      const uint8_t *msg = NULL;
      size_t mlen = 0;
      size_t used = frame_msgsplit_feed(c->split, p, n, &msg, &mlen);
      p += used;
      n -= used;
      if (msg == NULL) continue;
      uint8_t pl[1024];
      size_t plen = 0;
      noise_cipher *s = NULL, *rv = NULL;
      if (mlen == 0 || noise_handshake_read(c->hs, msg, mlen, pl, sizeof pl, &plen) != NOISE_OK ||
          noise_handshake_split(c->hs, &s, &rv) != NOISE_OK)
        return -1;
      noise_handshake_free(c->hs);
      c->hs = NULL;
      c->split->have = 0;
      uint64_t now = util_now_ns();
      if (ph->measuring) {
        lat_add(&ph->hs, now - c->t0);
        ph->hs_done++;
      }
      if (ph->handshake_only) {
        noise_cipher_free(s);
        noise_cipher_free(rv);
        return 1; /* done: caller replaces the connection */
      }
      c->rd = frame_reader_new(rv, FRAME_DEFAULT_MAX);
      c->wr = frame_writer_new(s);
      if (c->rd == NULL || c->wr == NULL) abort();
      c->state = B_OPEN;
      if (n == 0) return 0;
    }
    if (c->rd == NULL) return -1;
    if (frame_reader_feed(c->rd, p, n) != FRAME_OK) return -1;
    for (;;) {
      const uint8_t *body;
      size_t blen;
      int got = frame_reader_next(c->rd, &body, &blen);
      if (got < 0) return -1;
      if (got == 0) break;
      if (c->state != B_PING_WAIT || check_pong(c, body, blen) != 0) return -1;
      if (ph->measuring) {
        lat_add(&ph->ping, util_now_ns() - c->t0);
        ph->pings_done++;
      }
      c->state = B_OPEN;
    }
  }
}

/* CPU seconds used so far by this process and (when known) the daemon; 0 when unknown. */
static double cpu_self(void) { return test_rusage_cpu(RUSAGE_SELF); }

static double cpu_daemon(void) {
  double s = g_daemon_pid > 0 ? test_proc_cpu((pid_t)g_daemon_pid, 0) : 0;
  return s < 0 ? 0 : s;
}

/* Drive n connections for secs seconds (after warm seconds of warm-up). */
static void run_phase(bconn *cs, size_t n, bool handshake_only, double secs, phase *ph) {
  memset(ph, 0, sizeof *ph);
  ph->handshake_only = handshake_only;
  struct pollfd *pf = calloc(n, sizeof *pf);
  if (pf == NULL) abort();
  for (size_t i = 0; i < n; i++)
    if (bconn_start(&cs[i]) != 0) note_error("socket/connect"), bconn_reset(&cs[i], true);
  /* ping phase: wait until every connection is open before measuring */
  uint64_t t_open = util_now_ns(), deadline_open = t_open + 20ull * 1000000000ull;
  uint64_t t_start = 0, t_end = 0;
  double self0 = 0, daemon0 = 0;
  if (handshake_only) {
    ph->measuring = true;
    t_start = util_now_ns();
    t_end = t_start + (uint64_t)(secs * 1e9);
    self0 = cpu_self();
    daemon0 = cpu_daemon();
  }
  for (;;) {
    uint64_t now = util_now_ns();
    if (!ph->measuring) {
      size_t open = 0;
      for (size_t i = 0; i < n; i++) open += cs[i].state == B_OPEN;
      if (open == n || now > deadline_open) {
        if (open < n) note_error("connections not open after 20 s");
        ph->measuring = true;
        self0 = cpu_self();
        daemon0 = cpu_daemon();
        t_start = now;
        t_end = now + (uint64_t)(secs * 1e9);
        for (size_t i = 0; i < n; i++)
          if (cs[i].state == B_OPEN && bconn_ping(&cs[i]) != 0) {
            note_error("send ping");
            bconn_reset(&cs[i], true);
          }
      }
    }
    if (ph->measuring && now >= t_end) break;
    for (size_t i = 0; i < n; i++) {
      pf[i].fd = cs[i].fd;
      pf[i].events = 0;
      pf[i].revents = 0;
      if (cs[i].state == B_FREE) {
        pf[i].fd = -1;
        continue;
      }
      if (cs[i].state == B_CONNECTING || cs[i].out != NULL) pf[i].events |= POLLOUT;
      if (cs[i].state != B_CONNECTING) pf[i].events |= POLLIN;
    }
    int pr = poll(pf, (nfds_t)n, 50);
    if (pr < 0 && errno != EINTR) {
      perror("poll");
      exit(1);
    }
    for (size_t i = 0; i < n; i++) {
      bconn *c = &cs[i];
      if (c->state == B_FREE) {
        /* a dropped connection is replaced (handshake phase) or left closed (ping phase) */
        if (handshake_only && bconn_start(c) != 0) note_error("socket/connect"),
                                                       bconn_reset(c, true);
        continue;
      }
      short re = pf[i].revents;
      if (re == 0) continue;
      int rc = 0;
      if (c->state == B_CONNECTING) {
        if (re & (POLLOUT | POLLERR | POLLHUP)) rc = bconn_hello(c);
        if (rc != 0) note_error("connect");
      } else {
        if ((re & POLLOUT) && c->out != NULL && bconn_flush(c) != 0) rc = -1;
        if (rc == 0 && (re & (POLLIN | POLLERR | POLLHUP))) {
          rc = bconn_read(c, ph);
          if (rc < 0) note_error(c->state == B_HS_WAIT ? "handshake" : "transport");
        }
        if (rc == 0 && c->state == B_OPEN && ph->measuring && bconn_ping(c) != 0) {
          note_error("send ping");
          rc = -1;
        }
      }
      if (rc != 0) {
        bconn_reset(c, true);
        if (handshake_only && bconn_start(c) != 0) note_error("socket/connect"),
                                                       bconn_reset(c, true);
      }
    }
  }
  double el = (double)(util_now_ns() - t_start) / 1e9;
  double self_s = cpu_self() - self0, daemon_s = cpu_daemon() - daemon0;
  for (size_t i = 0; i < n; i++) bconn_reset(&cs[i], true);
  free(pf);
  unsigned long done = handshake_only ? ph->hs_done : ph->pings_done;
  lat *l = handshake_only ? &ph->hs : &ph->ping;
  double per = done ? 1e6 / (double)done : 0;
  printf("  N=%-4zu %-10s %8.0f /s  latency median %9.1f us  p99 %9.1f us  (%lu in %.1f s)"
         "  cpu/op: client %.0f us",
         n, handshake_only ? "handshakes" : "pings", (double)done / el, lat_q(l, 0.5),
         lat_q(l, 0.99), done, el, self_s * per);
  if (g_daemon_pid > 0) printf(", daemon %.0f us", daemon_s * per);
  printf("\n");
  fflush(stdout);
  free(ph->hs.v);
  free(ph->ping.v);
}

/* X25519 operations per second on this machine (one core), for scale. */
static void bench_x25519(void) {
  uint8_t sk[32], pk[32], out[32];
  crypto_box_keypair(pk, sk);
  uint64_t t0 = util_now_ns(), t;
  long n = 0;
  do {
    for (int i = 0; i < 200; i++) {
      if (crypto_scalarmult(out, sk, pk) != 0) abort();
      pk[0] ^= out[0] & 1; /* keep a data dependency */
    }
    n += 200;
    t = util_now_ns();
  } while (t - t0 < 500000000ull);
  double dh = (double)n / ((double)(t - t0) / 1e9);
  t0 = util_now_ns();
  n = 0;
  do {
    for (int i = 0; i < 200; i++) crypto_scalarmult_base(out, sk), sk[0] ^= out[0];
    n += 200;
    t = util_now_ns();
  } while (t - t0 < 500000000ull);
  double base = (double)n / ((double)(t - t0) / 1e9);
  printf("X25519 on this machine: %.0f DH/s, %.0f base-point/s (one core)\n", dh, base);
  sodium_memzero(sk, sizeof sk);
}

static int parse_addr(const char *s, struct sockaddr_in *a) {
  char host[64];
  const char *colon = strrchr(s, ':');
  if (colon == NULL || (size_t)(colon - s) >= sizeof host) return -1;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535) return -1;
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv) {
  bool do_hs = true, do_ping = true, bad = false;
  while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
    if (strncmp(argv[1], "--only=", 7) == 0) {
      do_hs = strcmp(argv[1] + 7, "handshake") == 0;
      do_ping = strcmp(argv[1] + 7, "ping") == 0;
      bad |= !do_hs && !do_ping;
    } else if (strncmp(argv[1], "--daemon-pid=", 13) == 0) {
      g_daemon_pid = atol(argv[1] + 13);
      bad |= g_daemon_pid <= 0;
    } else {
      bad = true;
    }
    argv[1] = argv[0];
    argv++;
    argc--;
  }
  if (argc < 3 || bad) {
    fprintf(stderr,
            "usage: %s [--only=handshake|ping] [--daemon-pid=PID] HOST:PORT SERVER_KEY_B64 "
            "[SECONDS_PER_PHASE] [N...]\n",
            argv[0]);
    return 2;
  }
  if (sodium_init() < 0) return 1;
  if (parse_addr(argv[1], &g_addr) != 0) {
    fprintf(stderr, "bench_load: bad address %s (want IPv4 HOST:PORT)\n", argv[1]);
    return 2;
  }
  if (util_unb64_exact(g_server_pk, sizeof g_server_pk, argv[2]) != 0) {
    fprintf(stderr, "bench_load: server key must be 32 bytes of base64\n");
    return 2;
  }
  double secs = argc > 3 ? strtod(argv[3], NULL) : 3.0;
  if (!(secs > 0 && secs < 3600)) {
    fprintf(stderr, "bench_load: bad duration %s\n", argv[3]);
    return 2;
  }
  size_t ns[16] = {1, 50, 500}, nn = 3;
  if (argc > 4) {
    nn = 0;
    for (int i = 4; i < argc && nn < 16; i++) {
      long v = strtol(argv[i], NULL, 10);
      if (v <= 0 || v > 10000) {
        fprintf(stderr, "bench_load: bad connection count %s\n", argv[i]);
        return 2;
      }
      ns[nn++] = (size_t)v;
    }
  }
  for (int k = 0; k < NKEYS; k++) crypto_box_keypair(g_pk[k], g_sk[k]);
  /* handshake payload {"v": 1, "client": "bench"} */
  memcpy(g_hello, "\x82\xa1v\x01\xa6" "client\xa5" "bench", 17);
  g_hello_len = 17;

  bench_x25519();
  size_t max = 0;
  for (size_t i = 0; i < nn; i++) max = ns[i] > max ? ns[i] : max;
  bconn *cs = calloc(max, sizeof *cs);
  if (cs == NULL) abort();
  for (size_t i = 0; i < max; i++) {
    cs[i].fd = -1;
    cs[i].split = calloc(1, sizeof *cs[i].split);
    if (cs[i].split == NULL) abort();
  }
  printf("bench_load against %s, %.1f s per phase\n", argv[1], secs);
  for (size_t i = 0; i < nn; i++) {
    phase ph;
    if (do_hs) run_phase(cs, ns[i], true, secs, &ph);
    if (do_ping) run_phase(cs, ns[i], false, secs, &ph);
  }
  for (size_t i = 0; i < max; i++) free(cs[i].split);
  free(cs);
  for (int k = 0; k < NKEYS; k++) sodium_memzero(g_sk[k], 32);
  if (g_errors) {
    printf("errors: %lu (first: %s)\n", g_errors, g_first_error);
    return 1;
  }
  return 0;
}

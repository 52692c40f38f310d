/* bench_notes.c -- restricted notes end to end through a real samvirked: notes per second with
 * 1 KiB bodies from many senders to connected recipients that decrypt and acknowledge them,
 * delivery latency (seal -> decrypted by the recipient), and one Ed25519 verification's rate on
 * this machine for scale (the relay verifies one signature per note on its loop thread).
 * Each sender is a process of its own, as each member runs their own client: threads of one
 * process would share its memory map, and the guarded pages of sodium_malloc (an mmap and
 * mprotects per secret buffer) would then contend for its lock and send TLB shootdowns to the
 * other core, where the daemon runs -- a cost of the bench, not of samvirke. The recipients are
 * two threads of the parent.
 *
 * usage: bench_notes SAMVIRKED [--senders N] [--notes-per-sender N] [--window N]
 *                              [--recipients N] */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "codec.h"
#include "envelope.h"
#include "keys.h"
#include "session.h"
#include "support/cputime.h"
#include "support/net.h"
#include "support/sort.h"
#include "support/tmpdir.h"
#include "util.h"

#define BODY_LEN 1024

static int nsenders = 50, per_sender = 200, window = 1, nrecipients = 2;
static sv_identity **senders, **recipients;
static char address[64];
static uint8_t server_pk[32];

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static double *latencies; /* ms, one per delivered note */
static size_t nlat;
static long ack_errors, open_errors;
static long *send_errors; /* shared with the sender processes (MAP_SHARED), added atomically */
static uint8_t (*sender_kid)[ENVELOPE_KEYID_LEN]; /* each sender card's key id */

static session *connect_as(const sv_identity *id) {
  char err[256];
  session_params p = {.address = address, .server_pk = server_pk, .client_sk = id->noise_sk,
                      .timeout_ms = 30000};
  session *s = session_connect(&p, err, sizeof err);
  if (s == NULL) fprintf(stderr, "bench_notes: %s\n", err);
  return s;
}

/* Encode a request with a given id into sb. */
static int encode(sv_request *req, msgpack_sbuffer *sb) {
  char err[128];
  msgpack_sbuffer_clear(sb);
  return sv_request_encode(req, sb, err, sizeof err);
}

/* Receive one response frame (skipping pushed events); returns ok (1), error (0), -1 broken. */
static int recv_response(session *s) {
  for (;;) {
    uint8_t *body = NULL;
    size_t len = 0;
    char err[256];
    if (session_recv_frame(s, 30000, &body, &len, err, sizeof err) != 1) return -1;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    int r = -1;
    if (msgpack_unpack_next(&up, (const char *)body, len, &off) == MSGPACK_UNPACK_SUCCESS) {
      bool ok = false;
      if (sv_map_get(&up.data, "event") != NULL)
        r = 2;
      else
        r = sv_map_bool(&up.data, "ok", &ok) == 0 && ok ? 1 : 0;
    }
    msgpack_unpacked_destroy(&up);
    free(body);
    if (r != 2) return r;
  }
}

/* One sender (a process of its own): per_sender notes, window at a time. */
static void sender_main(int idx) {
  session *s = connect_as(senders[idx]);
  if (s == NULL) {
    __atomic_add_fetch(send_errors, per_sender, __ATOMIC_RELAXED);
    return;
  }
  uint8_t body[BODY_LEN];
  randombytes_buf(body, sizeof body);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  int inflight = 0, sent = 0, done = 0;
  char err[256];
  while (done < per_sender) {
    while (sent < per_sender && inflight < window) {
      const sv_card *to[1] = {&recipients[(idx + sent) % nrecipients]->card};
      envelope_params p = {.klass = "individual", .purpose = "forebyggelse", .recipients = to,
                           .nrecipients = 1};
      uint64_t t0 = util_now_ns();
      memcpy(body, &t0, sizeof t0);
      uint8_t *env = NULL;
      size_t elen = 0;
      if (envelope_seal(senders[idx], &p, body, sizeof body, &env, &elen) != ENVELOPE_OK) abort();
      sv_request req;
      sv_request_init(&req, (uint64_t)sent + 1, SV_OP_NOTE_SEND);
      sv_request_set_bin(&req, SV_F_ENVELOPE, env, elen);
      free(env);
      int rc = encode(&req, &sb);
      sv_request_free(&req);
      if (rc != 0 || session_send_frame(s, (const uint8_t *)sb.data, sb.size, err, sizeof err) != 0)
        goto out;
      sent++;
      inflight++;
    }
    int r = recv_response(s);
    if (r < 0) goto out;
    if (r == 0) __atomic_add_fetch(send_errors, 1, __ATOMIC_RELAXED);
    inflight--;
    done++;
  }
out:
  if (done < per_sender) __atomic_add_fetch(send_errors, per_sender - done, __ATOMIC_RELAXED);
  msgpack_sbuffer_destroy(&sb);
  session_close(s);
}

typedef struct recv_arg {
  int idx;
  long expect;
  session *s;
} recv_arg;

/* Decrypt each pushed note, record its latency, acknowledge it (pipelined). */
static void *recipient_main(void *arg) {
  recv_arg *ra = arg;
  session *s = ra->s;
  const sv_identity *me = recipients[ra->idx];
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  long got = 0, acked = 0;
  uint64_t next_id = 1;
  char err[256];
  while (acked < ra->expect) {
    uint8_t *frame = NULL;
    size_t len = 0;
    if (session_recv_frame(s, 60000, &frame, &len, err, sizeof err) != 1) {
      fprintf(stderr, "bench_notes: recipient %d: %s (got %ld, acked %ld of %ld)\n", ra->idx, err,
              got, acked, ra->expect);
      break;
    }
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, (const char *)frame, len, &off) != MSGPACK_UNPACK_SUCCESS) abort();
    const uint8_t *env = NULL, *nid = NULL;
    size_t elen = 0, nlen = 0;
    if (sv_map_get(&up.data, "event") == NULL) { /* an ack's response */
      bool ok = false;
      if (sv_map_bool(&up.data, "ok", &ok) != 0 || !ok) {
        pthread_mutex_lock(&mu);
        ack_errors++;
        pthread_mutex_unlock(&mu);
      }
      acked++;
    } else if (sv_map_bin(&up.data, "envelope", &env, &elen) == 0 &&
               sv_map_bin(&up.data, "note", &nid, &nlen) == 0) {
      envelope_header h;
      envelope_parse(env, elen, &h);
      int sidx = -1;
      for (int i = 0; i < nsenders && sidx < 0; i++)
        if (memcmp(sender_kid[i], h.sender, ENVELOPE_KEYID_LEN) == 0) sidx = i;
      uint8_t *body = NULL;
      size_t blen = 0;
      if (sidx < 0 || envelope_open(env, elen, &senders[sidx]->card, me, NULL, &body, &blen) !=
                          ENVELOPE_OK) {
        pthread_mutex_lock(&mu);
        open_errors++;
        pthread_mutex_unlock(&mu);
      } else {
        uint64_t t0;
        memcpy(&t0, body, sizeof t0);
        double ms = (double)(util_now_ns() - t0) / 1e6;
        envelope_free_body(body, blen);
        pthread_mutex_lock(&mu);
        latencies[nlat++] = ms;
        pthread_mutex_unlock(&mu);
      }
      got++;
      sv_request req;
      sv_request_init(&req, next_id++, SV_OP_NOTE_ACK);
      sv_request_set_bin(&req, SV_F_NOTE, nid, nlen);
      int rc = encode(&req, &sb);
      sv_request_free(&req);
      if (rc != 0 || session_send_frame(s, (const uint8_t *)sb.data, sb.size, err, sizeof err) != 0)
        abort();
    }
    msgpack_unpacked_destroy(&up);
    free(frame);
  }
  msgpack_sbuffer_destroy(&sb);
  return NULL;
}

/* The bench clients' CPU: this process (the recipients) and the sender processes waited for
 * (the daemon, also a child, is waited for only after the last sample). */
static double clients_cpu(void) {
  return test_rusage_cpu(RUSAGE_SELF) + test_rusage_cpu(RUSAGE_CHILDREN);
}

static double verify_rate(void) {
  uint8_t pk[32], sk[64], msg[90], sig[64];
  crypto_sign_keypair(pk, sk);
  randombytes_buf(msg, sizeof msg);
  crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
  int n = 0;
  uint64_t t0 = util_now_ns();
  while (util_now_ns() - t0 < 1000000000ull) {
    for (int i = 0; i < 200; i++)
      if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk) != 0) abort();
    n += 200;
  }
  return n / ((double)(util_now_ns() - t0) / 1e9);
}

int main(int argc, char **argv) {
  if (sodium_init() < 0 || argc < 2) {
    fprintf(stderr, "usage: bench_notes SAMVIRKED [--senders N] [--notes-per-sender N] "
                    "[--window N] [--recipients N]\n");
    return 2;
  }
  const char *samvirked = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    int v = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--senders") == 0) nsenders = v;
    else if (strcmp(argv[i], "--notes-per-sender") == 0) per_sender = v;
    else if (strcmp(argv[i], "--window") == 0) window = v;
    else if (strcmp(argv[i], "--recipients") == 0) nrecipients = v;
  }
  if (nsenders < 1 || nsenders + nrecipients > 60 || per_sender < 1 || window < 1 ||
      nrecipients < 1) {
    fprintf(stderr, "bench_notes: 1..59 senders plus recipients (at most 60 members)\n");
    return 2;
  }
  double vr = verify_rate();
  printf("Ed25519 verify (crypto_sign_verify_detached): %.0f/s on one core\n", vr);

  char *tmp = test_mkdtemp("bench_notes");
  char dir[4200], path[4300], cmd[65536];
  snprintf(dir, sizeof dir, "%s/d", tmp);
  senders = calloc((size_t)nsenders, sizeof *senders);
  sender_kid = calloc((size_t)nsenders, sizeof *sender_kid);
  send_errors = mmap(NULL, sizeof *send_errors, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
  if (senders == NULL || sender_kid == NULL || send_errors == MAP_FAILED) return 1;
  recipients = calloc((size_t)nrecipients, sizeof *recipients);
  int st = 0;
  int off = snprintf(cmd, sizeof cmd, "%s init %s", samvirked, dir);
  for (int i = 0; i < nsenders + nrecipients; i++) {
    char name[32];
    bool is_s = i < nsenders;
    snprintf(name, sizeof name, "%s %d", is_s ? "Sender" : "Recipient", is_s ? i : i - nsenders);
    sv_identity *id = identity_generate(name, &st);
    if (is_s && id != NULL) envelope_card_keyid(&id->card, sender_kid[i]);
    if (is_s) senders[i] = id;
    else recipients[i - nsenders] = id;
    snprintf(path, sizeof path, "%s/card%d.txt", tmp, i);
    char err[256];
    if (id == NULL || card_write_file(&id->card, path, err, sizeof err) != KEYS_OK) return 1;
    off += snprintf(cmd + off, sizeof cmd - (size_t)off, i == 0 ? " --admin %s" : " --member %s:%s",
                    path, is_s ? "ssp" : "police");
  }
  snprintf(cmd + off, sizeof cmd - (size_t)off, " >/dev/null");
  if (system(cmd) != 0) {
    fprintf(stderr, "bench_notes: %s failed\n", cmd);
    return 1;
  }
  int port = test_free_port();
  snprintf(cmd, sizeof cmd,
           "sed -i 's/^listen = .*/listen = 127.0.0.1:%d/; s/^log_level = .*/log_level = warn/; "
           "s/^rate_member = .*/rate_member = 0/; " /* capacity, not the rate limit, */
           "s/^max_per_address = .*/max_per_address = 4096/' " /* nor the per-address cap */
           "%s/samvirked.conf && %s info %s --json | sed 's/.*\"server_key\":\"\\([^\"]*\\)\".*/\\1/' "
           "> %s/server_key",
           port, dir, samvirked, dir, tmp);
  if (system(cmd) != 0) return 1;
  snprintf(path, sizeof path, "%s/server_key", tmp);
  char *key = test_read_file(path, NULL);
  key[strcspn(key, "\n")] = '\0';
  if (util_unb64_exact(server_pk, 32, key) != 0) return 1;
  free(key);
  snprintf(address, sizeof address, "127.0.0.1:%d", port);
  pid_t pid = fork();
  if (pid == 0) {
    execl(samvirked, samvirked, "run", dir, (char *)NULL);
    _exit(127);
  }
  session *probe = NULL;
  for (int i = 0; i < 100 && probe == NULL; i++) {
    usleep(100000);
    char err[256];
    session_params p = {.address = address, .server_pk = server_pk,
                        .client_sk = recipients[0]->noise_sk};
    probe = session_connect(&p, err, sizeof err);
  }
  if (probe == NULL) {
    fprintf(stderr, "bench_notes: the daemon did not come up\n");
    kill(pid, SIGKILL);
    return 1;
  }
  session_close(probe);

  long total = (long)nsenders * per_sender;
  latencies = calloc((size_t)total, sizeof *latencies);
  recv_arg *ra = calloc((size_t)nrecipients, sizeof *ra);
  pthread_t *rt = calloc((size_t)nrecipients, sizeof *rt);
  pid_t *spid = calloc((size_t)nsenders, sizeof *spid);
  for (int r = 0; r < nrecipients; r++) {
    ra[r].idx = r;
    ra[r].s = connect_as(recipients[r]);
    if (ra[r].s == NULL) return 1;
    for (int i = 0; i < nsenders; i++) /* sender i's k-th note goes to (i + k) % nrecipients */
      for (int k = 0; k < per_sender; k++)
        if ((i + k) % nrecipients == r) ra[r].expect++;
  }
  /* The senders are forked before the recipients' threads exist: a child forked while a thread
   * holds a lock (libsodium's, malloc's) would wait for it for ever. They start together when
   * the write end of the start pipe closes. */
  int start[2];
  if (pipe(start) != 0) {
    fprintf(stderr, "bench_notes: cannot make the start pipe\n");
    kill(pid, SIGKILL);
    return 1;
  }
  fflush(NULL);
  for (int i = 0; i < nsenders; i++) {
    if ((spid[i] = fork()) == 0) {
      close(start[1]);
      char c;
      while (read(start[0], &c, 1) < 0 && errno == EINTR) {
      }
      sender_main(i);
      _exit(0);
    }
    if (spid[i] < 0) {
      __atomic_add_fetch(send_errors, per_sender, __ATOMIC_RELAXED);
      fprintf(stderr, "bench_notes: cannot start sender %d\n", i);
    }
  }
  close(start[0]);
  double d0 = test_proc_cpu(pid, 0); /* the daemon's threads (not its signer) */
  double c0 = clients_cpu();
  test_cpu_snap k0, k1; /* the daemon by thread, and the machine's idle time */
  test_cpu_snap_take(pid, &k0);
  uint64_t t0 = util_now_ns();
  for (int r = 0; r < nrecipients; r++) pthread_create(&rt[r], NULL, recipient_main, &ra[r]);
  close(start[1]);
  for (int i = 0; i < nsenders; i++) {
    int sst = 0;
    if (spid[i] > 0 && (waitpid(spid[i], &sst, 0) != spid[i] || !WIFEXITED(sst) ||
                        WEXITSTATUS(sst) != 0)) {
      fprintf(stderr, "bench_notes: sender %d failed\n", i);
      __atomic_add_fetch(send_errors, 1, __ATOMIC_RELAXED);
    }
  }
  double send_s = (double)(util_now_ns() - t0) / 1e9;
  for (int r = 0; r < nrecipients; r++) pthread_join(rt[r], NULL);
  double all_s = (double)(util_now_ns() - t0) / 1e9;
  double d1 = test_proc_cpu(pid, 0);
  double c1 = clients_cpu();
  test_cpu_snap_take(pid, &k1);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);

  qsort(latencies, nlat, sizeof *latencies, test_cmp_double);
  double rate = (double)nlat / all_s;
  printf("notes: %d senders x %d (window %d), %d recipients decrypting and acking, %d-byte bodies\n",
         nsenders, per_sender, window, nrecipients, BODY_LEN);
  printf("  delivered %zu of %ld in %.2f s (all sent in %.2f s): %.0f notes/s end to end\n", nlat,
         total, all_s, send_s, rate);
  if (nlat)
    printf("  delivery latency (seal -> decrypted by recipient): median %.2f ms, p99 %.2f ms, "
           "max %.2f ms\n",
           latencies[nlat / 2], latencies[(size_t)((double)nlat * 0.99)], latencies[nlat - 1]);
  printf("  errors: send %ld, ack %ld, open %ld; daemon exit status %d\n", *send_errors,
         ack_errors, open_errors, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  printf("  daemon cost bound: one Ed25519 verify per note = %.0f notes/s on one core; "
         "the relay reaches %.1f%% of it (each note also costs 3 durable audit entries: "
         "send, delivery, ack)\n",
         vr, 100.0 * rate / vr);
  if (nlat && d0 >= 0 && d1 >= 0) {
    double per = (d1 - d0) / (double)nlat * 1e6, verify_us = 1e6 / vr;
    printf("  daemon CPU per note: %.0f us; one verify is %.0f us, so the daemon's CPU would allow"
           " %.0f notes/s per core (%.1f%% of the verify bound)\n",
           per, verify_us, 1e6 / per, 100.0 * verify_us / per);
    test_cpu_print_by_thread("  daemon CPU per note by thread:", &k0, &k1, (double)nlat);
    printf("  bench clients' CPU per note (sealing, opening, Noise): %.0f us; machine: %ld cores"
           " shared by daemon and clients\n",
           (c1 - c0) / (double)nlat * 1e6, sysconf(_SC_NPROCESSORS_ONLN));
  }
  for (int i = 0; i < nsenders; i++) identity_free(senders[i]);
  for (int r = 0; r < nrecipients; r++) {
    session_close(ra[r].s);
    identity_free(recipients[r]);
  }
  free(senders);
  free(recipients);
  free(latencies);
  free(ra);
  free(rt);
  free(spid);
  free(sender_kid);
  test_rmtree(tmp);
  free(tmp);
  long serr = *send_errors;
  munmap(send_errors, sizeof *send_errors);
  return nlat == (size_t)total && serr == 0 && ack_errors == 0 && open_errors == 0 ? 0 : 1;
}

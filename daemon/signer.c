/* signer.c -- the network-facing process's handle on the log signer process: start it, take
 * the keys it hands over, ask it to adopt a state or to extend and sign. */
#define _GNU_SOURCE /* close_range (glibc 2.34) */
#include "signer.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "signed_note.h"
#include "signer_wire.h"

#define REPLY_MAX 8192 /* a checkpoint note or a reason; far more than either needs */

struct signer {
  int fd;
  pid_t pid;
  bool has_state;
  uint64_t size;
  uint8_t root[32];
  uint8_t log_pk[32];
  /* for signer_auditlog */
  char origin[CHECKPOINT_ORIGIN_MAX + 1];
  bool lost; /* the process stopped answering: every later request fails at once */
  void (*on_lost)(void *ctx);
  void *lost_ctx;
};

bool signer_has_state(const signer *s) { return s->has_state; }
uint64_t signer_size(const signer *s) { return s->size; }
void signer_root(const signer *s, uint8_t out[32]) { memcpy(out, s->root, 32); }
int signer_pid(const signer *s) { return (int)s->pid; }

/* Child side of the fork: the socket becomes descriptor 3, everything else above 2 closes.
 * argv was built before the fork. */
static void exec_child(int sock, const char *exe, char *const argv[]) {
  if (sock != 3) {
    if (dup2(sock, 3) < 0) _exit(127);
  } else {
    /* dup2 onto itself keeps FD_CLOEXEC: clear it by hand */
    int fl = fcntl(3, F_GETFD);
    if (fl < 0 || fcntl(3, F_SETFD, fl & ~FD_CLOEXEC) < 0) _exit(127);
  }
  /* Every descriptor above 3, however high (a service manager may have passed some): the
   * signer holds the log key and must not hold the daemon's sockets or files. Kernels before
   * 5.9 lack close_range; there, every descriptor below the limit is closed one by one. */
  if (close_range(4, ~0U, 0) != 0) {
    struct rlimit rl;
    rlim_t max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 20)
                     ? rl.rlim_cur
                     : 1u << 20; /* Linux's default fs.nr_open: no loop of a billion closes */
    for (rlim_t fd = 4; fd < max; fd++) close((int)fd);
  }
  execv(exe, argv);
  _exit(127);
}

/* Turn an ERROR payload into err. */
static void copy_reason(char *err, size_t errlen, const char *what, const uint8_t *p, size_t n) {
  snprintf(err, errlen, "%s: %.*s", what, (int)(n < 400 ? n : 400), (const char *)p);
}

signer *signer_spawn(const char *exe, const char *dir, sv_daemon_keys **keys, char *err,
                     size_t errlen) {
  assert(exe != NULL && dir != NULL && keys != NULL);
  *keys = NULL;
  if (sodium_init() < 0) {
    snprintf(err, errlen, "cannot initialise libsodium");
    return NULL;
  }
  signer *s = calloc(1, sizeof *s);
  uint8_t *buf = sodium_malloc(REPLY_MAX);
  sv_daemon_keys *k = sodium_malloc(sizeof *k);
  int sv[2] = {-1, -1};
  if (s == NULL || buf == NULL || k == NULL) {
    snprintf(err, errlen, "out of memory");
    goto err;
  }
  s->fd = -1;
  s->pid = -1;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    snprintf(err, errlen, "cannot create the signer's socket: %s", strerror(errno));
    goto err;
  }
  static char arg0[] = "samvirked", arg1[] = "signer";
  char arg2[4096];
  if (strlen(dir) >= sizeof arg2) {
    snprintf(err, errlen, "the daemon directory's path is too long");
    goto err;
  }
  snprintf(arg2, sizeof arg2, "%s", dir);
  char *const argv[] = {arg0, arg1, arg2, NULL};
  s->pid = fork();
  if (s->pid < 0) {
    snprintf(err, errlen, "cannot start the log signer: %s", strerror(errno));
    goto err;
  }
  if (s->pid == 0) exec_child(sv[1], exe, argv);
  close(sv[1]);
  sv[1] = -1;
  s->fd = sv[0];
  sv[0] = -1;
  uint8_t type = 0;
  size_t len = 0;
  int got = signer_wire_recv(s->fd, &type, buf, REPLY_MAX, &len);
  if (got != 1) {
    snprintf(err, errlen, "the log signer stopped before it started (see its log lines above)");
    goto err;
  }
  if (type == SIGNER_MSG_ERROR) {
    copy_reason(err, errlen, "the log signer cannot start", buf, len);
    goto err;
  }
  if (type != SIGNER_MSG_KEYS || len != 137) {
    snprintf(err, errlen, "the log signer sent an unexpected first message");
    goto err;
  }
  memcpy(k->noise_sk, buf, 32);
  memcpy(k->noise_pk, buf + 32, 32);
  memcpy(k->log_pk, buf + 64, 32);
  memcpy(s->log_pk, buf + 64, 32);
  sodium_memzero(k->log_sk, sizeof k->log_sk);
  s->has_state = buf[96] != 0;
  s->size = signer_wire_get64(buf + 97);
  memcpy(s->root, buf + 105, 32);
  sodium_memzero(buf, REPLY_MAX);
  sodium_free(buf);
  *keys = k;
  return s;
err:
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  if (buf) {
    sodium_memzero(buf, REPLY_MAX);
    sodium_free(buf);
  }
  daemon_keys_free(k);
  signer_close(s);
  return NULL;
}

/* Send one request (two payload parts) and read its answer into buf (REPLY_MAX bytes).
 * Returns 0 when the answer has type want, else -1 with err set (the signer's own reason when
 * it refused). */
/* The process stopped answering: say so once, and refuse from now on. */
static void mark_lost(signer *s) {
  if (s->lost) return;
  s->lost = true;
  if (s->on_lost) s->on_lost(s->lost_ctx);
}

static int call(signer *s, uint8_t type, const void *a, size_t alen, const void *b, size_t blen,
                uint8_t want, uint8_t *buf, size_t *len, char *err, size_t errlen) {
  if (s->lost) {
    snprintf(err, errlen, "the log signer process has stopped");
    return -1;
  }
  if (signer_wire_send(s->fd, type, a, alen, b, blen, NULL, 0) != 0) {
    snprintf(err, errlen, "cannot reach the log signer: %s", strerror(errno));
    mark_lost(s);
    return -1;
  }
  uint8_t got_type = 0;
  int got = signer_wire_recv(s->fd, &got_type, buf, REPLY_MAX, len);
  if (got != 1) {
    snprintf(err, errlen, "the log signer process has stopped answering (%s)",
             got == 0 ? "it exited" : strerror(errno));
    mark_lost(s);
    return -1;
  }
  if (got_type == SIGNER_MSG_ERROR) {
    copy_reason(err, errlen, "the log signer refused", buf, *len);
    return -1;
  }
  if (got_type != want) {
    snprintf(err, errlen, "the log signer sent an unexpected answer");
    return -1;
  }
  return 0;
}

int signer_init(signer *s, const merkle_frontier *fr, const char *note, size_t nlen, char *err,
                size_t errlen) {
  assert(s != NULL && fr != NULL && (note != NULL || nlen == 0));
  uint8_t head[8 + 32 * MERKLE_FRONTIER_LEVELS];
  signer_wire_put64(head, fr->size);
  size_t off = 8;
  for (unsigned l = 0; l < MERKLE_FRONTIER_LEVELS; l++) {
    if (!(fr->size >> l & 1)) continue;
    memcpy(head + off, fr->hash[l], 32);
    off += 32;
  }
  uint8_t buf[REPLY_MAX];
  size_t len = 0;
  if (call(s, SIGNER_MSG_INIT, head, off, note, nlen, SIGNER_MSG_OK, buf, &len, err, errlen) != 0)
    return -1;
  s->has_state = true;
  s->size = fr->size;
  merkle_frontier_root(fr, s->root);
  return 0;
}

/* One extension step of at most SIGNER_MAX_LEAVES leaves. */
static int extend_step(signer *s, uint64_t base, const uint8_t (*leaves)[32], size_t n,
                       char **note, size_t *nlen, char *err, size_t errlen) {
  uint8_t head[12];
  signer_wire_put64(head, base);
  head[8] = (uint8_t)(n >> 24);
  head[9] = (uint8_t)(n >> 16);
  head[10] = (uint8_t)(n >> 8);
  head[11] = (uint8_t)n;
  uint8_t buf[REPLY_MAX];
  size_t len = 0;
  if (call(s, SIGNER_MSG_EXTEND, head, sizeof head, leaves, 32 * n, SIGNER_MSG_NOTE, buf, &len, err,
           errlen) != 0)
    return -1;
  if (len < 9 || signer_wire_get64(buf) != base + n) {
    snprintf(err, errlen, "the log signer sent an unexpected answer");
    return -1;
  }
  char *out = malloc(len - 8 + 1);
  if (out == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(out, buf + 8, len - 8);
  out[len - 8] = '\0';
  *note = out;
  *nlen = len - 8;
  return 0;
}

int signer_extend(signer *s, uint64_t base, const uint8_t (*leaves)[32], size_t n, char **note,
                  size_t *nlen, char *err, size_t errlen) {
  assert(s != NULL && note != NULL && nlen != NULL && (leaves != NULL || n == 0));
  *note = NULL;
  *nlen = 0;
  size_t done = 0;
  do {
    size_t step = n - done > SIGNER_MAX_LEAVES ? SIGNER_MAX_LEAVES : n - done;
    free(*note);
    *note = NULL;
    if (extend_step(s, base + done, leaves + done, step, note, nlen, err, errlen) != 0)
      return -1;
    done += step;
    s->size = base + done;
  } while (done < n);
  return 0;
}

/* auditlog_sign_fn: extend and sign, then check the note says what the log computed. */
static int sign_for_log(void *ctx, uint64_t base, const uint8_t (*leaves)[32], size_t n,
                        const uint8_t root[32], char **note, char *err, size_t errlen) {
  signer *s = ctx;
  size_t nlen = 0;
  *note = NULL;
  if (signer_extend(s, base, leaves, n, note, &nlen, err, errlen) != 0) return -1;
  note_verifier v;
  checkpoint cp;
  if (note_verifier_init(&v, s->origin, s->log_pk) != NOTE_OK ||
      checkpoint_open(*note, nlen, &v, s->origin, &cp, NULL) != CHECKPOINT_OK ||
      cp.size != base + n || sodium_memcmp(cp.root, root, 32) != 0) {
    snprintf(err, errlen,
             "the log signer's checkpoint of %llu entries is not the log's own (signature, size "
             "or root differ)",
             (unsigned long long)(base + n));
    free(*note);
    *note = NULL;
    return -1;
  }
  return 0;
}

static int state_for_log(void *ctx, bool *has, uint64_t *size, uint8_t root[32], char *err,
                         size_t errlen) {
  (void)err;
  (void)errlen;
  const signer *s = ctx;
  *has = s->has_state;
  *size = s->size;
  memcpy(root, s->root, 32);
  return 0;
}

static int adopt_for_log(void *ctx, const merkle_frontier *fr, const char *note, size_t nlen,
                         char *err, size_t errlen) {
  return signer_init(ctx, fr, note, nlen, err, errlen);
}

auditlog_signer signer_auditlog(signer *s, const char *origin, void (*lost)(void *ctx),
                                void *lost_ctx) {
  snprintf(s->origin, sizeof s->origin, "%s", origin);
  s->on_lost = lost;
  s->lost_ctx = lost_ctx;
  auditlog_signer sg = {sign_for_log, s, NULL, state_for_log, adopt_for_log};
  return sg;
}

void signer_close(signer *s) {
  if (s == NULL) return;
  if (s->fd >= 0) close(s->fd);
  if (s->pid > 0) {
    int status;
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  free(s);
}

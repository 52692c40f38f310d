/* session.c -- a blocking client connection to samvirked: connect, Noise IK, framed requests. */
#include "session.h"

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frame.h"
#include "noise.h"
#include "util.h"

#define READ_CHUNK 65536

/* A pushed frame waiting for session_next_event: its raw msgpack bytes. */
typedef struct event_node {
  struct event_node *next;
  size_t len;
  uint8_t data[];
} event_node;

struct session {
  int fd;
  int timeout_ms;
  bool broken; /* a transport error happened: every later call fails */
  char address[CLIENT_ADDR_MAX];
  frame_reader *rd;
  frame_writer *wr;
  msgpack_unpacked hello; /* the handshake reply map */
  const msgpack_object *member;
  uint64_t next_id;
  char last_code[64];
  bool has_audit;
  uint64_t audit;
  event_node *ev_head, *ev_tail;
  size_t nev;
  uint64_t dropped;
  uint8_t inbuf[READ_CHUNK];
};

/* ---- deadlines and socket I/O ------------------------------------------------------------ */

/* A deadline in monotonic ns; UINT64_MAX means none. */
static uint64_t deadline_after(int timeout_ms) {
  if (timeout_ms < 0) return UINT64_MAX;
  return util_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* Milliseconds left until deadline for poll(): -1 for none, 0 when passed. */
static int ms_left(uint64_t deadline) {
  if (deadline == UINT64_MAX) return -1;
  uint64_t now = util_now_ns();
  if (now >= deadline) return 0;
  uint64_t ms = (deadline - now + 999999u) / 1000000u;
  return ms > 60u * 60u * 1000u ? 60 * 60 * 1000 : (int)ms;
}

/* Wait until fd is ready for events or the deadline passes. 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, uint64_t deadline) {
  for (;;) {
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int left = ms_left(deadline);
    if (left == 0 && deadline != UINT64_MAX) {
      /* one last non-blocking look */
      int r = poll(&p, 1, 0);
      return r > 0 ? 1 : (r == 0 ? 0 : -1);
    }
    int r = poll(&p, 1, left);
    if (r > 0) return 1;
    if (r == 0) {
      if (ms_left(deadline) == 0) return 0;
      continue;
    }
    if (errno != EINTR) return -1;
  }
}

/* Send all of buf. Returns 0, -1 on an error (errno set), or -2 on timeout. */
static int write_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n > 0) {
      buf += n;
      len -= (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int w = wait_fd(fd, POLLOUT, deadline);
      if (w == 0) return -2;
      if (w < 0) return -1;
      continue;
    }
    return -1;
  }
  return 0;
}

/* Read what is available (waiting up to the deadline). Returns bytes read (> 0), 0 on EOF,
 * -1 on error (errno set), -2 on timeout. */
static ssize_t read_some(int fd, uint8_t *buf, size_t cap, uint64_t deadline) {
  for (;;) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    int w = wait_fd(fd, POLLIN, deadline);
    if (w == 0) return -2;
    if (w < 0) return -1;
  }
}

/* ---- connecting ------------------------------------------------------------------------- */

static int connect_unix(const char *addr, const char *path, uint64_t deadline, char *err,
                        size_t errlen) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof sa.sun_path) {
    snprintf(err, errlen, "cannot connect to %s: socket path too long", addr);
    return -1;
  }
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(errno));
    return -1;
  }
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int e = errno;
    if (e == EINPROGRESS) {
      int w = wait_fd(fd, POLLOUT, deadline);
      socklen_t sl = sizeof e;
      if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 && e == 0) return fd;
      if (w == 0) e = ETIMEDOUT;
    }
    if (e == EAGAIN) {
      snprintf(err, errlen, "cannot connect to %s: the server is not accepting connections", addr);
    } else {
      snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(e));
    }
    close(fd);
    return -1;
  }
  return fd;
}

/* Try one resolved address: non-blocking connect finished within the deadline. Returns the
 * connected fd, or -1 with *e = the errno that failed it. */
static int connect_one(const struct addrinfo *ai, uint64_t deadline, int *e) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    *e = errno;
    return -1;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
  if (errno != EINPROGRESS) {
    *e = errno;
    close(fd);
    return -1;
  }
  int w = wait_fd(fd, POLLOUT, deadline);
  if (w <= 0) {
    *e = w == 0 ? ETIMEDOUT : errno;
    close(fd);
    return -1;
  }
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) soerr = errno;
  if (soerr != 0) {
    *e = soerr;
    close(fd);
    return -1;
  }
  return fd;
}

static int connect_tcp(const char *addr, uint64_t deadline, char *err, size_t errlen) {
  char host[CLIENT_ADDR_MAX];
  const char *colon = strrchr(addr, ':');
  assert(colon != NULL); /* checked by client_config_check_address */
  const char *h = addr;
  size_t hlen = (size_t)(colon - addr);
  if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
    h++;
    hlen -= 2;
  }
  memcpy(host, h, hlen);
  host[hlen] = '\0';

  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  int g = getaddrinfo(host, colon + 1, &hints, &res);
  if (g != 0) {
    snprintf(err, errlen, "cannot connect to %s: %s", addr,
             g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    return -1;
  }
  int fd = -1, e = ECONNREFUSED;
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
    fd = connect_one(ai, deadline, &e);
    if (e == ETIMEDOUT && fd < 0) break;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    if (e == ETIMEDOUT)
      snprintf(err, errlen, "cannot connect to %s: timed out", addr);
    else
      snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(e));
    return -1;
  }
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* ---- msgpack helpers ----------------------------------------------------------------------- */

/* Unpack exactly one object from body into out, copying the bytes into out's own zone so the
 * result does not depend on body. out must be initialised (msgpack_unpacked_init); on failure
 * it stays empty. Returns 0, or -1 for malformed input or trailing bytes. */
static int unpack_owned(const uint8_t *body, size_t len, msgpack_unpacked *out) {
  msgpack_zone *z = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
  if (z == NULL) return -1;
  char *copy = msgpack_zone_malloc(z, len > 0 ? len : 1);
  if (copy == NULL) goto err;
  memcpy(copy, body, len);
  size_t off = 0;
  msgpack_object obj;
  if (msgpack_unpack(copy, len, &off, z, &obj) != MSGPACK_UNPACK_SUCCESS || off != len) goto err;
  msgpack_unpacked_destroy(out);
  out->zone = z;
  out->data = obj;
  return 0;
err:
  msgpack_zone_free(z);
  return -1;
}

/* Replace control characters in a message that quotes the server, so printing it cannot
 * drive the user's terminal. */
static void defang(char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

/* ---- handshake ----------------------------------------------------------------------------- */

/* Say why a handshake read failed (n from read_some). */
static void handshake_read_error(const session *s, ssize_t n, int timeout_ms, char *err,
                                 size_t errlen) {
  if (n == 0 || (n == -1 && (errno == ECONNRESET || errno == EPIPE)))
    snprintf(err, errlen,
             "handshake failed: the server closed the connection (wrong server key?)");
  else if (n == -2)
    snprintf(err, errlen, "handshake failed: no reply from %s within %d s", s->address,
             (timeout_ms + 999) / 1000);
  else
    snprintf(err, errlen, "handshake failed: %s", strerror(errno));
}

/* Check the responder's payload {"v":1,"ok":true,"member":{...}|nil} and keep it. */
static int handshake_check_reply(session *s, const uint8_t *p, size_t n, char *err,
                                 size_t errlen) {
  uint64_t v = 0;
  bool ok = false;
  if (unpack_owned(p, n, &s->hello) != 0 || s->hello.data.type != MSGPACK_OBJECT_MAP ||
      sv_map_uint(&s->hello.data, "v", &v) != 0 || sv_map_bool(&s->hello.data, "ok", &ok) != 0) {
    snprintf(err, errlen, "handshake failed: the server's reply is not a samvirke greeting");
    return -1;
  }
  if (v != 1) {
    snprintf(err, errlen, "handshake failed: the server speaks protocol version %llu, not 1",
             (unsigned long long)v);
    return -1;
  }
  if (!ok) {
    const msgpack_object *e = sv_map_get(&s->hello.data, "error");
    const char *msg = NULL;
    size_t mlen = 0;
    if (e == NULL || sv_map_str(e, "message", &msg, &mlen) != 0) {
      msg = "no reason given";
      mlen = strlen(msg);
    }
    snprintf(err, errlen, "the server refused the connection: %.*s", (int)mlen, msg);
    defang(err);
    return -1;
  }
  const msgpack_object *m = sv_map_get(&s->hello.data, "member");
  if (m != NULL && m->type == MSGPACK_OBJECT_MAP) {
    s->member = m;
  } else if (m == NULL || m->type == MSGPACK_OBJECT_NIL) {
    s->member = NULL;
  } else {
    snprintf(err, errlen, "handshake failed: the server's reply has a malformed member");
    return -1;
  }
  return 0;
}

/* Run IK as initiator over s->fd. On success s->rd/s->wr are set and any transport bytes that
 * arrived with message 2 are already fed to s->rd. */
static int handshake(session *s, const session_params *p, uint64_t deadline, char *err,
                     size_t errlen) {
  int rc = -1, nrc;
  noise_handshake *hs = NULL;
  noise_cipher *send_c = NULL, *recv_c = NULL;
  frame_msgsplit *split = NULL;
  uint8_t *msg = NULL, *payload = NULL;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);

  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 2);
  sv_pack_str(&pk, "v");
  msgpack_pack_uint8(&pk, 1);
  sv_pack_str(&pk, "client");
  sv_pack_str(&pk, p->client_name ? p->client_name : SESSION_CLIENT_NAME);

  split = calloc(1, sizeof *split);
  msg = malloc(2 + NOISE_MAX_MSG);
  payload = malloc(NOISE_MAX_MSG);
  hs = noise_handshake_new(true, (const uint8_t *)SAMVIRKE_PROLOGUE, strlen(SAMVIRKE_PROLOGUE),
                           p->client_sk, p->server_pk);
  if (split == NULL || msg == NULL || payload == NULL || hs == NULL) {
    snprintf(err, errlen, "handshake failed: out of memory");
    goto err;
  }
  size_t mlen = 0;
  nrc = noise_handshake_write(hs, (const uint8_t *)sb.data, sb.size, msg + 2, NOISE_MAX_MSG,
                              &mlen);
  if (nrc == NOISE_ERR_DH) {
    snprintf(err, errlen, "handshake failed: the configured server key is not a usable X25519 "
                          "public key (check server_key)");
    goto err;
  }
  if (nrc != NOISE_OK) {
    snprintf(err, errlen, "handshake failed: %s", noise_strerror(nrc));
    goto err;
  }
  msg[0] = (uint8_t)(mlen >> 8);
  msg[1] = (uint8_t)mlen;
  int w = write_all(s->fd, msg, mlen + 2, deadline);
  if (w != 0) {
    if (w == -1 && (errno == EPIPE || errno == ECONNRESET))
      snprintf(err, errlen,
               "handshake failed: the server closed the connection (wrong server key?)");
    else if (w == -2)
      snprintf(err, errlen, "handshake failed: %s does not take our data (timed out)",
               s->address);
    else
      snprintf(err, errlen, "handshake failed: %s", strerror(errno));
    goto err;
  }

  /* Read until message 2 is complete; keep whatever follows it for the frame reader. */
  const uint8_t *m2 = NULL;
  size_t m2len = 0, used = 0;
  ssize_t n = 0;
  while (m2 == NULL) {
    n = read_some(s->fd, s->inbuf, sizeof s->inbuf, deadline);
    if (n <= 0) {
      handshake_read_error(s, n, p->timeout_ms > 0 ? p->timeout_ms : SESSION_TIMEOUT_MS, err,
                           errlen);
      goto err;
    }
    used = frame_msgsplit_feed(split, s->inbuf, (size_t)n, &m2, &m2len);
  }
  if (m2len == 0) {
    snprintf(err, errlen, "handshake failed: the server sent an empty message");
    goto err;
  }
  size_t plen = 0;
  nrc = noise_handshake_read(hs, m2, m2len, payload, NOISE_MAX_MSG, &plen);
  if (nrc == NOISE_ERR_DECRYPT) {
    snprintf(err, errlen,
             "handshake failed: the server's reply does not authenticate (wrong server key?)");
    goto err;
  }
  if (nrc != NOISE_OK) {
    snprintf(err, errlen, "handshake failed: %s", noise_strerror(nrc));
    goto err;
  }
  if (handshake_check_reply(s, payload, plen, err, errlen) != 0) goto err;
  nrc = noise_handshake_split(hs, &send_c, &recv_c);
  if (nrc != NOISE_OK) {
    snprintf(err, errlen, "handshake failed: %s", noise_strerror(nrc));
    goto err;
  }
  /* frame_reader_new/frame_writer_new take the cipher only when they succeed. */
  s->rd = frame_reader_new(recv_c, p->max_frame ? p->max_frame : FRAME_DEFAULT_MAX);
  if (s->rd != NULL) recv_c = NULL;
  s->wr = frame_writer_new(send_c);
  if (s->wr != NULL) send_c = NULL;
  if (s->rd == NULL || s->wr == NULL) {
    snprintf(err, errlen, "handshake failed: out of memory");
    goto err;
  }
  if ((size_t)n > used) {
    int f = frame_reader_feed(s->rd, s->inbuf + used, (size_t)n - used);
    if (f != FRAME_OK) {
      snprintf(err, errlen, "connection to %s failed: %s", s->address, frame_strerror(f));
      goto err;
    }
  }
  rc = 0;
err:
  noise_cipher_free(send_c);
  noise_cipher_free(recv_c);
  noise_handshake_free(hs);
  msgpack_sbuffer_destroy(&sb);
  free(split);
  free(msg);
  free(payload);
  return rc;
}

/* ---- open / close -------------------------------------------------------------------------- */

session *session_connect(const session_params *p, char *err, size_t errlen) {
  assert(p != NULL && p->address != NULL && p->server_pk != NULL && p->client_sk != NULL);
  char why[256];
  if (client_config_check_address(p->address, why, sizeof why) != 0) {
    snprintf(err, errlen, "%s", why);
    return NULL;
  }
  session *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->fd = -1;
  s->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : SESSION_TIMEOUT_MS;
  msgpack_unpacked_init(&s->hello);
  snprintf(s->address, sizeof s->address, "%s", p->address);
  uint64_t deadline = deadline_after(s->timeout_ms);
  if (strncmp(p->address, "unix:", 5) == 0)
    s->fd = connect_unix(p->address, p->address + 5, deadline, err, errlen);
  else
    s->fd = connect_tcp(p->address, deadline, err, errlen);
  if (s->fd < 0) goto err;
  if (handshake(s, p, deadline, err, errlen) != 0) goto err;
  return s;
err:
  session_close(s);
  return NULL;
}

session *session_open(const client_config *cfg, const sv_identity *id, char *err,
                      size_t errlen) {
  assert(cfg != NULL && id != NULL);
  if (client_config_require_server(cfg, err, errlen) != 0) return NULL;
  session_params p = {
      .address = cfg->server,
      .server_pk = cfg->server_key,
      .client_sk = id->noise_sk,
  };
  return session_connect(&p, err, errlen);
}

void session_close(session *s) {
  if (s == NULL) return;
  if (s->fd >= 0) close(s->fd);
  frame_reader_free(s->rd);
  frame_writer_free(s->wr);
  msgpack_unpacked_destroy(&s->hello);
  for (event_node *e = s->ev_head, *next; e != NULL; e = next) {
    next = e->next;
    free(e);
  }
  free(s);
}

void session_set_timeout(session *s, int timeout_ms) {
  assert(s != NULL);
  s->timeout_ms = timeout_ms > 0 ? timeout_ms : SESSION_TIMEOUT_MS;
}

const char *session_address(const session *s) { return s->address; }
const msgpack_object *session_member(const session *s) { return s->member; }
const char *session_last_error_code(const session *s) { return s->last_code; }
uint64_t session_events_dropped(const session *s) { return s->dropped; }
int session_fd(const session *s) { return s->fd; }

bool session_last_audit(const session *s, uint64_t *seq) {
  if (s->has_audit && seq != NULL) *seq = s->audit;
  return s->has_audit;
}

const msgpack_object *session_result(const msgpack_unpacked *resp) {
  return sv_map_get(&resp->data, "result");
}

/* ---- frames ---------------------------------------------------------------------------------- */

/* Mark the session broken and say why ("connection to ADDR: why"). Returns -1. */
static int broken(session *s, char *err, size_t errlen, const char *why) {
  s->broken = true;
  snprintf(err, errlen, "connection to %s: %s", s->address, why);
  return -1;
}

int session_send_raw(session *s, const uint8_t *bytes, size_t len, char *err, size_t errlen) {
  assert(s != NULL && (bytes != NULL || len == 0));
  if (s->broken) return broken(s, err, errlen, "already failed");
  int w = write_all(s->fd, bytes, len, deadline_after(s->timeout_ms));
  if (w == -2) return broken(s, err, errlen, "the server does not read (timed out)");
  if (w != 0) {
    if (errno == EPIPE || errno == ECONNRESET)
      return broken(s, err, errlen, "the server closed the connection");
    return broken(s, err, errlen, strerror(errno));
  }
  return 0;
}

int session_send_frame(session *s, const uint8_t *body, size_t len, char *err, size_t errlen) {
  assert(s != NULL);
  if (s->broken) return broken(s, err, errlen, "already failed");
  uint8_t *out = NULL;
  size_t outlen = 0;
  int f = frame_writer_seal(s->wr, body, len, &out, &outlen);
  if (f != FRAME_OK) {
    free(out);
    snprintf(err, errlen, "cannot send: %s", frame_strerror(f));
    if (f == FRAME_ERR_NONCE) s->broken = true;
    return -1;
  }
  int rc = session_send_raw(s, out, outlen, err, errlen);
  free(out);
  return rc;
}

/* Receive the next frame before deadline into a malloc'd copy. 1, 0 on timeout, -1. */
static int recv_frame_until(session *s, uint64_t deadline, uint8_t **body, size_t *len,
                            char *err, size_t errlen) {
  *body = NULL;
  *len = 0;
  if (s->broken) return broken(s, err, errlen, "already failed");
  for (;;) {
    const uint8_t *b = NULL;
    size_t blen = 0;
    int got = frame_reader_next(s->rd, &b, &blen);
    if (got == 1) {
      uint8_t *copy = malloc(blen > 0 ? blen : 1);
      if (copy == NULL) return broken(s, err, errlen, "out of memory");
      memcpy(copy, b, blen);
      *body = copy;
      *len = blen;
      return 1;
    }
    if (got < 0) return broken(s, err, errlen, frame_strerror(got));
    ssize_t n = read_some(s->fd, s->inbuf, sizeof s->inbuf, deadline);
    if (n == -2) return 0;
    if (n == 0 || (n == -1 && errno == ECONNRESET))
      return broken(s, err, errlen, "the server closed the connection");
    if (n < 0) return broken(s, err, errlen, strerror(errno));
    int f = frame_reader_feed(s->rd, s->inbuf, (size_t)n);
    if (f != FRAME_OK) return broken(s, err, errlen, frame_strerror(f));
  }
}

int session_recv_frame(session *s, int timeout_ms, uint8_t **body, size_t *len, char *err,
                       size_t errlen) {
  assert(s != NULL && body != NULL && len != NULL);
  return recv_frame_until(s, deadline_after(timeout_ms), body, len, err, errlen);
}

/* Queue a pushed event frame (takes ownership of nothing; copies body). */
static void queue_event(session *s, const uint8_t *body, size_t len) {
  event_node *e = malloc(sizeof *e + len);
  if (e == NULL) {
    s->dropped++;
    return;
  }
  e->next = NULL;
  e->len = len;
  memcpy(e->data, body, len);
  if (s->ev_tail)
    s->ev_tail->next = e;
  else
    s->ev_head = e;
  s->ev_tail = e;
  s->nev++;
  while (s->nev > SESSION_MAX_EVENTS) {
    event_node *old = s->ev_head;
    s->ev_head = old->next;
    if (s->ev_head == NULL) s->ev_tail = NULL;
    free(old);
    s->nev--;
    s->dropped++;
  }
}

/* A frame's kind: its "id" if it is a response, or an event (no id, has "event"). */
enum frame_kind { FK_RESPONSE, FK_EVENT, FK_OTHER };

static enum frame_kind classify(const msgpack_object *o, uint64_t *id) {
  if (o->type != MSGPACK_OBJECT_MAP) return FK_OTHER;
  if (sv_map_uint(o, "id", id) == 0) return FK_RESPONSE;
  if (sv_map_get(o, "event") != NULL) return FK_EVENT;
  return FK_OTHER;
}

int session_call(session *s, sv_request *req, msgpack_unpacked *resp, char *err, size_t errlen) {
  assert(s != NULL && req != NULL && resp != NULL);
  msgpack_unpacked_init(resp);
  s->last_code[0] = '\0';
  s->has_audit = false;
  if (s->broken) return broken(s, err, errlen, "already failed");

  req->id = ++s->next_id;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  char why[256];
  if (sv_request_encode(req, &sb, why, sizeof why) != 0) {
    snprintf(err, errlen, "cannot encode %s request: %s", sv_op_name(req->op), why);
    msgpack_sbuffer_destroy(&sb);
    return -1;
  }
  int rc = session_send_frame(s, (const uint8_t *)sb.data, sb.size, err, errlen);
  if (sb.data != NULL) sodium_memzero(sb.data, sb.alloc); /* may hold an invite code */
  msgpack_sbuffer_destroy(&sb);
  if (rc != 0) return -1;

  uint64_t deadline = deadline_after(s->timeout_ms);
  for (;;) {
    uint8_t *body = NULL;
    size_t len = 0;
    int got = recv_frame_until(s, deadline, &body, &len, err, errlen);
    if (got == 0) {
      s->broken = true; /* the caller asked for a bounded wait: the session is given up */
      snprintf(err, errlen, "no response from %s within %.1f s", s->address,
               (double)s->timeout_ms / 1000.0);
      return -1;
    }
    if (got < 0) return -1;
    msgpack_unpacked_destroy(resp);
    msgpack_unpacked_init(resp);
    uint64_t id = 0;
    if (unpack_owned(body, len, resp) != 0) {
      free(body);
      return broken(s, err, errlen, "the server sent a malformed frame");
    }
    enum frame_kind kind = classify(&resp->data, &id);
    if (kind == FK_EVENT) queue_event(s, body, len);
    sodium_memzero(body, len); /* a copy; the response (e.g. an invite code) lives in resp */
    free(body);
    if (kind != FK_RESPONSE || id != req->id) continue; /* events, stale answers */

    uint64_t audit = 0;
    if (sv_map_uint(&resp->data, "audit", &audit) == 0) {
      s->has_audit = true;
      s->audit = audit;
    }
    bool ok = false;
    if (sv_map_bool(&resp->data, "ok", &ok) != 0)
      return broken(s, err, errlen, "the server's response has no \"ok\"");
    if (ok) return 0;
    const msgpack_object *e = sv_map_get(&resp->data, "error");
    const char *code = "error", *msg = "";
    size_t clen = 5, mlen = 0;
    if (e == NULL || sv_map_str(e, "code", &code, &clen) != 0) {
      code = "error";
      clen = 5;
    }
    if (e == NULL || sv_map_str(e, "message", &msg, &mlen) != 0) {
      msg = "";
      mlen = 0;
    }
    snprintf(s->last_code, sizeof s->last_code, "%.*s", (int)clen, code);
    if (mlen > 0)
      snprintf(err, errlen, "%.*s: %.*s", (int)clen, code, (int)mlen, msg);
    else
      snprintf(err, errlen, "%.*s", (int)clen, code);
    defang(err);
    defang(s->last_code);
    return 1;
  }
}

int session_next_event(session *s, int timeout_ms, msgpack_unpacked *ev, char *err,
                       size_t errlen) {
  assert(s != NULL && ev != NULL);
  msgpack_unpacked_init(ev);
  uint64_t deadline = deadline_after(timeout_ms);
  for (;;) {
    if (s->ev_head != NULL) {
      event_node *e = s->ev_head;
      s->ev_head = e->next;
      if (s->ev_head == NULL) s->ev_tail = NULL;
      s->nev--;
      int u = unpack_owned(e->data, e->len, ev);
      free(e);
      if (u == 0) return 1;
      continue; /* cannot happen: it was unpacked once already */
    }
    uint8_t *body = NULL;
    size_t len = 0;
    int got = recv_frame_until(s, deadline, &body, &len, err, errlen);
    if (got <= 0) return got;
    msgpack_unpacked tmp;
    msgpack_unpacked_init(&tmp);
    uint64_t id = 0;
    if (unpack_owned(body, len, &tmp) != 0) {
      free(body);
      msgpack_unpacked_destroy(&tmp);
      return broken(s, err, errlen, "the server sent a malformed frame");
    }
    if (classify(&tmp.data, &id) == FK_EVENT) {
      msgpack_unpacked_destroy(ev);
      *ev = tmp;
      free(body);
      return 1;
    }
    msgpack_unpacked_destroy(&tmp);
    free(body);
  }
}

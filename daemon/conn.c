/* conn.c -- client connections: Noise IK handshake, framed transport, limits, timers, lifetime. */
#include "conn.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "frame.h"
#include "guard.h"
#include "log.h"
#include "noise.h"

#define READ_CHUNK 65536
/* Sealed frames gathered on a connection before one write (a response burst, pushes). */
#define CONN_GATHER_MAX 64
/* Retry interval of an accept that found no memory for the connection. */
#define ACCEPT_RETRY_MS 50
/* Remote keys whose ss the daemon keeps (noise_sscache.h): room for a large team and their
 * devices, 72 KiB of locked memory. A flood of new keys pushes members out; they then cost
 * what every handshake cost without the cache. */
#define CONN_SSCACHE_SLOTS 1024
/* The longest client name a handshake's first payload may carry ("samvirke/1.0", ...). */
#define CLIENT_NAME_MAX 64

enum conn_state { CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSING };

/* One client connection. Heap-allocated; freed only when its handles are closed and no job
 * refers to its session any more. */
struct conn {
  conn_env *env;
  rq_session sess;       /* what the request module knows of it (sess.inflight: jobs out) */
  uint64_t id;
  union {
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  uv_timer_t timer;
  enum conn_state state;
  int handles_open;      /* stream + timer not yet closed */
  uint64_t write_queued; /* bytes gathered or handed to libuv and not yet written */
  bool reading;
  bool refused;          /* handshake answered with a refusal; closing after the write */
  noise_handshake *hs;
  frame_msgsplit *split; /* handshake message reassembly */
  frame_reader *rd;
  frame_writer *wr;
  uv_buf_t gather[CONN_GATHER_MAX]; /* sealed frames not yet handed to libuv (owned) */
  unsigned ngather;
  bool dirty;            /* in env's list of connections with gathered frames */
  conn *dprev, *dnext;   /* that list */
  conn *prev, *next;     /* env's list */
  /* Admission: the peer's address, and what this connection is counted as. */
  admit_id addr;         /* the peer's IP address, or "unix" for the Unix socket */
  bool addr_counted;     /* a not-yet-member connection of addr (admit_conn_add) */
  bool unenrolled;       /* counted in env->unenrolled */
  bool in_hs;            /* in env's handshake list */
  bool in_closing;       /* in env's closing list */
  conn *hprev, *hnext;   /* that list, oldest first */
  size_t read_held;      /* the reader's buffer as counted in request_hold */
  bool refuse_after;     /* over a rate limit: close once the refusal is written */
};

static conn *conn_of(rq_session *s) {
  return (conn *)((char *)s - offsetof(conn, sess));
}

/* A write request that owns its buffers; uv_write_t first so the callback can cast back. */
typedef struct wreq {
  uv_write_t req;
  conn *c;
  size_t len;        /* bytes in all buffers */
  unsigned n;
  uv_buf_t bufs[CONN_GATHER_MAX];
} wreq;

/* Take c off env's list of connections with gathered frames. */
static void conn_undirty(conn *c) {
  if (!c->dirty) return;
  if (c->dprev)
    c->dprev->dnext = c->dnext;
  else
    c->env->dirty = c->dnext;
  if (c->dnext) c->dnext->dprev = c->dprev;
  c->dprev = c->dnext = NULL;
  c->dirty = false;
}

/* Drop c's gathered frames unwritten (it is closing). */
static void conn_drop_gathered(conn *c) {
  for (unsigned i = 0; i < c->ngather; i++) {
    request_hold(c->env->rq, &c->sess, -(int64_t)c->gather[i].len);
    free(c->gather[i].base);
  }
  c->write_queued = 0;
  c->ngather = 0;
  conn_undirty(c);
}

static void conn_maybe_free(conn *c) {
  if (c->handles_open > 0 || c->sess.inflight > 0) return;
  if (c->in_closing) {
    conn_env *env = c->env;
    if (c->prev)
      c->prev->next = c->next;
    else
      env->closing = c->next;
    if (c->next) c->next->prev = c->prev;
  }
  noise_handshake_free(c->hs);
  free(c->split);
  frame_reader_free(c->rd);
  frame_writer_free(c->wr);
  free(c);
}

static void on_handle_closed(uv_handle_t *h) {
  conn *c = h->data;
  c->handles_open--;
  conn_maybe_free(c);
}

/* Close c: no more reads or writes; freed once its handles are closed and its jobs are back. */
static void conn_flush(conn *c);

/* Take c off env's handshake list. */
static void hs_del(conn *c) {
  if (!c->in_hs) return;
  conn_env *env = c->env;
  if (c->hprev)
    c->hprev->hnext = c->hnext;
  else
    env->hs_head = c->hnext;
  if (c->hnext)
    c->hnext->hprev = c->hprev;
  else
    env->hs_tail = c->hprev;
  c->hprev = c->hnext = NULL;
  c->in_hs = false;
  env->handshaking--;
}

/* c no longer counts as a connection that has not proven membership. */
static void unadmit(conn *c) {
  hs_del(c);
  if (c->unenrolled) {
    c->unenrolled = false;
    c->env->unenrolled--;
  }
  if (c->addr_counted) {
    c->addr_counted = false;
    admit_conn_del(c->env->adm, &c->addr);
  }
}

static void conn_close(conn *c, const char *why) {
  if (c->state == CONN_CLOSING) return;
  if (c->ngather > 0) {
    conn_flush(c); /* what was answered before the close still goes out */
    if (c->state == CONN_CLOSING) return; /* the write failed and closed c */
  }
  conn_env *env = c->env;
  c->state = CONN_CLOSING;
  request_session_close(env->rq, &c->sess);
  unadmit(c);
  if (c->read_held > 0) request_hold(env->rq, NULL, -(int64_t)c->read_held);
  c->read_held = 0;
  if (c->prev)
    c->prev->next = c->next;
  else
    env->list = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = NULL;
  c->next = env->closing;
  if (env->closing) env->closing->prev = c;
  env->closing = c;
  c->in_closing = true;
  env->n--;
  conn_drop_gathered(c);
  if (why != NULL && strstr(why, "out of memory") != NULL) /* the operator needs to know */
    log_warn("conn %llu: closed: %s", (unsigned long long)c->id, why);
  else if (why)
    log_debug("conn %llu: closed: %s", (unsigned long long)c->id, why);
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  uv_close((uv_handle_t *)&c->h.stream, on_handle_closed);
}

static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  conn *c = w->c;
  if (c->state != CONN_CLOSING) c->write_queued -= w->len; /* closing: nothing counts */
  request_hold(c->env->rq, &c->sess, -(int64_t)w->len);
  for (unsigned i = 0; i < w->n; i++) free(w->bufs[i].base);
  free(w);
  if (status < 0 && status != UV_ECANCELED) conn_close(c, uv_strerror(status));
}

/* Write what of c's gathered frames the socket takes now, without a write request: libuv
 * would write them at once too, but a request's completion costs a pass of the loop's pending
 * queue and an epoll_ctl. Frames written are freed and uncounted; a frame written in part keeps
 * its rest at the start of its buffer. Returns 0, or -1 when the connection is broken (the
 * frames are dropped, c is closed). */
static int conn_write_now(conn *c) {
  int n = uv_try_write(&c->h.stream, c->gather, c->ngather);
  if (n == UV_EAGAIN) return 0; /* the socket is full, or libuv still holds earlier frames */
  if (n < 0) {
    conn_drop_gathered(c);
    conn_close(c, uv_strerror(n));
    return -1;
  }
  size_t left = (size_t)n;
  unsigned done = 0;
  while (done < c->ngather && left >= c->gather[done].len) {
    left -= c->gather[done].len;
    free(c->gather[done].base);
    done++;
  }
  if (left > 0) { /* done < ngather: the frame written in part */
    uv_buf_t *b = &c->gather[done];
    memmove(b->base, b->base + left, b->len - left);
    b->len -= (unsigned)left;
  }
  c->write_queued -= (uint64_t)n;
  request_hold(c->env->rq, &c->sess, -(int64_t)n);
  c->ngather -= done;
  memmove(c->gather, c->gather + done, c->ngather * sizeof *c->gather);
  return 0;
}

/* Hand c's gathered frames to the socket, what it does not take now to libuv as one write
 * (one writev). */
static void conn_flush(conn *c) {
  conn_undirty(c);
  if (c->ngather == 0 || c->state == CONN_CLOSING) return;
  if (conn_write_now(c) != 0 || c->ngather == 0) return;
  wreq *w = malloc(sizeof *w);
  if (w == NULL) {
    /* the frames cannot go out: dropped here, or the close would try to send them again */
    conn_drop_gathered(c);
    conn_close(c, "out of memory");
    return;
  }
  w->c = c;
  w->n = c->ngather;
  w->len = 0;
  for (unsigned i = 0; i < w->n; i++) {
    w->bufs[i] = c->gather[i];
    w->len += c->gather[i].len;
  }
  c->ngather = 0;
  int rc = uv_write(&w->req, &c->h.stream, w->bufs, w->n, on_written);
  if (rc != 0) {
    /* libuv did not take them (the peer reset the connection): they are dropped here, or
     * the close would try to write them again, and fail again, without end. */
    c->ngather = w->n;
    memcpy(c->gather, w->bufs, w->n * sizeof *w->bufs);
    free(w);
    conn_drop_gathered(c);
    conn_close(c, uv_strerror(rc));
  }
}

static void shed(conn_env *env, uint64_t total, uint64_t limit);

/* Gather len bytes of buf (takes ownership) for c's next write, counted in its write queue in
 * the place of room (what the request module held for it: see rq_transport.send); drops c if
 * that queue is over the limit. The write goes out at the end of this loop iteration
 * (conn_env's check handle), or at once when the gather is full. */
static void conn_gather(conn *c, uint8_t *buf, size_t len, uint64_t room) {
  if (c->state != CONN_CLOSING && c->ngather == CONN_GATHER_MAX) conn_flush(c);
  if (c->state == CONN_CLOSING) {
    free(buf);
    if (room > 0) request_hold(c->env->rq, &c->sess, -(int64_t)room);
    return;
  }
  c->gather[c->ngather++] = uv_buf_init((char *)buf, (unsigned)len);
  c->write_queued += len;
  uint64_t total = request_hold(c->env->rq, &c->sess, (int64_t)len - (int64_t)room);
  if (!c->dirty) {
    conn_env *env = c->env;
    c->dirty = true;
    c->dprev = NULL;
    c->dnext = env->dirty;
    if (env->dirty) env->dirty->dprev = c;
    env->dirty = c;
  }
  if (c->write_queued > c->env->cfg->max_write_queue) {
    log_warn("conn %llu: %llu bytes queued for a client that does not read; dropping it",
             (unsigned long long)c->id, (unsigned long long)c->write_queued);
    conn_close(c, "write queue over limit");
  } else if (total > c->env->cfg->max_buffered) {
    shed(c->env, total, c->env->cfg->max_buffered);
  }
}

/* Queue len bytes of buf (takes ownership) on c's stream after what is gathered. */
static void conn_write(conn *c, uint8_t *buf, size_t len) {
  conn_gather(c, buf, len, 0);
  if (c->state != CONN_CLOSING) conn_flush(c);
}

/* End of a loop iteration: write what every connection gathered. */
static void on_flush_check(uv_check_t *h) {
  conn_env *env = h->data;
  while (env->dirty != NULL) conn_flush(env->dirty);
}

/* Seal and gather one frame (msgpack body) for c; drops c if its write queue is over the
 * limit. */
/* Whether body is one whole msgpack value: packing ignores a failed write, so an answer
 * built while memory ran out may have lost bytes, and is never sent. */
static bool whole_value(const char *body, size_t len) {
  size_t end = 0;
  return sv_msgpack_check((const uint8_t *)body, len, &end) == 0 && end == len;
}

/* Seal body and gather it for c in the place of room (rq_transport.send). */
static void conn_send_frame(conn *c, const char *body, size_t len, uint64_t room) {
  uint8_t *out = NULL;
  size_t outlen = 0;
  int rc = FRAME_OK;
  if (c->state == CONN_OPEN && !whole_value(body, len))
    conn_close(c, "out of memory building a frame (lost bytes)");
  else if (c->state == CONN_OPEN &&
           (rc = frame_writer_seal(c->wr, (const uint8_t *)body, len, &out, &outlen)) != FRAME_OK)
    conn_close(c, frame_strerror(rc));
  conn_gather(c, out, outlen, room); /* closed: gives room back and frees nothing sealed */
}

static void on_timer(uv_timer_t *t) {
  conn *c = t->data;
  conn_close(c, c->state == CONN_HANDSHAKE ? "handshake deadline passed" : "idle timeout");
}


static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  static char chunk[READ_CHUNK]; /* the loop is single-threaded; reads are consumed at once */
  *buf = uv_buf_init(chunk, sizeof chunk);
}

/* Check the initiator's first payload: {"v": 1, "client": "<name/version>"} and nothing else
 * (it is replayable and not forward-secret), the name a label (guard.h: 1 to CLIENT_NAME_MAX
 * bytes of UTF-8 without controls, invisible or bidi characters). Returns 0, -1 when it is not
 * that, -2 when there was no memory to read it. */
static int check_hello(const uint8_t *p, size_t n) {
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  int ok = sv_msgpack_check(p, n, NULL) == 0; /* msgpack-c trusts container headers */
  msgpack_unpack_return ur = ok ? msgpack_unpack_next(&up, (const char *)p, n, &off)
                                : MSGPACK_UNPACK_PARSE_ERROR;
  if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
    msgpack_unpacked_destroy(&up);
    return -2;
  }
  ok = ok && ur == MSGPACK_UNPACK_SUCCESS && off == n && up.data.type == MSGPACK_OBJECT_MAP;
  uint64_t v = 0;
  const char *client;
  size_t clen;
  ok = ok && up.data.via.map.size == 2 && sv_map_uint(&up.data, "v", &v) == 0 && v == 1 &&
       sv_map_str(&up.data, "client", &client, &clen) == 0 &&
       guard_label_check(client, clen, CLIENT_NAME_MAX) == GUARD_LABEL_OK;
  msgpack_unpacked_destroy(&up);
  return ok ? 0 : -1;
}

static void on_refused_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  conn *c = req->data;
  free(req);
  conn_close(c, "key refused");
}

/* Stop reading from c and close it once what is queued has been written (the handshake
 * answer of a refused key). Returns 0, or -1 when the caller should close at once. */
static int conn_refuse(conn *c) {
  if (c->reading) uv_read_stop(&c->h.stream);
  c->reading = false;
  c->refused = true;
  if (c->state == CONN_CLOSING) return 0;
  uv_shutdown_t *req = malloc(sizeof *req);
  if (req == NULL) return -1;
  req->data = c;
  if (uv_shutdown(req, &c->h.stream, on_refused_shutdown) != 0) {
    free(req);
    return -1;
  }
  uv_timer_start(&c->timer, on_timer, c->env->cfg->handshake_timeout_ms, 0);
  return 0;
}

/* Process handshake message 1 and answer with message 2. Returns 0 or -1 (close). */
static int conn_handshake(conn *c, const uint8_t *msg, size_t len) {
  conn_env *env = c->env;
  uint8_t payload[NOISE_MAX_MSG];
  size_t plen = 0;
  int rc = noise_handshake_read(c->hs, msg, len, payload, sizeof payload, &plen);
  if (rc != NOISE_OK) {
    log_info("conn %llu: handshake failed: %s", (unsigned long long)c->id, noise_strerror(rc));
    return -1;
  }
  if ((rc = check_hello(payload, plen)) != 0) {
    if (rc == -2)
      log_warn("conn %llu: out of memory reading the handshake", (unsigned long long)c->id);
    else
      log_info("conn %llu: handshake payload is not {v: 1, client: ...}",
               (unsigned long long)c->id);
    return -1;
  }
  uint8_t remote[32];
  noise_handshake_remote_static(c->hs, remote);
  hs_del(c);
  bool member = request_key_enrolled(env->rq, remote);
  /* Keys that are not enrolled may hold only so many connections: the rest is for members. */
  rq_refusal full = {SV_ERR_UNAVAILABLE,
                     "too many connections of keys that are not enrolled; try again later"};
  const rq_refusal *refusal = !member && env->unenrolled >= env->cfg->max_unenrolled ? &full : NULL;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  bool accepted = request_session_open(env->rq, &c->sess, remote, refusal, &sb);
  if (!accepted) {
    /* Audited, at most once per key per refusal_audit_s (a refusal must not flood the log),
     * with the refusal the key was given: a revoked key hears that it is revoked even when the
     * connections of keys that are not enrolled are all taken. */
    bool revoked = request_key_revoked(env->rq, remote);
    if (revoked && conn_forget_key(env, remote)) /* kept when message 1 authenticated */
      log_debug("conn %llu: the handshake secret kept for the revoked key is wiped",
                (unsigned long long)c->id);
    admit_id key = admit_id_make(ADMIT_KEY, remote, 32);
    uint32_t left_out = 0;
    if (admit_audit_due(env->adm, &key, (uint64_t)env->cfg->refusal_audit_s * 1000,
                        uv_now(env->loop), &left_out))
      request_refuse_session(env->rq, &c->sess,
                             revoked ? "revoked key"
                                     : "too many connections of keys that are not enrolled",
                             revoked ? SV_ERR_NOT_ENROLLED : SV_ERR_UNAVAILABLE, left_out);
  } else if (member) {
    /* A member counts against nothing a stranger does. */
    unadmit(c);
  } else {
    c->unenrolled = true;
    env->unenrolled++;
  }
  if (!whole_value(sb.data, sb.size)) {
    msgpack_sbuffer_destroy(&sb);
    log_warn("conn %llu: out of memory building the handshake reply", (unsigned long long)c->id);
    return -1;
  }
  uint8_t *out = malloc(2 + NOISE_MAX_MSG);
  size_t outlen = 0;
  rc = out ? noise_handshake_write(c->hs, (const uint8_t *)sb.data, sb.size, out + 2,
                                   NOISE_MAX_MSG, &outlen)
           : NOISE_ERR_NOMEM;
  msgpack_sbuffer_destroy(&sb);
  noise_cipher *send = NULL, *recv = NULL;
  if (rc == NOISE_OK) rc = noise_handshake_split(c->hs, &send, &recv);
  if (rc != NOISE_OK) {
    free(out);
    log_warn("conn %llu: handshake reply failed: %s", (unsigned long long)c->id,
             noise_strerror(rc));
    return -1;
  }
  out[0] = (uint8_t)(outlen >> 8);
  out[1] = (uint8_t)outlen;
  /* Before enrolment a frame needs to hold no more than an enrolment does. */
  c->rd = frame_reader_new(recv, member ? env->cfg->max_frame : env->cfg->max_frame_unenrolled);
  if (c->rd == NULL) noise_cipher_free(recv); /* not taken on failure */
  c->wr = frame_writer_new(send);
  if (c->wr == NULL) noise_cipher_free(send);
  noise_handshake_free(c->hs);
  c->hs = NULL;
  free(c->split);
  c->split = NULL;
  if (c->rd == NULL || c->wr == NULL) {
    free(out);
    log_warn("conn %llu: out of memory for the connection's buffers", (unsigned long long)c->id);
    return -1;
  }
  c->state = CONN_OPEN;
  conn_write(c, out, outlen + 2);
  if (!accepted) return conn_refuse(c);
  uv_timer_start(&c->timer, on_timer, env->cfg->idle_timeout_ms, 0);
  return 0;
}

/* May c's peer send one more request now? Members by key, keys that are not enrolled by key
 * and by address (token buckets in env->adm). */
static bool within_rate(conn *c) {
  conn_env *env = c->env;
  const config *cfg = env->cfg;
  uint64_t now = uv_now(env->loop);
  admit_id key = admit_id_make(ADMIT_KEY, c->sess.who.noise_pk, 32);
  if (c->sess.who.member_id != 0)
    return admit_take(env->adm, &key, cfg->rate_member, cfg->rate_member_burst, now, true);
  return admit_take(env->adm, &key, cfg->rate_unenrolled, cfg->rate_unenrolled_burst, now,
                    false) &&
         admit_take(env->adm, &c->addr, cfg->rate_unenrolled * 4, cfg->rate_unenrolled_burst * 4,
                    now, false);
}

/* Dispatch buffered frames while c may take more requests (max_inflight). Frames beyond that
 * stay in the reader until answers come back. A complete request (not any byte) keeps the
 * connection from its idle timeout. Over the rate limit, the frame is answered with one
 * audited refusal and the connection closes once it is written. Returns 0, or -1 when c has
 * been closed. */
static int conn_drain(conn *c) {
  conn_env *env = c->env;
  while (c->state == CONN_OPEN && !env->stopping && !c->refuse_after &&
         c->sess.inflight < env->cfg->max_inflight) {
    const uint8_t *body;
    size_t blen;
    int got = frame_reader_next(c->rd, &body, &blen);
    if (got == 1) {
      uv_timer_start(&c->timer, on_timer, env->cfg->idle_timeout_ms, 0);
      if (!within_rate(c)) {
        log_info("conn %llu: key %s over its request rate; refusing and closing",
                 (unsigned long long)c->id, c->sess.who.keyid);
        c->refuse_after = true;
        request_frame_refused(env->rq, &c->sess, body, blen, SV_ERR_RATE_LIMITED, "rate limit",
                              "too many requests: this connection is closed; slow down and "
                              "connect again");
        break;
      }
      request_frame(env->rq, &c->sess, body, blen);
      continue;
    }
    if (got < 0) {
      log_info("conn %llu: closing: %s", (unsigned long long)c->id, frame_strerror(got));
      conn_close(c, frame_strerror(got));
    }
    break;
  }
  return c->state == CONN_OPEN ? 0 : -1;
}

/* The daemon holds total bytes for all connections: while that is over limit, drop the open
 * connection that holds the most (the likeliest hog, not whoever came last). What closed
 * connections still hold (answers on their way back from storage, writes being cancelled) is
 * given back as those finish: it counts as gone already, so one moment over the limit drops
 * one connection, not one for every frame that follows. */
static void shed(conn_env *env, uint64_t total, uint64_t limit) {
  uint64_t gone = 0;
  for (conn *x = env->closing; x != NULL; x = x->next) gone += atomic_load(&x->sess.held);
  total = total > gone ? total - gone : 0;
  while (total > limit) {
    conn *big = NULL;
    uint64_t most = 0;
    for (conn *x = env->list; x != NULL; x = x->next) {
      uint64_t h = x->read_held + atomic_load(&x->sess.held); /* queued, and answers held */
      if (h > most) {
        most = h;
        big = x;
      }
    }
    if (big == NULL) return;
    log_warn("conn %llu: the daemon holds %llu bytes for all connections (limit %llu of "
             "max_buffered %llu); dropping the one that holds the most (%llu)",
             (unsigned long long)big->id, (unsigned long long)total, (unsigned long long)limit,
             (unsigned long long)env->cfg->max_buffered, (unsigned long long)most);
    conn_close(big, "buffers full");
    total = total > most ? total - most : 0;
  }
}

/* Count the reader's buffer in what the daemon holds (shed when over max_buffered). Returns 0,
 * or -1 when c has been closed. */
static int count_read(conn *c) {
  size_t held = frame_reader_held(c->rd);
  if (held == c->read_held) return 0;
  uint64_t total = request_hold(c->env->rq, NULL, (int64_t)held - (int64_t)c->read_held);
  c->read_held = held;
  uint64_t max = c->env->cfg->max_buffered;
  if (held > 0 && total > max) shed(c->env, total, max);
  return c->state == CONN_OPEN ? 0 : -1;
}

/* Feed transport bytes and dispatch the complete frames. */
static void conn_transport(conn *c, const uint8_t *data, size_t len) {
  int rc = frame_reader_feed(c->rd, data, len);
  if (count_read(c) != 0) return;
  if (conn_drain(c) != 0) return;
  if (count_read(c) != 0) return;
  if (rc != FRAME_OK) {
    log_info("conn %llu: closing: %s", (unsigned long long)c->id, frame_strerror(rc));
    conn_close(c, frame_strerror(rc));
  }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn *c = s->data;
  if (nread < 0) {
    conn_close(c, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread));
    return;
  }
  if (nread == 0 || c->state == CONN_CLOSING) return;
  const uint8_t *p = (const uint8_t *)buf->base;
  size_t n = (size_t)nread;
  if (c->state == CONN_HANDSHAKE) {
    const uint8_t *msg = NULL;
    size_t mlen = 0;
    size_t used = frame_msgsplit_feed(c->split, p, n, &msg, &mlen);
    if (msg == NULL) return;
    if (mlen == 0 || conn_handshake(c, msg, mlen) != 0) {
      conn_close(c, "handshake failed");
      return;
    }
    if (c->refused) return;
    p += used;
    n -= used;
    if (n == 0) return;
  }
  if (c->state == CONN_OPEN) conn_transport(c, p, n);
}

static void conn_pause(conn *c, bool pause) {
  if (c->state == CONN_CLOSING) return;
  if (pause && c->reading) {
    uv_read_stop(&c->h.stream);
    c->reading = false;
  } else if (!pause && !c->reading && !c->env->stopping) {
    if (uv_read_start(&c->h.stream, on_alloc, on_read) == 0) c->reading = true;
  }
}

/* ---- the session's transport (called by the request module) ---- */

static void t_send(rq_session *s, const char *body, size_t len, uint64_t room) {
  conn_send_frame(conn_of(s), body, len, room);
}

/* Answers for all peers fill their part of max_buffered (request_answers_max, 7/8): drop the
 * connections that hold the most until all hold at most 3/4 of it, which leaves an eighth for
 * the answers of everyone else. */
static void t_over_budget(rq_session *s) {
  conn_env *env = conn_of(s)->env;
  uint64_t max = env->cfg->max_buffered;
  shed(env, request_hold(env->rq, NULL, 0), max - max / 4);
}

static void t_close(rq_session *s, const char *why) { conn_close(conn_of(s), why); }

static void t_submitted(rq_session *s) {
  conn *c = conn_of(s);
  if (s->inflight >= c->env->cfg->max_inflight) conn_pause(c, true);
}

static void t_returned(rq_session *s) {
  conn *c = conn_of(s);
  uint32_t max = c->env->cfg->max_inflight;
  if (c->refuse_after && s->inflight == 0 && c->state == CONN_OPEN) {
    /* The rate-limit refusal is answered: write it, then close. */
    conn_flush(c);
    if (c->state == CONN_OPEN && conn_refuse(c) != 0) conn_close(c, "rate limit");
    conn_maybe_free(c);
    return;
  }
  /* Deliveries to c count too: resume once enough have come back. */
  if (c->state == CONN_OPEN && s->inflight <= max / 2 && conn_drain(c) == 0 && s->inflight < max)
    conn_pause(c, false);
  conn_maybe_free(c);
}

/* The session's key was enrolled on it: a member's limits from now on. */
static void t_enrolled(rq_session *s) {
  conn *c = conn_of(s);
  unadmit(c);
  if (c->rd != NULL) frame_reader_set_max(c->rd, c->env->cfg->max_frame);
}

static const rq_transport conn_transport_fns = {t_send, t_close, t_submitted, t_returned,
                                                t_enrolled, t_over_budget};

int conn_env_init(conn_env *env, uv_loop_t *loop, const config *cfg, const sv_daemon_keys *keys,
                  requests *rq) {
  memset(env, 0, sizeof *env);
  env->loop = loop;
  env->cfg = cfg;
  env->keys = keys;
  env->rq = rq;
  env->adm = admit_new();
  if (env->adm == NULL) return -1;
  env->sscache = noise_sscache_new(keys->noise_pk, CONN_SSCACHE_SLOTS);
  if (env->sscache == NULL || uv_check_init(loop, &env->flush) != 0) {
    conn_env_free(env);
    return -1;
  }
  env->flush.data = env;
  uv_check_start(&env->flush, on_flush_check);
  uv_unref((uv_handle_t *)&env->flush);
  if (uv_timer_init(loop, &env->accept_retry) == 0) {
    env->accept_retry.data = env;
    uv_unref((uv_handle_t *)&env->accept_retry);
    env->retry_on = true;
  }
  env->flush_on = true;
  return 0;
}

/* The peer's address as an admission id: its IP address's bytes, or "unix". */
static admit_id peer_address(conn *c, bool is_pipe) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (!is_pipe && uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &len) == 0) {
    if (ss.ss_family == AF_INET)
      return admit_id_make(ADMIT_ADDRESS, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    if (ss.ss_family == AF_INET6)
      return admit_id_make(ADMIT_ADDRESS, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
  }
  return admit_id_make(ADMIT_ADDRESS, "unix", 4);
}

/* Admit the new connection c (counted in env->n, in its handshake): push out the oldest
 * handshake when too many are open, and refuse c when its address holds too many connections
 * that have not proven membership, or when every slot is taken. Returns 0, or -1 when c was
 * closed. */
static int admit_connection(conn *c, bool is_pipe) {
  conn_env *env = c->env;
  const config *cfg = env->cfg;
  if ((env->handshaking >= cfg->max_handshakes || env->n > cfg->max_connections) &&
      env->hs_head != NULL) {
    log_info("conn %llu: pushed out by a newer connection (%u in the handshake)",
             (unsigned long long)env->hs_head->id, env->handshaking);
    conn_close(env->hs_head, "too many handshakes");
  }
  if (env->n > cfg->max_connections) {
    log_warn("connection limit (%u) reached; refusing a connection", cfg->max_connections);
    conn_close(c, "too many connections");
    return -1;
  }
  c->addr = peer_address(c, is_pipe);
  if (!admit_conn_add(env->adm, &c->addr, cfg->max_per_address, uv_now(env->loop))) {
    /* The address is full: its oldest handshake makes room (a member behind the same address
     * as a flood still gets in), or, when all of them have finished it, c is refused. */
    conn *old = env->hs_head;
    while (old != NULL && !(old->addr_counted && admit_id_same(&old->addr, &c->addr)))
      old = old->hnext;
    if (old != NULL) {
      log_info("conn %llu: pushed out by a newer connection from its address",
               (unsigned long long)old->id);
      conn_close(old, "too many handshakes from one address");
    }
    if (old == NULL || !admit_conn_add(env->adm, &c->addr, cfg->max_per_address,
                                       uv_now(env->loop))) {
      log_info("conn %llu: refused: its address holds %u connections that are not members yet",
               (unsigned long long)c->id, cfg->max_per_address);
      conn_close(c, "too many connections from one address");
      return -1;
    }
  }
  c->addr_counted = true;
  c->in_hs = true;
  c->hprev = env->hs_tail;
  if (env->hs_tail)
    env->hs_tail->hnext = c;
  else
    env->hs_head = c;
  env->hs_tail = c;
  env->handshaking++;
  return 0;
}

static void on_accept_retry(uv_timer_t *t) {
  conn_env *env = t->data;
  for (int p = 0; p < 2; p++) {
    uv_stream_t *l = env->retry_listener[p];
    env->retry_listener[p] = NULL;
    if (l != NULL && !env->stopping) conn_accept(env, l, p == 1);
  }
}

/* No memory for the connection waiting in listener: leave it queued there and try again in
 * ACCEPT_RETRY_MS (the listener reads no other connection meanwhile). */
static void accept_later(conn_env *env, uv_stream_t *listener, bool is_pipe) {
  if (!env->retry_on) return;
  if (env->retry_listener[0] == NULL && env->retry_listener[1] == NULL)
    log_warn("out of memory for a new connection; accepting it again in %d ms", ACCEPT_RETRY_MS);
  env->retry_listener[is_pipe] = listener;
  if (!uv_is_active((uv_handle_t *)&env->accept_retry))
    uv_timer_start(&env->accept_retry, on_accept_retry, ACCEPT_RETRY_MS, 0);
}

void conn_accept(conn_env *env, uv_stream_t *listener, bool is_pipe) {
  conn *c = calloc(1, sizeof *c);
  if (c == NULL) {
    accept_later(env, listener, is_pipe);
    return;
  }
  c->env = env;
  c->id = ++env->next_id;
  c->sess.t = &conn_transport_fns;
  c->sess.id = c->id;
  int rc = is_pipe ? uv_pipe_init(env->loop, &c->h.pipe, 0) : uv_tcp_init(env->loop, &c->h.tcp);
  if (rc != 0) {
    free(c);
    accept_later(env, listener, is_pipe);
    return;
  }
  c->h.stream.data = c;
  uv_timer_init(env->loop, &c->timer);
  c->timer.data = c;
  c->handles_open = 2;
  c->state = CONN_HANDSHAKE;
  c->next = env->list;
  if (env->list) env->list->prev = c;
  env->list = c;
  env->n++;
  if (uv_accept(listener, &c->h.stream) != 0) {
    conn_close(c, "accept failed");
    return;
  }
  if (admit_connection(c, is_pipe) != 0) return;
  if (!is_pipe) uv_tcp_nodelay(&c->h.tcp, 1);
  c->split = malloc(sizeof *c->split); /* 64 KiB: only split->have needs initialising */
  if (c->split) c->split->have = 0;
  c->hs = noise_handshake_new_with_pk(false, (const uint8_t *)SAMVIRKE_PROLOGUE,
                                      strlen(SAMVIRKE_PROLOGUE), env->keys->noise_sk,
                                      env->keys->noise_pk, NULL);
  if (c->split == NULL || c->hs == NULL) {
    conn_close(c, "out of memory");
    return;
  }
  int cached = noise_handshake_use_sscache(c->hs, env->sscache); /* new, and our own key */
  assert(cached == NOISE_OK);
  (void)cached;
  uv_timer_start(&c->timer, on_timer, env->cfg->handshake_timeout_ms, 0);
  conn_pause(c, false);
}

bool conn_forget_key(conn_env *env, const uint8_t noise_pk[32]) {
  return noise_sscache_forget(env->sscache, noise_pk) == 1;
}

void conn_stop_reading(conn_env *env) {
  env->stopping = true;
  for (conn *c = env->list; c != NULL; c = c->next) {
    if (c->reading) {
      uv_read_stop(&c->h.stream);
      c->reading = false;
    }
  }
}

static void on_shutdown_done(uv_shutdown_t *req, int status) {
  (void)status;
  conn *c = req->data;
  free(req);
  conn_close(c, "daemon shutting down");
}

void conn_shutdown_all(conn_env *env) {
  for (conn *c = env->list, *next; c != NULL; c = next) {
    next = c->next;
    conn_flush(c); /* the last answers before the shutdown */
    uv_shutdown_t *req = malloc(sizeof *req);
    if (c->state == CONN_OPEN && req != NULL) {
      req->data = c;
      if (uv_shutdown(req, &c->h.stream, on_shutdown_done) == 0) {
        /* A client that does not read would hold the shutdown until its idle timeout. */
        uv_timer_start(&c->timer, on_timer, env->cfg->handshake_timeout_ms, 0);
        continue;
      }
    }
    free(req);
    conn_close(c, "daemon shutting down");
  }
}

void conn_env_close(conn_env *env) {
  while (env->dirty != NULL) conn_flush(env->dirty);
  if (env->flush_on) uv_close((uv_handle_t *)&env->flush, NULL);
  env->flush_on = false;
  if (env->retry_on) uv_close((uv_handle_t *)&env->accept_retry, NULL);
  env->retry_on = false;
  env->retry_listener[0] = env->retry_listener[1] = NULL;
}

void conn_env_free(conn_env *env) {
  admit_free(env->adm);
  env->adm = NULL;
  noise_sscache_free(env->sscache);
  env->sscache = NULL;
}

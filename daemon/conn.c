/* conn.c -- one client connection: Noise IK handshake, framed transport, responses, lifetime. */
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"
#include "ops.h"
#include "server.h"
#include "util.h"

#define READ_CHUNK 65536

/* A write request that owns its buffer; uv_write_t first so the callback can cast back. */
typedef struct wreq {
  uv_write_t req;
  conn *c;
  size_t len;
  uint8_t *buf;
} wreq;

static void conn_maybe_free(conn *c) {
  if (c->handles_open > 0 || c->inflight > 0) return;
  noise_handshake_free(c->hs);
  free(c->split);
  frame_reader_free(c->rd);
  frame_writer_free(c->wr);
  server *srv = c->srv;
  free(c);
  server_maybe_finish(srv);
}

static void on_handle_closed(uv_handle_t *h) {
  conn *c = h->data;
  c->handles_open--;
  conn_maybe_free(c);
}

void conn_close(conn *c, const char *why) {
  if (c->state == CONN_CLOSING) return;
  server *srv = c->srv;
  c->state = CONN_CLOSING;
  if (c->prev)
    c->prev->next = c->next;
  else
    srv->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  srv->nconns--;
  if (why) log_debug("conn %llu: closed: %s", (unsigned long long)c->id, why);
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  uv_close((uv_handle_t *)&c->h.stream, on_handle_closed);
}

static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  conn *c = w->c;
  c->write_queued -= w->len;
  free(w->buf);
  free(w);
  if (status < 0 && status != UV_ECANCELED) conn_close(c, uv_strerror(status));
}

/* Queue len bytes of buf (takes ownership) on c's stream. */
static void conn_write(conn *c, uint8_t *buf, size_t len) {
  if (c->state == CONN_CLOSING) {
    free(buf);
    return;
  }
  wreq *w = malloc(sizeof *w);
  if (w == NULL) {
    free(buf);
    conn_close(c, "out of memory");
    return;
  }
  w->c = c;
  w->buf = buf;
  w->len = len;
  uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
  c->write_queued += len;
  int rc = uv_write(&w->req, &c->h.stream, &b, 1, on_written);
  if (rc != 0) {
    c->write_queued -= len;
    free(buf);
    free(w);
    conn_close(c, uv_strerror(rc));
    return;
  }
  if (c->write_queued > c->srv->cfg.max_write_queue) {
    log_warn("conn %llu: %llu bytes queued for a client that does not read; dropping it",
             (unsigned long long)c->id, (unsigned long long)c->write_queued);
    conn_close(c, "write queue over limit");
  }
}

void conn_send_frame(conn *c, const char *body, size_t len) {
  if (c->state != CONN_OPEN) return;
  uint8_t *out = NULL;
  size_t outlen = 0;
  int rc = frame_writer_seal(c->wr, (const uint8_t *)body, len, &out, &outlen);
  if (rc != FRAME_OK) {
    conn_close(c, frame_strerror(rc));
    return;
  }
  conn_write(c, out, outlen);
}

static void on_timer(uv_timer_t *t) {
  conn *c = t->data;
  conn_close(c, c->state == CONN_HANDSHAKE ? "handshake deadline passed" : "idle timeout");
}

void conn_deadline(conn *c, uint64_t ms) {
  if (c->state != CONN_CLOSING) uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  static char chunk[READ_CHUNK]; /* the loop is single-threaded; reads are consumed at once */
  *buf = uv_buf_init(chunk, sizeof chunk);
}

/* Check the initiator's first payload: {"v": 1, "client": "<name/version>"}. */
static int check_hello(const uint8_t *p, size_t n) {
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  int ok = sv_msgpack_check(p, n, NULL) == 0 && /* msgpack-c trusts container headers */
           msgpack_unpack_next(&up, (const char *)p, n, &off) == MSGPACK_UNPACK_SUCCESS &&
           off == n && up.data.type == MSGPACK_OBJECT_MAP;
  uint64_t v = 0;
  const char *client;
  size_t clen;
  ok = ok && sv_map_uint(&up.data, "v", &v) == 0 && v == 1 &&
       sv_map_str(&up.data, "client", &client, &clen) == 0;
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
  uv_timer_start(&c->timer, on_timer, c->srv->cfg.handshake_timeout_ms, 0);
  return 0;
}

/* Process handshake message 1 and answer with message 2. Returns 0 or -1 (close). */
static int conn_handshake(conn *c, const uint8_t *msg, size_t len) {
  server *srv = c->srv;
  uint8_t payload[NOISE_MAX_MSG];
  size_t plen = 0;
  int rc = noise_handshake_read(c->hs, msg, len, payload, sizeof payload, &plen);
  if (rc != NOISE_OK) {
    log_info("conn %llu: handshake failed: %s", (unsigned long long)c->id, noise_strerror(rc));
    return -1;
  }
  if (check_hello(payload, plen) != 0) {
    log_info("conn %llu: handshake payload is not {v: 1, client: ...}", (unsigned long long)c->id);
    return -1;
  }
  noise_handshake_remote_static(c->hs, c->who.noise_pk);
  const dir_member *m = directory_by_noise(&srv->dir, c->who.noise_pk);
  const dir_member *revoked = m ? NULL : directory_revoked_by_noise(&srv->dir, c->who.noise_pk);
  if (m != NULL) {
    c->who.member_id = m->id;
    snprintf(c->who.keyid, sizeof c->who.keyid, "%s", m->keyid);
    snprintf(c->who.name, sizeof c->who.name, "%s", m->name);
    snprintf(c->who.role, sizeof c->who.role, "%s", m->role);
  } else {
    uint8_t h[32];
    crypto_hash_sha256(h, c->who.noise_pk, 32);
    util_hex(c->who.keyid, h, 8);
  }
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, revoked ? 4 : 3);
  sv_pack_str(&pk, "v");
  msgpack_pack_uint8(&pk, 1);
  sv_pack_str(&pk, "ok");
  if (revoked)
    msgpack_pack_false(&pk);
  else
    msgpack_pack_true(&pk);
  sv_pack_str(&pk, "member");
  if (m)
    dispatch_pack_member(&pk, m);
  else
    msgpack_pack_nil(&pk);
  if (revoked) {
    /* A revoked key completes the handshake only to hear why it is refused. */
    sv_pack_str(&pk, "error");
    msgpack_pack_map(&pk, 2);
    sv_pack_str(&pk, "code");
    sv_pack_str(&pk, sv_err_code(SV_ERR_NOT_ENROLLED));
    sv_pack_str(&pk, "message");
    sv_pack_str(&pk, "this key was revoked from the directory; the daemon refuses it");
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
  c->rd = frame_reader_new(recv, srv->cfg.max_frame);
  if (c->rd == NULL) noise_cipher_free(recv); /* not taken on failure */
  c->wr = frame_writer_new(send);
  if (c->wr == NULL) noise_cipher_free(send);
  noise_handshake_free(c->hs);
  c->hs = NULL;
  free(c->split);
  c->split = NULL;
  if (c->rd == NULL || c->wr == NULL) {
    free(out);
    return -1;
  }
  c->state = CONN_OPEN;
  conn_write(c, out, outlen + 2);
  if (revoked) {
    log_info("conn %llu: refused the revoked key of %s", (unsigned long long)c->id,
             revoked->name);
    return conn_refuse(c);
  }
  uv_timer_start(&c->timer, on_timer, srv->cfg.idle_timeout_ms, 0);
  log_debug("conn %llu: handshake done (%s)", (unsigned long long)c->id,
            m ? m->name : "not enrolled");
  return 0;
}

/* Feed transport bytes and dispatch every complete frame. */
/* Dispatch buffered frames while c may take more requests (max_inflight). Frames beyond that
 * stay in the reader until answers come back. Returns 0, or -1 when c has been closed. */
static int conn_drain(conn *c) {
  while (c->state == CONN_OPEN && !c->srv->stopping && c->inflight < c->srv->cfg.max_inflight) {
    const uint8_t *body;
    size_t blen;
    int got = frame_reader_next(c->rd, &body, &blen);
    if (got == 1) {
      dispatch_frame(c, body, blen);
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

/* Feed transport bytes and dispatch the complete frames. */
static void conn_transport(conn *c, const uint8_t *data, size_t len) {
  int rc = frame_reader_feed(c->rd, data, len);
  if (conn_drain(c) != 0) return;
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
  if (c->state == CONN_OPEN) {
    uv_timer_start(&c->timer, on_timer, c->srv->cfg.idle_timeout_ms, 0);
    conn_transport(c, p, n);
  }
}

static void conn_pause(conn *c, bool pause) {
  if (c->state == CONN_CLOSING) return;
  if (pause && c->reading) {
    uv_read_stop(&c->h.stream);
    c->reading = false;
  } else if (!pause && !c->reading && !c->srv->stopping) {
    if (uv_read_start(&c->h.stream, on_alloc, on_read) == 0) c->reading = true;
  }
}

void conn_accept(server *srv, uv_stream_t *listener, bool is_pipe) {
  conn *c = calloc(1, sizeof *c);
  if (c == NULL) return;
  c->srv = srv;
  c->id = ++srv->next_conn_id;
  int rc = is_pipe ? uv_pipe_init(srv->loop, &c->h.pipe, 0) : uv_tcp_init(srv->loop, &c->h.tcp);
  if (rc != 0) {
    free(c);
    return;
  }
  c->h.stream.data = c;
  uv_timer_init(srv->loop, &c->timer);
  c->timer.data = c;
  c->handles_open = 2;
  c->state = CONN_HANDSHAKE;
  c->next = srv->conns;
  if (srv->conns) srv->conns->prev = c;
  srv->conns = c;
  srv->nconns++;
  if (uv_accept(listener, &c->h.stream) != 0) {
    conn_close(c, "accept failed");
    return;
  }
  if (srv->nconns > srv->cfg.max_connections) {
    log_warn("connection limit (%u) reached; refusing a connection", srv->cfg.max_connections);
    conn_close(c, "too many connections");
    return;
  }
  if (!is_pipe) uv_tcp_nodelay(&c->h.tcp, 1);
  c->split = malloc(sizeof *c->split); /* 64 KiB: only split->have needs initialising */
  if (c->split) c->split->have = 0;
  c->hs = noise_handshake_new_with_pk(false, (const uint8_t *)SAMVIRKE_PROLOGUE,
                                      strlen(SAMVIRKE_PROLOGUE), srv->keys->noise_sk,
                                      srv->keys->noise_pk, NULL);
  if (c->split == NULL || c->hs == NULL) {
    conn_close(c, "out of memory");
    return;
  }
  uv_timer_start(&c->timer, on_timer, srv->cfg.handshake_timeout_ms, 0);
  conn_pause(c, false);
}

/* Apply what a committed job changed to the loop thread's state. */
static void apply_effect(server *srv, job *j) {
  switch (j->effect) {
  case EFFECT_NONE:
    break;
  case EFFECT_MEMBER_ADDED:
  case EFFECT_MEMBER_CHANGED:
  case EFFECT_MEMBER_REVOKED:
    if (j->effect_data) directory_put(&srv->dir, j->effect_data);
    if (j->effect == EFFECT_MEMBER_ADDED && j->effect_data) {
      /* A connection made with the new member's key (the enrolling one) now acts as it. */
      const dir_member *m = j->effect_data;
      for (conn *c = srv->conns; c != NULL; c = c->next) {
        if (c->who.member_id != 0 || sodium_memcmp(c->who.noise_pk, m->noise_pk, 32) != 0)
          continue;
        c->who.member_id = m->id;
        snprintf(c->who.keyid, sizeof c->who.keyid, "%s", m->keyid);
        snprintf(c->who.name, sizeof c->who.name, "%s", m->name);
        snprintf(c->who.role, sizeof c->who.role, "%s", m->role);
      }
    }
    if (j->effect == EFFECT_MEMBER_REVOKED || j->effect == EFFECT_MEMBER_CHANGED) {
      /* Cut off (revoked) or re-authorise (role change) the member's open connections. */
      for (conn *c = srv->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->who.member_id != j->effect_member) continue;
        if (j->effect == EFFECT_MEMBER_REVOKED) {
          log_info("closing connection %llu of revoked member %s", (unsigned long long)c->id,
                   c->who.name);
          conn_close(c, "member revoked");
        } else {
          const dir_member *m = directory_by_id(&srv->dir, j->effect_member);
          if (m) snprintf(c->who.role, sizeof c->who.role, "%s", m->role);
        }
      }
    }
    break;
  case EFFECT_NOTE_STORED:
  case EFFECT_NOTE_PUSH:
  case EFFECT_NOTE_SWEPT:
    ops_note_effect(srv, j);
    break;
  }
}

void conn_job_done(job *j, void *ctx) {
  server *srv = ctx;
  conn *c = j->conn;
  job *follow = j->follow;
  j->follow = NULL;
  apply_effect(srv, j);
  srv->jobs_inflight--;
  if (c != NULL) {
    c->inflight--;
    if (c->state == CONN_OPEN && !j->internal) {
      msgpack_sbuffer sb;
      msgpack_sbuffer_init(&sb);
      msgpack_packer pk;
      msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
      if (j->err == SV_OK)
        sv_response_pack_ok(&pk, j->req.id, j->audit_seq, j->result.data, j->result.size);
      else
        sv_response_pack_error(&pk, j->req.id, j->audited, j->audit_seq, j->err, j->errmsg);
      conn_send_frame(c, sb.data, sb.size);
      if (j->secret_result && sb.data != NULL) sodium_memzero(sb.data, sb.alloc);
      msgpack_sbuffer_destroy(&sb);
    }
    /* Internal jobs (note deliveries) count too: resume once enough have come back. */
    if (c->state == CONN_OPEN && c->inflight <= srv->cfg.max_inflight / 2 && conn_drain(c) == 0 &&
        c->inflight < srv->cfg.max_inflight)
      conn_pause(c, false);
    conn_maybe_free(c);
  }
  /* Follow-ups (note deliveries) may borrow from j: finish them before freeing it. */
  while (follow != NULL) {
    job *next = follow->next;
    follow->next = NULL;
    conn_job_done(follow, ctx);
    follow = next;
  }
  job_free(j);
  server_maybe_finish(srv);
}

/* Called by dispatch after submitting a job for c. */
void conn_job_submitted(conn *c) {
  c->inflight++;
  c->srv->jobs_inflight++;
  if (c->inflight >= c->srv->cfg.max_inflight) conn_pause(c, true);
}

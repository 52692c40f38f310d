/* frame.c -- wire framing: 2-byte-length Noise messages carrying a stream of 4-byte-length
 * msgpack frames, in both directions.
 *
 * Socket bytes:   len16 || noise_msg || len16 || noise_msg || ...   (len16 big-endian, <= 65535)
 * Decrypted:      the transport payloads, concatenated, form one byte stream per direction:
 *                 len32 || body || len32 || body || ...              (len32 big-endian, >= 1)
 * Frame and Noise message boundaries are independent: a frame may span several messages and
 * a message may carry several frames or parts of them. */
#include "frame.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const char *frame_strerror(int status) {
  switch (status) {
    case FRAME_OK: return "ok";
    case FRAME_ERR_DECRYPT: return "a Noise message failed to decrypt";
    case FRAME_ERR_TOO_BIG: return "frame larger than the allowed maximum";
    case FRAME_ERR_NOMEM: return "out of memory";
    case FRAME_ERR_NONCE: return "Noise nonce exhausted";
    case FRAME_ERR_EMPTY: return "empty Noise message or frame";
    default: return "unknown frame error";
  }
}

static uint32_t be32_get(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void be32_put(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* ---- Noise message splitting ---- */

size_t frame_msgsplit_feed(frame_msgsplit *s, const uint8_t *data, size_t len,
                           const uint8_t **msg, size_t *msglen) {
  assert(s != NULL && msg != NULL && msglen != NULL);
  assert(data != NULL || len == 0);
  *msg = NULL;
  *msglen = 0;
  size_t used = 0;
  /* The length prefix first. */
  while (s->have < 2 && used < len) s->buf[s->have++] = data[used++];
  if (s->have < 2) return used;
  size_t need = (size_t)s->buf[0] << 8 | s->buf[1];
  size_t want = 2 + need - s->have;
  size_t take = len - used < want ? len - used : want;
  memcpy(s->buf + s->have, data + used, take);
  s->have += take;
  used += take;
  if (s->have == 2 + need) {
    *msg = s->buf + 2;
    *msglen = need;
    s->have = 0; /* buf stays intact until the next call writes into it */
  }
  return used;
}

/* ---- Receiving side ---- */

struct frame_reader {
  noise_cipher *recv;
  size_t max_frame;
  int err;          /* sticky: once set, every call returns it */
  uint8_t *buf;     /* decrypted stream: [start, end) is not yet taken by next() */
  size_t cap, start, end;
  size_t scan;      /* offset in buf of the next frame header not yet checked */
  /* The last frame handed out by next() (header and body), wiped at the next call: frames
   * carry invite codes and other secrets in plaintext. */
  size_t taken_off, taken_len;
  frame_msgsplit split;
};

frame_reader *frame_reader_new(noise_cipher *recv, size_t max_frame) {
  assert(recv != NULL);
  /* malloc, not calloc: the 64 KiB split buffer needs no zeroing (split.have says what is
   * valid), and zeroing it cost a memset and page faults on every connection. */
  frame_reader *r = malloc(sizeof *r);
  if (r == NULL) return NULL;
  r->recv = recv;
  r->max_frame = max_frame;
  r->err = FRAME_OK;
  r->buf = NULL;
  r->cap = r->start = r->end = r->scan = 0;
  r->taken_off = r->taken_len = 0;
  r->split.have = 0;
  return r;
}

void frame_reader_free(frame_reader *r) {
  if (r == NULL) return;
  noise_cipher_free(r->recv);
  if (r->buf != NULL) sodium_memzero(r->buf, r->cap);
  free(r->buf);
  free(r);
}

/* Wipe the frame next() handed out last; the caller is done with it. When nothing is left in
 * the buffer, give a large one back (a big note must not pin megabytes to an idle
 * connection). */
static void reader_wipe_taken(frame_reader *r) {
  if (r->taken_len != 0) {
    sodium_memzero(r->buf + r->taken_off, r->taken_len);
    r->taken_len = 0;
  }
  if (r->buf != NULL && r->start == r->end && r->cap > 65536) {
    sodium_memzero(r->buf, r->cap);
    free(r->buf);
    r->buf = NULL;
    r->cap = r->start = r->end = r->scan = 0;
  }
}

void frame_reader_set_max(frame_reader *r, size_t max_frame) { r->max_frame = max_frame; }

size_t frame_reader_held(const frame_reader *r) { return r->cap; }

/* Make room for extra more bytes after r->end: first drop what next() has taken, then grow
 * (doubling, at least to what is needed). No plaintext is left behind in memory that is moved
 * from or freed. Returns FRAME_OK or FRAME_ERR_NOMEM. */
static int reader_reserve(frame_reader *r, size_t extra) {
  if (r->start > 0) {
    size_t keep = r->end - r->start;
    memmove(r->buf, r->buf + r->start, keep);
    sodium_memzero(r->buf + keep, r->end - keep);
    r->end = keep;
    r->scan -= r->start;
    r->start = 0;
  }
  if (r->buf != NULL && r->cap - r->end >= extra) return FRAME_OK;
  if (extra > SIZE_MAX / 2 - r->end) return FRAME_ERR_NOMEM;
  size_t need = r->end + extra;
  size_t ncap = r->cap ? r->cap : 4096;
  while (ncap < need) ncap *= 2;
  uint8_t *nb = malloc(ncap); /* not realloc: the old block is wiped before it is freed */
  if (nb == NULL) return FRAME_ERR_NOMEM;
  if (r->buf != NULL) {
    memcpy(nb, r->buf, r->end);
    sodium_memzero(r->buf, r->cap);
    free(r->buf);
  }
  r->buf = nb;
  r->cap = ncap;
  return FRAME_OK;
}

/* Check every frame header that is now fully in the buffer, so that an oversized or empty
 * frame is refused as soon as its 4 length bytes are known (before its body is buffered). */
static int reader_scan(frame_reader *r) {
  while (r->scan + 4 <= r->end) {
    uint32_t flen = be32_get(r->buf + r->scan);
    if (flen == 0) return FRAME_ERR_EMPTY;
    if (flen > r->max_frame) return FRAME_ERR_TOO_BIG;
    r->scan += 4 + (size_t)flen;
  }
  return FRAME_OK;
}

/* Decrypt one Noise message and append its payload to the stream. */
static int reader_message(frame_reader *r, const uint8_t *msg, size_t msglen) {
  if (msglen == 0) return FRAME_ERR_EMPTY;
  if (msglen < NOISE_TAGLEN) return FRAME_ERR_DECRYPT;
  size_t ptlen = msglen - NOISE_TAGLEN;
  int rc = reader_reserve(r, ptlen);
  if (rc != FRAME_OK) return rc;
  rc = noise_cipher_decrypt(r->recv, NULL, 0, msg, msglen, r->buf + r->end);
  if (rc == NOISE_ERR_NONCE) return FRAME_ERR_NONCE;
  if (rc != NOISE_OK) return FRAME_ERR_DECRYPT;
  r->end += ptlen;
  return reader_scan(r);
}

/* Every complete Noise message in data is decrypted and appended to the stream buffer; each
 * frame header is checked as soon as its 4 bytes are there. The buffer holds the frames not
 * yet taken by next() plus one partial frame, so with callers that drain with next() after
 * each feed it stays below max_frame + 4 + the plaintext of one feed's data. */
int frame_reader_feed(frame_reader *r, const uint8_t *data, size_t len) {
  assert(r != NULL);
  assert(data != NULL || len == 0);
  if (r->err != FRAME_OK) return r->err;
  reader_wipe_taken(r);
  size_t off = 0;
  while (off < len) {
    const uint8_t *msg = NULL;
    size_t msglen = 0;
    off += frame_msgsplit_feed(&r->split, data + off, len - off, &msg, &msglen);
    if (msg == NULL) continue;
    int rc = reader_message(r, msg, msglen);
    if (rc != FRAME_OK) {
      r->err = rc;
      return rc;
    }
  }
  return FRAME_OK;
}

int frame_reader_next(frame_reader *r, const uint8_t **body, size_t *len) {
  assert(r != NULL && body != NULL && len != NULL);
  *body = NULL;
  *len = 0;
  reader_wipe_taken(r);
  if (r->err != FRAME_OK) return r->err;
  size_t avail = r->end - r->start;
  if (avail < 4) return 0;
  /* reader_scan has already checked this header (scan is past it). */
  size_t flen = be32_get(r->buf + r->start);
  assert(r->scan > r->start && flen > 0 && flen <= r->max_frame);
  if (avail - 4 < flen) return 0;
  *body = r->buf + r->start + 4;
  *len = flen;
  r->taken_off = r->start;
  r->taken_len = 4 + flen;
  r->start += 4 + flen;
  if (r->start == r->end) { /* nothing left: rewind without moving bytes */
    r->scan -= r->start;
    r->start = r->end = 0;
  }
  return 1;
}

/* ---- Sending side ---- */

struct frame_writer {
  noise_cipher *send;
};

frame_writer *frame_writer_new(noise_cipher *send) {
  assert(send != NULL);
  frame_writer *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->send = send;
  return w;
}

void frame_writer_free(frame_writer *w) {
  if (w == NULL) return;
  noise_cipher_free(w->send);
  free(w);
}

/* Seals hdr||body in chunks of at most NOISE_MAX_PAYLOAD plaintext bytes, each as its own
 * length-prefixed Noise message. A zero-length body is refused (FRAME_ERR_EMPTY), as is one
 * whose length does not fit the 4-byte header (FRAME_ERR_TOO_BIG). On FRAME_ERR_NONCE some
 * nonces may already be used and nothing is returned: the connection must be closed. */
size_t frame_sealed_size(size_t len) {
  size_t total = 4 + len;
  size_t nmsg = (total + NOISE_MAX_PAYLOAD - 1) / NOISE_MAX_PAYLOAD;
  return total + nmsg * (2 + NOISE_TAGLEN);
}

int frame_writer_seal(frame_writer *w, const uint8_t *body, size_t len, uint8_t **out,
                      size_t *outlen) {
  assert(w != NULL && out != NULL && outlen != NULL);
  assert(body != NULL || len == 0);
  *out = NULL;
  *outlen = 0;
  if (len == 0) return FRAME_ERR_EMPTY;
  if (len > UINT32_MAX || len > SIZE_MAX / 2) return FRAME_ERR_TOO_BIG;

  int rc = FRAME_ERR_NOMEM;
  uint8_t *chunk = NULL, *o = NULL;
  size_t total = 4 + len; /* plaintext stream bytes for this frame */
  size_t osize = frame_sealed_size(len);
  size_t csize = total < NOISE_MAX_PAYLOAD ? total : NOISE_MAX_PAYLOAD;
  chunk = malloc(csize);
  o = malloc(osize);
  if (chunk == NULL || o == NULL) goto err;

  uint8_t hdr[4];
  be32_put(hdr, (uint32_t)len);
  size_t pos = 0, opos = 0; /* pos: offset in hdr||body */
  while (pos < total) {
    size_t n = total - pos < NOISE_MAX_PAYLOAD ? total - pos : NOISE_MAX_PAYLOAD;
    /* Gather [pos, pos+n) of hdr||body into chunk. */
    size_t c = 0;
    while (c < n && pos + c < 4) {
      chunk[c] = hdr[pos + c];
      c++;
    }
    memcpy(chunk + c, body + (pos + c - 4), n - c);
    size_t mlen = n + NOISE_TAGLEN;
    o[opos] = (uint8_t)(mlen >> 8);
    o[opos + 1] = (uint8_t)mlen;
    int nrc = noise_cipher_encrypt(w->send, NULL, 0, chunk, n, o + opos + 2);
    if (nrc != NOISE_OK) { /* only NOISE_ERR_NONCE; the connection must be closed */
      rc = FRAME_ERR_NONCE;
      goto err;
    }
    opos += 2 + mlen;
    pos += n;
  }
  assert(opos == osize);
  sodium_memzero(chunk, csize); /* plaintext */
  free(chunk);
  *out = o;
  *outlen = osize;
  return FRAME_OK;
err:
  if (chunk != NULL) sodium_memzero(chunk, csize);
  free(chunk);
  free(o);
  return rc;
}

/* test_frame.c -- unit tests for the wire framing (Noise message split, frame reader/writer). */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "noise.h"
#include "task.h"

static const uint8_t KEY[NOISE_KEYLEN] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};

static frame_writer *new_writer(void) {
  noise_cipher *c = noise_cipher_new(KEY);
  ASSERT(c != NULL);
  frame_writer *w = frame_writer_new(c);
  ASSERT(w != NULL);
  return w;
}

static frame_reader *new_reader(size_t max) {
  noise_cipher *c = noise_cipher_new(KEY);
  ASSERT(c != NULL);
  frame_reader *r = frame_reader_new(c, max);
  ASSERT(r != NULL);
  return r;
}

/* Deterministic body bytes depending on the frame index and position. */
static uint8_t *make_body(size_t len, unsigned seed) {
  uint8_t *b = malloc(len ? len : 1);
  ASSERT(b != NULL);
  for (size_t i = 0; i < len; i++) b[i] = (uint8_t)(i * 31u + seed * 7u + (i >> 8));
  return b;
}

/* A growing byte buffer. */
typedef struct {
  uint8_t *p;
  size_t n, cap;
} bytes;

static void bytes_add(bytes *b, const uint8_t *d, size_t n) {
  if (b->n + n > b->cap) {
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->n + n) nc *= 2;
    b->p = realloc(b->p, nc);
    ASSERT(b->p != NULL);
    b->cap = nc;
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}

/* Seal frames of the given sizes back to back into one socket stream. */
static bytes seal_stream(const size_t *sizes, size_t count) {
  bytes s = {0};
  frame_writer *w = new_writer();
  for (size_t i = 0; i < count; i++) {
    uint8_t *body = make_body(sizes[i], (unsigned)i);
    uint8_t *out = NULL;
    size_t outlen = 0;
    ASSERT_INT_EQ(frame_writer_seal(w, body, sizes[i], &out, &outlen), FRAME_OK);
    bytes_add(&s, out, outlen);
    free(out);
    free(body);
  }
  frame_writer_free(w);
  return s;
}

/* Drain every complete frame from r and check them against sizes[*idx...]. */
static void drain_check(frame_reader *r, const size_t *sizes, size_t count, size_t *idx) {
  const uint8_t *body;
  size_t len;
  int rc;
  while ((rc = frame_reader_next(r, &body, &len)) == 1) {
    ASSERT(*idx < count);
    ASSERT_UINT_EQ(len, sizes[*idx]);
    uint8_t *want = make_body(len, (unsigned)*idx);
    ASSERT_MEM_EQ(body, want, len);
    free(want);
    (*idx)++;
  }
  ASSERT_INT_EQ(rc, 0);
}

/* Number of Noise messages in a socket stream (walks the 2-byte prefixes). */
static size_t count_msgs(const bytes *s) {
  size_t n = 0, off = 0;
  while (off < s->n) {
    ASSERT(off + 2 <= s->n);
    size_t l = (size_t)s->p[off] << 8 | s->p[off + 1];
    ASSERT(l >= NOISE_TAGLEN && l <= NOISE_MAX_MSG);
    off += 2 + l;
    n++;
  }
  ASSERT_UINT_EQ(off, s->n);
  return n;
}

static void test_round_trip_sizes(void) {
  /* 65515 = NOISE_MAX_PAYLOAD - 4: header and body fit one message exactly. */
  const size_t sizes[] = {1, 100, 65515, 65516, 65519, 65520, 65535, 200000};
  const size_t want_msgs[] = {1, 1, 1, 2, 2, 2, 2, 4};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    bytes s = seal_stream(&sizes[i], 1);
    ASSERT_UINT_EQ(count_msgs(&s), want_msgs[i]);
    ASSERT_UINT_EQ(s.n, 4 + sizes[i] + want_msgs[i] * (2 + NOISE_TAGLEN));
    ASSERT_UINT_EQ(frame_sealed_size(sizes[i]), s.n); /* what the write queue counts */
    frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
    ASSERT_INT_EQ(frame_reader_feed(r, s.p, s.n), FRAME_OK);
    size_t idx = 0;
    drain_check(r, &sizes[i], 1, &idx);
    ASSERT_UINT_EQ(idx, 1);
    frame_reader_free(r);
    free(s.p);
  }
}

static void test_back_to_back(void) {
  const size_t sizes[] = {1, 100, 65519, 65520, 65535, 200000, 3, 70000};
  const size_t count = sizeof sizes / sizeof sizes[0];
  bytes s = seal_stream(sizes, count);
  frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
  ASSERT_INT_EQ(frame_reader_feed(r, s.p, s.n), FRAME_OK);
  size_t idx = 0;
  drain_check(r, sizes, count, &idx);
  ASSERT_UINT_EQ(idx, count);
  frame_reader_free(r);

  /* The same stream in uneven 1000-byte reads, draining after each. */
  r = new_reader(FRAME_DEFAULT_MAX);
  idx = 0;
  for (size_t off = 0; off < s.n; off += 1000) {
    size_t n = s.n - off < 1000 ? s.n - off : 1000;
    ASSERT_INT_EQ(frame_reader_feed(r, s.p + off, n), FRAME_OK);
    drain_check(r, sizes, count, &idx);
  }
  ASSERT_UINT_EQ(idx, count);
  frame_reader_free(r);
  free(s.p);
}

static void test_split_every_boundary(void) {
  const size_t sizes[] = {1, 300, 1000, 17, 2000, 5};
  const size_t count = sizeof sizes / sizeof sizes[0];
  bytes s = seal_stream(sizes, count);
  ASSERT_UINT_EQ(count_msgs(&s), count);
  for (size_t k = 0; k <= s.n; k++) {
    frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
    size_t idx = 0;
    ASSERT_INT_EQ(frame_reader_feed(r, s.p, k), FRAME_OK);
    drain_check(r, sizes, count, &idx);
    ASSERT_INT_EQ(frame_reader_feed(r, s.p + k, s.n - k), FRAME_OK);
    drain_check(r, sizes, count, &idx);
    ASSERT_UINT_EQ(idx, count);
    frame_reader_free(r);
  }
  /* Byte by byte. */
  frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
  size_t idx = 0;
  for (size_t i = 0; i < s.n; i++) {
    ASSERT_INT_EQ(frame_reader_feed(r, s.p + i, 1), FRAME_OK);
    drain_check(r, sizes, count, &idx);
  }
  ASSERT_UINT_EQ(idx, count);
  frame_reader_free(r);
  free(s.p);
}

/* Seal raw plaintext stream bytes as one Noise message (bypassing the frame writer). */
static void seal_raw(noise_cipher *c, bytes *out, const uint8_t *pt, size_t n) {
  uint8_t *m = malloc(2 + n + NOISE_TAGLEN);
  ASSERT(m != NULL);
  m[0] = (uint8_t)((n + NOISE_TAGLEN) >> 8);
  m[1] = (uint8_t)(n + NOISE_TAGLEN);
  ASSERT_INT_EQ(noise_cipher_encrypt(c, NULL, 0, pt, n, m + 2), NOISE_OK);
  bytes_add(out, m, 2 + n + NOISE_TAGLEN);
  free(m);
}

static void test_too_big_at_header(void) {
  const size_t max = 1000;
  /* Exactly the cap is accepted. */
  {
    size_t sz = max;
    bytes s = seal_stream(&sz, 1);
    frame_reader *r = new_reader(max);
    ASSERT_INT_EQ(frame_reader_feed(r, s.p, s.n), FRAME_OK);
    size_t idx = 0;
    drain_check(r, &sz, 1, &idx);
    ASSERT_UINT_EQ(idx, 1);
    frame_reader_free(r);
    free(s.p);
  }
  /* A header announcing cap+1, alone in a message: refused before any body byte arrives. */
  {
    noise_cipher *c = noise_cipher_new(KEY);
    bytes s = {0};
    const uint8_t hdr[4] = {0, 0, (max + 1) >> 8, (max + 1) & 0xff};
    seal_raw(c, &s, hdr, 4);
    frame_reader *r = new_reader(max);
    ASSERT_INT_EQ(frame_reader_feed(r, s.p, s.n), FRAME_ERR_TOO_BIG);
    const uint8_t *body;
    size_t len;
    ASSERT_INT_EQ(frame_reader_next(r, &body, &len), FRAME_ERR_TOO_BIG);
    ASSERT_INT_EQ(frame_reader_feed(r, s.p, 0), FRAME_ERR_TOO_BIG); /* sticky */
    frame_reader_free(r);
    noise_cipher_free(c);
    free(s.p);
  }
  /* The header split over two messages (2+2 bytes), after a valid frame: the valid frame is
   * buffered, the error comes with the second message. A 4 GiB announcement never allocates. */
  {
    noise_cipher *c = noise_cipher_new(KEY);
    bytes s1 = {0}, s2 = {0};
    const uint8_t pt1[] = {0, 0, 0, 1, 0x80, 0xff, 0xff};
    const uint8_t pt2[] = {0xff, 0xff};
    seal_raw(c, &s1, pt1, sizeof pt1);
    seal_raw(c, &s2, pt2, sizeof pt2);
    frame_reader *r = new_reader(max);
    ASSERT_INT_EQ(frame_reader_feed(r, s1.p, s1.n), FRAME_OK);
    const uint8_t *body;
    size_t len;
    ASSERT_INT_EQ(frame_reader_next(r, &body, &len), 1);
    ASSERT_UINT_EQ(len, 1);
    ASSERT_INT_EQ(body[0], 0x80);
    ASSERT_INT_EQ(frame_reader_next(r, &body, &len), 0);
    ASSERT_INT_EQ(frame_reader_feed(r, s2.p, s2.n), FRAME_ERR_TOO_BIG);
    frame_reader_free(r);
    noise_cipher_free(c);
    free(s1.p);
    free(s2.p);
  }
  /* A writer-sealed frame over the cap, fed in one go. */
  {
    size_t sz = 5000;
    bytes s = seal_stream(&sz, 1);
    frame_reader *r = new_reader(max);
    ASSERT_INT_EQ(frame_reader_feed(r, s.p, s.n), FRAME_ERR_TOO_BIG);
    frame_reader_free(r);
    free(s.p);
  }
}

static void test_corrupt_ciphertext(void) {
  const size_t sizes[] = {10, 200};
  bytes s = seal_stream(sizes, 2);
  size_t first = 2 + ((size_t)s.p[0] << 8 | s.p[1]);
  for (size_t i = 0; i < s.n; i++) {
    if (i == 0 || i == 1 || i == first || i == first + 1) continue; /* length prefixes */
    s.p[i] ^= 0x04;
    frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
    int rc = frame_reader_feed(r, s.p, s.n);
    ASSERT_INT_EQ(rc, FRAME_ERR_DECRYPT);
    frame_reader_free(r);
    s.p[i] ^= 0x04;
  }
  /* A message shorter than a tag cannot decrypt. */
  const uint8_t tiny[] = {0, 3, 1, 2, 3};
  frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
  ASSERT_INT_EQ(frame_reader_feed(r, tiny, sizeof tiny), FRAME_ERR_DECRYPT);
  frame_reader_free(r);
  /* Reordered messages (wrong nonce) fail too. */
  bytes t = seal_stream((const size_t[]){70000}, 1);
  size_t m1 = 2 + ((size_t)t.p[0] << 8 | t.p[1]);
  r = new_reader(FRAME_DEFAULT_MAX);
  ASSERT_INT_EQ(frame_reader_feed(r, t.p + m1, t.n - m1), FRAME_ERR_DECRYPT);
  frame_reader_free(r);
  free(t.p);
  free(s.p);
}

static void test_empty(void) {
  /* Writer refuses an empty frame. */
  frame_writer *w = new_writer();
  uint8_t *out = (uint8_t *)1;
  size_t outlen = 7;
  const uint8_t b = 0;
  ASSERT_INT_EQ(frame_writer_seal(w, &b, 0, &out, &outlen), FRAME_ERR_EMPTY);
  ASSERT(out == NULL);
  ASSERT_UINT_EQ(outlen, 0);
  frame_writer_free(w);
  /* A zero-length frame header on the wire. */
  noise_cipher *c = noise_cipher_new(KEY);
  bytes s = {0};
  const uint8_t zero[4] = {0, 0, 0, 0};
  seal_raw(c, &s, zero, 4);
  frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
  ASSERT_INT_EQ(frame_reader_feed(r, s.p, s.n), FRAME_ERR_EMPTY);
  const uint8_t *body;
  size_t len;
  ASSERT_INT_EQ(frame_reader_next(r, &body, &len), FRAME_ERR_EMPTY);
  frame_reader_free(r);
  noise_cipher_free(c);
  free(s.p);
  /* A zero-length Noise message. */
  const uint8_t zmsg[] = {0, 0};
  r = new_reader(FRAME_DEFAULT_MAX);
  ASSERT_INT_EQ(frame_reader_feed(r, zmsg, 2), FRAME_ERR_EMPTY);
  frame_reader_free(r);
  /* A Noise message with an empty payload (tag only) is harmless. */
  c = noise_cipher_new(KEY);
  bytes e = {0};
  seal_raw(c, &e, NULL, 0);
  noise_cipher_free(c);
  r = new_reader(FRAME_DEFAULT_MAX);
  ASSERT_INT_EQ(frame_reader_feed(r, e.p, e.n), FRAME_OK);
  ASSERT_INT_EQ(frame_reader_next(r, &body, &len), 0);
  frame_reader_free(r);
  free(e.p);
}

static void test_nonce_exhausted(void) {
  noise_cipher *c = noise_cipher_new(KEY);
  noise_cipher_set_nonce(c, UINT64_MAX - 1);
  frame_writer *w = frame_writer_new(c);
  uint8_t *body = make_body(70000, 0), *out = NULL;
  size_t outlen = 0;
  /* Needs two messages; only one nonce is left. */
  ASSERT_INT_EQ(frame_writer_seal(w, body, 70000, &out, &outlen), FRAME_ERR_NONCE);
  ASSERT(out == NULL);
  frame_writer_free(w);
  free(body);
}

static void test_msgsplit(void) {
  frame_msgsplit s;
  memset(&s, 0, sizeof s);
  const uint8_t *msg;
  size_t mlen;
  const uint8_t two[] = {0, 3, 'a', 'b', 'c', 0, 1, 'x', 0};
  /* Stops right after the first message. */
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, two, sizeof two, &msg, &mlen), 5);
  ASSERT(msg != NULL);
  ASSERT_UINT_EQ(mlen, 3);
  ASSERT_MEM_EQ(msg, "abc", 3);
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, two + 5, sizeof two - 5, &msg, &mlen), 3);
  ASSERT(msg != NULL);
  ASSERT_UINT_EQ(mlen, 1);
  ASSERT_INT_EQ(msg[0], 'x');
  /* Half a length prefix: consumed, nothing ready. */
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, two + 8, 1, &msg, &mlen), 1);
  ASSERT(msg == NULL);
  /* Completing it with a zero: a zero-length message. */
  const uint8_t z = 0;
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, &z, 1, &msg, &mlen), 1);
  ASSERT(msg != NULL);
  ASSERT_UINT_EQ(mlen, 0);
  /* Empty input. */
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, NULL, 0, &msg, &mlen), 0);
  ASSERT(msg == NULL);
  /* Byte by byte: the message appears exactly at its last byte. */
  for (size_t i = 0; i < 5; i++) {
    ASSERT_UINT_EQ(frame_msgsplit_feed(&s, two + i, 1, &msg, &mlen), 1);
    ASSERT((msg != NULL) == (i == 4));
  }
  ASSERT_MEM_EQ(msg, "abc", 3);
  /* The largest message, 65535 bytes, in one call and then split 1 + rest. */
  size_t big = 2 + NOISE_MAX_MSG + 2;
  uint8_t *buf = malloc(big);
  ASSERT(buf != NULL);
  buf[0] = 0xff;
  buf[1] = 0xff;
  for (size_t i = 0; i < NOISE_MAX_MSG; i++) buf[2 + i] = (uint8_t)i;
  buf[big - 2] = 0;
  buf[big - 1] = 0;
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, buf, big, &msg, &mlen), 2 + NOISE_MAX_MSG);
  ASSERT_UINT_EQ(mlen, NOISE_MAX_MSG);
  ASSERT_MEM_EQ(msg, buf + 2, NOISE_MAX_MSG);
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, buf, 1, &msg, &mlen), 1);
  ASSERT(msg == NULL);
  ASSERT_UINT_EQ(frame_msgsplit_feed(&s, buf + 1, big - 1, &msg, &mlen), 1 + NOISE_MAX_MSG);
  ASSERT_UINT_EQ(mlen, NOISE_MAX_MSG);
  ASSERT_MEM_EQ(msg, buf + 2, NOISE_MAX_MSG);
  free(buf);
}

/* A frame handed out by next() is wiped at the next call: reading it through the old pointer
 * (still inside the reader's buffer, which does not move while nothing is fed) finds zeros. */
static void test_taken_frames_wiped(void) {
  const size_t sizes[] = {40, 60, 50};
  bytes s = seal_stream(sizes, 3);
  frame_reader *r = new_reader(FRAME_DEFAULT_MAX);
  ASSERT_INT_EQ(frame_reader_feed(r, s.p, s.n), FRAME_OK);
  const uint8_t *b1, *b2, *b3, *none;
  size_t l1, l2, l3, ln;
  ASSERT_INT_EQ(frame_reader_next(r, &b1, &l1), 1);
  uint8_t *want = make_body(l1, 0);
  ASSERT_MEM_EQ(b1, want, l1);
  free(want);
  ASSERT_INT_EQ(frame_reader_next(r, &b2, &l2), 1);
  static const uint8_t zeros[64];
  ASSERT_MEM_EQ(b1, zeros, l1); /* the first frame's body and header are gone */
  ASSERT_MEM_EQ(b1 - 4, zeros, 4);
  want = make_body(l2, 1);
  ASSERT_MEM_EQ(b2, want, l2); /* the second is intact */
  free(want);
  ASSERT_INT_EQ(frame_reader_next(r, &b3, &l3), 1);
  ASSERT_MEM_EQ(b2, zeros, l2);
  ASSERT_INT_EQ(frame_reader_next(r, &none, &ln), 0);
  ASSERT_MEM_EQ(b3, zeros, l3); /* the last one too, although the buffer rewound */
  frame_reader_free(r);
  free(s.p);
}

static void test_strerror(void) {
  ASSERT_STR_EQ(frame_strerror(FRAME_OK), "ok");
  ASSERT_STR_CONTAINS(frame_strerror(FRAME_ERR_TOO_BIG), "maximum");
  ASSERT(strcmp(frame_strerror(FRAME_ERR_DECRYPT), frame_strerror(FRAME_ERR_EMPTY)) != 0);
  ASSERT(frame_strerror(12345) != NULL);
}

int main(void) {
  ASSERT(sodium_init() >= 0);
  RUN_TEST(test_round_trip_sizes);
  RUN_TEST(test_back_to_back);
  RUN_TEST(test_split_every_boundary);
  RUN_TEST(test_too_big_at_header);
  RUN_TEST(test_corrupt_ciphertext);
  RUN_TEST(test_empty);
  RUN_TEST(test_nonce_exhausted);
  RUN_TEST(test_msgsplit);
  RUN_TEST(test_taken_frames_wiped);
  RUN_TEST(test_strerror);
  return 0;
}

/* frame.h -- wire framing: 2-byte-length Noise messages carrying a stream of
 * 4-byte-length msgpack frames, in both directions. */
#ifndef SAMVIRKE_FRAME_H
#define SAMVIRKE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "noise.h"

#define FRAME_DEFAULT_MAX (1u << 20) /* 1 MiB */

enum frame_status {
  FRAME_OK = 0,
  FRAME_ERR_DECRYPT = -1, /* a Noise message failed to decrypt */
  FRAME_ERR_TOO_BIG = -2, /* a frame header announced more than the cap */
  FRAME_ERR_NOMEM = -3,
  FRAME_ERR_NONCE = -4,   /* sending nonce exhausted */
  FRAME_ERR_EMPTY = -5,   /* zero-length Noise message or frame */
};
const char *frame_strerror(int status);

/* Splits a socket byte stream into Noise messages (2-byte big-endian length prefix). */
typedef struct frame_msgsplit {
  uint8_t buf[2 + NOISE_MAX_MSG];
  size_t have;
} frame_msgsplit;

/* Consume up to len bytes. Returns the number of bytes consumed; when a whole message is
 * ready, *msg and *msglen point to it (inside s, valid until the next call) and the call stops
 * right after it; otherwise *msg is NULL. A zero-length message yields *msg non-NULL with
 * *msglen 0 (callers treat it as an error). */
size_t frame_msgsplit_feed(frame_msgsplit *s, const uint8_t *data, size_t len,
                           const uint8_t **msg, size_t *msglen);

/* Receiving side of a transport: decrypts Noise messages and reassembles frames. */
typedef struct frame_reader frame_reader;

/* Takes ownership of recv. max_frame caps one frame's msgpack body. NULL on allocation failure. */
frame_reader *frame_reader_new(noise_cipher *recv, size_t max_frame);
void frame_reader_free(frame_reader *r);
/* Feed raw socket bytes; decrypts every complete Noise message into the frame stream.
 * Returns FRAME_OK or an error (after which the connection must be closed). */
int frame_reader_feed(frame_reader *r, const uint8_t *data, size_t len);
/* Take the next complete frame: returns 1 and sets *body and *len (valid until the next call of
 * feed or next on r, which wipes it), 0 when no whole frame is buffered, or a negative
 * frame_status. Decrypted bytes are wiped before the reader moves or frees them. */
int frame_reader_next(frame_reader *r, const uint8_t **body, size_t *len);
/* The largest frame accepted from now on (a frame whose header was already checked keeps the
 * limit it was checked against). */
void frame_reader_set_max(frame_reader *r, size_t max_frame);
/* Bytes of memory the reader holds for stream data (its buffer). A reader whose frames have
 * all been taken gives its buffer back at the next feed or next, so an idle connection holds
 * none. */
size_t frame_reader_held(const frame_reader *r);

/* Sending side: seals frames into Noise messages. */
typedef struct frame_writer frame_writer;

/* Takes ownership of send. */
frame_writer *frame_writer_new(noise_cipher *send);
void frame_writer_free(frame_writer *w);
/* Seal one frame (4-byte length + body), split across as many Noise messages as needed, each
 * with its 2-byte length prefix. *out is malloc'd (caller frees), *outlen its size. */
int frame_writer_seal(frame_writer *w, const uint8_t *body, size_t len, uint8_t **out,
                      size_t *outlen);
/* The bytes frame_writer_seal makes of a body of len bytes (its length header, the Noise
 * messages' length prefixes and tags): what a frame takes in a connection's write queue. */
size_t frame_sealed_size(size_t len);

#endif

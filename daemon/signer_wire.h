/* signer_wire.h -- messages between samvirked and its log signer process: a type byte and a
 * payload behind a 4-byte big-endian length, over a Unix stream socket. */
#ifndef SAMVIRKED_SIGNER_WIRE_H
#define SAMVIRKED_SIGNER_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Largest payload either side accepts: an extension by SIGNER_MAX_LEAVES leaf hashes. */
#define SIGNER_MAX_LEAVES 131072
#define SIGNER_MAX_PAYLOAD (16 + 32 * SIGNER_MAX_LEAVES)

/* Message types. Requests (daemon -> signer) get exactly one answer, in order. */
enum signer_msg {
  /* signer -> daemon, once at start: noise_sk(32) noise_pk(32) log_pk(32) has_state(1)
   * size(8) root(32) */
  SIGNER_MSG_KEYS = 'K',
  /* daemon -> signer: adopt a state when the signer has none: size(8), popcount(size) frontier
   * hashes (lowest level first), then the checkpoint note the signer signed for that size
   * (empty only for size 0). Answer: SIGNER_MSG_OK or SIGNER_MSG_ERROR. */
  SIGNER_MSG_INIT = 'I',
  /* daemon -> signer: base(8) n(4) n leaf hashes. Answer: SIGNER_MSG_NOTE size(8) note text. */
  SIGNER_MSG_EXTEND = 'E',
  SIGNER_MSG_NOTE = 'N',
  SIGNER_MSG_OK = 'O',
  /* either way: a one-line reason (signer -> daemon: the request was refused, nothing changed) */
  SIGNER_MSG_ERROR = 'X',
};

/* Send one message made of up to three payload parts (NULL/0 parts are skipped). Returns 0, or
 * -1 with errno set. */
int signer_wire_send(int fd, uint8_t type, const void *a, size_t alen, const void *b, size_t blen,
                     const void *c, size_t clen);

/* Receive one message into buf (capacity cap, at most SIGNER_MAX_PAYLOAD). Returns 1 with
 * *type and *len set, 0 on a clean end of stream before a message, or -1 on a read error, a
 * truncated message or one larger than cap (errno set: EPROTO for the last two). */
int signer_wire_recv(int fd, uint8_t *type, uint8_t *buf, size_t cap, size_t *len);

void signer_wire_put64(uint8_t *p, uint64_t v);
uint64_t signer_wire_get64(const uint8_t *p);

#endif

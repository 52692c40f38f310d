/* session.h -- a blocking client connection to samvirked: connect, Noise IK, framed requests. */
#ifndef SAMVIRKE_SESSION_H
#define SAMVIRKE_SESSION_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "config.h"
#include "keys.h"

#define SESSION_TIMEOUT_MS 10000        /* default deadline for connect+handshake and per call */
#define SESSION_CLIENT_NAME "samvirke/0.1"
#define SESSION_MAX_EVENTS 4096         /* pushed events kept while nobody asks for them */

typedef struct session session;

/* Everything needed to open a session without any files (tests, benchmarks, other tools). */
typedef struct session_params {
  const char *address;      /* "host:port", "[v6]:port" or "unix:PATH" */
  const uint8_t *server_pk; /* the daemon's Noise static public key, 32 bytes */
  const uint8_t *client_sk; /* this client's X25519 Noise static secret, 32 bytes */
  int timeout_ms;           /* <= 0: SESSION_TIMEOUT_MS */
  const char *client_name;  /* NULL: SESSION_CLIENT_NAME */
  size_t max_frame;         /* 0: FRAME_DEFAULT_MAX (largest response frame accepted) */
} session_params;

/* Connect and run the Noise IK handshake as initiator (prologue SAMVIRKE_PROLOGUE, payload
 * {"v":1,"client":NAME}), all within the timeout. Returns the session, or NULL with one line in
 * err, e.g. "cannot connect to 127.0.0.1:7350: Connection refused" or "handshake failed: the
 * server closed the connection (wrong server key?)". The secret is copied into the handshake's
 * secure memory and not kept. Caller closes with session_close. */
session *session_connect(const session_params *p, char *err, size_t errlen);

/* session_connect with the server from cfg (which must name one: see
 * client_config_require_server) and id's Noise key. */
session *session_open(const client_config *cfg, const sv_identity *id, char *err, size_t errlen);

/* Close the socket and free everything, including queued events. NULL is a no-op. */
void session_close(session *s);

/* Deadline for each later call (session_call waits at most this long for its response). */
void session_set_timeout(session *s, int timeout_ms);

/* The address as given ("127.0.0.1:7350"), for messages. */
const char *session_address(const session *s);

/* The "member" map from the handshake reply, or NULL when the daemon said the key is not
 * enrolled (nil). Valid until session_close. */
const msgpack_object *session_member(const session *s);

/* Send req and wait for the response with the same id. session_call assigns req->id (a fresh
 * number per call) before encoding. Frames for other ids (answers to calls that timed out)
 * are dropped; pushed frames with an "event" key are queued for session_next_event.
 * resp is initialised here; the caller must msgpack_unpacked_destroy it whatever the result.
 * Returns:
 *   0  the response said "ok": true; resp->data is the whole response map (see
 *      session_result for its "result");
 *   1  the daemon answered "ok": false: err = "<code>: <message>", the code is also
 *      session_last_error_code(s), resp holds the response;
 *  -1  encoding or transport failure (err says what; the session is unusable afterwards,
 *      except for an encoding error, which sends nothing). */
int session_call(session *s, sv_request *req, msgpack_unpacked *resp, char *err, size_t errlen);

/* The "result" of a response map from session_call (NULL if absent). */
const msgpack_object *session_result(const msgpack_unpacked *resp);

/* The error code of the last session_call that returned 1, "" otherwise. */
const char *session_last_error_code(const session *s);

/* The "audit" sequence number of the last response; false if it carried none. */
bool session_last_audit(const session *s, uint64_t *seq);

/* Wait up to timeout_ms (0: only look; < 0: forever) for a pushed event frame. Returns 1 with
 * the frame's map in *ev (caller must msgpack_unpacked_destroy it), 0 on timeout (ev empty,
 * still to be destroyed), -1 on transport failure with err set. */
int session_next_event(session *s, int timeout_ms, msgpack_unpacked *ev, char *err,
                       size_t errlen);

/* Events dropped because more than SESSION_MAX_EVENTS were waiting. */
uint64_t session_events_dropped(const session *s);

/* ---- low level, for tests and benchmarks ---- */

/* Seal one frame body (any bytes, normally one msgpack map) and send it. 0 or -1 with err. */
int session_send_frame(session *s, const uint8_t *body, size_t len, char *err, size_t errlen);
/* Receive the next frame of any kind within timeout_ms (< 0: forever) into *body (malloc'd,
 * caller frees). Returns 1, 0 on timeout, -1 on transport failure or EOF with err set. */
int session_recv_frame(session *s, int timeout_ms, uint8_t **body, size_t *len, char *err,
                       size_t errlen);
/* Write bytes to the socket as they are (garbage or hand-made Noise messages). 0 or -1. */
int session_send_raw(session *s, const uint8_t *bytes, size_t len, char *err, size_t errlen);
/* The socket descriptor (non-blocking); owned by the session. */
int session_fd(const session *s);

#endif

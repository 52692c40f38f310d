/* conn.h -- client connections, transport only: the Noise IK handshake, framed encrypted
 * transport, limits (connections, frame size, write queue, requests in flight) and timers.
 * Each complete frame goes to the request module; answers come back through the session's
 * transport functions. */
#ifndef SAMVIRKED_CONN_H
#define SAMVIRKED_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "admit.h"
#include "config.h"
#include "keys.h"
#include "noise_sscache.h"
#include "request.h"

typedef struct conn conn;

/* What every connection shares: the loop, limits, the daemon's Noise key, the request module,
 * and the list of connections (for the connection limit and shutdown). */
typedef struct conn_env {
  uv_loop_t *loop;
  const config *cfg;
  const sv_daemon_keys *keys;
  requests *rq;
  conn *list;        /* every connection not yet closing */
  conn *closing;     /* closed connections not yet freed (their jobs, writes still out) */
  uint32_t n;
  uint64_t next_id;
  bool stopping;     /* no more requests are read */
  conn *dirty;       /* connections with frames gathered for their next write */
  uv_check_t flush;  /* writes them at the end of every loop iteration */
  bool flush_on;
  /* Admission (limits in config.h): connections still in the handshake, oldest first (the
   * oldest is pushed out for a new one at max_handshakes), and connections of keys that are
   * not enrolled; per-address counts and request rates live in adm. */
  admit *adm;
  conn *hs_head, *hs_tail;
  uint32_t handshaking, unenrolled;
  /* A connection that could not be given memory stays queued in its listener (libuv reads
   * no further connections from it until one is accepted): accepting is retried from here. */
  uv_timer_t accept_retry;
  uv_stream_t *retry_listener[2]; /* [is_pipe] */
  bool retry_on;
  /* The static-static DH of keys that handshook lately (noise_sscache.h): a member who
   * reconnects costs one X25519 less. Used on the loop thread only. */
  noise_sscache *sscache;
} conn_env;

/* Set up env (all borrowed) and its flush handle on loop. 0, or -1 when libuv refuses. */
int conn_env_init(conn_env *env, uv_loop_t *loop, const config *cfg, const sv_daemon_keys *keys,
                  requests *rq);
/* Close env's flush handle (after conn_shutdown_all, before the loop ends). */
void conn_env_close(conn_env *env);
/* Free env's admission table once the loop has ended (every connection is gone). */
void conn_env_free(conn_env *env);
/* Wipe what env keeps for the static key noise_pk (its remembered ss), as for a revoked key.
 * Returns whether there was anything. */
bool conn_forget_key(conn_env *env, const uint8_t noise_pk[32]);
/* Accept a client from listener (a TCP or Unix socket server) and start its handshake. */
void conn_accept(conn_env *env, uv_stream_t *listener, bool is_pipe);
/* Shutdown begins: stop reading requests on every connection; answers still go out. */
void conn_stop_reading(conn_env *env);
/* Shutdown ends (nothing in flight): flush and close every connection; a client that does
 * not read is closed after the handshake timeout. */
void conn_shutdown_all(conn_env *env);

#endif

/* server.h -- the daemon's libuv side: listeners, connections, signals, policy, shutdown. */
#ifndef SAMVIRKED_SERVER_H
#define SAMVIRKED_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "directory.h"
#include "frame.h"
#include "job.h"
#include "keys.h"
#include "noise.h"
#include "policy.h"
#include "store.h"

struct server;

enum conn_state { CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSING };

/* One client connection. Heap-allocated; freed only when its handles are closed and no job
 * refers to it any more. */
typedef struct conn {
  struct server *srv;
  uint64_t id;
  union {
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  uv_timer_t timer;
  enum conn_state state;
  int handles_open;      /* stream + timer not yet closed */
  uint32_t inflight;     /* jobs submitted and not yet back */
  uint64_t write_queued; /* bytes handed to libuv and not yet written */
  bool reading;
  bool refused;          /* handshake answered with a refusal; closing after the write */
  noise_handshake *hs;
  frame_msgsplit *split; /* handshake message reassembly */
  frame_reader *rd;
  frame_writer *wr;
  actor who;
  struct conn *prev, *next; /* server's list of open connections */
} conn;

/* The operation table entry the loop thread uses for a decoded request. */
typedef struct op_entry {
  const char *action; /* policy action name */
  const char *klass;  /* policy class name, or NULL when the op decides it (prepare) */
  bool unenrolled_ok; /* a key that is not enrolled may call it */
  /* Loop-thread validation and preparation (guards, class/level, pre-packed results).
   * Returns 0, or -1 with job->err set. May be NULL. */
  int (*prepare)(struct server *srv, job *j, int *level);
  job_exec_fn exec;   /* storage-thread work, or NULL */
} op_entry;

typedef struct server {
  uv_loop_t *loop;
  config cfg;
  sv_daemon_keys *keys;
  store *st;
  directory dir;
  policy *pol;
  uint8_t policy_hash[32];
  char policy_hash_hex[65];
  int op_action[64], op_class[64]; /* per sv_op: policy ids, -1 when undeclared */
  uv_tcp_t tcp;
  uv_pipe_t pipe;
  bool tcp_on, pipe_on;
  uv_signal_t sigterm, sigint, sighup;
  uv_timer_t sweep;       /* periodic: note TTL expiry */
  uint64_t note_next_expiry; /* earliest expiry of a stored note (Unix s), UINT64_MAX: none */
  bool note_sweeping;        /* an expiry job is in flight */
  conn *conns;            /* open connections */
  uint32_t nconns;
  uint64_t next_conn_id;
  uint32_t jobs_inflight;
  bool stopping;
  int exit_code;
} server;

/* Run the daemon from directory dir until SIGTERM/SIGINT. Returns the process exit code. */
int server_run(const char *dir, enum store_verify verify);

/* conn.c */
void conn_accept(server *srv, uv_stream_t *listener, bool is_pipe);
void conn_close(conn *c, const char *why);
/* (Re)arm c's timer: c is closed if it is still open ms from now. */
void conn_deadline(conn *c, uint64_t ms);
/* A job for c was queued (loop thread): count it, and pause reading at max_inflight. */
void conn_job_submitted(conn *c);
/* Seal and queue one frame (msgpack body) to c; drops c if its write queue is over the limit. */
void conn_send_frame(conn *c, const char *body, size_t len);
/* A finished job comes back (loop thread): send its response and apply its effects. */
void conn_job_done(job *j, void *ctx);
void server_maybe_finish(server *srv);

/* dispatch.c */
void dispatch_frame(conn *c, const uint8_t *frame, size_t len);
/* Resolve the op table against the current policy (after load/reload). */
void dispatch_bind_policy(server *srv);
/* Pack the member map used by the handshake payload and whoami ({name, role, keyid, ...}). */
void dispatch_pack_member(msgpack_packer *pk, const dir_member *m);
/* Submit a daemon-internal audit entry (policy reload, ...). */
void dispatch_internal(server *srv, const char *op, const char *klass, const char *object,
                       const char *rule);
const op_entry *dispatch_op(enum sv_op op);
/* Submit a prepared job (member request or internal) to storage, counting it in flight. */
void dispatch_submit(server *srv, job *j);
/* The audit entry's rule field for a decision: prefix, then "name (file:line)" with the policy
 * file's base name, or "default deny". Always fits cap (> 16): a long name is cut at a UTF-8
 * character boundary and marked "...", the location is kept whole. */
void dispatch_format_rule(char *out, size_t cap, const char *prefix, const policy_decision *d);

#endif

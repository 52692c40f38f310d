/* request.h -- a request's whole life: the sessions requests come from, decode, prepare, the
 * one authorization function every policy question goes through, submission to storage, and
 * completion (the response and its effects: the directory cache, re-authorised sessions,
 * pushes). It knows no socket and no store: a transport gives it sessions, and the caller of
 * request_new says how a job reaches storage. Loop thread, except where marked. */
#ifndef SAMVIRKED_REQUEST_H
#define SAMVIRKED_REQUEST_H

#include <msgpack.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "config.h"
#include "directory.h"
#include "job.h"
#include "policy.h"

struct store;
typedef struct requests requests;
typedef struct rq_session rq_session;

/* What the request module needs of the transport a session lives on (conn.c, or a test's). */
typedef struct rq_transport {
  /* Queue one frame (body: one msgpack map) to the session's peer. room is what the request
   * module held for it (an answer's room, s->held): the transport counts the sealed frame in
   * its place in one step (request_hold with the frame's size minus room), or gives room back
   * (request_hold with -room) when it sends nothing. */
  void (*send)(rq_session *s, const char *body, size_t len, uint64_t room);
  /* Drop the connection (why is for the log). The transport calls request_session_close. */
  void (*close)(rq_session *s, const char *why);
  /* s->inflight grew: the transport may stop reading at its limit. */
  void (*submitted)(rq_session *s);
  /* A job of s came back and s->inflight shrank: the transport may read more requests, or
   * free a closed connection. The request module does not touch s after this call. */
  void (*returned)(rq_session *s);
  /* s, opened with a key that was not enrolled, now acts as the member that key enrolled
   * (its limits may rise). May be NULL. */
  void (*enrolled)(rq_session *s);
  /* An answer for s was refused because answers for all peers fill their part of
   * max_buffered: the transport may drop the connections that hold the most (the answers a
   * peer does not read must not keep everyone else's out). May be NULL. */
  void (*over_budget)(rq_session *s);
} rq_transport;

/* One authenticated peer as the request module knows it. The transport owns the memory (it
 * embeds it) and keeps it while inflight > 0, also after request_session_close. */
struct rq_session {
  const rq_transport *t;
  uint64_t id;       /* the connection's number, for logs */
  actor who;         /* filled by request_session_open; re-authorised by directory changes */
  uint32_t inflight; /* its requests, and deliveries to it, not yet back from storage */
  bool linked;       /* open: pushes and directory changes reach it */
  rq_session *prev, *next;
  /* Bytes the daemon holds for this peer: answers built and not yet sent (each counted as
   * the bytes its sealed frame will take), and what the transport has queued for writing
   * (request_hold). The storage thread refuses an answer that would take it past
   * max_write_queue, or the daemon's total past max_buffered (too_large), before it is kept. */
  _Atomic uint64_t held;
  _Atomic uint64_t *held_all; /* the daemon's total (request_hold); set by request_session_open */
  _Atomic bool closed;        /* request_session_close: answers built for it are not kept */
};

/* What a handler sees on the loop thread: read-only state for its checks. Handlers see no
 * session, server or store; they ask questions (request_ask, request_authorize) and address
 * members (request_push) through this context. */
typedef struct rq_ctx {
  const config *cfg;
  const policy *pol;
  const directory *dir;
  const uint8_t *policy_hash; /* SHA-256 of the text of the policy in force */
} rq_ctx;

/* Loop-thread validation and preparation of an op: argument guards, the data class (j->klass)
 * and the level (*level, an enum policy_level, preset to POLICY_LEVEL_NONE) that the caller's
 * own decision is asked with, further questions and pushes. Returns 0, or -1 with j->err set:
 * bad_request means no policy question can be asked; any other error is the answer when the
 * policy permits (a denied refusal keeps the rule it set with job_deny). */
typedef int (*op_prepare_fn)(rq_ctx *ctx, job *j, int *level);

/* One op: the policy action and class it is asked as, and its handlers. */
typedef struct op_entry {
  const char *action;     /* policy action name; NULL: the op is not served */
  const char *klass;      /* policy class name, or NULL when prepare decides it */
  bool unenrolled_ok;     /* a key that is not enrolled may call it (no policy question) */
  op_prepare_fn prepare;  /* may be NULL */
  job_exec_fn exec;       /* storage-thread work, or NULL (nothing to do but log) */
} op_entry;

/* How a job reaches storage (store_submit), and what to call when none is left in flight. */
typedef void (*rq_submit_fn)(void *ctx, job *j);
typedef void (*rq_drained_fn)(void *ctx);

/* A request module serving ops (SV_OP__COUNT entries, indexed by enum sv_op; borrowed) under
 * cfg (borrowed), with the member directory *dir (moved in: *dir is left empty). There is no
 * policy until request_set_policy. NULL on allocation failure. */
requests *request_new(const config *cfg, const op_entry *ops, directory *dir, rq_submit_fn submit,
                      void *submit_ctx, rq_drained_fn drained, void *drained_ctx);
/* Free the module, its directory and policy. Sessions and jobs must be gone. NULL is a no-op. */
void request_free(requests *rq);
/* Put pol (taken; the previous one is freed) in force for requests that arrive from now on. */
void request_set_policy(requests *rq, policy *pol);
/* Hex SHA-256 of the policy in force. */
const char *request_policy_hash_hex(const requests *rq);
/* What to call when a member's revocation has committed, with the key it revoked (the
 * transport forgets what it keeps for that key); returns whether anything was kept. */
typedef bool (*rq_revoked_fn)(void *ctx, const uint8_t noise_pk[32]);
void request_on_revoked(requests *rq, rq_revoked_fn fn, void *ctx);
/* The handler context (for daemon-internal work such as the note sweep). */
rq_ctx *request_ctx(requests *rq);
/* Jobs submitted and not yet back. */
uint32_t request_inflight(const requests *rq);
/* Requests from members' sessions that have come back from storage since the start. */
uint64_t request_answered(const requests *rq);

/* The most that answers built and not yet written may take of a limit on what the daemon
 * holds (request_hold): of max_write_queue for one peer, of max_buffered for all. 7/8 of it;
 * the rest is room for reads, pushes and small answers (errors, pings), which are not refused. */
uint64_t request_answers_max(uint64_t limit);

/* Whether noise_pk is the key of an active member. */
bool request_key_enrolled(const requests *rq, const uint8_t noise_pk[32]);
/* Whether noise_pk is the key of a revoked member (refused at the handshake whatever else). */
bool request_key_revoked(const requests *rq, const uint8_t noise_pk[32]);
/* A handshake with static key noise_pk finished on s (whose t and id are set): fill s->who from
 * the directory and append the responder's payload ({"v":1,"ok":..,"member":..}) to payload.
 * Returns true when s is open for requests (now linked), false when the key is refused: a
 * revoked key, or refusal (an error code and message, e.g. a transport limit) when not NULL.
 * Then the payload says why, s is not linked, and the transport sends it and closes. */
typedef struct rq_refusal {
  enum sv_err code;
  const char *message;
} rq_refusal;
bool request_session_open(requests *rq, rq_session *s, const uint8_t noise_pk[32],
                          const rq_refusal *refusal, msgpack_sbuffer *payload);
/* The transport closed s: nothing more is sent to it. Its jobs still come back (returned). */
void request_session_close(requests *rq, rq_session *s);
/* One request frame from s: decode, prepare, authorize, submit. Every frame gets a response
 * and an audit entry; the frame is not referenced after the call. */
void request_frame(requests *rq, rq_session *s, const uint8_t *frame, size_t len);
/* A frame from s that the transport refuses (over a rate limit): it is decoded only for its id
 * and op, answered with err and message and audited as denied by rule. */
void request_frame_refused(requests *rq, rq_session *s, const uint8_t *frame, size_t len,
                           enum sv_err err, const char *rule, const char *message);
/* The transport refused s at the end of its handshake (a revoked key, too many connections):
 * audit it as op "handshake" denied by rule with err; suppressed says how many refusals of
 * the same key were left out of the log before this one. */
void request_refuse_session(requests *rq, const rq_session *s, const char *rule, enum sv_err err,
                            uint32_t suppressed);
/* Add delta bytes the transport holds (read buffers, write queues) to s's held (NULL: none)
 * and to the total for all peers. Returns the new total. Any thread. */
uint64_t request_hold(requests *rq, rq_session *s, int64_t delta);
/* Submit a daemon-internal entry (job_internal), counted in flight. Takes ownership. */
void request_submit_internal(rq_ctx *ctx, job *j);
/* A finished job comes back from storage (store_done_fn; ctx is the requests): apply its
 * effects, send its response or push, then finish its follow-ups. Frees j. */
void request_done(job *j, void *ctx);
/* Storage thread, inside the batch (store's run function): check that the decision made on the
 * loop thread still holds (the member is not revoked and has the same role), then run
 * j->exec when it has one (ping and whoami have none). Returns as job_exec_fn. */
int request_run(struct store *st, job *j);

/* ---- authorization: every policy question goes through request_authorize ---------------- */

/* One question: may role do action on klass at level (in area, for purpose)? */
typedef struct rq_question {
  const char *role;        /* role name as the directory holds it */
  const char *action;      /* action name */
  const char *klass;       /* class name; NULL is undeclared */
  enum policy_level level;
  const char *area;        /* NULL: none */
  const char *purpose;     /* NULL or "": none */
  bool recipient;          /* asked for a recipient, not the caller: the regime must admit the
                            * role too, and the rule is logged as "<action>: <rule>" */
} rq_question;

/* Answer q under the policy in force into *out: permit, and the rule formatted for the audit
 * log -- "name (file:line)" with the policy file's base name, "default deny", or "default deny
 * (role|action|class not declared by the policy)"; a long name is cut at a UTF-8 character
 * boundary and marked "...", the location kept whole -- and the rule's name for messages. */
void request_authorize(const rq_ctx *ctx, const rq_question *q, decision *out);
/* The caller's own question for j: its role, its op's action, klass at level, and j's area and
 * purpose. The answer goes to *out, not to j. */
void request_ask(const rq_ctx *ctx, const job *j, const char *klass, enum policy_level level,
                 decision *out);
/* The rule of the audit entry of a request refused because its purpose is not one the policy
 * declares (request_purpose). */
#define RQ_RULE_UNDECLARED_PURPOSE "undeclared purpose"
/* Take purpose, as a client stated it, as j's purpose: "" (none) or a code the policy in force
 * declares. Anything else (free text, a code with a space or a capital, a code the policy does
 * not declare) refuses j with invalid before any policy question is asked: decision deny, rule
 * RQ_RULE_UNDECLARED_PURPOSE, j->code_refused set and j->purpose left empty, so the offered
 * text never reaches the audit log. Returns 0 or -1. */
int request_purpose(const rq_ctx *ctx, job *j, const char *purpose);
/* The rule of the audit entry of a request refused because the class its envelope states is
 * not one the policy declares (request_class). */
#define RQ_RULE_UNDECLARED_CLASS "undeclared class"
/* klass is a class a client stated in an envelope's header. When the policy in force declares
 * it, it becomes j's class unless j has one of its own already (the op's, e.g. core-meeting).
 * Any other (a well-formed class name may still be a CPR number) refuses j with invalid before
 * any policy question is asked, as request_purpose does: decision deny, rule
 * RQ_RULE_UNDECLARED_CLASS, j->code_refused set, and klass is not copied. Returns 0 or -1. */
int request_class(const rq_ctx *ctx, job *j, const char *klass);
/* Make d j's decision; a denial sets j's error (denied, naming the rule when it has a name). */
void request_apply(job *j, const decision *d);
/* Storage thread: the stored object's level is known. When it is the level of the alternative
 * asked in prepare (j->alt), switch j's class and decision to it. Returns 0, or -1 when the
 * decision now denies (j's error set). */
int request_settle(job *j, int stored_level);
/* Push to every open session of member: for each, a delivery (job_internal with op, j's class,
 * object and purpose, the recipient as actor) follows j -- audited in j's transaction right
 * after it, only if j succeeds -- and once durable, push packs the frame sent to that session.
 * exec runs for each delivery in storage (may be NULL). Returns the number of deliveries. */
int request_push(rq_ctx *ctx, job *j, int64_t member, const char *op, job_exec_fn exec,
                 job_push_fn push);

#endif

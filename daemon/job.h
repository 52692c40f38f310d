/* job.h -- one request (or daemon-internal entry) on its way from the loop thread through
 * storage and back: the record, its constructors, and the audit entry built from it. */
#ifndef SAMVIRKED_JOB_H
#define SAMVIRKED_JOB_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit_entry.h"
#include "codec.h"
#include "keys.h"

struct dir_member;
struct rq_session;
struct store;
struct job;

/* Who made a request, as the loop thread knew it when the request arrived. */
typedef struct actor {
  int64_t member_id;               /* 0: key not enrolled */
  char keyid[CARD_KEYID_HEX];      /* member key id, or derived from the Noise key */
  char name[CARD_NAME_MAX + 1];
  char role[32];                   /* "" when not enrolled */
  uint8_t noise_pk[32];
} actor;

/* An authorization answer as the audit entry records it (request_authorize makes the policy's;
 * job_deny the daemon's own refusals). */
typedef struct decision {
  bool permit;
  char rule[AUDIT_NAME_MAX + 1]; /* the deciding rule: "name (file:line)", "default deny", ... */
  char rule_name[64];            /* what a denial may tell the caller: the rule's name, or "" */
} decision;

/* Storage-side work of an op: runs inside the batch transaction on the storage thread.
 * It packs its result into job->result (one msgpack object) or sets job->err/errmsg, and may
 * fill job->object with the id of what it touched. Returns 0, or -1 to roll its changes back
 * (job->err must then be set). */
typedef int (*job_exec_fn)(struct store *st, struct job *job);
/* Loop-thread hook run when a job comes back from storage, before its response is sent: the
 * op's own effects (a note's expiry time). Must not free the job. */
typedef void (*job_done_fn)(struct job *job);
/* Pack the frame pushed to a delivery's session once the delivery is audited (one msgpack map
 * with an "event" key). */
typedef void (*job_push_fn)(msgpack_packer *pk, const struct job *delivery);

/* A change to the member directory the loop thread applies after the commit (request.c):
 * the directory cache, and the sessions made with the member's key. */
enum job_effect { EFFECT_NONE = 0, EFFECT_MEMBER_ADDED, EFFECT_MEMBER_CHANGED,
                  EFFECT_MEMBER_REVOKED };

typedef struct job {
  struct job *next;
  /* Set on the loop thread before submission. */
  struct rq_session *session; /* loop thread only: the caller's session, or for a delivery
                                 * the recipient's; NULL for daemon-internal entries */
  bool internal;         /* an entry the daemon logs on its own (policy reload, delivery) */
  sv_request req;        /* owned; valid when decoded */
  bool decoded;
  actor who;
  char op[32];           /* op name for the audit entry */
  char klass[32];        /* data class for the audit entry ("" if none) */
  char object[AUDIT_OBJECT_MAX + 1]; /* object id ("" if none); exec may set it */
  char purpose[256];      /* "" or a code the policy declares (request_purpose) */
  bool code_refused;      /* a purpose or class it stated is not declared by the policy:
                           * refused before any policy question, and not logged */
  decision dec;          /* the decision the audit entry records */
  uint8_t policy_hash[32];
  enum sv_err err;       /* error decided before storage (bad_request, denied, ...) */
  char errmsg[256];
  job_exec_fn exec;      /* NULL: nothing to do but log */
  bool one_write;        /* exec changes the database in at most one statement, as its last
                          * step that can fail, so it runs without a savepoint (a statement
                          * that fails undoes itself); an exec that fails after changing a row
                          * anyway fails the whole batch */
  uint64_t result_max;   /* one_write requests: the most bytes exec's result takes, counted
                          * against the session's limit before exec runs */
  bool audit_if_changed; /* internal jobs only: no audit entry when exec changed no row (a
                          * sweep that found nothing); every request is audited */
  job_done_fn done;      /* NULL: no op-specific effect */
  void *op_data;         /* the op's own state from prepare to exec and done (owned, free()) */
  /* Follow-ups (linked by next, owned): jobs the storage thread runs right after this one in
   * the same transaction, only if this one succeeded and was audited (note deliveries: the
   * send's entry and its deliveries' entries become durable in one commit). When this one
   * fails they are dropped: neither run nor audited. They come back with this job; the loop
   * thread finishes them after it (request_done), so they may borrow from it (lead). */
  struct job *follow;
  const struct job *lead; /* follow-ups: the job they follow (loop thread) */
  job_push_fn push;      /* a delivery: the frame sent to session once audited */
  uint64_t lead_seq;     /* follow-ups: the audit seq of the job they follow (set by storage) */
  bool dropped;          /* a follow-up whose leader failed (set by storage) */
  /* Set on the storage thread. */
  bool audited;
  uint64_t audit_seq;
  msgpack_sbuffer result; /* packed result object (empty: nil) */
  bool secret_result;     /* result holds a secret (an invite code): wiped before it is freed,
                           * and so is the response packed from it */
  uint64_t held;          /* bytes of result counted in the session's held (request_run) */
  bool over_budget;       /* refused: answers for all peers fill their part of max_buffered */
  enum job_effect effect;
  struct dir_member *member; /* EFFECT_MEMBER_*: the member's new directory entry (owned) */
  /* A second policy answer asked on the loop thread, for ops whose data class or level is known
   * only once storage has read the object (an observation's level): exec switches to it
   * (request_settle), or uses it as a filter (may the caller also read group-level data?). */
  struct job_alt {
    bool asked;
    int level;            /* enum policy_level it was asked with */
    char klass[32];
    decision dec;
  } alt;
} job;

/* Allocate a zeroed job. NULL on allocation failure. */
job *job_new(void);
/* A daemon-internal entry, permitted by the daemon's own rule: op ("policy.reload"), class,
 * object and rule as given ("" for none). The actor is the daemon (key id "-", role "daemon"),
 * or who when given (a delivery names its recipient). NULL on allocation failure. */
job *job_internal(const actor *who, const char *op, const char *klass, const char *object,
                  const char *rule);
/* Free a job, its follow-ups and everything it owns. NULL is a no-op. */
void job_free(job *j);
/* Give back the memory of j's result (wiped first when secret_result); j->result is empty. */
void job_drop_result(job *j);
/* Set an error on a job (printf-style message); the decision is left as it is. */
void job_fail(job *j, enum sv_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Refuse j by one of the daemon's own rules (not the policy's): the decision becomes deny with
 * rule as the audit entry's rule, and j gets err with the message. */
void job_deny(job *j, enum sv_err err, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The audit entry recording j as it finished (storage thread, after exec): a version 2 entry
 * with every field but seq, which the log assigns; its outcome is j's error code (or "ok"),
 * its salt fresh random bytes. This is the one place an entry is made from a request. Text
 * that came from a client is cleaned so the entry always encodes. */
void job_audit_entry(const job *j, audit_entry *e);

#endif

/* job.h -- one request on its way from the loop thread through storage and back. */
#ifndef SAMVIRKED_JOB_H
#define SAMVIRKED_JOB_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "keys.h"

struct conn;
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

/* Storage-side work of an op: runs inside the batch transaction on the storage thread.
 * It packs its result into job->result (one msgpack object) or sets job->err/errmsg, and may
 * fill job->object with the id of what it touched. Returns 0, or -1 to roll its changes back
 * (job->err must then be set). */
typedef int (*job_exec_fn)(struct store *st, struct job *job);

/* A change the loop thread must apply after the commit (directory cache, connections). */
enum job_effect { EFFECT_NONE = 0, EFFECT_MEMBER_ADDED, EFFECT_MEMBER_CHANGED, EFFECT_MEMBER_REVOKED,
                  EFFECT_NOTE_STORED, /* a note was stored: push it to connected recipients */
                  EFFECT_NOTE_PUSH,   /* a delivery is audited: send the pushed frame */
                  EFFECT_NOTE_SWEPT   /* expired notes were deleted: next expiry time */ };

typedef struct job {
  struct job *next;
  /* Set on the loop thread before submission. */
  struct conn *conn;     /* loop thread only: storage never dereferences it */
  bool internal;         /* an entry the daemon logs on its own (policy reload, delivery) */
  sv_request req;        /* owned; valid when decoded */
  bool decoded;
  actor who;
  char op[32];           /* op name for the audit entry */
  char klass[32];        /* data class for the audit entry ("" if none) */
  char object[80];       /* object id ("" if none); exec may set it */
  char purpose[256];
  bool permit;           /* the policy's decision */
  char rule[65];         /* the deciding rule: "name (file:line)" or "default deny" */
  char rule_name[64];    /* what a denial may reveal: the rule's name, or "" */
  uint8_t policy_hash[32];
  enum sv_err err;       /* error decided before storage (bad_request, denied, ...) */
  char errmsg[256];
  job_exec_fn exec;      /* NULL: nothing to do but log */
  /* Follow-ups (linked by next, owned): jobs the storage thread runs right after this one in
   * the same transaction, only if this one succeeded and was audited (note deliveries: the
   * send's entry and its deliveries' entries become durable in one commit). When this one
   * fails they are dropped: neither run nor audited. They come back with this job; the loop
   * thread finishes them after it (conn_job_done). */
  struct job *follow;
  uint64_t lead_seq;     /* follow-ups: the audit seq of the job they follow (set by storage) */
  bool dropped;          /* a follow-up whose leader failed (set by storage) */
  /* Set on the storage thread. */
  bool audited;
  uint64_t audit_seq;
  msgpack_sbuffer result; /* packed result object (empty: nil) */
  bool secret_result;     /* result holds a secret (an invite code): wiped before it is freed,
                           * and so is the response packed from it */
  enum job_effect effect;
  int64_t effect_member;  /* member id the effect concerns */
  void *effect_data;      /* effect payload, freed by the loop thread */
  /* A second policy answer asked on the loop thread, for ops whose data class or level is known
   * only once storage has read the object (an observation's level): exec switches to it
   * (ops_area.c), or uses it as a filter (may the caller also read group-level data?). */
  struct job_alt {
    bool asked;
    bool permit;
    int level;            /* enum policy_level it was asked with */
    char klass[32];
    char rule[65];
    char rule_name[64];
  } alt;
} job;

/* Allocate a zeroed job. NULL on allocation failure. */
job *job_new(void);
/* Free a job and everything it owns. */
void job_free(job *j);
/* Make j an entry the daemon logs on its own (j->internal): actor "-" with role "daemon", the
 * given op, data class, object id (may be "") and deciding rule, permitted. */
void job_internal(job *j, const char *op, const char *klass, const char *object,
                  const char *rule);
/* Set an error on a job (printf-style message). */
void job_fail(job *j, enum sv_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

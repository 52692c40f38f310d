/* request.c -- a request's whole life: sessions, decode, prepare, authorization, submission,
 * completion (see request.h). */
#include "request.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct requests {
  rq_ctx ctx; /* first: handlers' context pointers convert back (from_ctx) */
  const config *cfg;
  const op_entry *ops;
  directory dir;
  policy *pol;
  uint8_t policy_hash[32];
  char policy_hash_hex[65];
  rq_session *sessions; /* open sessions */
  uint32_t inflight;
  uint64_t answered; /* requests answered since the start (status) */
  rq_submit_fn submit;
  void *submit_ctx;
  rq_drained_fn drained;
  void *drained_ctx;
  rq_revoked_fn revoked; /* may be NULL */
  void *revoked_ctx;
  _Atomic uint64_t held_total; /* request_hold: bytes held for all peers */
};

static requests *from_ctx(rq_ctx *ctx) { return (requests *)ctx; }
static const requests *from_cctx(const rq_ctx *ctx) { return (const requests *)ctx; }

requests *request_new(const config *cfg, const op_entry *ops, directory *dir, rq_submit_fn submit,
                      void *submit_ctx, rq_drained_fn drained, void *drained_ctx) {
  assert(cfg != NULL && ops != NULL && dir != NULL && submit != NULL);
  requests *rq = calloc(1, sizeof *rq);
  if (rq == NULL) return NULL;
  rq->cfg = cfg;
  rq->ops = ops;
  rq->dir = *dir;
  directory_init(dir);
  rq->submit = submit;
  rq->submit_ctx = submit_ctx;
  rq->drained = drained;
  rq->drained_ctx = drained_ctx;
  rq->ctx.cfg = cfg;
  rq->ctx.dir = &rq->dir;
  rq->ctx.policy_hash = rq->policy_hash;
  return rq;
}

void request_free(requests *rq) {
  if (rq == NULL) return;
  assert(rq->inflight == 0);
  directory_free(&rq->dir);
  policy_free(rq->pol);
  free(rq);
}

void request_set_policy(requests *rq, policy *pol) {
  assert(pol != NULL);
  size_t len = 0;
  const char *text = policy_source(pol, &len);
  policy_free(rq->pol);
  rq->pol = pol;
  rq->ctx.pol = pol;
  crypto_hash_sha256(rq->policy_hash, (const unsigned char *)text, len);
  util_hex(rq->policy_hash_hex, rq->policy_hash, 32);
}

const char *request_policy_hash_hex(const requests *rq) { return rq->policy_hash_hex; }
rq_ctx *request_ctx(requests *rq) { return &rq->ctx; }

void request_on_revoked(requests *rq, rq_revoked_fn fn, void *ctx) {
  rq->revoked = fn;
  rq->revoked_ctx = ctx;
}

uint64_t request_answered(const requests *rq) { return rq->answered; }

uint32_t request_inflight(const requests *rq) { return rq->inflight; }

/* ---- authorization ------------------------------------------------------------------------ */

/* The audit entry's rule field for a policy decision: prefix, then "name (file:line)" with the
 * policy file's base name, or "default deny". Always fits cap (> 16): a long name is cut at a
 * UTF-8 character boundary and marked "...", the location is kept whole. */
static void format_rule(char *out, size_t cap, const char *prefix, const policy_decision *d) {
  assert(cap > 16);
  if (d->rule_index < 0) {
    snprintf(out, cap, "%sdefault deny", prefix);
    return;
  }
  const char *file = d->file ? d->file : "?";
  const char *slash = strrchr(file, '/');
  if (slash != NULL && slash[1] != '\0') file = slash + 1;
  char where[48]; /* " (file:line)", the file name cut to fit */
  int wn = snprintf(where, sizeof where, " (%.*s:%d)", 24, file, d->line);
  if (wn < 0) wn = 0;
  const char *name = d->rule_name ? d->rule_name : "";
  size_t plen = strlen(prefix), room = cap - 1;
  size_t keep = strlen(name);
  size_t fixed = plen + (size_t)wn;
  if (fixed >= room) {
    if (snprintf(out, cap, "%s%s", prefix, where + 1) >= (int)cap)
      log_debug("audit rule cut to %zu bytes", cap - 1); /* the location did not fit whole */
    return;
  }
  if (keep > room - fixed) {
    /* Cut the name at a character boundary and mark the cut; the location stays whole. */
    keep = room - fixed >= 3 ? room - fixed - 3 : 0;
    while (keep > 0 && ((unsigned char)name[keep] & 0xc0) == 0x80) keep--;
    if (snprintf(out, cap, "%s%.*s...%s", prefix, (int)keep, name, where) >= (int)cap)
      log_debug("audit rule cut to %zu bytes", cap - 1); /* only when even "..." did not fit */
    return;
  }
  if (snprintf(out, cap, "%s%s%s", prefix, name, name[0] ? where : where + 1) >= (int)cap)
    log_debug("audit rule cut to %zu bytes", cap - 1); /* not reached: it fits (checked above) */
}

void request_authorize(const rq_ctx *ctx, const rq_question *q, decision *out) {
  memset(out, 0, sizeof *out);
  const policy *pol = ctx->pol;
  char prefix[24] = ""; /* "<action>: ", the action cut to fit */
  if (q->recipient) snprintf(prefix, sizeof prefix, "%.20s: ", q->action ? q->action : "?");
  int role = q->role ? policy_role(pol, q->role) : -1;
  int action = q->action ? policy_action(pol, q->action) : -1;
  int cls = q->klass ? policy_class(pol, q->klass) : -1;
  if (role < 0 || action < 0 || cls < 0) {
    /* Fits but for the longest prefixes; a cut one is still logged (clean_copy mends a cut
     * character). */
    if (snprintf(out->rule, sizeof out->rule, "%sdefault deny (%s not declared by the policy)",
                 prefix, role < 0 ? "role" : action < 0 ? "action" : "class") >=
        (int)sizeof out->rule)
      log_debug("audit rule cut to %zu bytes", sizeof out->rule - 1);
    return;
  }
  policy_request pr = {
      .role = role,
      .action = action,
      .klass = cls,
      .level = q->level,
      .area = q->area,
      .purpose = q->purpose && q->purpose[0] ? q->purpose : NULL,
  };
  policy_decision d;
  policy_decide(pol, &pr, &d);
  out->permit = d.permit;
  format_rule(out->rule, sizeof out->rule, prefix, &d);
  if (d.rule_index >= 0)
    snprintf(out->rule_name, sizeof out->rule_name, "%s", d.rule_name ? d.rule_name : "");
  if (out->permit && q->recipient && !policy_role_may_receive(pol, role, cls)) {
    /* The loader proves this cannot happen; the daemon checks it again at every delivery. */
    const char *regime = policy_class_regime(pol, cls);
    out->permit = false;
    if (snprintf(out->rule, sizeof out->rule, "%soutside regime %s", prefix,
                 regime ? regime : "?") >= (int)sizeof out->rule)
      log_debug("audit rule cut to %zu bytes", sizeof out->rule - 1);
    out->rule_name[0] = '\0';
  }
}

void request_ask(const rq_ctx *ctx, const job *j, const char *klass, enum policy_level level,
                 decision *out) {
  const requests *rq = from_cctx(ctx);
  bool decoded = j->decoded && (unsigned)j->req.op < SV_OP__COUNT;
  rq_question q = {
      .role = j->who.role,
      .action = decoded ? rq->ops[j->req.op].action : NULL,
      .klass = klass,
      .level = level,
      .area = (decoded && (j->req.present & SV_BIT(SV_F_AREA))) ? j->req.a.area.ptr : NULL,
      .purpose = j->purpose,
  };
  request_authorize(ctx, &q, out);
}

int request_purpose(const rq_ctx *ctx, job *j, const char *purpose) {
  j->purpose[0] = '\0';
  if (purpose == NULL || purpose[0] == '\0') return 0;
  if (policy_purpose_find(ctx->pol, purpose) != NULL) {
    snprintf(j->purpose, sizeof j->purpose, "%s", purpose);
    return 0;
  }
  j->code_refused = true;
  job_deny(j, SV_ERR_INVALID, RQ_RULE_UNDECLARED_PURPOSE,
           "the purpose is not %s the policy declares: state one of its purpose codes (samvirke "
           "policy explain lists them); a name or a case number belongs in the note, not in the "
           "purpose",
           policy_purpose_code_valid(purpose) ? "one" : "a purpose code");
  return -1;
}

int request_class(const rq_ctx *ctx, job *j, const char *klass) {
  if (policy_class(ctx->pol, klass) >= 0) {
    if (j->klass[0] == '\0') snprintf(j->klass, sizeof j->klass, "%s", klass);
    return 0;
  }
  j->code_refused = true;
  job_deny(j, SV_ERR_INVALID, RQ_RULE_UNDECLARED_CLASS,
           "the envelope's class is not one the policy declares (samvirke policy explain lists "
           "them)");
  return -1;
}

void request_apply(job *j, const decision *d) {
  j->dec = *d;
  if (d->permit) return;
  if (d->rule_name[0])
    job_fail(j, SV_ERR_DENIED, "denied by policy rule '%s'", d->rule_name);
  else
    job_fail(j, SV_ERR_DENIED, "denied by policy (no rule permits this)");
}

int request_settle(job *j, int stored_level) {
  if (!j->alt.asked || j->alt.level != stored_level) return 0;
  snprintf(j->klass, sizeof j->klass, "%s", j->alt.klass);
  request_apply(j, &j->alt.dec);
  return j->dec.permit ? 0 : -1;
}

/* ---- submission ---------------------------------------------------------------------------- */

/* Count j in flight (and on its session) and hand it to storage. */
static void submit(requests *rq, job *j) {
  memcpy(j->policy_hash, rq->policy_hash, 32);
  rq->inflight++;
  rq_session *s = j->session;
  if (s != NULL) {
    s->inflight++;
    s->t->submitted(s);
  }
  rq->submit(rq->submit_ctx, j);
}

void request_submit_internal(rq_ctx *ctx, job *j) {
  assert(j->internal && j->session == NULL);
  submit(from_ctx(ctx), j);
}

int request_push(rq_ctx *ctx, job *j, int64_t member, const char *op, job_exec_fn exec,
                 job_push_fn push) {
  requests *rq = from_ctx(ctx);
  job **tail = &j->follow;
  while (*tail != NULL) tail = &(*tail)->next;
  int n = 0;
  for (rq_session *s = rq->sessions; s != NULL; s = s->next) {
    if (s->who.member_id != member) continue;
    job *d = job_internal(&s->who, op, j->klass, j->object, "");
    if (d == NULL) {
      log_error("out of memory: %s not pushed to %s (it stays waiting)", op, s->who.name);
      continue;
    }
    snprintf(d->purpose, sizeof d->purpose, "%s", j->purpose);
    d->session = s;
    d->lead = j;
    d->exec = exec;
    d->push = push;
    memcpy(d->policy_hash, rq->policy_hash, 32);
    /* Counted now: it comes back with j, after it. */
    rq->inflight++;
    s->inflight++;
    s->t->submitted(s);
    *tail = d;
    tail = &d->next;
    n++;
  }
  return n;
}

/* Decide j's own question (enrolled caller) with klass at level and apply the answer. */
static void decide(requests *rq, job *j, const char *klass, int level) {
  decision d;
  request_ask(&rq->ctx, j, klass, (enum policy_level)level, &d);
  request_apply(j, &d);
}

/* Count delta more (or, negative, fewer) bytes held for s's peer and for all peers. */
static void hold_add(rq_session *s, int64_t delta) {
  atomic_fetch_add(&s->held, (uint64_t)delta);
  if (s->held_all != NULL) atomic_fetch_add(s->held_all, (uint64_t)delta);
}

uint64_t request_hold(requests *rq, rq_session *s, int64_t delta) {
  if (s != NULL) atomic_fetch_add(&s->held, (uint64_t)delta);
  return atomic_fetch_add(&rq->held_total, (uint64_t)delta) + (uint64_t)delta;
}

/* A job for a frame of s, decoded. Returns NULL (s closed) on allocation failure; a frame
 * that does not decode comes back denied, ready to submit, with *decoded false. */
static job *frame_job(requests *rq, rq_session *s, const uint8_t *frame, size_t len,
                      bool *decoded) {
  (void)rq;
  job *j = job_new();
  if (j == NULL) {
    s->t->close(s, "out of memory");
    return NULL;
  }
  j->session = s;
  j->who = s->who;
  char err[256];
  enum sv_err e = sv_request_decode(frame, len, &j->req, err, sizeof err);
  j->decoded = *decoded = (e == SV_OK);
  if (e == SV_ERR_INTERNAL) /* no memory to decode it: answered (id 0 when it was not read) */
    log_warn("session %llu: out of memory decoding a request: %s", (unsigned long long)s->id,
             err);
  if (e != SV_OK) {
    /* The permanent log holds codes, never a client's free text: a frame's op is named in its
     * entry only when it is one of the protocol's ops ("?" otherwise; the rule says why). */
    enum sv_op known;
    bool named = sv_op_lookup(j->req.op_name, strlen(j->req.op_name), &known) == 0;
    snprintf(j->op, sizeof j->op, "%s", named ? sv_op_name(known) : "?");
    job_deny(j, e,
             e == SV_ERR_UNKNOWN_OP ? "unknown op"
             : e == SV_ERR_INTERNAL ? "out of memory"
                                    : "malformed request",
             "%s", err);
  } else {
    snprintf(j->op, sizeof j->op, "%s", sv_op_name(j->req.op));
  }
  return j;
}

void request_frame_refused(requests *rq, rq_session *s, const uint8_t *frame, size_t len,
                           enum sv_err err, const char *rule, const char *message) {
  bool decoded = false;
  job *j = frame_job(rq, s, frame, len, &decoded);
  if (j == NULL) return;
  job_deny(j, err, rule, "%s", message);
  submit(rq, j);
}

void request_refuse_session(requests *rq, const rq_session *s, const char *rule, enum sv_err err,
                            uint32_t suppressed) {
  char object[64] = "";
  if (suppressed > 0) snprintf(object, sizeof object, "refusals left out before: %u", suppressed);
  job *j = job_internal(&s->who, "handshake", "session", object, rule);
  if (j == NULL) {
    log_error("out of memory: a refused handshake is not audited");
    return;
  }
  job_deny(j, err, rule, "%s", rule);
  submit(rq, j);
}

void request_frame(requests *rq, rq_session *s, const uint8_t *frame, size_t len) {
  bool decoded = false;
  job *j = frame_job(rq, s, frame, len, &decoded);
  if (j == NULL) return;
  if (!decoded) {
    submit(rq, j);
    return;
  }
  const op_entry *oe = (unsigned)j->req.op < SV_OP__COUNT && rq->ops[j->req.op].action != NULL
                           ? &rq->ops[j->req.op]
                           : NULL;
  if (j->who.member_id == 0 && (oe == NULL || !oe->unenrolled_ok)) {
    job_deny(j, SV_ERR_NOT_ENROLLED, "not enrolled",
             "this key is not enrolled; ask a coordinator for an invite");
    submit(rq, j);
    return;
  }
  if (oe == NULL) {
    job_deny(j, SV_ERR_UNKNOWN_OP, "unknown op", "op \"%s\" is not served by this daemon", j->op);
    submit(rq, j);
    return;
  }
  if (oe->klass) snprintf(j->klass, sizeof j->klass, "%s", oe->klass);
  j->exec = oe->exec;
  if (j->who.member_id == 0) {
    /* Ops any key may call (ping, enroll): no policy question; prepare's error is the answer. */
    int level = POLICY_LEVEL_NONE;
    if (oe->prepare) oe->prepare(&rq->ctx, j, &level);
    if (j->err != SV_OK) j->exec = NULL; /* an answered error runs nothing in storage */
    j->dec.permit = true;
    snprintf(j->dec.rule, sizeof j->dec.rule, "builtin: any key may %s", j->op);
    submit(rq, j);
    return;
  }
  int level = POLICY_LEVEL_NONE;
  if (oe->prepare && oe->prepare(&rq->ctx, j, &level) != 0 &&
      (j->err == SV_ERR_BAD_REQUEST || j->code_refused)) {
    /* Malformed arguments, or a purpose or class the policy does not declare (request_purpose
     * or request_class set the decision): no policy question can be asked, and nothing runs. */
    j->exec = NULL;
    j->dec.permit = false;
    if (!j->code_refused) snprintf(j->dec.rule, sizeof j->dec.rule, "malformed request");
    submit(rq, j);
    return;
  }
  /* prepare's refusal (a guard) is the answer only if the policy permits the request. */
  enum sv_err guard = j->err;
  char guard_msg[sizeof j->errmsg];
  memcpy(guard_msg, j->errmsg, sizeof guard_msg);
  char guard_rule[sizeof j->dec.rule]; /* set by prepare (job_deny) when a further question
                                        * was denied (a note's recipients) */
  memcpy(guard_rule, j->dec.rule, sizeof guard_rule);
  j->err = SV_OK;
  decide(rq, j, j->klass[0] ? j->klass : NULL, level);
  if (j->dec.permit && guard != SV_OK) {
    job_fail(j, guard, "%s", guard_msg);
    if (guard == SV_ERR_DENIED && guard_rule[0]) {
      j->dec.permit = false;
      memcpy(j->dec.rule, guard_rule, sizeof j->dec.rule);
    }
  }
  if (j->err != SV_OK) {
    j->exec = NULL;
    msgpack_sbuffer_clear(&j->result);
  }
  submit(rq, j);
}

/* ---- sessions ------------------------------------------------------------------------------ */

/* Act as member m from now on. */
static void session_become(rq_session *s, const dir_member *m) {
  s->who.member_id = m->id;
  snprintf(s->who.keyid, sizeof s->who.keyid, "%s", m->keyid);
  snprintf(s->who.name, sizeof s->who.name, "%s", m->name);
  snprintf(s->who.role, sizeof s->who.role, "%s", m->role);
}

bool request_key_enrolled(const requests *rq, const uint8_t noise_pk[32]) {
  return directory_by_noise(&rq->dir, noise_pk) != NULL;
}

bool request_key_revoked(const requests *rq, const uint8_t noise_pk[32]) {
  return directory_by_noise(&rq->dir, noise_pk) == NULL &&
         directory_revoked_by_noise(&rq->dir, noise_pk) != NULL;
}

bool request_session_open(requests *rq, rq_session *s, const uint8_t noise_pk[32],
                          const rq_refusal *refusal, msgpack_sbuffer *payload) {
  assert(!s->linked && s->t != NULL);
  s->held_all = &rq->held_total;
  memset(&s->who, 0, sizeof s->who);
  memcpy(s->who.noise_pk, noise_pk, 32);
  const dir_member *m = directory_by_noise(&rq->dir, noise_pk);
  const dir_member *revoked = m ? NULL : directory_revoked_by_noise(&rq->dir, noise_pk);
  if (m != NULL) {
    session_become(s, m);
  } else if (revoked != NULL) {
    /* Not a member any more: named only so that the refusal's audit entry says whose key. */
    snprintf(s->who.keyid, sizeof s->who.keyid, "%s", revoked->keyid);
    snprintf(s->who.name, sizeof s->who.name, "%s", revoked->name);
    snprintf(s->who.role, sizeof s->who.role, "%s", revoked->role);
  } else {
    uint8_t h[32];
    crypto_hash_sha256(h, noise_pk, 32);
    util_hex(s->who.keyid, h, 8);
  }
  rq_refusal revoked_refusal = {SV_ERR_NOT_ENROLLED,
                                "this key was revoked from the directory; the daemon refuses it"};
  const rq_refusal *no = revoked ? &revoked_refusal : refusal;
  msgpack_packer pk;
  msgpack_packer_init(&pk, payload, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, no ? 4 : 3);
  sv_pack_str(&pk, "v");
  msgpack_pack_uint8(&pk, 1);
  sv_pack_str(&pk, "ok");
  if (no)
    msgpack_pack_false(&pk);
  else
    msgpack_pack_true(&pk);
  sv_pack_str(&pk, "member");
  if (m)
    directory_pack_member(&pk, m);
  else
    msgpack_pack_nil(&pk);
  if (no) {
    /* A refused key completes the handshake only to hear why it is refused. */
    sv_pack_str(&pk, "error");
    msgpack_pack_map(&pk, 2);
    sv_pack_str(&pk, "code");
    sv_pack_str(&pk, sv_err_code(no->code));
    sv_pack_str(&pk, "message");
    sv_pack_str(&pk, no->message);
    if (revoked)
      log_info("conn %llu: refused the revoked key of %s", (unsigned long long)s->id,
               revoked->name);
    else
      log_info("conn %llu: refused key %s: %s", (unsigned long long)s->id, s->who.keyid,
               no->message);
    return false;
  }
  s->prev = NULL;
  s->next = rq->sessions;
  if (rq->sessions) rq->sessions->prev = s;
  rq->sessions = s;
  s->linked = true;
  log_debug("conn %llu: handshake done (%s)", (unsigned long long)s->id,
            m ? m->name : "not enrolled");
  return true;
}

void request_session_close(requests *rq, rq_session *s) {
  if (!s->linked) return;
  if (s->prev)
    s->prev->next = s->next;
  else
    rq->sessions = s->next;
  if (s->next) s->next->prev = s->prev;
  s->prev = s->next = NULL;
  s->linked = false;
  atomic_store(&s->closed, true);
}

/* ---- completion ---------------------------------------------------------------------------- */

/* Apply a committed directory change: the cache, and the sessions it concerns. */
static void apply_effect(requests *rq, job *j) {
  if (j->effect == EFFECT_NONE || j->member == NULL) return;
  const dir_member *m = j->member;
  if (directory_put(&rq->dir, m) != 0)
    log_error("out of memory: the directory cache misses %s until a restart", m->name);
  if (j->effect == EFFECT_MEMBER_REVOKED && rq->revoked != NULL &&
      rq->revoked(rq->revoked_ctx, m->noise_pk))
    log_debug("the handshake secret kept for %s's revoked key is wiped", m->name);
  for (rq_session *s = rq->sessions, *next; s != NULL; s = next) {
    next = s->next;
    switch (j->effect) {
    case EFFECT_MEMBER_ADDED:
      /* A session made with the new member's key (the enrolling one) now acts as it. */
      if (s->who.member_id == 0 && sodium_memcmp(s->who.noise_pk, m->noise_pk, 32) == 0) {
        session_become(s, m);
        if (s->t->enrolled) s->t->enrolled(s);
      }
      break;
    case EFFECT_MEMBER_CHANGED: /* re-authorise: later requests are asked with the new role */
      if (s->who.member_id == m->id) snprintf(s->who.role, sizeof s->who.role, "%s", m->role);
      break;
    case EFFECT_MEMBER_REVOKED:
      if (s->who.member_id == m->id) {
        log_info("closing connection %llu of revoked member %s", (unsigned long long)s->id,
                 s->who.name);
        s->t->close(s, "member revoked");
      }
      break;
    case EFFECT_NONE:
      break;
    }
  }
}

/* Pack and send j's response to its session. */
static void send_response(rq_session *s, const job *j) {
  msgpack_sbuffer sb;
  sv_sbuffer_init_cap(&sb, j->result.size + 128); /* the result and the response's own keys */
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  if (j->err == SV_OK)
    sv_response_pack_ok(&pk, j->req.id, j->audit_seq, j->result.data, j->result.size);
  else
    sv_response_pack_error(&pk, j->req.id, j->audited, j->audit_seq, j->err, j->errmsg);
  s->t->send(s, sb.data, sb.size, j->held);
  if (j->secret_result && sb.data != NULL) sodium_memzero(sb.data, sb.alloc);
  msgpack_sbuffer_destroy(&sb);
}

/* Pack and send an audited delivery's pushed frame to its session. */
static void send_push(rq_session *s, const job *d) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  d->push(&pk, d);
  s->t->send(s, sb.data, sb.size, 0);
  msgpack_sbuffer_destroy(&sb);
}

void request_done(job *j, void *ctx) {
  requests *rq = ctx;
  rq_session *s = j->session;
  job *follow = j->follow;
  j->follow = NULL;
  apply_effect(rq, j);
  if (j->done) j->done(j);
  assert(rq->inflight > 0);
  rq->inflight--;
  if (s != NULL) {
    assert(s->inflight > 0);
    s->inflight--;
    if (!j->internal) rq->answered++;
    /* The answer's room becomes its sealed frame in the transport's queue in one step (no
     * smaller), so no other answer is admitted into it meanwhile. */
    if (s->linked && !j->internal)
      send_response(s, j);
    else if (j->held > 0)
      hold_add(s, -(int64_t)j->held);
    j->held = 0;
    if (j->over_budget && s->linked && s->t->over_budget) s->t->over_budget(s);
    if (s->linked && j->push && j->audited && j->err == SV_OK) send_push(s, j);
    s->t->returned(s); /* may free s */
  }
  /* Follow-ups (note deliveries) may borrow from j: finish them before freeing it. */
  while (follow != NULL) {
    job *next = follow->next;
    follow->next = NULL;
    request_done(follow, rq);
    follow = next;
  }
  job_free(j);
  if (rq->inflight == 0 && rq->drained) rq->drained(rq->drained_ctx);
}

/* ---- storage thread ------------------------------------------------------------------------ */

static const char sql_member_state[] = "SELECT role, revoked FROM members WHERE id = ?";

/* The members' states read last, kept on the storage thread while the members table's change
 * count (store_changes) stays where it was when they were read: a revocation, a role change and
 * a rollback each move it. */
#define MEMBER_CACHE 64
typedef struct member_state {
  int64_t id;
  bool revoked;
  char role[sizeof ((actor *)0)->role];
} member_state;
typedef struct member_cache {
  uint64_t changes; /* first: store_table_cache */
  unsigned n, next;
  member_state m[MEMBER_CACHE];
} member_cache;
static const char members_table[] = "members";

/* Member id's state into *out: 1 when there is such a member, 0 when there is none, -1 on a
 * storage error. */
static int member_state_of(store *st, int64_t id, member_state *out) {
  member_cache *c = store_table_cache(st, members_table, sizeof(member_cache));
  for (unsigned i = 0; c != NULL && i < c->n; i++)
    if (c->m[i].id == id) {
      *out = c->m[i];
      return 1;
    }
  sqlite3_stmt *s = store_stmt(st, sql_member_state);
  if (s == NULL) return -1;
  sqlite3_bind_int64(s, 1, id);
  int rc = sqlite3_step(s);
  bool keep = false;
  if (rc == SQLITE_ROW) {
    const unsigned char *role = sqlite3_column_text(s, 0);
    size_t len = role ? strlen((const char *)role) : 0;
    out->id = id;
    out->revoked = sqlite3_column_int64(s, 1) != 0;
    keep = role != NULL && len < sizeof out->role;
    if (keep)
      memcpy(out->role, role, len + 1);
    else
      out->role[0] = '\0'; /* matches no session's role */
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
  if (keep && c != NULL) {
    c->m[c->next] = *out;
    c->next = (c->next + 1) % MEMBER_CACHE;
    if (c->n < MEMBER_CACHE) c->n++;
  }
  return rc == SQLITE_ROW ? 1 : 0;
}

/* The loop thread decided on j with the member's role as it knew it; a revocation or role
 * change queued ahead of j (committed earlier in this or a previous batch) voids that decision.
 * Returns 0 when j's member is still active with the same role, else -1 with j denied. */
static int member_current(store *st, job *j) {
  if (j->internal || j->who.member_id == 0) return 0;
  member_state m;
  int rc = member_state_of(st, j->who.member_id, &m);
  if (rc < 0) {
    job_fail(j, SV_ERR_INTERNAL, "storage error");
    return -1;
  }
  bool active = rc == 1 && !m.revoked;
  bool same_role = rc == 1 && strcmp(m.role, j->who.role) == 0;
  if (active && same_role) return 0;
  if (!active)
    job_deny(j, SV_ERR_NOT_ENROLLED, "member revoked before the request was carried out",
             "this key was revoked from the directory");
  else
    job_deny(j, SV_ERR_DENIED, "role changed before the request was carried out",
             "your role changed while this request was queued; send it again");
  return -1;
}

/* The bytes an answer with a result of size bytes takes in its connection's write queue: the
 * response around it, sealed into Noise messages. */
static uint64_t answer_room(uint64_t size) {
  return size == 0 ? 0 : frame_sealed_size(sv_response_ok_size_max((size_t)size));
}

/* Answers may take seven eighths of a limit on what the daemon holds. The rest is room for
 * what is read, for pushes and for small answers (errors, pings), which are never refused: so
 * large reads are refused (too_large) before a connection has to be dropped for passing
 * max_write_queue, or the daemon's total max_buffered (conn.c, shed). */
uint64_t request_answers_max(uint64_t limit) { return limit - limit / 8; }

/* Add room to *counter if the sum stays at most max; false (nothing added) otherwise. The
 * loop thread never sees a sum that was over max, even for an instant. */
static bool hold_within(_Atomic uint64_t *counter, uint64_t room, uint64_t max) {
  uint64_t cur = atomic_load(counter);
  do {
    if (cur > max || room > max - cur) return false;
  } while (!atomic_compare_exchange_weak(counter, &cur, cur + room));
  return true;
}

/* Count the room of an answer with a result of size bytes against what the daemon may hold
 * for s's peer and for all peers. Returns 0, or -1 with j refused (too_large) and nothing
 * counted when that would pass either limit (refused for all peers' limit: j->over_budget). */
static int hold_answer(const config *cfg, rq_session *s, job *j, uint64_t size) {
  uint64_t room = answer_room(size);
  uint64_t mine_max = request_answers_max(cfg->max_write_queue);
  if (!hold_within(&s->held, room, mine_max)) {
    job_fail(j, SV_ERR_TOO_LARGE,
             "the answer (%llu bytes) would take what the daemon holds for this connection past "
             "%llu bytes (7/8 of max_write_queue): read the answers already asked for, or ask "
             "for less",
             (unsigned long long)size, (unsigned long long)mine_max);
    return -1;
  }
  uint64_t all_max = request_answers_max(cfg->max_buffered);
  if (s->held_all != NULL && !hold_within(s->held_all, room, all_max)) {
    atomic_fetch_sub(&s->held, room);
    j->over_budget = true;
    job_fail(j, SV_ERR_TOO_LARGE,
             "the answer (%llu bytes) would take what the daemon holds for all connections past "
             "%llu bytes (7/8 of max_buffered): ask again shortly, or ask for less",
             (unsigned long long)size, (unsigned long long)all_max);
    return -1;
  }
  return 0;
}

int request_run(store *st, job *j) {
  if (member_current(st, j) != 0) return -1;
  if (j->exec == NULL) return 0; /* ping, whoami: nothing to run; their answer is made in prepare */
  rq_session *s = j->session;
  const config *cfg = store_config(st);
  /* A closed session's answers are never sent: none is kept, none holds room. */
  bool gone = s != NULL && atomic_load(&s->closed);
  if (j->one_write && s != NULL) {
    /* Its change cannot be undone once made, so its answer's room is taken before. A job
     * with no answer (a delivery) holds nothing, whatever the session holds already. */
    uint64_t said = gone ? 0 : answer_room(j->result_max);
    if (said > 0 && hold_answer(cfg, s, j, j->result_max) != 0) return -1;
    int rc = j->exec(st, j);
    if (gone) job_drop_result(j);
    uint64_t room = answer_room(rc == 0 ? j->result.size : 0);
    /* the room it takes: less than it said is given back, more is counted */
    hold_add(s, (int64_t)room - (int64_t)said);
    j->held = room;
    return rc;
  }
  int rc = j->exec(st, j);
  if (gone) job_drop_result(j);
  if (rc != 0 || s == NULL || j->result.size == 0) return rc;
  /* The answer counts against what the daemon may hold before it is kept; one refused gives
   * its memory back at once (a pipeline of large reads must not pile up refused results). */
  if (hold_answer(cfg, s, j, j->result.size) != 0) {
    job_drop_result(j);
    return -1;
  }
  j->held = answer_room(j->result.size);
  return 0;
}

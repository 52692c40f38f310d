/* fuzz_request.c -- fuzz the daemon's request path without a socket or a database: a frame from
 * one of several sessions goes through decode, the op table's prepare (argument guards, note
 * recipients), the one authorization function and submission to a fake store, which audits the
 * job and its follow-ups as storage does (without running exec) and hands them back.
 *
 * The members (default policy, daemon/../policy/default.policy): Anna coordinator, Sune ssp,
 * Pia police, Per partner, Aud auditor, and Rita, a revoked coordinator; a sixth session is a
 * key that is not enrolled.
 *
 * Input: byte 0 picks the session (low 3 bits: 0-4 the members, 5 Rita's key, 6-7 a key that
 * is not enrolled) and the mode (bit 3):
 *   mode 0: the rest is the request frame (one msgpack map);
 *   mode 1: the harness seals a note envelope signed by a member and sends it in an op that
 *           takes one; bytes 1.. say which op (note.send, concern.submit, concern.answer,
 *           meeting.minutes), signer, class, purpose, area, recipients and level, so the
 *           recipients' authorization is reached (a fuzzer cannot forge a signature).
 * Invariants (abort on violation):
 * - every frame gets exactly one job and, once storage hands it back, exactly one response to
 *   its session, a msgpack map naming the request's id whose "ok" says whether it succeeded;
 *   nothing is left in flight;
 * - a job that reaches storage without an error was permitted; one with an error runs nothing;
 * - no success lets a role outside a regime do anything but submit on a regime class, and
 *   every delivery goes to a role the policy lets receive the note's class;
 * - the audit entry made from every job (and delivery) encodes and decodes.
 * The seed corpus in corpus/request/ is made by tests/fuzz/gen_request_corpus.py. */
#include <msgpack.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_entry.h"
#include "card.h"
#include "codec.h"
#include "config.h"
#include "directory.h"
#include "envelope.h"
#include "identity.h"
#include "job.h"
#include "log.h"
#include "ops_table.h"
#include "policy.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const unsigned char default_policy[];
extern const size_t default_policy_len;

#define NMEMBERS 6 /* 0-4 active, 5 revoked */
#define NSESSIONS 7 /* the members' keys, and one not enrolled */

typedef struct fake {
  rq_session s; /* first */
  int sent, mark;        /* frames sent to it; the count when the input began */
  uint8_t first[1 << 16]; /* the first frame sent to it since mark */
  size_t first_len;
  bool first_cut;        /* it was longer than first */
} fake;

static const struct {
  const char *name, *role;
} people[NMEMBERS] = {{"Anna", "coordinator"}, {"Sune", "ssp"},     {"Pia", "police"},
                      {"Per", "partner"},      {"Aud", "auditor"},  {"Rita", "coordinator"}};

static config cfg;
static requests *rq;
static sv_identity *ids[NMEMBERS + 1]; /* + one that is not a member */
static fake sessions[NSESSIONS];
static job *queue[8];
static int nqueue;
static uint64_t next_seq = 1;

static void f_send(rq_session *s, const char *body, size_t len, uint64_t room) {
  (void)room;
  fake *f = (fake *)s;
  if (f->sent++ != f->mark) return;
  f->first_cut = len > sizeof f->first;
  f->first_len = f->first_cut ? sizeof f->first : len;
  memcpy(f->first, body, f->first_len);
}

static void f_close(rq_session *s, const char *why) {
  (void)why;
  request_session_close(rq, s);
}

static void f_nothing(rq_session *s) { (void)s; }

static const rq_transport transport = {f_send, f_close, f_nothing, f_nothing, NULL, NULL};

static void fake_submit(void *ctx, job *j) {
  (void)ctx;
  if (nqueue >= (int)(sizeof queue / sizeof queue[0])) abort();
  queue[nqueue++] = j;
}

static void setup(void) {
  if (sodium_init() < 0) abort();
  log_set_level(LOG_ERROR);
  config_defaults(&cfg, "/nonexistent");
  directory d;
  directory_init(&d);
  for (int i = 0; i <= NMEMBERS; i++) {
    uint8_t seed[32];
    memset(seed, 0x40 + i, sizeof seed);
    int st = 0;
    ids[i] = identity_from_seed(i < NMEMBERS ? people[i].name : "Stranger", seed, 1700000000, &st);
    if (ids[i] == NULL) abort();
    if (i == NMEMBERS) break;
    dir_member m;
    memset(&m, 0, sizeof m);
    m.id = i + 1;
    snprintf(m.name, sizeof m.name, "%s", people[i].name);
    snprintf(m.role, sizeof m.role, "%s", people[i].role);
    card_keyid(&ids[i]->card, m.keyid);
    card_fingerprint(&ids[i]->card, m.fingerprint);
    memcpy(m.noise_pk, ids[i]->card.noise_pk, 32);
    memcpy(m.enc_pk, ids[i]->card.enc_pk, 32);
    memcpy(m.sign_pk, ids[i]->card.sign_pk, 32);
    m.revoked = i == NMEMBERS - 1;
    if (directory_put(&d, &m) != 0) abort();
  }
  rq = request_new(&cfg, ops_table, &d, fake_submit, NULL, NULL, NULL);
  if (rq == NULL) abort();
  policy_diag diag;
  policy *pol = policy_load_text("default.policy", (const char *)default_policy, default_policy_len,
                                 &diag);
  if (pol == NULL) abort();
  request_set_policy(rq, pol);
  for (int i = 0; i < NSESSIONS; i++) {
    fake *f = &sessions[i];
    f->s.t = &transport;
    f->s.id = (uint64_t)i + 1;
    msgpack_sbuffer pl;
    msgpack_sbuffer_init(&pl);
    const uint8_t *key = ids[i < NMEMBERS ? i : NMEMBERS]->card.noise_pk;
    bool open = request_session_open(rq, &f->s, key, NULL, &pl);
    msgpack_sbuffer_destroy(&pl);
    if (open != (i != NMEMBERS - 1)) abort(); /* only the revoked key is refused */
  }
}

/* ---- mode 1: a signed envelope in an op that takes one ---------------------------------- */

typedef struct bytes {
  const uint8_t *p;
  size_t n, off;
} bytes;

static uint8_t take(bytes *b) { return b->off < b->n ? b->p[b->off++] : 0; }

/* A frame carrying an envelope sealed from bytes in b; NULL when the envelope cannot be made
 * (a field the sealer refuses). */
static uint8_t *envelope_frame(bytes *b, size_t *len) {
  static const enum sv_op env_ops[] = {SV_OP_NOTE_SEND, SV_OP_CONCERN_SUBMIT, SV_OP_CONCERN_ANSWER,
                                       SV_OP_MEETING_MINUTES};
  static const char *const classes[] = {"individual", "concern", "area", "group", "core-meeting",
                                        "session", "audit", "nonesuch"};
  static const char *const purposes[] = {"", "forebyggelse", "bekymring", "efterforskning",
                                         "Forebyggelse", "x"};
  static const char *const areas[] = {"", "Sentrum", "Nord"};
  uint8_t op_b = take(b), signer_b = take(b), class_b = take(b), purpose_b = take(b),
          area_b = take(b), rcpt_b = take(b);
  enum sv_op op = env_ops[op_b % 4];
  const sv_identity *signer = ids[signer_b % (NMEMBERS + 1)];
  const sv_card *rc[NMEMBERS + 1];
  size_t nr = 0;
  for (int i = 0; i <= NMEMBERS; i++)
    if (rcpt_b >> i & 1) rc[nr++] = &ids[i]->card;
  envelope_params p = {.klass = classes[class_b % 8], .area = areas[area_b % 3],
                       .purpose = purposes[purpose_b % 6], .recipients = rc, .nrecipients = nr,
                       .created = 1700000000};
  uint8_t fixed_id[16], key[32], nonce[24], eph[32 * (NMEMBERS + 1)];
  memset(fixed_id, op_b, sizeof fixed_id);
  memset(key, 0x11, sizeof key);
  memset(nonce, 0x22, sizeof nonce);
  for (size_t i = 0; i < sizeof eph; i++) eph[i] = (uint8_t)(i * 7 + 1);
  envelope_fixed fx = {fixed_id, key, nonce, eph};
  uint8_t body[64];
  size_t blen = b->n - b->off < sizeof body ? b->n - b->off : sizeof body;
  memcpy(body, b->p + b->off, blen);
  uint8_t *env = NULL;
  size_t envlen = 0;
  if (envelope_seal_fixed(signer, &p, &fx, body, blen, &env, &envlen) != ENVELOPE_OK) return NULL;
  sv_request r;
  sv_request_init(&r, 1000 + op_b, op);
  sv_request_set_bin(&r, SV_F_ENVELOPE, env, envlen);
  if (op == SV_OP_CONCERN_ANSWER) sv_request_set_uint(&r, SV_F_CONCERN, 1 + (area_b >> 4));
  if (op == SV_OP_MEETING_MINUTES) sv_request_set_uint(&r, SV_F_MEETING, 1 + (area_b >> 4));
  if (op == SV_OP_MEETING_MINUTES && (area_b & 8)) sv_request_set_str(&r, SV_F_TRACK, "core");
  free(env);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  char err[128];
  int rc_enc = sv_request_encode(&r, &sb, err, sizeof err);
  sv_request_free(&r);
  if (rc_enc != 0) {
    msgpack_sbuffer_destroy(&sb);
    return NULL;
  }
  *len = sb.size;
  return (uint8_t *)sb.data; /* freed with free() */
}

/* ---- checks ---------------------------------------------------------------------------- */

/* The audit entry made from j encodes, and decodes. */
static void check_entry(const job *j) {
  audit_entry e;
  job_audit_entry(j, &e);
  uint8_t *enc = NULL;
  size_t n = 0;
  if (audit_entry_encode(&e, &enc, &n) != 0) abort();
  audit_entry back;
  if (audit_entry_decode(enc, n, &back) != 0) abort();
  free(enc);
}

/* What the policy in force says of (role, class) for regimes. */
static bool may_receive(const char *role, const char *klass) {
  const policy *pol = request_ctx(rq)->pol;
  int r = policy_role(pol, role), c = policy_class(pol, klass);
  if (r < 0 || c < 0) return true; /* not declared: no policy question was permitted */
  return policy_role_may_receive(pol, r, c);
}

static void check_job(const job *j) {
  if (j->err != SV_OK && j->exec != NULL) abort(); /* an error runs nothing */
  if (j->err == SV_OK && !j->dec.permit) abort();  /* storage only sees permitted work */
  if (j->err == SV_OK && j->who.member_id != 0 && j->decoded && j->klass[0] &&
      !may_receive(j->who.role, j->klass)) {
    /* across a regime only an intake's submit */
    const char *action = ops_table[j->req.op].action;
    if (action == NULL || strcmp(action, "submit") != 0) abort();
  }
  check_entry(j);
  for (const job *d = j->follow; d != NULL; d = d->next) {
    if (!d->internal || d->session == NULL) abort();
    if (!may_receive(d->who.role, d->klass)) abort(); /* a delivery across a regime */
    check_entry(d);
  }
}

/* The first frame f got since the input began: one msgpack map. With want_event, a push (it
 * has "event"); else the response, naming id (when the request had one) with "ok" as ok. */
static void check_frame(const fake *f, bool want_event, bool has_id, uint64_t want_id, bool ok) {
  if (f->first_cut) return;
  if (sv_msgpack_check(f->first, f->first_len, NULL) != 0) abort();
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  if (msgpack_unpack_next(&up, (const char *)f->first, f->first_len, &off) !=
          MSGPACK_UNPACK_SUCCESS ||
      off != f->first_len || up.data.type != MSGPACK_OBJECT_MAP)
    abort();
  if (want_event) {
    if (sv_map_get(&up.data, "event") == NULL) abort();
  } else {
    uint64_t id = 0;
    bool got_ok = !ok;
    if (sv_map_uint(&up.data, "id", &id) != 0 || sv_map_bool(&up.data, "ok", &got_ok) != 0)
      abort();
    if (got_ok != ok || (has_id && id != want_id)) abort();
    if (!ok && sv_map_get(&up.data, "error") == NULL) abort();
  }
  msgpack_unpacked_destroy(&up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (rq == NULL) setup();
  if (size < 1) return 0;
  int si = data[0] & 7;
  fake *f = &sessions[si > NSESSIONS - 1 ? NSESSIONS - 1 : si];
  if (f == &sessions[NMEMBERS - 1]) f = &sessions[NSESSIONS - 1]; /* the revoked key never opens */
  const uint8_t *frame = data + 1;
  size_t len = size - 1;
  uint8_t *built = NULL;
  if (data[0] & 8) {
    bytes b = {data + 1, size - 1, 0};
    built = envelope_frame(&b, &len);
    if (built == NULL) return 0;
    frame = built;
  }
  for (int i = 0; i < NSESSIONS; i++) sessions[i].mark = sessions[i].sent;

  request_frame(rq, &f->s, frame, len);
  if (nqueue != 1) abort(); /* one job per frame */
  job *j = queue[0];
  nqueue = 0;
  check_job(j);
  bool ok = j->err == SV_OK;
  bool has_id = (j->req.present & SV_HAS_ID) != 0;
  uint64_t id = j->req.id;
  int pushes[NSESSIONS] = {0};
  for (const job *d = j->follow; d != NULL; d = d->next)
    if (ok && d->push != NULL) pushes[(const fake *)d->session - sessions]++;
  /* the fake store: audit the job and, after a success, its follow-ups; hand them back */
  j->audited = true;
  j->audit_seq = next_seq++;
  for (job *d = j->follow; d != NULL; d = d->next) {
    if (!ok) {
      d->dropped = true;
      continue;
    }
    d->lead_seq = j->audit_seq;
    d->audited = true;
    d->audit_seq = next_seq++;
  }
  request_done(j, rq);
  if (request_inflight(rq) != 0) abort();
  /* one response to the caller, one push per delivery (the response first) */
  for (int i = 0; i < NSESSIONS; i++) {
    fake *g = &sessions[i];
    int want = pushes[i] + (g == f);
    if (g->sent - g->mark != want) abort();
    if (want > 0) check_frame(g, g != f, has_id, id, ok);
  }
  free(built);
  return 0;
}

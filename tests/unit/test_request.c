/* test_request.c -- the request module without a socket or a storage thread: sessions and the
 * handshake payload, decode and refusals, the one authorization function and its rule format,
 * guards against the policy's answer, pushes to a member's sessions, directory effects, and the
 * storage-side recheck of the caller's membership. */
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "codec.h"
#include "directory.h"
#include "frame.h"
#include "job.h"
#include "ops_area.h"
#include "policy.h"
#include "request.h"
#include "store.h"
#include "support/daemon_fixture.h"
#include "task.h"
#include "util.h"

/* 47 bytes: with " (unit.policy:NN)" (17) the rule is 64 bytes, the most an entry holds. */
#define NAME_FITS "rule-name-that-fits-the-audit-field-exactly-47b"
/* One byte more: it is cut. */
#define NAME_OVER "rule-name-that-fits-the-audit-field-exactly-48by"
/* Two-byte characters where the cut falls. */
#define NAME_UTF8 "forbindelse-for-alle-medlemmer-æææææææææææææææææææ-af-samarbejdet"

static const char policy_text[] =
    "roles   coordinator, partner, auditor\n"
    "actions connect, read, submit, send, receive\n"
    "classes individual, area, session, audit, directory\n"
    "\n"
    "regime \"ssp\" {\n"
    "  roles   coordinator\n"
    "  classes individual\n"
    "}\n"
    "\n"
    "permit \"connect\"\n"
    "  role * action connect class session\n"
    "permit \"area-work\"\n"
    "  role coordinator, partner action read, submit class area\n"
    "permit \"" NAME_UTF8 "\"\n"
    "  role auditor action read class audit\n"
    "permit \"notes\"\n"
    "  role coordinator action send, receive class individual\n"
    "permit \"" NAME_FITS "\"\n"
    "  role auditor action read class directory\n"
    "permit \"" NAME_OVER "\"\n"
    "  role coordinator action read class directory\n";

/* The 1-based line of the rule named name in policy_text. */
static int rule_line(const char *name) {
  char want[128];
  snprintf(want, sizeof want, "permit \"%s\"\n", name);
  const char *at = strstr(policy_text, want);
  ASSERT(at != NULL);
  int line = 1;
  for (const char *p = policy_text; p < at; p++) line += *p == '\n';
  return line;
}

/* ---- a fake transport ---- */

typedef struct fake {
  rq_session s; /* first */
  int sent, closed, submitted, returned;
  char last[8192]; /* the last frame sent */
  size_t last_len;
  char why[64];
} fake;

/* Counts what it sends in the place of room, as conn.c does (request_hold). */
static void f_send(rq_session *s, const char *body, size_t len, uint64_t room) {
  fake *f = (fake *)s;
  atomic_fetch_add(&s->held, (uint64_t)len - room);
  ASSERT(len <= sizeof f->last);
  memcpy(f->last, body, len);
  f->last_len = len;
  f->sent++;
}

static requests *rq;

static void f_close(rq_session *s, const char *why) {
  fake *f = (fake *)s;
  f->closed++;
  snprintf(f->why, sizeof f->why, "%s", why);
  request_session_close(rq, s);
}

static void f_submitted(rq_session *s) { ((fake *)s)->submitted++; }
static void f_returned(rq_session *s) { ((fake *)s)->returned++; }

static const rq_transport fake_transport = {f_send, f_close, f_submitted, f_returned, NULL,
                                            NULL};

/* ---- a fake storage: jobs queue here until complete() plays the storage thread ---- */

static job *queue[64];
static int nqueue;
static uint64_t next_seq;
static int drained;

static void fake_submit(void *ctx, job *j) {
  ASSERT(ctx == &nqueue);
  ASSERT(nqueue < 64);
  queue[nqueue++] = j;
}

static void on_drained(void *ctx) {
  ASSERT(ctx == &drained);
  drained++;
}

/* Audit the queued jobs and their follow-ups as storage does (a follow-up only after a
 * successful leader) and hand them back in order. */
static void complete(void) {
  int n = nqueue;
  nqueue = 0;
  for (int i = 0; i < n; i++) {
    job *j = queue[i];
    j->audited = true;
    j->audit_seq = next_seq++;
    for (job *f = j->follow; f != NULL; f = f->next) {
      if (j->err != SV_OK) {
        f->dropped = true;
        continue;
      }
      f->lead_seq = j->audit_seq;
      f->audited = true;
      f->audit_seq = next_seq++;
    }
    request_done(j, rq);
  }
}

/* The job submitted last (still queued). */
static job *last_job(void) {
  ASSERT(nqueue > 0);
  return queue[nqueue - 1];
}

/* ---- the op table the tests serve ---- */

static int prep_ping(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  msgpack_packer pk;
  msgpack_packer_init(&pk, &j->result, msgpack_sbuffer_write);
  sv_pack_str(&pk, "pong");
  return 0;
}

static void push_pack(msgpack_packer *pk, const job *d) {
  msgpack_pack_map(pk, 3);
  sv_pack_str(pk, "event");
  sv_pack_str(pk, "test");
  sv_pack_str(pk, "audit");
  msgpack_pack_uint64(pk, d->audit_seq);
  sv_pack_str(pk, "lead");
  sv_pack_str(pk, d->lead->object);
}

/* area.add: name "malformed" is a bad request, "guarded" trips a guard, "push" pushes to the
 * member with id 4. */
static int prep_area_add(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  const char *name = j->req.a.name.ptr;
  snprintf(j->object, sizeof j->object, "area:%s", name);
  if (strcmp(name, "malformed") == 0) {
    job_fail(j, SV_ERR_BAD_REQUEST, "malformed on purpose");
    return -1;
  }
  if (strcmp(name, "guarded") == 0) {
    job_fail(j, SV_ERR_PERSONAL_DATA, "a guard said no");
    return -1;
  }
  if (strcmp(name, "push") == 0) ASSERT_INT_EQ(request_push(ctx, j, 4, "test.deliver", NULL, push_pack), 2);
  return 0;
}

static op_entry ops[SV_OP__COUNT] = {
    [SV_OP_PING] = {"connect", "session", true, prep_ping, NULL},
    [SV_OP_AREA_ADD] = {"submit", "area", false, prep_area_add, NULL},
    [SV_OP_AUDIT_CHECKPOINT] = {"read", "audit", false, NULL, NULL},
};

/* ---- members ---- */

static uint8_t key_anna[32], key_per[32], key_rita[32], key_carl[32], key_new[32];

static dir_member member(int64_t id, const char *name, const char *role, const uint8_t *key,
                         bool revoked) {
  dir_member m;
  memset(&m, 0, sizeof m);
  m.id = id;
  snprintf(m.name, sizeof m.name, "%s", name);
  snprintf(m.role, sizeof m.role, "%s", role);
  snprintf(m.keyid, sizeof m.keyid, "%016llx", (unsigned long long)(0x1000 + id));
  memcpy(m.noise_pk, key, 32);
  m.revoked = revoked;
  return m;
}

static config cfg;

static void setup(void) {
  config_defaults(&cfg, "/nonexistent");
  randombytes_buf(key_anna, 32);
  randombytes_buf(key_per, 32);
  randombytes_buf(key_rita, 32);
  randombytes_buf(key_carl, 32);
  randombytes_buf(key_new, 32);
  directory d;
  directory_init(&d);
  dir_member ms[] = {member(1, "Anna", "coordinator", key_anna, false),
                     member(2, "Per", "partner", key_per, false),
                     member(3, "Rita", "coordinator", key_rita, true),
                     member(4, "Carl", "coordinator", key_carl, false)};
  for (size_t i = 0; i < 4; i++) ASSERT_INT_EQ(directory_put(&d, &ms[i]), 0);
  rq = request_new(&cfg, ops, &d, fake_submit, &nqueue, on_drained, &drained);
  ASSERT(rq != NULL);
  ASSERT_UINT_EQ(d.n, 0); /* moved in */
  policy_diag diag;
  policy *pol = policy_load_text("/etc/samvirke/unit.policy", policy_text, strlen(policy_text),
                                 &diag);
  if (pol == NULL) {
    char buf[2048];
    policy_diag_format(&diag, buf, sizeof buf);
    TASK_FAIL("policy: %s", buf);
  }
  request_set_policy(rq, pol);
  uint8_t h[32];
  crypto_hash_sha256(h, (const unsigned char *)policy_text, strlen(policy_text));
  char hex[65];
  util_hex(hex, h, 32);
  ASSERT_STR_EQ(request_policy_hash_hex(rq), hex);
}

/* Open fake session f with key; returns what request_session_open returned. */
static bool open_session(fake *f, const uint8_t key[32], msgpack_sbuffer *payload) {
  memset(f, 0, sizeof *f);
  f->s.t = &fake_transport;
  f->s.id = 7;
  msgpack_sbuffer local;
  msgpack_sbuffer_init(&local);
  bool ok = request_session_open(rq, &f->s, key, NULL, payload ? payload : &local);
  msgpack_sbuffer_destroy(&local);
  return ok;
}

/* ---- decoding what was sent ---- */

typedef struct sent {
  msgpack_unpacked up;
  const msgpack_object *o;
} sent;

static void unpack(sent *s, const char *buf, size_t len) {
  msgpack_unpacked_init(&s->up);
  size_t off = 0;
  ASSERT_INT_EQ(msgpack_unpack_next(&s->up, buf, len, &off), MSGPACK_UNPACK_SUCCESS);
  ASSERT_UINT_EQ(off, len);
  s->o = &s->up.data;
  ASSERT_INT_EQ(s->o->type, MSGPACK_OBJECT_MAP);
}

static bool sent_ok(const sent *s) {
  bool ok = false;
  ASSERT_INT_EQ(sv_map_bool(s->o, "ok", &ok), 0);
  return ok;
}

/* The error code of a response ("" when ok). */
static void sent_code(const sent *s, char *out, size_t n) {
  const msgpack_object *e = sv_map_get(s->o, "error");
  out[0] = '\0';
  if (e == NULL) return;
  const char *code;
  size_t len;
  ASSERT_INT_EQ(sv_map_str(e, "code", &code, &len), 0);
  snprintf(out, n, "%.*s", (int)len, code);
}

/* Send request (op, id, and a name argument when name is not NULL) on f. */
static void send_request(fake *f, enum sv_op op, uint64_t id, const char *name) {
  sv_request r;
  sv_request_init(&r, id, op);
  if (name) ASSERT_INT_EQ(sv_request_set_str(&r, SV_F_NAME, name), 0);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  char err[128];
  ASSERT_INT_EQ(sv_request_encode(&r, &sb, err, sizeof err), 0);
  request_frame(rq, &f->s, (const uint8_t *)sb.data, sb.size);
  msgpack_sbuffer_destroy(&sb);
  sv_request_free(&r);
}

/* Complete everything queued; f's last frame is the response to id: check ok or the code. */
static void expect_response(fake *f, uint64_t id, const char *code) {
  int before = f->sent;
  uint64_t seq = next_seq; /* the request's entry is the next one */
  complete();
  ASSERT_INT_EQ(f->sent, before + 1);
  sent s;
  unpack(&s, f->last, f->last_len);
  uint64_t got_id = 0, audit = 0;
  ASSERT_INT_EQ(sv_map_uint(s.o, "id", &got_id), 0);
  ASSERT_UINT_EQ(got_id, id);
  ASSERT_INT_EQ(sv_map_uint(s.o, "audit", &audit), 0); /* every answer names its entry */
  ASSERT_UINT_EQ(audit, seq);
  char c[64];
  sent_code(&s, c, sizeof c);
  ASSERT_STR_EQ(c, code);
  ASSERT(sent_ok(&s) == (code[0] == '\0'));
  msgpack_unpacked_destroy(&s.up);
}

/* ---- tests ---- */

/* Submit an internal job carrying a directory effect for m and complete it. */
static void effect(enum job_effect e, const dir_member *m) {
  job *j = job_internal(NULL, "test.effect", "directory", "", "test");
  j->effect = e;
  j->member = malloc(sizeof *j->member);
  *j->member = *m;
  request_submit_internal(request_ctx(rq), j);
  complete();
}


static void test_sessions(void) {
  msgpack_sbuffer pl;
  msgpack_sbuffer_init(&pl);
  fake a;
  ASSERT(open_session(&a, key_anna, &pl));
  ASSERT(a.s.linked);
  ASSERT_INT_EQ(a.s.who.member_id, 1);
  ASSERT_STR_EQ(a.s.who.name, "Anna");
  ASSERT_STR_EQ(a.s.who.role, "coordinator");
  ASSERT_STR_EQ(a.s.who.keyid, "0000000000001001");
  sent s;
  unpack(&s, pl.data, pl.size);
  uint64_t v = 0;
  ASSERT_INT_EQ(sv_map_uint(s.o, "v", &v), 0);
  ASSERT_UINT_EQ(v, 1);
  ASSERT(sent_ok(&s));
  const msgpack_object *m = sv_map_get(s.o, "member");
  ASSERT(m != NULL && m->type == MSGPACK_OBJECT_MAP);
  const char *name;
  size_t nlen;
  ASSERT_INT_EQ(sv_map_str(m, "name", &name, &nlen), 0);
  ASSERT_INT_EQ(nlen, 4);
  ASSERT(memcmp(name, "Anna", 4) == 0);
  ASSERT(sv_map_get(s.o, "error") == NULL);
  msgpack_unpacked_destroy(&s.up);
  request_session_close(rq, &a.s);
  ASSERT(!a.s.linked);

  /* A revoked key hears why and is not served. */
  msgpack_sbuffer_clear(&pl);
  fake r;
  ASSERT(!open_session(&r, key_rita, &pl));
  ASSERT(!r.s.linked);
  ASSERT_INT_EQ(r.s.who.member_id, 0);
  unpack(&s, pl.data, pl.size);
  ASSERT(!sent_ok(&s));
  char code[64];
  sent_code(&s, code, sizeof code);
  ASSERT_STR_EQ(code, "not_enrolled");
  ASSERT(sv_map_get(s.o, "member")->type == MSGPACK_OBJECT_NIL);
  msgpack_unpacked_destroy(&s.up);

  /* An unknown key is served as "not enrolled yet", named by its key's hash. */
  msgpack_sbuffer_clear(&pl);
  fake u;
  ASSERT(open_session(&u, key_new, &pl));
  ASSERT_INT_EQ(u.s.who.member_id, 0);
  uint8_t h[32];
  char hex[17];
  crypto_hash_sha256(h, key_new, 32);
  util_hex(hex, h, 8);
  ASSERT_STR_EQ(u.s.who.keyid, hex);
  unpack(&s, pl.data, pl.size);
  ASSERT(sent_ok(&s));
  ASSERT(sv_map_get(s.o, "member")->type == MSGPACK_OBJECT_NIL);
  msgpack_unpacked_destroy(&s.up);
  request_session_close(rq, &u.s);
  msgpack_sbuffer_destroy(&pl);
}

static void test_frames(void) {
  fake a, p, u;
  ASSERT(open_session(&a, key_anna, NULL));
  ASSERT(open_session(&p, key_per, NULL));
  ASSERT(open_session(&u, key_new, NULL));
  char rule[80];

  /* A permitted request: submitted once, decided by the named rule, answered once. */
  send_request(&a, SV_OP_PING, 1, NULL);
  ASSERT_INT_EQ(a.submitted, 1);
  ASSERT_UINT_EQ(a.s.inflight, 1);
  job *j = last_job();
  ASSERT(j->dec.permit);
  snprintf(rule, sizeof rule, "connect (unit.policy:%d)", rule_line("connect"));
  ASSERT_STR_EQ(j->dec.rule, rule);
  ASSERT_STR_EQ(j->op, "ping");
  ASSERT_STR_EQ(j->klass, "session");
  ASSERT_MEM_EQ(j->policy_hash, request_ctx(rq)->policy_hash, 32);
  expect_response(&a, 1, "");
  ASSERT_INT_EQ(a.returned, 1);
  ASSERT_UINT_EQ(a.s.inflight, 0);
  ASSERT_INT_EQ(drained, 1);

  /* Bytes that are not a request: answered bad_request and logged as malformed. */
  request_frame(rq, &a.s, (const uint8_t *)"\x81\xa2id\x05", 5);
  j = last_job();
  ASSERT_INT_EQ(j->err, SV_ERR_BAD_REQUEST);
  ASSERT(!j->dec.permit);
  ASSERT_STR_EQ(j->dec.rule, "malformed request");
  expect_response(&a, 5, "bad_request");

  /* An op the daemon does not know: its text is the client's, and not logged. */
  request_frame(rq, &a.s, (const uint8_t *)"\x82\xa2id\x06\xa2op\xa4nope", 13);
  j = last_job();
  ASSERT_STR_EQ(j->op, "?");
  ASSERT_STR_EQ(j->dec.rule, "unknown op");
  expect_response(&a, 6, "unknown_op");
  /* A known op in a frame that fails to decode is named; free text with no id is not. */
  request_frame(rq, &a.s, (const uint8_t *)"\x83\xa2id\x08\xa2op\xa4ping\xa2zz\x01", 17);
  ASSERT_STR_EQ(last_job()->op, "ping");
  ASSERT_STR_EQ(last_job()->dec.rule, "malformed request");
  expect_response(&a, 8, "bad_request");
  request_frame(rq, &a.s, (const uint8_t *)"\x81\xa2op\xa4Hans", 9);
  ASSERT_STR_EQ(last_job()->op, "?");
  expect_response(&a, 0, "bad_request");

  /* A known op this daemon's table does not serve. */
  send_request(&a, SV_OP_MEMBER_LIST, 7, NULL);
  ASSERT_STR_EQ(last_job()->dec.rule, "unknown op");
  expect_response(&a, 7, "unknown_op");

  /* A key that is not enrolled: only the ops any key may call. */
  send_request(&u, SV_OP_AREA_ADD, 8, "north");
  j = last_job();
  ASSERT_STR_EQ(j->dec.rule, "not enrolled");
  ASSERT(!j->dec.permit);
  expect_response(&u, 8, "not_enrolled");
  send_request(&u, SV_OP_PING, 9, NULL);
  j = last_job();
  ASSERT(j->dec.permit);
  ASSERT_STR_EQ(j->dec.rule, "builtin: any key may ping");
  expect_response(&u, 9, "");

  /* No rule permits: default deny, and the message says so. */
  send_request(&p, SV_OP_AUDIT_CHECKPOINT, 10, NULL);
  j = last_job();
  ASSERT(!j->dec.permit);
  ASSERT_STR_EQ(j->dec.rule, "default deny");
  ASSERT_STR_EQ(j->errmsg, "denied by policy (no rule permits this)");
  ASSERT(j->exec == NULL);
  expect_response(&p, 10, "denied");

  /* A guard's refusal is the answer when the policy permits; the entry names the rule. */
  send_request(&a, SV_OP_AREA_ADD, 11, "guarded");
  j = last_job();
  ASSERT(j->dec.permit);
  snprintf(rule, sizeof rule, "area-work (unit.policy:%d)", rule_line("area-work"));
  ASSERT_STR_EQ(j->dec.rule, rule);
  ASSERT_INT_EQ(j->err, SV_ERR_PERSONAL_DATA);
  expect_response(&a, 11, "personal_data");
  /* ... and the policy's denial is the answer when it does not (an auditor may not submit).
   * The key of u is enrolled as one: u acts as the auditor from now on. */
  dir_member aud = member(5, "Aud", "auditor", key_new, false);
  effect(EFFECT_MEMBER_ADDED, &aud);
  ASSERT_STR_EQ(u.s.who.role, "auditor");
  send_request(&u, SV_OP_AREA_ADD, 12, "guarded");
  j = last_job();
  ASSERT(!j->dec.permit);
  ASSERT_INT_EQ(j->err, SV_ERR_DENIED);
  expect_response(&u, 12, "denied");

  /* Malformed arguments: no policy question is asked. */
  send_request(&a, SV_OP_AREA_ADD, 13, "malformed");
  j = last_job();
  ASSERT(!j->dec.permit);
  ASSERT_STR_EQ(j->dec.rule, "malformed request");
  expect_response(&a, 13, "bad_request");

  /* A closed session's jobs still come back, and nothing is sent to it. */
  send_request(&a, SV_OP_PING, 14, NULL);
  request_session_close(rq, &a.s);
  int sent_before = a.sent, returned_before = a.returned;
  complete();
  ASSERT_INT_EQ(a.sent, sent_before);
  ASSERT_INT_EQ(a.returned, returned_before + 1);
  request_session_close(rq, &p.s);
  request_session_close(rq, &u.s);
}

static void test_authorize(void) {
  const rq_ctx *ctx = request_ctx(rq);
  decision d;
  char want[80];
  /* The longest rule an entry holds is kept whole; one byte more is cut and marked, with the
   * location whole. */
  rq_question q = {.role = "auditor", .action = "read", .klass = "directory"};
  request_authorize(ctx, &q, &d);
  ASSERT(d.permit);
  snprintf(want, sizeof want, NAME_FITS " (unit.policy:%d)", rule_line(NAME_FITS));
  ASSERT_UINT_EQ(strlen(want), AUDIT_NAME_MAX);
  ASSERT_STR_EQ(d.rule, want);
  ASSERT_STR_EQ(d.rule_name, NAME_FITS);
  q.role = "coordinator";
  request_authorize(ctx, &q, &d);
  ASSERT(d.permit);
  snprintf(want, sizeof want, " (unit.policy:%d)", rule_line(NAME_OVER));
  ASSERT_UINT_EQ(strlen(d.rule), AUDIT_NAME_MAX);
  ASSERT(strcmp(d.rule + strlen(d.rule) - strlen(want), want) == 0);
  ASSERT(strstr(d.rule, "...") != NULL);
  ASSERT(strncmp(d.rule, NAME_OVER, strlen(d.rule) - strlen(want) - 3) == 0);
  ASSERT_STR_EQ(d.rule_name, NAME_OVER); /* messages get the whole name */
  /* A cut inside a two-byte character moves to its start. */
  q = (rq_question){.role = "auditor", .action = "read", .klass = "audit"};
  request_authorize(ctx, &q, &d);
  ASSERT(d.permit);
  ASSERT(util_utf8_valid(d.rule, strlen(d.rule), false));
  ASSERT(strlen(d.rule) <= AUDIT_NAME_MAX);
  snprintf(want, sizeof want, "... (unit.policy:%d)", rule_line(NAME_UTF8));
  ASSERT(strcmp(d.rule + strlen(d.rule) - strlen(want), want) == 0);
  /* Default deny, and names the policy does not declare. */
  q = (rq_question){.role = "partner", .action = "read", .klass = "audit"};
  request_authorize(ctx, &q, &d);
  ASSERT(!d.permit);
  ASSERT_STR_EQ(d.rule, "default deny");
  ASSERT_STR_EQ(d.rule_name, "");
  q.role = "janitor";
  request_authorize(ctx, &q, &d);
  ASSERT(!d.permit);
  ASSERT_STR_EQ(d.rule, "default deny (role not declared by the policy)");
  q = (rq_question){.role = "partner", .action = "fly", .klass = "audit"};
  request_authorize(ctx, &q, &d);
  ASSERT_STR_EQ(d.rule, "default deny (action not declared by the policy)");
  q = (rq_question){.role = "partner", .action = "read", .klass = NULL};
  request_authorize(ctx, &q, &d);
  ASSERT_STR_EQ(d.rule, "default deny (class not declared by the policy)");
  /* A recipient's question is logged with its action. */
  q = (rq_question){.role = "coordinator", .action = "receive", .klass = "individual",
                    .level = POLICY_LEVEL_INDIVIDUAL, .recipient = true};
  request_authorize(ctx, &q, &d);
  ASSERT(d.permit);
  snprintf(want, sizeof want, "receive: notes (unit.policy:%d)", rule_line("notes"));
  ASSERT_STR_EQ(d.rule, want);
  q.role = "partner";
  request_authorize(ctx, &q, &d);
  ASSERT(!d.permit);
  ASSERT_STR_EQ(d.rule, "receive: default deny");

  /* request_apply and request_settle: the alternative becomes the decision. */
  job *j = job_new();
  decision deny = {.permit = false, .rule = "x (unit.policy:1)", .rule_name = "x"};
  request_apply(j, &deny);
  ASSERT_INT_EQ(j->err, SV_ERR_DENIED);
  ASSERT_STR_EQ(j->errmsg, "denied by policy rule 'x'");
  j->err = SV_OK;
  j->dec.permit = true;
  j->alt.asked = true;
  j->alt.level = POLICY_LEVEL_GROUP;
  snprintf(j->alt.klass, sizeof j->alt.klass, "group");
  j->alt.dec = deny;
  ASSERT_INT_EQ(request_settle(j, POLICY_LEVEL_AREA), 0); /* not the alternative's level */
  ASSERT(j->dec.permit);
  ASSERT_INT_EQ(request_settle(j, POLICY_LEVEL_GROUP), -1);
  ASSERT(!j->dec.permit);
  ASSERT_STR_EQ(j->klass, "group");
  ASSERT_STR_EQ(j->dec.rule, "x (unit.policy:1)");
  job_free(j);
}

static void test_push(void) {
  fake a, c1, c2, p;
  ASSERT(open_session(&a, key_anna, NULL));
  ASSERT(open_session(&c1, key_carl, NULL));
  ASSERT(open_session(&c2, key_carl, NULL));
  ASSERT(open_session(&p, key_per, NULL));
  /* Both of Carl's sessions get a delivery that follows the request, and its push. */
  send_request(&a, SV_OP_AREA_ADD, 20, "push");
  job *j = last_job();
  ASSERT(j->follow != NULL && j->follow->next != NULL && j->follow->next->next == NULL);
  for (job *d = j->follow; d != NULL; d = d->next) {
    ASSERT(d->internal);
    ASSERT_STR_EQ(d->op, "test.deliver");
    ASSERT_STR_EQ(d->who.name, "Carl");
    ASSERT_STR_EQ(d->object, "area:push");
    ASSERT(d->lead == j);
  }
  ASSERT_UINT_EQ(c1.s.inflight, 1);
  ASSERT_INT_EQ(c1.submitted, 1);
  ASSERT_UINT_EQ(c2.s.inflight, 1);
  ASSERT_UINT_EQ(p.s.inflight, 0);
  expect_response(&a, 20, "");
  uint64_t lead_seq = next_seq - 3;
  fake *cs[2] = {&c1, &c2};
  for (int i = 0; i < 2; i++) {
    ASSERT_INT_EQ(cs[i]->sent, 1);
    ASSERT_INT_EQ(cs[i]->returned, 1);
    ASSERT_UINT_EQ(cs[i]->s.inflight, 0);
    sent s;
    unpack(&s, cs[i]->last, cs[i]->last_len);
    uint64_t audit = 0;
    ASSERT_INT_EQ(sv_map_uint(s.o, "audit", &audit), 0);
    ASSERT(audit > lead_seq); /* the delivery's own entry, after the request's */
    msgpack_unpacked_destroy(&s.up);
  }
  ASSERT_INT_EQ(p.sent, 0);
  /* A refused request's deliveries are dropped: nothing is pushed, the counts come back. */
  fake au;
  ASSERT(open_session(&au, key_new, NULL)); /* the auditor of test_frames may not submit */
  send_request(&au, SV_OP_AREA_ADD, 21, "push");
  ASSERT_UINT_EQ(c1.s.inflight, 1);
  expect_response(&au, 21, "denied");
  ASSERT_INT_EQ(c1.sent, 1);
  ASSERT_INT_EQ(c2.sent, 1);
  ASSERT_INT_EQ(c1.returned, 2);
  ASSERT_UINT_EQ(c1.s.inflight, 0);
  request_session_close(rq, &a.s);
  request_session_close(rq, &c1.s);
  request_session_close(rq, &c2.s);
  request_session_close(rq, &p.s);
  request_session_close(rq, &au.s);
}

static void test_effects(void) {
  const directory *dir = request_ctx(rq)->dir;
  fake a, p, n;
  ASSERT(open_session(&a, key_anna, NULL));
  ASSERT(open_session(&p, key_per, NULL));
  uint8_t key_fresh[32];
  randombytes_buf(key_fresh, 32);
  ASSERT(open_session(&n, key_fresh, NULL));
  ASSERT_INT_EQ(n.s.who.member_id, 0);
  /* Enrolment: the session made with the new key acts as the new member. */
  dir_member fresh = member(9, "Nina", "partner", key_fresh, false);
  effect(EFFECT_MEMBER_ADDED, &fresh);
  ASSERT_INT_EQ(n.s.who.member_id, 9);
  ASSERT_STR_EQ(n.s.who.role, "partner");
  ASSERT(directory_by_noise(dir, key_fresh) != NULL);
  /* A role change re-authorises the member's sessions. */
  dir_member anna = member(1, "Anna", "partner", key_anna, false);
  effect(EFFECT_MEMBER_CHANGED, &anna);
  ASSERT_STR_EQ(a.s.who.role, "partner");
  ASSERT_STR_EQ(directory_by_id(dir, 1)->role, "partner");
  ASSERT_INT_EQ(p.closed, 0);
  /* A revocation closes them, and the key is refused from now on. */
  dir_member per = member(2, "Per", "partner", key_per, true);
  effect(EFFECT_MEMBER_REVOKED, &per);
  ASSERT_INT_EQ(p.closed, 1);
  ASSERT_STR_EQ(p.why, "member revoked");
  ASSERT(!p.s.linked);
  ASSERT_INT_EQ(a.closed, 0);
  ASSERT(directory_by_noise(dir, key_per) == NULL);
  fake again;
  ASSERT(!open_session(&again, key_per, NULL));
  request_session_close(rq, &a.s);
  request_session_close(rq, &n.s);
}

/* The storage side of authorization: a revocation or role change committed after the loop
 * thread decided voids the decision. */
static int exec_ran;
static int exec_mark(store *st, job *j) {
  (void)st;
  (void)j;
  exec_ran++;
  return 0;
}

/* exec: two members, one active coordinator and one revoked partner. */
static int exec_seed(store *st, job *j) {
  (void)j;
  return sqlite3_exec(store_db(st),
                      "INSERT INTO members(id, name, role, card, card_hash, keyid, noise_pk,"
                      " enc_pk, fingerprint, enrolled, revoked) VALUES"
                      " (1, 'Anna', 'coordinator', x'00', x'00', 'a', x'01', x'00', '', 0, 0),"
                      " (2, 'Per', 'partner', x'00', x'00', 'b', x'02', x'00', '', 0, 7)",
                      NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* exec: change member 1 as its object says ("role" or "revoke"), or roll a change back. */
static int exec_change(store *st, job *j) {
  const char *sql = strcmp(j->object, "role") == 0     ? "UPDATE members SET role = 'ssp' WHERE id = 1"
                    : strcmp(j->object, "revoke") == 0 ? "UPDATE members SET revoked = 9 WHERE id = 1"
                                                       : "UPDATE members SET role = 'police' WHERE id = 1";
  if (sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) != SQLITE_OK) return -1;
  if (strcmp(j->object, "undo") == 0) { /* a change its job then takes back (rolled back) */
    job_fail(j, SV_ERR_INVALID, "changed its mind");
    return -1;
  }
  return 0;
}

static void change_member(store *st, const char *what) {
  job *c = job_internal(NULL, "test.change", "directory", what, "test");
  c->exec = exec_change;
  ASSERT_INT_EQ(store_run_sync(st, c), 0);
  job_free(c);
}

/* exec: pack a result of the size in the job's object (one_write jobs). */
static int exec_sized(store *st, job *j) {
  (void)st;
  exec_ran++;
  size_t n = (size_t)strtoul(j->object, NULL, 10);
  msgpack_packer pk;
  msgpack_sbuffer_clear(&j->result);
  msgpack_packer_init(&pk, &j->result, msgpack_sbuffer_write);
  msgpack_pack_bin(&pk, n);
  static const char zeros[4096];
  msgpack_pack_bin_body(&pk, zeros, n);
  return 0;
}

/* What an answer with a result of n bytes takes in its connection's write queue. */
static uint64_t room(size_t n) { return frame_sealed_size(sv_response_ok_size_max(n)); }

/* A job whose one change cannot be undone alone takes its answer's room (result_max) against
 * the session's limit before exec runs: refused at once when that room is not there, and
 * afterwards the session holds exactly the answer's room. */
static void test_one_write_room(void) {
  daemon_fixture fx;
  fixture_init(&fx);
  store *st = fixture_store(&fx);
  uint64_t max = request_answers_max(store_config(st)->max_write_queue);
  rq_session sess;
  memset(&sess, 0, sizeof sess);
  job *j = job_internal(NULL, "test.one", "area", "100", "test");
  j->internal = false;
  j->session = &sess;
  j->exec = exec_sized;
  j->one_write = true;
  j->result_max = 200;
  exec_ran = 0;
  atomic_store(&sess.held, max - room(200)); /* room for exactly result_max */
  ASSERT_INT_EQ(request_run(st, j), 0);
  ASSERT_INT_EQ(exec_ran, 1);
  ASSERT(j->result.size < 200);
  ASSERT_UINT_EQ(atomic_load(&sess.held), max - room(200) + room(j->result.size));
  ASSERT_UINT_EQ(j->held, room(j->result.size));
  atomic_store(&sess.held, max - room(200) + 1); /* one byte short */
  ASSERT_INT_EQ(request_run(st, j), -1);
  ASSERT_INT_EQ(exec_ran, 1); /* not run */
  ASSERT_INT_EQ(j->err, SV_ERR_TOO_LARGE);
  ASSERT_UINT_EQ(atomic_load(&sess.held), max - room(200) + 1);
  /* A job with no answer (a delivery) runs whatever the session holds, and holds nothing. */
  j->err = SV_OK;
  snprintf(j->object, sizeof j->object, "0");
  j->result_max = 0;
  atomic_store(&sess.held, max + 1000); /* pushes queued past the limit */
  ASSERT_INT_EQ(request_run(st, j), 0);
  ASSERT_INT_EQ(exec_ran, 2);
  ASSERT_INT_EQ(j->err, SV_OK);
  ASSERT_UINT_EQ(atomic_load(&sess.held), max + 1000 + room(j->result.size));
  job_free(j);
  store_close(st);
  fixture_free(&fx);
}

/* A read's answer is counted, as the bytes its sealed frame takes, against the connection's
 * max_write_queue and the daemon's max_buffered (both sides of each), and one refused gives its
 * memory back at once: a pipeline of large reads must not pile up results that are never sent. */
static void test_answer_room(void) {
  daemon_fixture fx;
  fixture_init(&fx);
  store *st = fixture_store(&fx);
  const config *conf = store_config(st);
  uint64_t max = request_answers_max(conf->max_write_queue);
  uint64_t all_max = request_answers_max(conf->max_buffered);
  ASSERT(all_max < conf->max_buffered && all_max >= conf->max_buffered / 8 * 7);
  ASSERT(max < conf->max_write_queue && max >= conf->max_write_queue / 8 * 7);
  _Atomic uint64_t all = 0;
  rq_session sess;
  memset(&sess, 0, sizeof sess);
  sess.held_all = &all;
  job *j = job_internal(NULL, "test.read", "area", "3000", "test");
  j->internal = false;
  j->session = &sess;
  j->exec = exec_sized;
  exec_ran = 0;
  ASSERT_INT_EQ(request_run(st, j), 0); /* learns the result's size */
  size_t n = j->result.size;
  uint64_t r = room(n);
  ASSERT(r > n + 4 + 16); /* more than the plain result: the frame around it */
  ASSERT_UINT_EQ(j->held, r);
  ASSERT_UINT_EQ(atomic_load(&sess.held), r);
  ASSERT_UINT_EQ(atomic_load(&all), r);
  const struct {
    uint64_t mine, total;
    int rc;
  } cases[] = {
      {max - r, 0, 0},                /* exactly the connection's room */
      {max - r + 1, 0, -1},           /* one byte over it */
      {0, all_max - r, 0},            /* exactly the daemon's room */
      {0, all_max - r + 1, -1},       /* one byte over it */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    job_drop_result(j);
    j->err = SV_OK;
    j->held = 0;
    j->over_budget = false;
    atomic_store(&sess.held, cases[i].mine);
    atomic_store(&all, cases[i].total);
    ASSERT_INT_EQ(request_run(st, j), cases[i].rc);
    if (cases[i].rc == 0) {
      ASSERT_UINT_EQ(atomic_load(&sess.held), cases[i].mine + r);
      ASSERT_UINT_EQ(atomic_load(&all), cases[i].total + r);
      ASSERT_UINT_EQ(j->result.size, n);
    } else {
      ASSERT_INT_EQ(j->err, SV_ERR_TOO_LARGE);
      ASSERT(strstr(j->errmsg, cases[i].mine > 0 ? "for this connection" : "max_buffered"));
      ASSERT(j->over_budget == (cases[i].mine == 0)); /* the daemon's limit: shed hogs */
      ASSERT_UINT_EQ(atomic_load(&sess.held), cases[i].mine); /* nothing counted */
      ASSERT_UINT_EQ(atomic_load(&all), cases[i].total);
      ASSERT(j->result.data == NULL && j->result.alloc == 0); /* its memory given back */
    }
  }
  job_free(j);
  store_close(st);
  fixture_free(&fx);
}

/* An answer's room becomes its frame in the transport's queue in one step (the fake counts
 * the frame in the room's place, as conn.c does): the session's held goes from the room to the
 * frame, never below. A closed session's answer is not sent and gives its room back; an
 * answer refused for all peers' limit asks the transport to shed. */
static int over_budget_calls;
static void f_over_budget(rq_session *s) {
  (void)s;
  over_budget_calls++;
}

static void test_answer_handover(void) {
  static const rq_transport with_shed = {f_send, f_close, f_submitted, f_returned, NULL,
                                         f_over_budget};
  fake a;
  ASSERT(open_session(&a, key_anna, NULL));
  a.s.t = &with_shed;
  send_request(&a, SV_OP_PING, 1, NULL);
  job *j = last_job();
  j->held = 5000; /* as request_run counts an answer's room */
  atomic_store(&a.s.held, 5000);
  expect_response(&a, 1, "");
  ASSERT_UINT_EQ(atomic_load(&a.s.held), a.last_len); /* the frame in the room's place */
  ASSERT_INT_EQ(over_budget_calls, 0);

  send_request(&a, SV_OP_PING, 2, NULL);
  j = last_job();
  j->held = 5000;
  j->over_budget = true;
  atomic_store(&a.s.held, 5000);
  expect_response(&a, 2, "");
  ASSERT_INT_EQ(over_budget_calls, 1);

  send_request(&a, SV_OP_PING, 3, NULL);
  j = last_job();
  j->held = 5000;
  atomic_store(&a.s.held, 5000);
  request_session_close(rq, &a.s);
  ASSERT(atomic_load(&a.s.closed));
  int before = a.sent;
  complete();
  ASSERT_INT_EQ(a.sent, before); /* nothing sent to a closed session */
  ASSERT_UINT_EQ(atomic_load(&a.s.held), 0); /* and its room given back */
}

/* A closed session's answers are not kept: storage runs the job (its change, its audit entry)
 * and drops the result, holding nothing for it. */
static void test_closed_session_run(void) {
  daemon_fixture fx;
  fixture_init(&fx);
  store *st = fixture_store(&fx);
  rq_session sess;
  memset(&sess, 0, sizeof sess);
  atomic_store(&sess.closed, true);
  job *j = job_internal(NULL, "test.read", "area", "3000", "test");
  j->internal = false;
  j->session = &sess;
  j->exec = exec_sized;
  exec_ran = 0;
  ASSERT_INT_EQ(request_run(st, j), 0);
  ASSERT_INT_EQ(exec_ran, 1);
  ASSERT(j->result.data == NULL && j->held == 0);
  ASSERT_UINT_EQ(atomic_load(&sess.held), 0);
  j->one_write = true; /* a write's room is not taken either */
  j->result_max = 4000;
  ASSERT_INT_EQ(request_run(st, j), 0);
  ASSERT_INT_EQ(exec_ran, 2);
  ASSERT(j->result.data == NULL && j->held == 0);
  ASSERT_UINT_EQ(atomic_load(&sess.held), 0);
  job_free(j);
  store_close(st);
  fixture_free(&fx);
}

/* exec: run the SQL in the job's object. */
static int exec_sql_object(store *st, job *j) {
  return sqlite3_exec(store_db(st), j->object, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void store_sql(store *st, const char *sql) {
  job *c = job_internal(NULL, "test.sql", "area", sql, "test");
  c->exec = exec_sql_object;
  ASSERT_INT_EQ(store_run_sync(st, c), 0);
  ASSERT_INT_EQ(c->err, SV_OK);
  job_free(c);
}

static int64_t area_id(store *st, const char *name) {
  job *j = job_new();
  sv_str n = {name, strlen(name)};
  int64_t id = ops_area_id(st, j, &n);
  job_free(j);
  return id;
}

/* Area ids by name are kept between jobs, and follow every change of the areas table. */
static void test_area_ids(void) {
  daemon_fixture fx;
  fixture_init(&fx);
  store *st = fixture_store(&fx);
  ASSERT_INT_EQ(area_id(st, "Gellerup"), 0);
  store_sql(st, "INSERT INTO areas(id, name, created, author) VALUES(5, 'Gellerup', 0, 0)");
  ASSERT_INT_EQ(area_id(st, "Gellerup"), 5);
  ASSERT_INT_EQ(area_id(st, "Gellerup"), 5); /* kept */
  ASSERT_INT_EQ(area_id(st, "gellerup"), 0); /* names compare exactly */
  store_sql(st, "UPDATE areas SET name = 'Bispehaven' WHERE id = 5");
  ASSERT_INT_EQ(area_id(st, "Gellerup"), 0);
  ASSERT_INT_EQ(area_id(st, "Bispehaven"), 5);
  store_sql(st, "DELETE FROM areas WHERE id = 5;"
                "INSERT INTO areas(id, name, created, author) VALUES(6, 'Bispehaven', 0, 0)");
  ASSERT_INT_EQ(area_id(st, "Bispehaven"), 6);
  store_close(st);
  fixture_free(&fx);
}

static void test_run(void) {
  daemon_fixture fx;
  fixture_init(&fx);
  store *st = fixture_store(&fx);
  job *seed = job_internal(NULL, "test.seed", "directory", "", "test");
  seed->exec = exec_seed;
  ASSERT_INT_EQ(store_run_sync(st, seed), 0); /* the store commits only its own batches */
  ASSERT_INT_EQ(seed->err, SV_OK);
  job_free(seed);
  job *j = job_new();
  j->exec = exec_mark;
  j->who.member_id = 1;
  snprintf(j->who.role, sizeof j->who.role, "coordinator");
  ASSERT_INT_EQ(request_run(st, j), 0);
  ASSERT_INT_EQ(exec_ran, 1);
  snprintf(j->who.role, sizeof j->who.role, "ssp"); /* decided with a role no longer held */
  ASSERT_INT_EQ(request_run(st, j), -1);
  ASSERT_INT_EQ(exec_ran, 1);
  ASSERT_INT_EQ(j->err, SV_ERR_DENIED);
  ASSERT_STR_EQ(j->dec.rule, "role changed before the request was carried out");
  j->err = SV_OK;
  j->who.member_id = 2;
  snprintf(j->who.role, sizeof j->who.role, "partner");
  ASSERT_INT_EQ(request_run(st, j), -1);
  ASSERT_INT_EQ(j->err, SV_ERR_NOT_ENROLLED);
  ASSERT_STR_EQ(j->dec.rule, "member revoked before the request was carried out");
  j->err = SV_OK;
  j->internal = true; /* the daemon's own entries are not members' requests */
  ASSERT_INT_EQ(request_run(st, j), 0);
  ASSERT_INT_EQ(exec_ran, 2);
  /* The states are kept between jobs, and a change of the member is seen at once: a change
   * rolled back leaves it as it was, a role change and a revocation do not. */
  j->internal = false;
  j->who.member_id = 1;
  snprintf(j->who.role, sizeof j->who.role, "coordinator");
  ASSERT_INT_EQ(request_run(st, j), 0);
  change_member(st, "undo");
  ASSERT_INT_EQ(request_run(st, j), 0);
  ASSERT_INT_EQ(exec_ran, 4);
  change_member(st, "role");
  ASSERT_INT_EQ(request_run(st, j), -1);
  ASSERT_INT_EQ(j->err, SV_ERR_DENIED);
  j->err = SV_OK;
  snprintf(j->who.role, sizeof j->who.role, "ssp");
  ASSERT_INT_EQ(request_run(st, j), 0);
  change_member(st, "revoke");
  ASSERT_INT_EQ(request_run(st, j), -1);
  ASSERT_INT_EQ(j->err, SV_ERR_NOT_ENROLLED);
  ASSERT_INT_EQ(exec_ran, 5);
  job_free(j);
  store_close(st);
  fixture_free(&fx);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  setup();
  RUN_TEST(test_sessions);
  RUN_TEST(test_frames);
  RUN_TEST(test_authorize);
  RUN_TEST(test_push);
  RUN_TEST(test_effects);
  RUN_TEST(test_run);
  RUN_TEST(test_area_ids);
  RUN_TEST(test_one_write_room);
  RUN_TEST(test_answer_room);
  RUN_TEST(test_answer_handover);
  RUN_TEST(test_closed_session_run);
  ASSERT_INT_EQ(nqueue, 0);
  ASSERT_UINT_EQ(request_inflight(rq), 0);
  request_free(rq);
  return 0;
}

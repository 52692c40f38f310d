/* test_codec.c -- request codec: round trips for every op with all its arguments, rejections
 * with their stable error codes, and the msgpack structural pre-check. */
#include <math.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "task.h"

#define F(x) SV_BIT(SV_F_##x)

/* The op table as protocol/PROTOCOL.md documents it: required and optional arguments. */
static const struct {
  enum sv_op op;
  const char *name;
  uint64_t required, optional;
} op_spec[] = {
    {SV_OP_PING, "ping", 0, 0},
    {SV_OP_WHOAMI, "whoami", 0, 0},
    {SV_OP_ENROLL, "enroll", F(INVITE) | F(CARD), 0},
    {SV_OP_AUDIT_CHECKPOINT, "audit.checkpoint", 0, 0},
    {SV_OP_AUDIT_ENTRIES, "audit.entries", F(START), F(COUNT)},
    {SV_OP_AUDIT_INCLUSION, "audit.inclusion", F(SEQ), F(SIZE) | F(OLD_SIZE)},
    {SV_OP_AUDIT_CONSISTENCY, "audit.consistency", F(OLD_SIZE), F(SIZE)},
    {SV_OP_MEMBER_INVITE, "member.invite", F(ROLE) | F(NAME), F(TTL)},
    {SV_OP_MEMBER_LIST, "member.list", 0, 0},
    {SV_OP_MEMBER_SHOW, "member.show", F(WHO), 0},
    {SV_OP_MEMBER_ROLE, "member.role", F(WHO) | F(ROLE), 0},
    {SV_OP_MEMBER_REVOKE, "member.revoke", F(WHO), 0},
    {SV_OP_MEMBER_PROOF, "member.proof", F(WHO), F(OLD_SIZE)},
    {SV_OP_AREA_ADD, "area.add", F(NAME), F(DESCRIPTION)},
    {SV_OP_AREA_LIST, "area.list", 0, 0},
    {SV_OP_OBS_ADD, "observation.add", F(AREA) | F(KIND) | F(CATEGORY) | F(LEVEL) | F(TEXT),
     F(SIZE) | F(LAT) | F(LON)},
    {SV_OP_OBS_LIST, "observation.list", F(AREA), F(KIND) | F(CATEGORY) | F(SINCE)},
    {SV_OP_OBS_UPDATE, "observation.update", F(OBSERVATION),
     F(TEXT) | F(CATEGORY) | F(SIZE) | F(LAT) | F(LON)},
    {SV_OP_OBS_WITHDRAW, "observation.withdraw", F(OBSERVATION), 0},
    {SV_OP_IV_ADD, "intervention.add", F(AREA) | F(LEVEL) | F(STEP) | F(TEXT), F(OWNER) | F(DUE)},
    {SV_OP_IV_LIST, "intervention.list", 0, F(AREA) | F(STATUS) | F(OVERDUE)},
    {SV_OP_IV_UPDATE, "intervention.update", F(INTERVENTION),
     F(STATUS) | F(OWNER) | F(DUE) | F(OUTCOME)},
    {SV_OP_NOTE_SEND, "note.send", F(ENVELOPE), 0},
    {SV_OP_NOTE_LIST, "note.list", 0, 0},
    {SV_OP_NOTE_FETCH, "note.fetch", F(NOTE), 0},
    {SV_OP_NOTE_ACK, "note.ack", F(NOTE), 0},
    {SV_OP_AREA_UPDATE, "area.update", F(AREA), F(DESCRIPTION) | F(BOUNDARY)},
    {SV_OP_AREA_STATUS, "area.status", F(AREA), 0},
    {SV_OP_LINK_ADD, "link.add", 0, F(RESOURCE) | F(CHALLENGE) | F(INTERVENTION)},
    {SV_OP_LINK_REMOVE, "link.remove", F(LINK), 0},
    {SV_OP_LINK_LIST, "link.list", F(AREA), 0},
    {SV_OP_MEETING_ADD, "meeting.add", F(AREA) | F(TRACK) | F(TIME),
     F(TITLE) | F(ATTENDEES) | F(AGENDA)},
    {SV_OP_MEETING_LIST, "meeting.list", 0, F(AREA) | F(TRACK) | F(SINCE)},
    {SV_OP_MEETING_SHOW, "meeting.show", F(MEETING), F(TRACK)},
    {SV_OP_MEETING_ITEM, "meeting.item", F(MEETING) | F(TEXT),
     F(TRACK) | F(OBSERVATION) | F(INTERVENTION)},
    {SV_OP_MEETING_MINUTES, "meeting.minutes", F(MEETING), F(TRACK) | F(TEXT) | F(ENVELOPE)},
    {SV_OP_MEETING_DECIDE, "meeting.decide", F(MEETING) | F(TEXT),
     F(TRACK) | F(LEVEL) | F(STEP) | F(OWNER) | F(DUE)},
    {SV_OP_MEETING_DRAFT, "meeting.draft", F(AREA), F(TRACK)},
    {SV_OP_CONCERN_INTAKE, "concern.intake", 0, 0},
    {SV_OP_CONCERN_SUBMIT, "concern.submit", F(ENVELOPE), 0},
    {SV_OP_RECEIPT_STATUS, "receipt.status", F(RECEIPT), 0},
    {SV_OP_CONCERN_LIST, "concern.list", 0, F(STATUS) | F(AREA)},
    {SV_OP_CONCERN_FETCH, "concern.fetch", F(CONCERN), 0},
    {SV_OP_CONCERN_ASSIGN, "concern.assign", F(CONCERN) | F(WHO), 0},
    {SV_OP_CONCERN_CLOSE, "concern.close", F(CONCERN), 0},
    {SV_OP_CONCERN_ANSWER, "concern.answer", F(CONCERN) | F(ENVELOPE), 0},
    {SV_OP_ACTOR_ADD, "actor.add", F(AREA) | F(NAME) | F(CATEGORY) | F(FORM), F(DESCRIPTION)},
    {SV_OP_ACTOR_UPDATE, "actor.update", F(ACTOR), F(NAME) | F(CATEGORY) | F(FORM) | F(DESCRIPTION)},
    {SV_OP_ACTOR_TIE, "actor.tie", F(ACTOR) | F(PEER), F(TEXT)},
    {SV_OP_ACTOR_UNTIE, "actor.untie", F(ACTOR) | F(PEER), 0},
    {SV_OP_ACTOR_LIST, "actor.list", F(AREA), 0},
};
#define NSPEC (sizeof op_spec / sizeof op_spec[0])

/* The argument types as protocol/PROTOCOL.md documents them (section 4 and each op). */
enum kind { K_STR, K_UINT, K_DOUBLE, K_BIN, K_BOOL, K_STRS, K_DOUBLES };
static enum kind field_kind(enum sv_field f) {
  switch (f) {
  case SV_F_START: case SV_F_COUNT: case SV_F_SEQ: case SV_F_SIZE: case SV_F_OLD_SIZE:
  case SV_F_TTL: case SV_F_SINCE: case SV_F_OBSERVATION: case SV_F_INTERVENTION:
  case SV_F_TIME: case SV_F_MEETING: case SV_F_DUE: case SV_F_RESOURCE: case SV_F_CHALLENGE:
  case SV_F_LINK: case SV_F_CONCERN: case SV_F_ACTOR: case SV_F_PEER:
    return K_UINT;
  case SV_F_LAT: case SV_F_LON:
    return K_DOUBLE;
  case SV_F_CARD: case SV_F_ENVELOPE: case SV_F_NOTE: case SV_F_RECEIPT:
    return K_BIN;
  case SV_F_OVERDUE:
    return K_BOOL;
  case SV_F_ATTENDEES: case SV_F_AGENDA:
    return K_STRS;
  case SV_F_BOUNDARY:
    return K_DOUBLES;
  default:
    return K_STR;
  }
}

/* A distinct value per field so a swapped slot would show. */
static void set_field(sv_request *r, enum sv_field f) {
  char s[64];
  uint8_t b[40];
  switch (field_kind(f)) {
  case K_STR:
    snprintf(s, sizeof s, "value of %s \xc3\xa6\xc3\xb8\xc3\xa5", sv_field_name(f));
    ASSERT_INT_EQ(sv_request_set_str(r, f, s), 0);
    break;
  case K_UINT:
    ASSERT_INT_EQ(sv_request_set_uint(r, f, UINT64_C(0xfedcba9876540000) + (uint64_t)f), 0);
    break;
  case K_DOUBLE:
    ASSERT_INT_EQ(sv_request_set_double(r, f, -12.345678 * (double)(f + 1)), 0);
    break;
  case K_BIN:
    for (size_t i = 0; i < sizeof b; i++) b[i] = (uint8_t)(i * 7 + (size_t)f);
    ASSERT_INT_EQ(sv_request_set_bin(r, f, b, f == SV_F_NOTE || f == SV_F_RECEIPT ? 16 : sizeof b),
                  0);
    break;
  case K_BOOL:
    ASSERT_INT_EQ(sv_request_set_bool(r, f, true), 0);
    break;
  case K_STRS: {
    char s2[64];
    snprintf(s, sizeof s, "first of %s", sv_field_name(f));
    snprintf(s2, sizeof s2, "Bj\xc3\xb8rn %d", (int)f);
    const char *v[3] = {s, "", s2};
    ASSERT_INT_EQ(sv_request_set_strs(r, f, v, 3), 0);
    break;
  }
  case K_DOUBLES: {
    double v[4] = {10.1 + f, -56.25, 0.0, 1e-7};
    ASSERT_INT_EQ(sv_request_set_doubles(r, f, v, 4), 0);
    break;
  }
  }
}

static void check_field_eq(const sv_request *a, const sv_request *b, enum sv_field f) {
  switch (f) {
#define STR(F_, m)                                                             \
  case F_:                                                                     \
    ASSERT_UINT_EQ(a->a.m.len, b->a.m.len);                                    \
    ASSERT_STR_EQ(a->a.m.ptr, b->a.m.ptr);                                     \
    break;
#define UINT(F_, m)                                                            \
  case F_:                                                                     \
    ASSERT_UINT_EQ(a->a.m, b->a.m);                                            \
    break;
#define DBL(F_, m)                                                             \
  case F_:                                                                     \
    ASSERT(a->a.m == b->a.m);                                                  \
    break;
#define BIN(F_, m)                                                             \
  case F_:                                                                     \
    ASSERT_UINT_EQ(a->a.m.len, b->a.m.len);                                    \
    ASSERT_MEM_EQ(a->a.m.ptr, b->a.m.ptr, a->a.m.len);                         \
    break;
    STR(SV_F_CLIENT, client) STR(SV_F_NAME, name) STR(SV_F_ROLE, role) STR(SV_F_WHO, who)
    STR(SV_F_INVITE, invite) STR(SV_F_AREA, area) STR(SV_F_DESCRIPTION, description)
    STR(SV_F_KIND, kind) STR(SV_F_CATEGORY, category) STR(SV_F_LEVEL, level)
    STR(SV_F_TEXT, text) STR(SV_F_STEP, step) STR(SV_F_STATUS, status)
    UINT(SV_F_START, start) UINT(SV_F_COUNT, count) UINT(SV_F_SEQ, seq) UINT(SV_F_SIZE, size)
    UINT(SV_F_OLD_SIZE, old_size) UINT(SV_F_TTL, ttl) UINT(SV_F_SINCE, since)
    UINT(SV_F_OBSERVATION, observation) UINT(SV_F_INTERVENTION, intervention)
    DBL(SV_F_LAT, lat) DBL(SV_F_LON, lon)
    BIN(SV_F_CARD, card) BIN(SV_F_ENVELOPE, envelope) BIN(SV_F_NOTE, note)
    STR(SV_F_TRACK, track) STR(SV_F_TITLE, title) STR(SV_F_OWNER, owner)
    STR(SV_F_OUTCOME, outcome) STR(SV_F_FORM, form)
    UINT(SV_F_TIME, time) UINT(SV_F_MEETING, meeting) UINT(SV_F_DUE, due)
    UINT(SV_F_RESOURCE, resource) UINT(SV_F_CHALLENGE, challenge) UINT(SV_F_LINK, link)
    UINT(SV_F_CONCERN, concern) UINT(SV_F_ACTOR, actor) UINT(SV_F_PEER, peer)
    BIN(SV_F_RECEIPT, receipt) STR(SV_F_REASON, reason)
  case SV_F_OVERDUE:
    ASSERT_INT_EQ(a->a.overdue, b->a.overdue);
    break;
  case SV_F_ATTENDEES:
  case SV_F_AGENDA: {
    const sv_strs *x = f == SV_F_AGENDA ? &a->a.agenda : &a->a.attendees;
    const sv_strs *y = f == SV_F_AGENDA ? &b->a.agenda : &b->a.attendees;
    ASSERT_UINT_EQ(x->n, y->n);
    for (size_t i = 0; i < x->n; i++) {
      ASSERT_UINT_EQ(x->v[i].len, y->v[i].len);
      ASSERT_STR_EQ(x->v[i].ptr, y->v[i].ptr);
    }
    break;
  }
  case SV_F_BOUNDARY:
    ASSERT_UINT_EQ(a->a.boundary.n, b->a.boundary.n);
    for (size_t i = 0; i < a->a.boundary.n; i++)
      ASSERT(a->a.boundary.v[i] == b->a.boundary.v[i]);
    break;
#undef STR
#undef UINT
#undef DBL
#undef BIN
  case SV_F__COUNT:
    ASSERT(0);
  }
}

/* Decode buf, expecting code; returns the request (caller frees) with err filled. */
static enum sv_err decode(const char *buf, size_t len, sv_request *r, char *err, size_t errlen) {
  err[0] = '\0';
  return sv_request_decode((const uint8_t *)buf, len, r, err, errlen);
}

static void test_op_names(void) {
  for (size_t i = 0; i < NSPEC; i++) {
    ASSERT_STR_EQ(sv_op_name(op_spec[i].op), op_spec[i].name);
    enum sv_op op = SV_OP__COUNT;
    ASSERT_INT_EQ(sv_op_lookup(op_spec[i].name, strlen(op_spec[i].name), &op), 0);
    ASSERT_INT_EQ(op, op_spec[i].op);
  }
  ASSERT_INT_EQ(NSPEC, SV_OP__COUNT);
  enum sv_op op;
  ASSERT_INT_EQ(sv_op_lookup("pin", 3, &op), -1);
  ASSERT_INT_EQ(sv_op_lookup("pingx", 5, &op), -1);
  ASSERT_INT_EQ(sv_op_lookup("ping\0", 5, &op), -1); /* a NUL is a byte of the name */
  ASSERT_INT_EQ(sv_op_lookup("pi\0g", 4, &op), -1);
  ASSERT_INT_EQ(sv_op_lookup("", 0, &op), -1);
  ASSERT_INT_EQ(sv_op_lookup("ping", 4, &op), 0);
  ASSERT_INT_EQ(op, SV_OP_PING);
  ASSERT_STR_EQ(sv_err_code(SV_ERR_UNKNOWN_OP), "unknown_op");
  ASSERT_INT_EQ(sv_err_from_code("bad_request"), SV_ERR_BAD_REQUEST);
  ASSERT_INT_EQ(sv_err_from_code("nope"), SV_ERR__COUNT);
}

/* Every op with all its arguments: encode, decode, same fields; and the encoding is canonical
 * (re-encoding the decoded request gives the same bytes). Also with only the required ones. */
static void test_round_trip_every_op(void) {
  for (size_t i = 0; i < NSPEC; i++) {
    for (int only_required = 0; only_required < 2; only_required++) {
      uint64_t want = op_spec[i].required | (only_required ? 0 : op_spec[i].optional);
      sv_request r, d;
      sv_request_init(&r, 1000 + i, op_spec[i].op);
      for (int f = 0; f < SV_F__COUNT; f++)
        if (want & SV_BIT(f)) set_field(&r, (enum sv_field)f);
      msgpack_sbuffer sb, sb2;
      msgpack_sbuffer_init(&sb);
      msgpack_sbuffer_init(&sb2);
      char err[256];
      ASSERT_INT_EQ(sv_request_encode(&r, &sb, err, sizeof err), 0);
      ASSERT_INT_EQ(decode(sb.data, sb.size, &d, err, sizeof err), SV_OK);
      ASSERT_UINT_EQ(d.id, 1000 + i);
      ASSERT_INT_EQ(d.op, op_spec[i].op);
      ASSERT_STR_EQ(d.op_name, op_spec[i].name);
      ASSERT_UINT_EQ(d.present, want | SV_HAS_ID);
      for (int f = 0; f < SV_F__COUNT; f++)
        if (want & SV_BIT(f)) check_field_eq(&r, &d, (enum sv_field)f);
      ASSERT_INT_EQ(sv_request_encode(&d, &sb2, err, sizeof err), 0);
      ASSERT_UINT_EQ(sb2.size, sb.size);
      ASSERT_MEM_EQ(sb2.data, sb.data, sb.size);
      msgpack_sbuffer_destroy(&sb);
      msgpack_sbuffer_destroy(&sb2);
      sv_request_free(&r);
      sv_request_free(&d);
    }
  }
}

/* The encoder refuses what the decoder would refuse: a missing or an extra argument. */
static void test_encode_refuses(void) {
  char err[256];
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  sv_request r;
  sv_request_init(&r, 1, SV_OP_MEMBER_ROLE);
  sv_request_set_str(&r, SV_F_WHO, "kari");
  ASSERT_INT_EQ(sv_request_encode(&r, &sb, err, sizeof err), -1); /* role missing */
  ASSERT_UINT_EQ(sb.size, 0);
  sv_request_free(&r);
  sv_request_init(&r, 1, SV_OP_PING);
  sv_request_set_uint(&r, SV_F_COUNT, 3);
  ASSERT_INT_EQ(sv_request_encode(&r, &sb, err, sizeof err), -1); /* ping takes no count */
  sv_request_free(&r);
  msgpack_sbuffer_destroy(&sb);
}

/* A tiny writer for hand-made maps. */
typedef struct {
  msgpack_sbuffer sb;
  msgpack_packer pk;
} mp;
static void mp_init(mp *m, uint32_t n) {
  msgpack_sbuffer_init(&m->sb);
  msgpack_packer_init(&m->pk, &m->sb, msgpack_sbuffer_write);
  msgpack_pack_map(&m->pk, n);
}
static void mp_str(mp *m, const char *s) { sv_pack_str(&m->pk, s); }
static void mp_uint(mp *m, uint64_t v) { msgpack_pack_uint64(&m->pk, v); }

/* Decode m and expect the code and a message containing want (NULL: any message). The
 * request's id must be the one given (has_id) or absent. */
static void expect(mp *m, enum sv_err code, const char *want, bool has_id, uint64_t id) {
  sv_request r;
  char err[256];
  ASSERT_INT_EQ(decode(m->sb.data, m->sb.size, &r, err, sizeof err), code);
  ASSERT(err[0] != '\0');
  if (want) ASSERT_STR_CONTAINS(err, want);
  ASSERT_INT_EQ((r.present & SV_HAS_ID) != 0, has_id);
  if (has_id) ASSERT_UINT_EQ(r.id, id);
  sv_request_free(&r);
  msgpack_sbuffer_destroy(&m->sb);
}

static void test_rejections(void) {
  mp m;
  /* missing required argument */
  mp_init(&m, 2), mp_str(&m, "id"), mp_uint(&m, 41), mp_str(&m, "op"), mp_str(&m, "member.show");
  expect(&m, SV_ERR_BAD_REQUEST, "requires argument \"who\"", true, 41);
  /* wrong type: uint field given a string, string field given an int, bin given a str */
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 42), mp_str(&m, "op"), mp_str(&m, "audit.entries");
  mp_str(&m, "start"), mp_str(&m, "0");
  expect(&m, SV_ERR_BAD_REQUEST, "\"start\" must be an unsigned integer", true, 42);
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 43), mp_str(&m, "op"), mp_str(&m, "member.show");
  mp_str(&m, "who"), mp_uint(&m, 5);
  expect(&m, SV_ERR_BAD_REQUEST, "\"who\" must be a string", true, 43);
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 44), mp_str(&m, "op"), mp_str(&m, "note.ack");
  mp_str(&m, "note"), mp_str(&m, "0123456789abcdef");
  expect(&m, SV_ERR_BAD_REQUEST, "\"note\" must be binary", true, 44);
  /* negative integer for an unsigned field */
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 45), mp_str(&m, "op"), mp_str(&m, "audit.entries");
  mp_str(&m, "start"), msgpack_pack_int64(&m.pk, -1);
  expect(&m, SV_ERR_BAD_REQUEST, "\"start\"", true, 45);
  /* non-finite double (float64 NaN) */
  mp_init(&m, 4), mp_str(&m, "id"), mp_uint(&m, 46), mp_str(&m, "op"),
      mp_str(&m, "observation.update");
  mp_str(&m, "observation"), mp_uint(&m, 1), mp_str(&m, "lat"), msgpack_pack_double(&m.pk, NAN);
  expect(&m, SV_ERR_BAD_REQUEST, "\"lat\" is not a finite number", true, 46);
  /* unknown argument, and an argument another op takes */
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 47), mp_str(&m, "op"), mp_str(&m, "ping");
  mp_str(&m, "colour"), mp_uint(&m, 1);
  expect(&m, SV_ERR_BAD_REQUEST, "takes no argument \"colour\"", true, 47);
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 48), mp_str(&m, "op"), mp_str(&m, "ping");
  mp_str(&m, "who"), mp_str(&m, "kari");
  expect(&m, SV_ERR_BAD_REQUEST, "takes no argument \"who\"", true, 48);
  /* a key that is a field's prefix, extension, or the field with a NUL after it */
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 59), mp_str(&m, "op"), mp_str(&m, "member.show");
  mp_str(&m, "wh"), mp_str(&m, "kari");
  expect(&m, SV_ERR_BAD_REQUEST, "takes no argument \"wh\"", true, 59);
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 60), mp_str(&m, "op"), mp_str(&m, "member.show");
  mp_str(&m, "whom"), mp_str(&m, "kari");
  expect(&m, SV_ERR_BAD_REQUEST, "takes no argument \"whom\"", true, 60);
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 61), mp_str(&m, "op"), mp_str(&m, "member.show");
  sv_pack_strn(&m.pk, "who\0", 4), mp_str(&m, "kari");
  expect(&m, SV_ERR_BAD_REQUEST, "takes no argument \"who", true, 61);
  /* an unknown argument whose value is a container still names the request */
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 49), mp_str(&m, "op"), mp_str(&m, "ping");
  mp_str(&m, "x"), msgpack_pack_array(&m.pk, 2), msgpack_pack_nil(&m.pk),
      msgpack_pack_map(&m.pk, 0);
  expect(&m, SV_ERR_BAD_REQUEST, "takes no argument \"x\"", true, 49);
  /* duplicate argument, duplicate id, duplicate op */
  mp_init(&m, 4), mp_str(&m, "id"), mp_uint(&m, 50), mp_str(&m, "op"), mp_str(&m, "member.show");
  mp_str(&m, "who"), mp_str(&m, "a"), mp_str(&m, "who"), mp_str(&m, "b");
  expect(&m, SV_ERR_BAD_REQUEST, "\"who\" given twice", true, 50);
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 51), mp_str(&m, "op"), mp_str(&m, "ping");
  mp_str(&m, "id"), mp_uint(&m, 52);
  expect(&m, SV_ERR_BAD_REQUEST, "\"id\" must be one unsigned integer", true, 51);
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 53), mp_str(&m, "op"), mp_str(&m, "ping");
  mp_str(&m, "op"), mp_str(&m, "whoami");
  expect(&m, SV_ERR_BAD_REQUEST, "\"op\" must be one string", true, 53);
  /* NUL inside a string argument */
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 54), mp_str(&m, "op"), mp_str(&m, "member.show");
  mp_str(&m, "who"), sv_pack_strn(&m.pk, "ka\0ri", 5);
  expect(&m, SV_ERR_BAD_REQUEST, "contains a NUL byte", true, 54);
  /* a key that is not a string */
  mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 55), mp_str(&m, "op"), mp_str(&m, "ping");
  mp_uint(&m, 7), mp_uint(&m, 7);
  expect(&m, SV_ERR_BAD_REQUEST, "map keys must be strings", true, 55);
  /* unknown op: its own code, id and op text preserved */
  mp_init(&m, 2), mp_str(&m, "id"), mp_uint(&m, 56), mp_str(&m, "op"), mp_str(&m, "launch");
  {
    sv_request r;
    char err[256];
    ASSERT_INT_EQ(decode(m.sb.data, m.sb.size, &r, err, sizeof err), SV_ERR_UNKNOWN_OP);
    ASSERT_UINT_EQ(r.id, 56);
    ASSERT_STR_EQ(r.op_name, "launch");
    ASSERT_STR_CONTAINS(err, "unknown op \"launch\"");
    sv_request_free(&r);
    msgpack_sbuffer_destroy(&m.sb);
  }
  /* op of the wrong type; id missing; id negative; op missing */
  mp_init(&m, 2), mp_str(&m, "id"), mp_uint(&m, 57), mp_str(&m, "op"), mp_uint(&m, 1);
  expect(&m, SV_ERR_BAD_REQUEST, "\"op\" must be one string", true, 57);
  mp_init(&m, 1), mp_str(&m, "op"), mp_str(&m, "ping");
  expect(&m, SV_ERR_BAD_REQUEST, "no \"id\"", false, 0);
  mp_init(&m, 2), mp_str(&m, "id"), msgpack_pack_int64(&m.pk, -5), mp_str(&m, "op"),
      mp_str(&m, "ping");
  expect(&m, SV_ERR_BAD_REQUEST, "\"id\" must be one unsigned integer", false, 0);
  mp_init(&m, 1), mp_str(&m, "id"), mp_uint(&m, 58);
  expect(&m, SV_ERR_BAD_REQUEST, "no \"op\"", true, 58);
}

/* Build {"id": id, "op": "meeting.add", "area": "A", "track": "area", "time": 1, "attendees":
 * [n strings]} in m (the last item of the array being last). */
static void mp_attendees(mp *m, uint64_t id, uint32_t n, const char *last, size_t lastlen) {
  mp_init(m, 6), mp_str(m, "id"), mp_uint(m, id), mp_str(m, "op"), mp_str(m, "meeting.add");
  mp_str(m, "area"), mp_str(m, "A"), mp_str(m, "track"), mp_str(m, "area");
  mp_str(m, "time"), mp_uint(m, 1), mp_str(m, "attendees");
  msgpack_pack_array(&m->pk, n);
  for (uint32_t i = 0; i + 1 < n; i++) mp_str(m, "kari");
  if (n) sv_pack_strn(&m->pk, last, lastlen);
}

/* The array and boolean arguments: their limits on both sides, item types, NUL in an item. */
static void test_array_arguments(void) {
  mp m;
  sv_request r;
  char err[256];
  /* 64 attendees decode; 65 do not */
  mp_attendees(&m, 60, SV_STRS_MAX, "pia", 3);
  ASSERT_INT_EQ(decode(m.sb.data, m.sb.size, &r, err, sizeof err), SV_OK);
  ASSERT_UINT_EQ(r.a.attendees.n, SV_STRS_MAX);
  ASSERT_STR_EQ(r.a.attendees.v[SV_STRS_MAX - 1].ptr, "pia");
  ASSERT_STR_EQ(r.a.attendees.v[0].ptr, "kari");
  sv_request_free(&r);
  msgpack_sbuffer_destroy(&m.sb);
  mp_attendees(&m, 61, SV_STRS_MAX + 1, "pia", 3);
  expect(&m, SV_ERR_BAD_REQUEST, "at most 64", true, 61);
  /* an empty array is an array */
  mp_attendees(&m, 62, 0, NULL, 0);
  ASSERT_INT_EQ(decode(m.sb.data, m.sb.size, &r, err, sizeof err), SV_OK);
  ASSERT_UINT_EQ(r.a.attendees.n, 0);
  ASSERT(r.present & SV_BIT(SV_F_ATTENDEES));
  sv_request_free(&r);
  msgpack_sbuffer_destroy(&m.sb);
  /* NUL inside an item */
  mp_attendees(&m, 63, 2, "p\0a", 3);
  expect(&m, SV_ERR_BAD_REQUEST, "contains a NUL byte", true, 63);
  /* an item that is not a string; a string where the array belongs */
  mp_init(&m, 4), mp_str(&m, "id"), mp_uint(&m, 65), mp_str(&m, "op"), mp_str(&m, "meeting.add");
  mp_str(&m, "area"), mp_str(&m, "A"), mp_str(&m, "agenda");
  msgpack_pack_array(&m.pk, 2), mp_str(&m, "one"), mp_uint(&m, 2);
  expect(&m, SV_ERR_BAD_REQUEST, "\"agenda\" must be an array of strings", true, 65);
  mp_init(&m, 4), mp_str(&m, "id"), mp_uint(&m, 66), mp_str(&m, "op"), mp_str(&m, "meeting.add");
  mp_str(&m, "area"), mp_str(&m, "A"), mp_str(&m, "agenda"), mp_str(&m, "one");
  expect(&m, SV_ERR_BAD_REQUEST, "\"agenda\" must be an array of strings", true, 66);
  /* boundary: SV_DOUBLES_MAX numbers (integers and floats mixed) decode, one more does not */
  for (int extra = 0; extra < 2; extra++) {
    uint32_t n = SV_DOUBLES_MAX + (uint32_t)extra;
    mp_init(&m, 4), mp_str(&m, "id"), mp_uint(&m, 67), mp_str(&m, "op"),
        mp_str(&m, "area.update");
    mp_str(&m, "area"), mp_str(&m, "A"), mp_str(&m, "boundary");
    msgpack_pack_array(&m.pk, n);
    for (uint32_t i = 0; i < n; i++) {
      if (i % 3 == 0) msgpack_pack_int64(&m.pk, -(int64_t)i);
      else if (i % 3 == 1) msgpack_pack_float(&m.pk, 0.5f);
      else msgpack_pack_double(&m.pk, 12.25);
    }
    if (extra) {
      expect(&m, SV_ERR_BAD_REQUEST, "at most 4000", true, 67);
      continue;
    }
    ASSERT_INT_EQ(decode(m.sb.data, m.sb.size, &r, err, sizeof err), SV_OK);
    ASSERT_UINT_EQ(r.a.boundary.n, SV_DOUBLES_MAX);
    ASSERT(r.a.boundary.v[3] == -3.0 && r.a.boundary.v[4] == 0.5 && r.a.boundary.v[5] == 12.25);
    sv_request_free(&r);
    msgpack_sbuffer_destroy(&m.sb);
  }
  /* a non-finite number inside the array, a string inside it */
  mp_init(&m, 4), mp_str(&m, "id"), mp_uint(&m, 68), mp_str(&m, "op"), mp_str(&m, "area.update");
  mp_str(&m, "area"), mp_str(&m, "A"), mp_str(&m, "boundary");
  msgpack_pack_array(&m.pk, 2), msgpack_pack_double(&m.pk, 1.0), msgpack_pack_double(&m.pk, INFINITY);
  expect(&m, SV_ERR_BAD_REQUEST, "not finite", true, 68);
  mp_init(&m, 4), mp_str(&m, "id"), mp_uint(&m, 69), mp_str(&m, "op"), mp_str(&m, "area.update");
  mp_str(&m, "area"), mp_str(&m, "A"), mp_str(&m, "boundary");
  msgpack_pack_array(&m.pk, 1), mp_str(&m, "10.1");
  expect(&m, SV_ERR_BAD_REQUEST, "\"boundary\" must be an array of numbers", true, 69);
  /* bool: true and false decode, 1 does not */
  for (int v = 0; v < 3; v++) {
    mp_init(&m, 3), mp_str(&m, "id"), mp_uint(&m, 70), mp_str(&m, "op"),
        mp_str(&m, "intervention.list");
    mp_str(&m, "overdue");
    if (v == 2) {
      mp_uint(&m, 1);
      expect(&m, SV_ERR_BAD_REQUEST, "\"overdue\" must be true or false", true, 70);
      continue;
    }
    if (v) msgpack_pack_true(&m.pk);
    else msgpack_pack_false(&m.pk);
    ASSERT_INT_EQ(decode(m.sb.data, m.sb.size, &r, err, sizeof err), SV_OK);
    ASSERT_INT_EQ(r.a.overdue, v == 1);
    ASSERT(r.present & SV_BIT(SV_F_OVERDUE));
    sv_request_free(&r);
    msgpack_sbuffer_destroy(&m.sb);
  }
}

static void test_not_a_request(void) {
  sv_request r;
  char err[256];
  /* not a map */
  ASSERT_INT_EQ(decode("\x92\x01\xa4ping", 7, &r, err, sizeof err), SV_ERR_BAD_REQUEST);
  ASSERT_STR_CONTAINS(err, "must be a map");
  sv_request_free(&r);
  /* empty, truncated */
  ASSERT_INT_EQ(decode("", 0, &r, err, sizeof err), SV_ERR_BAD_REQUEST);
  sv_request_free(&r);
  static const char ping[] = "\x82\xa2id\x07\xa2op\xa4ping";
  size_t plen = sizeof ping - 1;
  ASSERT_INT_EQ(decode(ping, plen, &r, err, sizeof err), SV_OK);
  ASSERT_UINT_EQ(r.id, 7);
  sv_request_free(&r);
  for (size_t cut = 0; cut < plen; cut++) {
    ASSERT_INT_EQ(decode(ping, cut, &r, err, sizeof err), SV_ERR_BAD_REQUEST);
    sv_request_free(&r);
  }
  /* trailing bytes */
  char buf[64];
  memcpy(buf, ping, plen);
  buf[plen] = '\xc0';
  ASSERT_INT_EQ(decode(buf, plen + 1, &r, err, sizeof err), SV_ERR_BAD_REQUEST);
  ASSERT_STR_CONTAINS(err, "1 trailing bytes");
  sv_request_free(&r);
  /* container headers that claim more than the frame holds are refused without allocating
   * (under ASan an attempt to allocate ~100 GB would abort the test) */
  ASSERT_INT_EQ(decode("\x83\xa2id\x01\xa2op\xa4ping\xa1x\xdd\xff\xff\xff\xff", 19, &r, err,
                       sizeof err),
                SV_ERR_BAD_REQUEST);
  ASSERT_STR_CONTAINS(err, "not a complete msgpack value");
  sv_request_free(&r);
  ASSERT_INT_EQ(decode("\xdf\x7f\xff\xff\xff\xa2id\x01", 9, &r, err, sizeof err),
                SV_ERR_BAD_REQUEST);
  sv_request_free(&r);
}

/* Non-canonical but valid encodings decode to the same request. */
static void test_wide_encodings(void) {
  sv_request r;
  char err[256];
  static const char wide[] = "\xde\x00\x03\xd9\x02id\xcf\x00\x00\x00\x00\x00\x00\x01\x00"
                             "\xda\x00\x02op\xdb\x00\x00\x00\x0b" "member.show"
                             "\xd9\x03who\xda\x00\x04kari";
  ASSERT_INT_EQ(decode(wide, sizeof wide - 1, &r, err, sizeof err), SV_OK);
  ASSERT_UINT_EQ(r.id, 256);
  ASSERT_INT_EQ(r.op, SV_OP_MEMBER_SHOW);
  ASSERT_STR_EQ(r.a.who.ptr, "kari");
  sv_request_free(&r);
  /* lat as float32, lon as a negative integer */
  static const char obs3[] = "\x85\xa2id\x02\xa2op\xb2observation.update\xabobservation\x09"
                             "\xa3lat\xca\x3f\xc0\x00\x00\xa3lon\xd0\xfb";
  ASSERT_INT_EQ(decode(obs3, sizeof obs3 - 1, &r, err, sizeof err), SV_OK);
  ASSERT(r.a.lat == 1.5);
  ASSERT(r.a.lon == -5.0);
  ASSERT_UINT_EQ(r.a.observation, 9);
  sv_request_free(&r);
}

/* The invite code is wiped in the request's own memory; other arguments are left alone. */
static void test_wipe_secrets(void) {
  sv_request r;
  char err[256];
  static const char enroll[] = "\x84\xa2" "id\x01\xa2" "op\xa6" "enroll\xa6" "invite\xa9"
                               "ABCD-EFGH\xa4" "card\xc4\x03" "xyz";
  ASSERT_INT_EQ(decode(enroll, sizeof enroll - 1, &r, err, sizeof err), SV_OK);
  ASSERT_STR_EQ(r.a.invite.ptr, "ABCD-EFGH");
  sv_request_wipe_secrets(&r);
  static const char zeros[9];
  ASSERT_UINT_EQ(r.a.invite.len, 9);
  ASSERT_MEM_EQ(r.a.invite.ptr, zeros, 9);
  ASSERT_MEM_EQ(r.a.card.ptr, "xyz", 3);
  sv_request_free(&r);
  /* Built on the client side too, and a request without an invite is untouched. */
  sv_request_init(&r, 1, SV_OP_ENROLL);
  ASSERT_INT_EQ(sv_request_set_str(&r, SV_F_INVITE, "SECRET"), 0);
  sv_request_wipe_secrets(&r);
  ASSERT_MEM_EQ(r.a.invite.ptr, zeros, 6);
  sv_request_free(&r);
  sv_request_init(&r, 2, SV_OP_MEMBER_SHOW);
  ASSERT_INT_EQ(sv_request_set_str(&r, SV_F_WHO, "kari"), 0);
  sv_request_wipe_secrets(&r);
  ASSERT_STR_EQ(r.a.who.ptr, "kari");
  sv_request_free(&r);
}

static void test_msgpack_check(void) {
  size_t end = 0;
  /* complete values, with and without trailing bytes */
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\xc0", 1, &end), 0);
  ASSERT_UINT_EQ(end, 1);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\x92\x01\x80\xff", 4, &end), 0);
  ASSERT_UINT_EQ(end, 3);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\xd4\x01\x02", 3, &end), 0); /* fixext1 */
  ASSERT_UINT_EQ(end, 3);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\xc7\x02\x05" "ab", 5, &end), 0); /* ext8 */
  ASSERT_UINT_EQ(end, 5);
  /* incomplete, reserved byte, lying headers */
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"", 0, NULL), -1);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\xc1", 1, NULL), -1);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\x92\x01", 2, NULL), -1);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\xdd\x00\x00\x00\x03\x01\x02", 7, NULL), -1);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\xdd\x00\x00\x00\x02\x01\x02", 7, NULL), 0);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\xdb\xff\xff\xff\xff", 5, NULL), -1);
  ASSERT_INT_EQ(sv_msgpack_check((const uint8_t *)"\x81\x01", 2, NULL), -1); /* map: 2 items */
  /* nesting: 32 arrays deep is accepted (msgpack-c's limit), 33 is not */
  uint8_t deep[40];
  memset(deep, 0x91, sizeof deep);
  deep[32] = 0xc0;
  ASSERT_INT_EQ(sv_msgpack_check(deep, 33, &end), 0);
  ASSERT_UINT_EQ(end, 33);
  deep[32] = 0x91;
  deep[33] = 0xc0;
  ASSERT_INT_EQ(sv_msgpack_check(deep, 34, NULL), -1);
  /* every value sv_msgpack_check accepts also unpacks, and vice versa, on the examples */
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  deep[32] = 0xc0;
  ASSERT_INT_EQ(msgpack_unpack_next(&up, (const char *)deep, 33, &off), MSGPACK_UNPACK_SUCCESS);
  deep[32] = 0x91;
  off = 0;
  ASSERT(msgpack_unpack_next(&up, (const char *)deep, 34, &off) != MSGPACK_UNPACK_SUCCESS);
  msgpack_unpacked_destroy(&up);
}

/* sv_response_ok_size_max bounds the packed response for the largest id and audit numbers,
 * and is met exactly by them (a bound one byte lower would let an answer outgrow its room). */
static void test_response_size_max(void) {
  const size_t sizes[] = {0, 1, 31, 32, 65535, 65536, 1u << 20};
  const uint64_t nums[] = {0, 127, 128, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX};
  char *result = malloc(1u << 20);
  ASSERT(result != NULL);
  memset(result, 0xc0, 1u << 20); /* any bytes: packed verbatim */
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t most = 0;
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
      msgpack_sbuffer sb;
      msgpack_sbuffer_init(&sb);
      msgpack_packer pk;
      msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
      sv_response_pack_ok(&pk, nums[k], nums[k], result, sizes[i]);
      ASSERT(sb.size <= sv_response_ok_size_max(sizes[i]));
      if (sb.size > most) most = sb.size;
      msgpack_sbuffer_destroy(&sb);
    }
    ASSERT_UINT_EQ(most, sv_response_ok_size_max(sizes[i]));
  }
  free(result);
}

int main(void) {
  RUN_TEST(test_response_size_max);
  RUN_TEST(test_op_names);
  RUN_TEST(test_round_trip_every_op);
  RUN_TEST(test_encode_refuses);
  RUN_TEST(test_rejections);
  RUN_TEST(test_array_arguments);
  RUN_TEST(test_not_a_request);
  RUN_TEST(test_wide_encodings);
  RUN_TEST(test_msgpack_check);
  RUN_TEST(test_wipe_secrets);
  return 0;
}

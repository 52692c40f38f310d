/* codec.c -- msgpack request codec: a request map <-> a typed C struct, with stable error codes. */
#include "codec.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define T_STR SV_T_STR
#define T_UINT SV_T_UINT
#define T_DOUBLE SV_T_DOUBLE
#define T_BIN SV_T_BIN
#define T_BOOL SV_T_BOOL
#define T_STRS SV_T_STRS
#define T_DOUBLES SV_T_DOUBLES

static const struct field_desc {
  const char *key;
  enum sv_field_type type;
  size_t offset;
} fields[SV_F__COUNT] = {
#define S(f, k) [f] = {#k, T_STR, offsetof(sv_args, k)}
#define U(f, k) [f] = {#k, T_UINT, offsetof(sv_args, k)}
#define D(f, k) [f] = {#k, T_DOUBLE, offsetof(sv_args, k)}
#define B(f, k) [f] = {#k, T_BIN, offsetof(sv_args, k)}
#define L(f, k) [f] = {#k, T_BOOL, offsetof(sv_args, k)}
#define SS(f, k) [f] = {#k, T_STRS, offsetof(sv_args, k)}
#define DD(f, k) [f] = {#k, T_DOUBLES, offsetof(sv_args, k)}
    S(SV_F_CLIENT, client),     S(SV_F_NAME, name),
    S(SV_F_ROLE, role),         S(SV_F_WHO, who),
    S(SV_F_INVITE, invite),     S(SV_F_AREA, area),
    S(SV_F_DESCRIPTION, description), S(SV_F_KIND, kind),
    S(SV_F_CATEGORY, category), S(SV_F_LEVEL, level),
    S(SV_F_TEXT, text),         S(SV_F_STEP, step),
    S(SV_F_STATUS, status),     U(SV_F_START, start),
    U(SV_F_COUNT, count),       U(SV_F_SEQ, seq),
    U(SV_F_SIZE, size),         U(SV_F_OLD_SIZE, old_size),
    U(SV_F_TTL, ttl),           U(SV_F_SINCE, since),
    U(SV_F_OBSERVATION, observation), U(SV_F_INTERVENTION, intervention),
    D(SV_F_LAT, lat),           D(SV_F_LON, lon),
    B(SV_F_CARD, card),         B(SV_F_ENVELOPE, envelope),
    B(SV_F_NOTE, note),
    S(SV_F_TRACK, track),       S(SV_F_TITLE, title),
    S(SV_F_OWNER, owner),       S(SV_F_OUTCOME, outcome),
    S(SV_F_FORM, form),         U(SV_F_TIME, time),
    U(SV_F_MEETING, meeting),   U(SV_F_DUE, due),
    U(SV_F_RESOURCE, resource), U(SV_F_CHALLENGE, challenge),
    U(SV_F_LINK, link),         U(SV_F_CONCERN, concern),
    U(SV_F_ACTOR, actor),       U(SV_F_PEER, peer),
    B(SV_F_RECEIPT, receipt),   SS(SV_F_ATTENDEES, attendees),
    SS(SV_F_AGENDA, agenda),    DD(SV_F_BOUNDARY, boundary),
    L(SV_F_OVERDUE, overdue),   S(SV_F_REASON, reason),
#undef S
#undef U
#undef D
#undef B
#undef L
#undef SS
#undef DD
};

#define R(f) SV_BIT(SV_F_##f)

/* The op table: wire name, required and optional arguments. */
static const struct op_desc {
  const char *name;
  uint64_t required;
  uint64_t optional;
} ops[SV_OP__COUNT] = {
    [SV_OP_PING] = {"ping", 0, 0},
    [SV_OP_WHOAMI] = {"whoami", 0, 0},
    [SV_OP_ENROLL] = {"enroll", R(INVITE) | R(CARD), 0},
    [SV_OP_AUDIT_CHECKPOINT] = {"audit.checkpoint", 0, 0},
    [SV_OP_AUDIT_ENTRIES] = {"audit.entries", R(START), R(COUNT)},
    [SV_OP_AUDIT_INCLUSION] = {"audit.inclusion", R(SEQ), R(SIZE) | R(OLD_SIZE)},
    [SV_OP_AUDIT_CONSISTENCY] = {"audit.consistency", R(OLD_SIZE), R(SIZE)},
    [SV_OP_MEMBER_INVITE] = {"member.invite", R(ROLE) | R(NAME), R(TTL)},
    [SV_OP_MEMBER_LIST] = {"member.list", 0, 0},
    [SV_OP_MEMBER_SHOW] = {"member.show", R(WHO), 0},
    [SV_OP_MEMBER_ROLE] = {"member.role", R(WHO) | R(ROLE), 0},
    [SV_OP_MEMBER_REVOKE] = {"member.revoke", R(WHO), 0},
    [SV_OP_AREA_ADD] = {"area.add", R(NAME), R(DESCRIPTION)},
    [SV_OP_AREA_LIST] = {"area.list", 0, 0},
    [SV_OP_OBS_ADD] = {"observation.add", R(AREA) | R(KIND) | R(CATEGORY) | R(LEVEL) | R(TEXT),
                       R(SIZE) | R(LAT) | R(LON)},
    [SV_OP_OBS_LIST] = {"observation.list", R(AREA), R(KIND) | R(CATEGORY) | R(SINCE)},
    [SV_OP_OBS_UPDATE] = {"observation.update", R(OBSERVATION),
                          R(TEXT) | R(CATEGORY) | R(SIZE) | R(LAT) | R(LON)},
    [SV_OP_OBS_WITHDRAW] = {"observation.withdraw", R(OBSERVATION), R(REASON)},
    [SV_OP_IV_ADD] = {"intervention.add", R(AREA) | R(LEVEL) | R(STEP) | R(TEXT),
                      R(OWNER) | R(DUE) | R(SIZE)},
    [SV_OP_IV_LIST] = {"intervention.list", 0, R(AREA) | R(STATUS) | R(OVERDUE)},
    [SV_OP_IV_UPDATE] = {"intervention.update", R(INTERVENTION),
                         R(STATUS) | R(OWNER) | R(DUE) | R(OUTCOME)},
    [SV_OP_NOTE_SEND] = {"note.send", R(ENVELOPE), 0},
    [SV_OP_NOTE_LIST] = {"note.list", 0, 0},
    [SV_OP_NOTE_FETCH] = {"note.fetch", R(NOTE), 0},
    [SV_OP_NOTE_ACK] = {"note.ack", R(NOTE), 0},
    [SV_OP_MEMBER_PROOF] = {"member.proof", R(WHO), R(OLD_SIZE)},
    [SV_OP_AREA_UPDATE] = {"area.update", R(AREA), R(DESCRIPTION) | R(BOUNDARY)},
    [SV_OP_AREA_STATUS] = {"area.status", R(AREA), 0},
    [SV_OP_LINK_ADD] = {"link.add", 0, R(RESOURCE) | R(CHALLENGE) | R(INTERVENTION)},
    [SV_OP_LINK_REMOVE] = {"link.remove", R(LINK), 0},
    [SV_OP_LINK_LIST] = {"link.list", R(AREA), 0},
    [SV_OP_MEETING_ADD] = {"meeting.add", R(AREA) | R(TRACK) | R(TIME),
                           R(TITLE) | R(ATTENDEES) | R(AGENDA)},
    [SV_OP_MEETING_LIST] = {"meeting.list", 0, R(AREA) | R(TRACK) | R(SINCE)},
    [SV_OP_MEETING_SHOW] = {"meeting.show", R(MEETING), R(TRACK)},
    [SV_OP_MEETING_ITEM] = {"meeting.item", R(MEETING) | R(TEXT),
                            R(TRACK) | R(OBSERVATION) | R(INTERVENTION)},
    [SV_OP_MEETING_MINUTES] = {"meeting.minutes", R(MEETING), R(TRACK) | R(TEXT) | R(ENVELOPE)},
    [SV_OP_MEETING_DECIDE] = {"meeting.decide", R(MEETING) | R(TEXT),
                              R(TRACK) | R(LEVEL) | R(STEP) | R(OWNER) | R(DUE) | R(SIZE)},
    [SV_OP_MEETING_DRAFT] = {"meeting.draft", R(AREA), R(TRACK)},
    [SV_OP_CONCERN_INTAKE] = {"concern.intake", 0, 0},
    [SV_OP_CONCERN_SUBMIT] = {"concern.submit", R(ENVELOPE), 0},
    [SV_OP_RECEIPT_STATUS] = {"receipt.status", R(RECEIPT), 0},
    [SV_OP_CONCERN_LIST] = {"concern.list", 0, R(STATUS) | R(AREA)},
    [SV_OP_CONCERN_FETCH] = {"concern.fetch", R(CONCERN), 0},
    [SV_OP_CONCERN_ASSIGN] = {"concern.assign", R(CONCERN) | R(WHO), 0},
    [SV_OP_CONCERN_CLOSE] = {"concern.close", R(CONCERN), 0},
    [SV_OP_CONCERN_ANSWER] = {"concern.answer", R(CONCERN) | R(ENVELOPE), 0},
    [SV_OP_ACTOR_ADD] = {"actor.add", R(AREA) | R(NAME) | R(CATEGORY) | R(FORM), R(DESCRIPTION)},
    [SV_OP_ACTOR_UPDATE] = {"actor.update", R(ACTOR),
                            R(NAME) | R(CATEGORY) | R(FORM) | R(DESCRIPTION)},
    [SV_OP_ACTOR_TIE] = {"actor.tie", R(ACTOR) | R(PEER), R(TEXT)},
    [SV_OP_ACTOR_UNTIE] = {"actor.untie", R(ACTOR) | R(PEER), 0},
    [SV_OP_ACTOR_LIST] = {"actor.list", R(AREA), 0},
};
#undef R

static const char *const err_codes[SV_ERR__COUNT] = {
    [SV_OK] = "ok",
    [SV_ERR_BAD_REQUEST] = "bad_request",
    [SV_ERR_UNKNOWN_OP] = "unknown_op",
    [SV_ERR_NOT_ENROLLED] = "not_enrolled",
    [SV_ERR_DENIED] = "denied",
    [SV_ERR_NOT_FOUND] = "not_found",
    [SV_ERR_CONFLICT] = "conflict",
    [SV_ERR_INVITE_INVALID] = "invite_invalid",
    [SV_ERR_INVITE_USED] = "invite_used",
    [SV_ERR_INVITE_EXPIRED] = "invite_expired",
    [SV_ERR_PERSONAL_DATA] = "personal_data",
    [SV_ERR_INVALID] = "invalid",
    [SV_ERR_BAD_SIGNATURE] = "bad_signature",
    [SV_ERR_UNKNOWN_RECIPIENT] = "unknown_recipient",
    [SV_ERR_REVOKED_RECIPIENT] = "revoked_recipient",
    [SV_ERR_TOO_LARGE] = "too_large",
    [SV_ERR_UNAVAILABLE] = "unavailable",
    [SV_ERR_INTERNAL] = "internal",
    [SV_ERR_RATE_LIMITED] = "rate_limited",
};

const char *sv_err_code(enum sv_err e) {
  if ((unsigned)e >= SV_ERR__COUNT) return "internal";
  return err_codes[e];
}

enum sv_err sv_err_from_code(const char *code) {
  for (int i = 0; i < SV_ERR__COUNT; i++)
    if (strcmp(err_codes[i], code) == 0) return (enum sv_err)i;
  return SV_ERR__COUNT;
}

const char *sv_op_name(enum sv_op op) {
  assert((unsigned)op < SV_OP__COUNT);
  return ops[op].name;
}

/* Whether the NUL-terminated name is the len bytes at s (which may hold NULs): one pass that
 * stops at the first difference, where strlen of every table entry would read it whole. */
static bool name_is(const char *name, const char *s, size_t len) {
  size_t i = 0;
  while (i < len && name[i] != '\0' && name[i] == s[i]) i++;
  return i == len && name[i] == '\0';
}

int sv_op_lookup(const char *name, size_t len, enum sv_op *op) {
  for (int i = 0; i < SV_OP__COUNT; i++) {
    if (name_is(ops[i].name, name, len)) {
      *op = (enum sv_op)i;
      return 0;
    }
  }
  return -1;
}

const char *sv_field_name(enum sv_field f) {
  assert((unsigned)f < SV_F__COUNT);
  return fields[f].key;
}

enum sv_field_type sv_field_type(enum sv_field f) {
  assert((unsigned)f < SV_F__COUNT);
  return fields[f].type;
}

static int field_lookup(const char *key, size_t len) {
  for (int i = 0; i < SV_F__COUNT; i++)
    if (name_is(fields[i].key, key, len)) return i;
  return -1;
}

static bool key_is(const msgpack_object *k, const char *s) {
  return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(s) &&
         memcmp(k->via.str.ptr, s, k->via.str.size) == 0;
}

/* Store one argument value into req; returns 0, or -1 with a message on a type mismatch. */
static int store_field(sv_request *req, int f, const msgpack_object *v, char *err, size_t errlen) {
  char *slot = (char *)&req->a + fields[f].offset;
  switch (fields[f].type) {
  case T_STR: {
    if (v->type != MSGPACK_OBJECT_STR) goto type;
    if (memchr(v->via.str.ptr, '\0', v->via.str.size) != NULL) {
      snprintf(err, errlen, "field \"%s\" contains a NUL byte", fields[f].key);
      return -1;
    }
    char *copy = msgpack_zone_malloc(req->zone, v->via.str.size + 1);
    if (copy == NULL) goto nomem;
    memcpy(copy, v->via.str.ptr, v->via.str.size);
    copy[v->via.str.size] = '\0';
    sv_str *s = (sv_str *)(void *)slot;
    s->ptr = copy;
    s->len = v->via.str.size;
    return 0;
  }
  case T_UINT:
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER) goto type;
    memcpy(slot, &v->via.u64, sizeof(uint64_t));
    return 0;
  case T_DOUBLE: {
    double d;
    if (v->type == MSGPACK_OBJECT_FLOAT32 || v->type == MSGPACK_OBJECT_FLOAT64)
      d = v->via.f64;
    else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
      d = (double)v->via.u64;
    else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
      d = (double)v->via.i64;
    else
      goto type;
    if (!isfinite(d)) {
      snprintf(err, errlen, "field \"%s\" is not a finite number", fields[f].key);
      return -1;
    }
    memcpy(slot, &d, sizeof d);
    return 0;
  }
  case T_BIN: {
    if (v->type != MSGPACK_OBJECT_BIN) goto type;
    uint8_t *copy = msgpack_zone_malloc(req->zone, v->via.bin.size ? v->via.bin.size : 1);
    if (copy == NULL) goto nomem;
    if (v->via.bin.size) memcpy(copy, v->via.bin.ptr, v->via.bin.size);
    sv_bin *b = (sv_bin *)(void *)slot;
    b->ptr = copy;
    b->len = v->via.bin.size;
    return 0;
  }
  case T_BOOL:
    if (v->type != MSGPACK_OBJECT_BOOLEAN) goto type;
    memcpy(slot, &v->via.boolean, sizeof(bool));
    return 0;
  case T_STRS: {
    if (v->type != MSGPACK_OBJECT_ARRAY) goto type;
    uint32_t n = v->via.array.size;
    if (n > SV_STRS_MAX) {
      snprintf(err, errlen, "field \"%s\" has %u items; at most %d are accepted", fields[f].key,
               n, SV_STRS_MAX);
      return -1;
    }
    sv_str *items = msgpack_zone_malloc(req->zone, (n ? n : 1) * sizeof *items);
    if (items == NULL) goto nomem;
    for (uint32_t i = 0; i < n; i++) {
      const msgpack_object *e = &v->via.array.ptr[i];
      if (e->type != MSGPACK_OBJECT_STR) goto type;
      if (memchr(e->via.str.ptr, '\0', e->via.str.size) != NULL) {
        snprintf(err, errlen, "field \"%s\" contains a NUL byte", fields[f].key);
        return -1;
      }
      char *copy = msgpack_zone_malloc(req->zone, e->via.str.size + 1);
      if (copy == NULL) goto nomem;
      memcpy(copy, e->via.str.ptr, e->via.str.size);
      copy[e->via.str.size] = '\0';
      items[i].ptr = copy;
      items[i].len = e->via.str.size;
    }
    sv_strs *a = (sv_strs *)(void *)slot;
    a->v = items;
    a->n = n;
    return 0;
  }
  case T_DOUBLES: {
    if (v->type != MSGPACK_OBJECT_ARRAY) goto type;
    uint32_t n = v->via.array.size;
    if (n > SV_DOUBLES_MAX) {
      snprintf(err, errlen, "field \"%s\" has %u items; at most %d are accepted", fields[f].key,
               n, SV_DOUBLES_MAX);
      return -1;
    }
    double *vals = msgpack_zone_malloc(req->zone, (n ? n : 1) * sizeof *vals);
    if (vals == NULL) goto nomem;
    for (uint32_t i = 0; i < n; i++) {
      const msgpack_object *e = &v->via.array.ptr[i];
      if (e->type == MSGPACK_OBJECT_FLOAT32 || e->type == MSGPACK_OBJECT_FLOAT64)
        vals[i] = e->via.f64;
      else if (e->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        vals[i] = (double)e->via.u64;
      else if (e->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        vals[i] = (double)e->via.i64;
      else
        goto type;
      if (!isfinite(vals[i])) {
        snprintf(err, errlen, "field \"%s\" holds a number that is not finite", fields[f].key);
        return -1;
      }
    }
    sv_doubles *a = (sv_doubles *)(void *)slot;
    a->v = vals;
    a->n = n;
    return 0;
  }
  }
type:
  snprintf(err, errlen, "field \"%s\" must be %s", fields[f].key,
           fields[f].type == T_STR       ? "a string"
           : fields[f].type == T_UINT    ? "an unsigned integer"
           : fields[f].type == T_BIN     ? "binary"
           : fields[f].type == T_BOOL    ? "true or false"
           : fields[f].type == T_STRS    ? "an array of strings"
           : fields[f].type == T_DOUBLES ? "an array of numbers"
                                         : "a number");
  return -1;
nomem:
  snprintf(err, errlen, "out of memory");
  return -1;
}

#define CHECK_MAX_DEPTH 32

int sv_msgpack_check(const uint8_t *buf, size_t len, size_t *end) {
  return sv_msgpack_check_limit(buf, len, SIZE_MAX, end);
}

int sv_msgpack_check_limit(const uint8_t *buf, size_t len, size_t max_items, size_t *end) {
  assert(buf != NULL || len == 0);
  size_t seen = 0; /* values read, containers and their elements alike */
  /* left[d]: items still to read in the container open at depth d (left[0]: the root). */
  size_t left[CHECK_MAX_DEPTH + 1];
  size_t pos = 0, pending = 1; /* pending: items announced and not yet read, at all depths */
  int depth = 0;
  left[0] = 1;
  while (pending > 0) {
    while (left[depth] == 0) depth--;
    if (pos >= len) return -1;
    uint8_t t = buf[pos++];
    left[depth]--;
    pending--;
    if (++seen > max_items) return -1;
    size_t hdr = 0, body = 0, items = 0, n = 0;
    bool container = false, ext = false;
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
      /* fixint, nil, bool */
    } else if (t <= 0x8f) {
      container = true, items = 2u * (t & 0x0fu);
    } else if (t <= 0x9f) {
      container = true, items = t & 0x0fu;
    } else if (t <= 0xbf) {
      body = t & 0x1fu;
    } else {
      switch (t) {
      case 0xc4: case 0xd9: hdr = 1; break;                 /* bin8, str8 */
      case 0xc5: case 0xda: hdr = 2; break;                 /* bin16, str16 */
      case 0xc6: case 0xdb: hdr = 4; break;                 /* bin32, str32 */
      case 0xc7: hdr = 1, ext = true; break;                /* ext8 */
      case 0xc8: hdr = 2, ext = true; break;                /* ext16 */
      case 0xc9: hdr = 4, ext = true; break;                /* ext32 */
      case 0xcc: case 0xd0: body = 1; break;
      case 0xcd: case 0xd1: body = 2; break;
      case 0xca: case 0xce: case 0xd2: body = 4; break;
      case 0xcb: case 0xcf: case 0xd3: body = 8; break;
      case 0xd4: body = 2; break;                           /* fixext 1..16: type + data */
      case 0xd5: body = 3; break;
      case 0xd6: body = 5; break;
      case 0xd7: body = 9; break;
      case 0xd8: body = 17; break;
      case 0xdc: hdr = 2, container = true; break;          /* array16 */
      case 0xdd: hdr = 4, container = true; break;          /* array32 */
      case 0xde: hdr = 2, container = true; break;          /* map16 */
      case 0xdf: hdr = 4, container = true; break;          /* map32 */
      default: return -1;                                   /* 0xc1: never used */
      }
    }
    if (hdr > len - pos) return -1;
    for (size_t i = 0; i < hdr; i++) n = n << 8 | buf[pos + i];
    pos += hdr;
    if (hdr > 0) {
      if (container)
        items = (t == 0xde || t == 0xdf) ? 2 * n : n;
      else
        body = ext ? n + 1 : n;
    }
    if (body > len - pos) return -1;
    pos += body;
    if (pending > len - pos) return -1; /* each announced item needs at least one byte */
    if (container && items > 0) {
      if (items > len - pos - pending) return -1;
      if (depth == CHECK_MAX_DEPTH) return -1;
      left[++depth] = items;
      pending += items;
    }
  }
  if (end) *end = pos;
  return 0;
}

enum sv_err sv_request_decode(const uint8_t *frame, size_t len, sv_request *req, char *err,
                              size_t errlen) {
  memset(req, 0, sizeof *req);
  /* Room for the copies of the frame's strings and binaries with their terminators, in most
   * requests all of them (the zone grows if not): a small first chunk, not msgpack-c's 8 KiB. */
  req->zone = msgpack_zone_new(len < 4096 ? len + 256 : MSGPACK_ZONE_CHUNK_SIZE);
  if (req->zone == NULL) {
    snprintf(err, errlen, "out of memory");
    return SV_ERR_INTERNAL;
  }
  enum sv_err rc = SV_ERR_BAD_REQUEST;
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  if (sv_msgpack_check_limit(frame, len, SV_REQUEST_MAX_ITEMS, NULL) != 0) {
    snprintf(err, errlen,
             "frame is not a complete msgpack value of at most %d items", SV_REQUEST_MAX_ITEMS);
    goto out;
  }
  msgpack_unpack_return ur = msgpack_unpack_next(&up, (const char *)frame, len, &off);
  if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
    snprintf(err, errlen, "out of memory");
    rc = SV_ERR_INTERNAL;
    goto out;
  }
  if (ur != MSGPACK_UNPACK_SUCCESS) {
    snprintf(err, errlen, "frame is not a complete msgpack value");
    goto out;
  }
  if (off != len) {
    snprintf(err, errlen, "%zu trailing bytes after the request map", len - off);
    goto out;
  }
  const msgpack_object *root = &up.data;
  if (root->type != MSGPACK_OBJECT_MAP) {
    snprintf(err, errlen, "request must be a map");
    goto out;
  }
  const msgpack_object_map *m = &root->via.map;
  /* First pass: id and op, so errors can name the request. */
  const msgpack_object *opv = NULL;
  for (uint32_t i = 0; i < m->size; i++) {
    const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
    if (key_is(k, "id")) {
      if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || (req->present & SV_HAS_ID)) {
        snprintf(err, errlen, "\"id\" must be one unsigned integer");
        goto out;
      }
      req->id = v->via.u64;
      req->present |= SV_HAS_ID;
    } else if (key_is(k, "op")) {
      if (v->type != MSGPACK_OBJECT_STR || opv != NULL) {
        snprintf(err, errlen, "\"op\" must be one string");
        goto out;
      }
      opv = v;
    }
  }
  if (opv != NULL) {
    size_t n = opv->via.str.size < sizeof req->op_name - 1 ? opv->via.str.size
                                                           : sizeof req->op_name - 1;
    memcpy(req->op_name, opv->via.str.ptr, n);
    req->op_name[n] = '\0';
    if (!util_utf8_valid(req->op_name, n, false)) strcpy(req->op_name, "?");
  }
  if (!(req->present & SV_HAS_ID)) {
    snprintf(err, errlen, "request has no \"id\"");
    goto out;
  }
  if (opv == NULL) {
    snprintf(err, errlen, "request has no \"op\"");
    goto out;
  }
  if (sv_op_lookup(opv->via.str.ptr, opv->via.str.size, &req->op) != 0) {
    snprintf(err, errlen, "unknown op \"%s\"", req->op_name);
    rc = SV_ERR_UNKNOWN_OP;
    goto out;
  }
  const struct op_desc *od = &ops[req->op];
  for (uint32_t i = 0; i < m->size; i++) {
    const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
    if (key_is(k, "id") || key_is(k, "op")) continue;
    if (k->type != MSGPACK_OBJECT_STR) {
      snprintf(err, errlen, "map keys must be strings");
      goto out;
    }
    int f = field_lookup(k->via.str.ptr, k->via.str.size);
    if (f < 0 || !((od->required | od->optional) & SV_BIT(f))) {
      snprintf(err, errlen, "op \"%s\" takes no argument \"%.*s\"", od->name,
               (int)(k->via.str.size > 40 ? 40 : k->via.str.size), k->via.str.ptr);
      goto out;
    }
    if (req->present & SV_BIT(f)) {
      snprintf(err, errlen, "argument \"%s\" given twice", fields[f].key);
      goto out;
    }
    if (store_field(req, f, v, err, errlen) != 0) goto out;
    req->present |= SV_BIT(f);
  }
  uint64_t missing = od->required & ~req->present;
  if (missing) {
    for (int f = 0; f < SV_F__COUNT; f++) {
      if (missing & SV_BIT(f)) {
        snprintf(err, errlen, "op \"%s\" requires argument \"%s\"", od->name, fields[f].key);
        break;
      }
    }
    goto out;
  }
  rc = SV_OK;
out:
  msgpack_unpacked_destroy(&up);
  return rc;
}

void sv_request_wipe_secrets(sv_request *req) {
  if ((req->present & SV_BIT(SV_F_INVITE)) && req->a.invite.ptr != NULL)
    sodium_memzero((void *)(uintptr_t)req->a.invite.ptr, req->a.invite.len); /* zone memory */
}

void sv_request_free(sv_request *req) {
  sv_request_wipe_secrets(req);
  if (req->zone) msgpack_zone_free(req->zone);
  memset(req, 0, sizeof *req);
}

void sv_request_init(sv_request *req, uint64_t id, enum sv_op op) {
  memset(req, 0, sizeof *req);
  req->id = id;
  req->op = op;
  req->present = SV_HAS_ID;
  req->zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
}

int sv_request_set_str(sv_request *req, enum sv_field f, const char *s) {
  assert(fields[f].type == T_STR);
  size_t n = strlen(s);
  char *copy = req->zone ? msgpack_zone_malloc(req->zone, n + 1) : NULL;
  if (copy == NULL) return -1;
  memcpy(copy, s, n + 1);
  sv_str *slot = (sv_str *)(void *)((char *)&req->a + fields[f].offset);
  slot->ptr = copy;
  slot->len = n;
  req->present |= SV_BIT(f);
  return 0;
}

int sv_request_set_uint(sv_request *req, enum sv_field f, uint64_t v) {
  assert(fields[f].type == T_UINT);
  memcpy((char *)&req->a + fields[f].offset, &v, sizeof v);
  req->present |= SV_BIT(f);
  return 0;
}

int sv_request_set_double(sv_request *req, enum sv_field f, double v) {
  assert(fields[f].type == T_DOUBLE);
  memcpy((char *)&req->a + fields[f].offset, &v, sizeof v);
  req->present |= SV_BIT(f);
  return 0;
}

int sv_request_set_bin(sv_request *req, enum sv_field f, const uint8_t *p, size_t len) {
  assert(fields[f].type == T_BIN);
  uint8_t *copy = req->zone ? msgpack_zone_malloc(req->zone, len ? len : 1) : NULL;
  if (copy == NULL) return -1;
  if (len) memcpy(copy, p, len);
  sv_bin *slot = (sv_bin *)(void *)((char *)&req->a + fields[f].offset);
  slot->ptr = copy;
  slot->len = len;
  req->present |= SV_BIT(f);
  return 0;
}

int sv_request_set_bool(sv_request *req, enum sv_field f, bool v) {
  assert(fields[f].type == T_BOOL);
  memcpy((char *)&req->a + fields[f].offset, &v, sizeof v);
  req->present |= SV_BIT(f);
  return 0;
}

int sv_request_set_strs(sv_request *req, enum sv_field f, const char *const *v, size_t n) {
  assert(fields[f].type == T_STRS);
  assert(n <= SV_STRS_MAX);
  if (req->zone == NULL) return -1;
  sv_str *items = msgpack_zone_malloc(req->zone, (n ? n : 1) * sizeof *items);
  if (items == NULL) return -1;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(v[i]);
    char *copy = msgpack_zone_malloc(req->zone, len + 1);
    if (copy == NULL) return -1;
    memcpy(copy, v[i], len + 1);
    items[i].ptr = copy;
    items[i].len = len;
  }
  sv_strs *slot = (sv_strs *)(void *)((char *)&req->a + fields[f].offset);
  slot->v = items;
  slot->n = n;
  req->present |= SV_BIT(f);
  return 0;
}

int sv_request_set_doubles(sv_request *req, enum sv_field f, const double *v, size_t n) {
  assert(fields[f].type == T_DOUBLES);
  assert(n <= SV_DOUBLES_MAX);
  if (req->zone == NULL) return -1;
  double *vals = msgpack_zone_malloc(req->zone, (n ? n : 1) * sizeof *vals);
  if (vals == NULL) return -1;
  for (size_t i = 0; i < n; i++) {
    assert(isfinite(v[i]));
    vals[i] = v[i];
  }
  sv_doubles *slot = (sv_doubles *)(void *)((char *)&req->a + fields[f].offset);
  slot->v = vals;
  slot->n = n;
  req->present |= SV_BIT(f);
  return 0;
}

void sv_sbuffer_init_cap(msgpack_sbuffer *sb, size_t cap) {
  msgpack_sbuffer_init(sb);
  if (cap == 0 || (sb->data = malloc(cap)) == NULL) return;
  sb->alloc = cap;
}

int sv_request_encode(const sv_request *req, msgpack_sbuffer *sbuf, char *err, size_t errlen) {
  assert((unsigned)req->op < SV_OP__COUNT);
  const struct op_desc *od = &ops[req->op];
  uint64_t args = req->present & ~SV_HAS_ID;
  if (args & ~(od->required | od->optional)) {
    snprintf(err, errlen, "op \"%s\" given an argument it does not take", od->name);
    return -1;
  }
  if (od->required & ~args) {
    snprintf(err, errlen, "op \"%s\" is missing a required argument", od->name);
    return -1;
  }
  msgpack_packer pk;
  msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
  uint32_t n = 2;
  for (int f = 0; f < SV_F__COUNT; f++)
    if (args & SV_BIT(f)) n++;
  msgpack_pack_map(&pk, n);
  sv_pack_str(&pk, "id");
  msgpack_pack_uint64(&pk, req->id);
  sv_pack_str(&pk, "op");
  sv_pack_str(&pk, od->name);
  for (int f = 0; f < SV_F__COUNT; f++) {
    if (!(args & SV_BIT(f))) continue;
    const char *slot = (const char *)&req->a + fields[f].offset;
    sv_pack_str(&pk, fields[f].key);
    switch (fields[f].type) {
    case T_STR: {
      const sv_str *s = (const sv_str *)(const void *)slot;
      sv_pack_strn(&pk, s->ptr, s->len);
      break;
    }
    case T_UINT: {
      uint64_t v;
      memcpy(&v, slot, sizeof v);
      msgpack_pack_uint64(&pk, v);
      break;
    }
    case T_DOUBLE: {
      double d;
      memcpy(&d, slot, sizeof d);
      msgpack_pack_double(&pk, d);
      break;
    }
    case T_BIN: {
      const sv_bin *b = (const sv_bin *)(const void *)slot;
      sv_pack_bin(&pk, b->ptr, b->len);
      break;
    }
    case T_BOOL: {
      bool v;
      memcpy(&v, slot, sizeof v);
      if (v)
        msgpack_pack_true(&pk);
      else
        msgpack_pack_false(&pk);
      break;
    }
    case T_STRS: {
      const sv_strs *a = (const sv_strs *)(const void *)slot;
      msgpack_pack_array(&pk, (uint32_t)a->n);
      for (size_t i = 0; i < a->n; i++) sv_pack_strn(&pk, a->v[i].ptr, a->v[i].len);
      break;
    }
    case T_DOUBLES: {
      const sv_doubles *a = (const sv_doubles *)(const void *)slot;
      msgpack_pack_array(&pk, (uint32_t)a->n);
      for (size_t i = 0; i < a->n; i++) msgpack_pack_double(&pk, a->v[i]);
      break;
    }
    }
  }
  return 0;
}

void sv_response_pack_ok(msgpack_packer *pk, uint64_t id, uint64_t audit_seq, const char *result,
                         size_t result_len) {
  msgpack_pack_map(pk, 4);
  sv_pack_str(pk, "id");
  msgpack_pack_uint64(pk, id);
  sv_pack_str(pk, "ok");
  msgpack_pack_true(pk);
  sv_pack_str(pk, "audit");
  msgpack_pack_uint64(pk, audit_seq);
  sv_pack_str(pk, "result");
  if (result_len == 0)
    msgpack_pack_nil(pk);
  else
    pk->callback(pk->data, result, result_len);
}

size_t sv_response_ok_size_max(size_t result_len) {
  /* fixmap 1; "id" 3 + uint64 9; "ok" 3 + true 1; "audit" 6 + uint64 9; "result" 7 */
  return 39 + (result_len == 0 ? 1 : result_len);
}

void sv_response_pack_error(msgpack_packer *pk, uint64_t id, bool has_audit, uint64_t audit_seq,
                            enum sv_err code, const char *message) {
  msgpack_pack_map(pk, has_audit ? 4 : 3);
  sv_pack_str(pk, "id");
  msgpack_pack_uint64(pk, id);
  sv_pack_str(pk, "ok");
  msgpack_pack_false(pk);
  if (has_audit) {
    sv_pack_str(pk, "audit");
    msgpack_pack_uint64(pk, audit_seq);
  }
  sv_pack_str(pk, "error");
  msgpack_pack_map(pk, 2);
  sv_pack_str(pk, "code");
  sv_pack_str(pk, sv_err_code(code));
  sv_pack_str(pk, "message");
  sv_pack_str(pk, message ? message : "");
}

void sv_pack_str(msgpack_packer *pk, const char *s) { sv_pack_strn(pk, s, strlen(s)); }

void sv_pack_strn(msgpack_packer *pk, const char *s, size_t n) {
  msgpack_pack_str(pk, n);
  msgpack_pack_str_body(pk, s, n);
}

void sv_pack_bin(msgpack_packer *pk, const void *p, size_t n) {
  msgpack_pack_bin(pk, n);
  msgpack_pack_bin_body(pk, p, n);
}

const msgpack_object *sv_map_get(const msgpack_object *obj, const char *key) {
  if (obj == NULL || obj->type != MSGPACK_OBJECT_MAP) return NULL;
  for (uint32_t i = 0; i < obj->via.map.size; i++)
    if (key_is(&obj->via.map.ptr[i].key, key)) return &obj->via.map.ptr[i].val;
  return NULL;
}

int sv_map_str(const msgpack_object *obj, const char *key, const char **s, size_t *len) {
  const msgpack_object *v = sv_map_get(obj, key);
  if (v == NULL || v->type != MSGPACK_OBJECT_STR) return -1;
  *s = v->via.str.ptr;
  if (len) *len = v->via.str.size;
  return 0;
}

int sv_map_uint(const msgpack_object *obj, const char *key, uint64_t *out) {
  const msgpack_object *v = sv_map_get(obj, key);
  if (v == NULL || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return -1;
  *out = v->via.u64;
  return 0;
}

int sv_map_bool(const msgpack_object *obj, const char *key, bool *out) {
  const msgpack_object *v = sv_map_get(obj, key);
  if (v == NULL || v->type != MSGPACK_OBJECT_BOOLEAN) return -1;
  *out = v->via.boolean;
  return 0;
}

int sv_map_bin(const msgpack_object *obj, const char *key, const uint8_t **p, size_t *len) {
  const msgpack_object *v = sv_map_get(obj, key);
  if (v == NULL || v->type != MSGPACK_OBJECT_BIN) return -1;
  *p = (const uint8_t *)v->via.bin.ptr;
  *len = v->via.bin.size;
  return 0;
}

char *sv_obj_strdup(const msgpack_object *obj) {
  if (obj == NULL || obj->type != MSGPACK_OBJECT_STR) return NULL;
  char *s = malloc(obj->via.str.size + 1);
  if (s == NULL) return NULL;
  memcpy(s, obj->via.str.ptr, obj->via.str.size);
  s[obj->via.str.size] = '\0';
  return s;
}

/* fuzz_codec.c -- fuzz the request codec: decoding never crashes, errors carry a stable code and
 * a message, and every request that decodes survives encode -> decode unchanged (field by field)
 * with an encoding that is a fixed point (encoding the re-decoded request gives the same bytes).
 * Seed corpus in corpus/codec/ (made with Python's msgpack: valid requests and malformed ones). */
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Field comparisons (presence is compared separately through req.present). */
static int str_eq(sv_str a, sv_str b) {
  if (a.len != b.len) return 0;
  return a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0;
}

static int bin_eq(sv_bin a, sv_bin b) {
  if (a.len != b.len) return 0;
  return a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0;
}

static int dbl_eq(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Every string argument the codec produced must be NUL-terminated with no embedded NUL. */
static void check_str(sv_str s) {
  if (s.ptr == NULL) {
    if (s.len != 0) abort();
    return;
  }
  if (s.ptr[s.len] != '\0' || strlen(s.ptr) != s.len) abort();
}

static int strs_eq(sv_strs a, sv_strs b) {
  if (a.n != b.n) return 0;
  for (size_t i = 0; i < a.n; i++)
    if (!str_eq(a.v[i], b.v[i])) return 0;
  return 1;
}

static int doubles_eq(sv_doubles a, sv_doubles b) {
  if (a.n != b.n) return 0;
  for (size_t i = 0; i < a.n; i++)
    if (!dbl_eq(a.v[i], b.v[i])) return 0;
  return 1;
}

static int args_eq(const sv_request *x, const sv_request *y) {
  const sv_args *a = &x->a, *b = &y->a;
#define STR(f) (str_eq(a->f, b->f))
#define U(f) (a->f == b->f)
#define D(f) (dbl_eq(a->f, b->f))
#define BIN(f) (bin_eq(a->f, b->f))
  return STR(client) && STR(name) && STR(role) && STR(who) && STR(invite) && STR(area) &&
         STR(description) && STR(kind) && STR(category) && STR(level) && STR(text) &&
         STR(step) && STR(status) && U(start) && U(count) && U(seq) && U(size) && U(old_size) &&
         U(ttl) && U(since) && U(observation) && U(intervention) && D(lat) && D(lon) &&
         BIN(card) && BIN(envelope) && BIN(note) && STR(track) && STR(title) && STR(owner) &&
         STR(outcome) && STR(form) && U(time) && U(meeting) && U(due) && U(resource) &&
         U(challenge) && U(link) && U(concern) && U(actor) && U(peer) && BIN(receipt) &&
         strs_eq(a->attendees, b->attendees) && strs_eq(a->agenda, b->agenda) &&
         doubles_eq(a->boundary, b->boundary) && U(overdue) && STR(reason);
#undef STR
#undef U
#undef D
#undef BIN
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sv_request req, again;
  char err[256] = "";
  enum sv_err e = sv_request_decode(data, size, &req, err, sizeof err);
  if (e != SV_OK) {
    if (e != SV_ERR_BAD_REQUEST && e != SV_ERR_UNKNOWN_OP && e != SV_ERR_INTERNAL) abort();
    if (err[0] == '\0') abort(); /* every rejection says why */
    if (strlen(req.op_name) >= sizeof req.op_name) abort();
    if (!(req.present & SV_HAS_ID) && req.id != 0) abort();
    sv_request_free(&req);
    return 0;
  }
  if ((unsigned)req.op >= SV_OP__COUNT) abort();
  if (strcmp(req.op_name, sv_op_name(req.op)) != 0) abort();
  if (!(req.present & SV_HAS_ID)) abort();
  const sv_str strs[] = {req.a.client, req.a.name,     req.a.role,  req.a.who,
                         req.a.invite, req.a.area,     req.a.description, req.a.kind,
                         req.a.category, req.a.level,  req.a.text,  req.a.step,
                         req.a.status, req.a.track, req.a.title, req.a.owner,
                         req.a.outcome, req.a.form};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) check_str(strs[i]);
  for (size_t i = 0; i < req.a.attendees.n; i++) check_str(req.a.attendees.v[i]);
  for (size_t i = 0; i < req.a.agenda.n; i++) check_str(req.a.agenda.v[i]);

  msgpack_sbuffer sb, sb2;
  msgpack_sbuffer_init(&sb);
  msgpack_sbuffer_init(&sb2);
  if (sv_request_encode(&req, &sb, err, sizeof err) != 0) abort();
  if (sv_request_decode((const uint8_t *)sb.data, sb.size, &again, err, sizeof err) != SV_OK)
    abort();
  if (again.id != req.id || again.op != req.op || again.present != req.present) abort();
  if (strcmp(again.op_name, req.op_name) != 0) abort();
  if (!args_eq(&req, &again)) abort();
  if (sv_request_encode(&again, &sb2, err, sizeof err) != 0) abort();
  if (sb2.size != sb.size || memcmp(sb.data, sb2.data, sb.size) != 0) abort();
  msgpack_sbuffer_destroy(&sb);
  msgpack_sbuffer_destroy(&sb2);
  sv_request_free(&again);
  sv_request_free(&req);
  return 0;
}

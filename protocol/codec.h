/* codec.h -- msgpack request codec: a request map <-> a typed C struct, with stable error codes. */
#ifndef SAMVIRKE_CODEC_H
#define SAMVIRKE_CODEC_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every operation the daemon knows. The wire name of each is in codec.c's op table. */
enum sv_op {
  SV_OP_PING,
  SV_OP_WHOAMI,
  SV_OP_ENROLL,
  SV_OP_AUDIT_CHECKPOINT,
  SV_OP_AUDIT_ENTRIES,
  SV_OP_AUDIT_INCLUSION,
  SV_OP_AUDIT_CONSISTENCY,
  SV_OP_MEMBER_INVITE,
  SV_OP_MEMBER_LIST,
  SV_OP_MEMBER_SHOW,
  SV_OP_MEMBER_ROLE,
  SV_OP_MEMBER_REVOKE,
  SV_OP_AREA_ADD,
  SV_OP_AREA_LIST,
  SV_OP_OBS_ADD,
  SV_OP_OBS_LIST,
  SV_OP_OBS_UPDATE,
  SV_OP_OBS_WITHDRAW,
  SV_OP_IV_ADD,
  SV_OP_IV_LIST,
  SV_OP_IV_UPDATE,
  SV_OP_NOTE_SEND,
  SV_OP_NOTE_LIST,
  SV_OP_NOTE_FETCH,
  SV_OP_NOTE_ACK,
  SV_OP_MEMBER_PROOF,
  SV_OP_AREA_UPDATE,
  SV_OP_AREA_STATUS,
  SV_OP_LINK_ADD,
  SV_OP_LINK_REMOVE,
  SV_OP_LINK_LIST,
  SV_OP_MEETING_ADD,
  SV_OP_MEETING_LIST,
  SV_OP_MEETING_SHOW,
  SV_OP_MEETING_ITEM,
  SV_OP_MEETING_MINUTES,
  SV_OP_MEETING_DECIDE,
  SV_OP_MEETING_DRAFT,
  SV_OP_CONCERN_INTAKE,
  SV_OP_CONCERN_SUBMIT,
  SV_OP_RECEIPT_STATUS,
  SV_OP_CONCERN_LIST,
  SV_OP_CONCERN_FETCH,
  SV_OP_CONCERN_ASSIGN,
  SV_OP_CONCERN_CLOSE,
  SV_OP_CONCERN_ANSWER,
  SV_OP_ACTOR_ADD,
  SV_OP_ACTOR_UPDATE,
  SV_OP_ACTOR_TIE,
  SV_OP_ACTOR_UNTIE,
  SV_OP_ACTOR_LIST,
  SV_OP__COUNT
};

/* Stable error codes carried in responses as "error": {"code": ...}. */
enum sv_err {
  SV_OK = 0,
  SV_ERR_BAD_REQUEST,
  SV_ERR_UNKNOWN_OP,
  SV_ERR_NOT_ENROLLED,
  SV_ERR_DENIED,
  SV_ERR_NOT_FOUND,
  SV_ERR_CONFLICT,
  SV_ERR_INVITE_INVALID,
  SV_ERR_INVITE_USED,
  SV_ERR_INVITE_EXPIRED,
  SV_ERR_PERSONAL_DATA,
  SV_ERR_INVALID,
  SV_ERR_BAD_SIGNATURE,
  SV_ERR_UNKNOWN_RECIPIENT,
  SV_ERR_REVOKED_RECIPIENT,
  SV_ERR_TOO_LARGE,
  SV_ERR_UNAVAILABLE,
  SV_ERR_INTERNAL,
  SV_ERR_RATE_LIMITED,
  SV_ERR__COUNT
};

/* The snake_case wire name of an error code, e.g. "bad_request". */
const char *sv_err_code(enum sv_err e);
/* Parse a wire name back; SV_ERR__COUNT when unknown. */
enum sv_err sv_err_from_code(const char *code);

/* A string argument: a NUL-terminated copy owned by the request (no embedded NUL). */
typedef struct sv_str {
  const char *ptr;
  size_t len;
} sv_str;

/* A binary argument: bytes owned by the request. */
typedef struct sv_bin {
  const uint8_t *ptr;
  size_t len;
} sv_bin;

/* An array-of-strings argument ([str] on the wire): at most SV_STRS_MAX items, owned by the
 * request. */
#define SV_STRS_MAX 64
typedef struct sv_strs {
  const sv_str *v;
  size_t n;
} sv_strs;

/* An array-of-numbers argument ([float] on the wire): at most SV_DOUBLES_MAX finite values,
 * owned by the request. */
#define SV_DOUBLES_MAX 4000
typedef struct sv_doubles {
  const double *v;
  size_t n;
} sv_doubles;

/* Every argument any op takes; which ones an op accepts is in codec.c's op table. */
typedef struct sv_args {
  sv_str client;      /* handshake payload only */
  sv_str name;
  sv_str role;
  sv_str who;         /* member name or fingerprint/key id */
  sv_str invite;
  sv_str area;
  sv_str description;
  sv_str kind;        /* "resource" | "challenge" */
  sv_str category;
  sv_str level;       /* "area" | "group" | "individual" */
  sv_str text;
  sv_str step;        /* "establish" | "map" | "analyse" | "act" */
  sv_str status;      /* "planned" | "running" | "done" */
  uint64_t start;
  uint64_t count;
  uint64_t seq;
  uint64_t size;
  uint64_t old_size;
  uint64_t ttl;
  uint64_t since;
  uint64_t observation;
  uint64_t intervention;
  double lat;
  double lon;
  sv_bin card;
  sv_bin envelope;
  sv_bin note;        /* 16-byte note id */
  sv_str track;       /* "area" | "core" */
  sv_str title;
  sv_str owner;       /* member name or fingerprint/key id */
  sv_str outcome;
  sv_str form;        /* "exchange" | "partnership" | "co-creation" */
  uint64_t time;
  uint64_t meeting;
  uint64_t due;
  uint64_t resource;
  uint64_t challenge;
  uint64_t link;
  uint64_t concern;
  uint64_t actor;
  uint64_t peer;
  sv_bin receipt;     /* 16-byte receipt (a concern envelope's id) */
  sv_strs attendees;
  sv_strs agenda;
  sv_doubles boundary;
  bool overdue;
  sv_str reason;      /* why an observation is withdrawn: "personal_data" */
} sv_args;

/* Argument fields, one bit each in sv_request.present. */
enum sv_field {
  SV_F_CLIENT, SV_F_NAME, SV_F_ROLE, SV_F_WHO, SV_F_INVITE, SV_F_AREA, SV_F_DESCRIPTION,
  SV_F_KIND, SV_F_CATEGORY, SV_F_LEVEL, SV_F_TEXT, SV_F_STEP, SV_F_STATUS,
  SV_F_START, SV_F_COUNT, SV_F_SEQ, SV_F_SIZE, SV_F_OLD_SIZE, SV_F_TTL, SV_F_SINCE,
  SV_F_OBSERVATION, SV_F_INTERVENTION, SV_F_LAT, SV_F_LON,
  SV_F_CARD, SV_F_ENVELOPE, SV_F_NOTE,
  SV_F_TRACK, SV_F_TITLE, SV_F_OWNER, SV_F_OUTCOME, SV_F_FORM,
  SV_F_TIME, SV_F_MEETING, SV_F_DUE, SV_F_RESOURCE, SV_F_CHALLENGE, SV_F_LINK, SV_F_CONCERN,
  SV_F_ACTOR, SV_F_PEER,
  SV_F_RECEIPT,
  SV_F_ATTENDEES, SV_F_AGENDA, SV_F_BOUNDARY, SV_F_OVERDUE,
  SV_F_REASON,
  SV_F__COUNT
};
_Static_assert(SV_F__COUNT <= 63, "bit 63 of sv_request.present is SV_HAS_ID");
#define SV_BIT(f) (UINT64_C(1) << (f))
#define SV_HAS_ID (UINT64_C(1) << 63) /* in present: the frame carried a valid "id" */

/* A decoded request. All strings and byte arrays live in memory owned by the request. */
typedef struct sv_request {
  uint64_t id;
  enum sv_op op;
  char op_name[32]; /* the op text as received (truncated), "" if none: for the audit log */
  uint64_t present; /* SV_BIT(field) for each argument given */
  sv_args a;
  msgpack_zone *zone; /* owns every sv_str / sv_bin */
} sv_request;

/* Wire name of an op ("ping", "member.invite", ...). */
const char *sv_op_name(enum sv_op op);
/* Look up an op by wire name; returns 0 and sets *op, or -1. */
int sv_op_lookup(const char *name, size_t len, enum sv_op *op);
/* Wire key of an argument field ("role", ...). */
const char *sv_field_name(enum sv_field f);
/* Wire type of an argument field. */
enum sv_field_type { SV_T_STR, SV_T_UINT, SV_T_DOUBLE, SV_T_BIN, SV_T_BOOL, SV_T_STRS, SV_T_DOUBLES };
enum sv_field_type sv_field_type(enum sv_field f);

/* Decode one request frame (exactly one msgpack map, no trailing bytes). On success returns
 * SV_OK and fills req (free with sv_request_free). On failure returns SV_ERR_BAD_REQUEST or
 * SV_ERR_UNKNOWN_OP with a message in err; req->id is still set when the frame carried a valid
 * "id" (so the error response can name it; req->present has bit 63 set then), and
 * req->op_name gets the op text if any.
 * The frame bytes are not referenced after the call. */
enum sv_err sv_request_decode(const uint8_t *frame, size_t len, sv_request *req, char *err,
                              size_t errlen);
/* Free a request's memory; its secret arguments are wiped first (sv_request_wipe_secrets). */
void sv_request_free(sv_request *req);
/* Zero the secret arguments (the invite code) in place; the request stays allocated. */
void sv_request_wipe_secrets(sv_request *req);

/* Initialise an empty request for building (client side); sv_request_free releases it. */
void sv_request_init(sv_request *req, uint64_t id, enum sv_op op);
/* Set arguments (copied into the request's zone). Return 0 or -1 on allocation failure. */
int sv_request_set_str(sv_request *req, enum sv_field f, const char *s);
int sv_request_set_uint(sv_request *req, enum sv_field f, uint64_t v);
int sv_request_set_double(sv_request *req, enum sv_field f, double v);
int sv_request_set_bin(sv_request *req, enum sv_field f, const uint8_t *p, size_t len);
int sv_request_set_bool(sv_request *req, enum sv_field f, bool v);
/* n strings (n <= SV_STRS_MAX) / n numbers (n <= SV_DOUBLES_MAX, finite). */
int sv_request_set_strs(sv_request *req, enum sv_field f, const char *const *v, size_t n);
int sv_request_set_doubles(sv_request *req, enum sv_field f, const double *v, size_t n);
/* Encode a request as its canonical map: "id", "op", then present arguments in field order.
 * Appends to sbuf. Returns 0, or -1 if an argument is missing or not accepted by the op. */
int sv_request_encode(const sv_request *req, msgpack_sbuffer *sbuf, char *err, size_t errlen);

/* Initialise sb with room for cap bytes. msgpack-c's buffer allocates 8 KiB on its first write,
 * which for a small message is a large allocation (past malloc's per-thread cache); when this
 * malloc fails sb starts empty and grows as usual. */
void sv_sbuffer_init_cap(msgpack_sbuffer *sb, size_t cap);

/* Response helpers (daemon side). A response is a map
 *   {"id": id, "ok": true, "audit": seq, "result": <result>}   or
 *   {"id": id, "ok": false, "audit": seq, "error": {"code": c, "message": m}}.
 * sv_response_pack_ok appends the already-packed result bytes verbatim (one msgpack object). */
void sv_response_pack_ok(msgpack_packer *pk, uint64_t id, uint64_t audit_seq, const char *result,
                         size_t result_len);
/* The most bytes sv_response_pack_ok packs around a result of result_len bytes, whatever the
 * id and audit numbers: the map, its four keys, two uint64 and true (39), and nil for none. */
size_t sv_response_ok_size_max(size_t result_len);
void sv_response_pack_error(msgpack_packer *pk, uint64_t id, bool has_audit, uint64_t audit_seq,
                            enum sv_err code, const char *message);

/* Structural pre-check for untrusted msgpack, to run before msgpack_unpack*: msgpack-c allocates
 * what container headers claim (a 5-byte array32 header asks for ~100 GB). Walks the one value
 * at buf[0..len) without allocating and returns 0 when it is complete, uses no reserved byte
 * (0xc1), nests at most 32 containers deep (msgpack-c's own limit) and no array or map claims
 * more elements than bytes remain (so unpacking allocates at most one msgpack_object, 24
 * bytes, per input byte).
 * *end (if non-NULL) receives the offset just past the value; trailing bytes are allowed.
 * Returns -1 otherwise. */
int sv_msgpack_check(const uint8_t *buf, size_t len, size_t *end);
/* The same, and at most max_items values in all (every container and element counts one), so
 * that decoding allocates at most max_items msgpack_objects whatever the size of buf. */
int sv_msgpack_check_limit(const uint8_t *buf, size_t len, size_t max_items, size_t *end);
/* Values a request frame may hold (sv_request_decode): far more than any op's arguments. */
#define SV_REQUEST_MAX_ITEMS 4096

/* msgpack helpers shared by daemon and client. */
void sv_pack_str(msgpack_packer *pk, const char *s);
void sv_pack_strn(msgpack_packer *pk, const char *s, size_t n);
void sv_pack_bin(msgpack_packer *pk, const void *p, size_t n);
/* Find key in a msgpack map object; NULL when absent or obj is not a map. */
const msgpack_object *sv_map_get(const msgpack_object *obj, const char *key);
/* Typed getters on a map: return 0 and set out, or -1 when absent or mistyped. */
int sv_map_str(const msgpack_object *obj, const char *key, const char **s, size_t *len);
int sv_map_uint(const msgpack_object *obj, const char *key, uint64_t *out);
int sv_map_bool(const msgpack_object *obj, const char *key, bool *out);
int sv_map_bin(const msgpack_object *obj, const char *key, const uint8_t **p, size_t *len);
/* Copy a msgpack str into a malloc'd NUL-terminated string (NULL if not a str). */
char *sv_obj_strdup(const msgpack_object *obj);

#endif

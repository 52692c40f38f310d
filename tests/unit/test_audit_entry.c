/* test_audit_entry.c -- canonical msgpack audit entries: golden bytes, strict decoding. */
#include <msgpack.h>
#include <sodium.h>

#include "audit_entry.h"
#include "merkle.h"
#include "support/tmpdir.h"
#include "task.h"

/* Computed independently with Debian's python3-msgpack:
 * msgpack.packb(OrderedDict(seq=42, time=1700000000123, actor="3f2a9c0b1d4e5f60",
 *   role="ssp-coordinator", op="read", class="individual", object="note/7f3e",
 *   decision="permit", rule="ssp-read-own-area", purpose="prevention",
 *   policy=sha256(b"policy v1\n")), use_bin_type=True) */
static const char golden1_hex[] =
    "8ba37365712aa474696d65cf0000018bcfe5687ba56163746f72b033663261396330623164346535663630"
    "a4726f6c65af7373702d636f6f7264696e61746f72a26f70a472656164a5636c617373aa696e6469766964"
    "75616ca66f626a656374a96e6f74652f37663365a86465636973696f6ea67065726d6974a472756c65b173"
    "73702d726561642d6f776e2d61726561a7707572706f7365aa70726576656e74696f6ea6706f6c696379c4"
    "2019667cd7243831f9a8f60b64ae0e61c7fa9cd64225b2aead93188680716ef01b";
/* sha256(0x00 || golden1) */
static const char golden1_leaf_hex[] =
    "f36567ae58701d056c5d5e50e285629b5a7ed491855cf1a3b7d29b6b7f0f9d7e";
/* Same but seq=0, time=0, actor="-", role="r"*40 (str8), object="", decision="deny",
 * purpose="". */
static const char golden2_hex[] =
    "8ba373657100a474696d6500a56163746f72a12da4726f6c65d9287272727272727272727272727272727272"
    "7272727272727272727272727272727272727272727272a26f70a472656164a5636c617373aa696e64697669"
    "6475616ca66f626a656374a0a86465636973696f6ea464656e79a472756c65b17373702d726561642d6f776e"
    "2d61726561a7707572706f7365a0a6706f6c696379c42019667cd7243831f9a8f60b64ae0e61c7fa9cd64225"
    "b2aead93188680716ef01b";

static audit_entry entry1(void) {
  audit_entry e;
  memset(&e, 0, sizeof e);
  e.seq = 42;
  e.time_ms = 1700000000123ull;
  strcpy(e.actor, "3f2a9c0b1d4e5f60");
  strcpy(e.role, "ssp-coordinator");
  strcpy(e.op, "read");
  strcpy(e.data_class, "individual");
  strcpy(e.object, "note/7f3e");
  e.decision = AUDIT_PERMIT;
  strcpy(e.rule, "ssp-read-own-area");
  strcpy(e.purpose, "prevention");
  crypto_hash_sha256(e.policy, (const uint8_t *)"policy v1\n", 10);
  return e;
}

static audit_entry entry2(void) {
  audit_entry e = entry1();
  e.seq = 0;
  e.time_ms = 0;
  strcpy(e.actor, "-");
  memset(e.role, 'r', 40);
  e.role[40] = '\0';
  e.object[0] = '\0';
  e.decision = AUDIT_DENY;
  e.purpose[0] = '\0';
  return e;
}

static bool entry_eq(const audit_entry *a, const audit_entry *b) {
  return a->seq == b->seq && a->time_ms == b->time_ms && strcmp(a->actor, b->actor) == 0 &&
         strcmp(a->role, b->role) == 0 && strcmp(a->op, b->op) == 0 &&
         strcmp(a->data_class, b->data_class) == 0 && strcmp(a->object, b->object) == 0 &&
         a->decision == b->decision && strcmp(a->rule, b->rule) == 0 &&
         strcmp(a->purpose, b->purpose) == 0 && memcmp(a->policy, b->policy, 32) == 0;
}

static void check_golden(const audit_entry *e, const char *hex) {
  size_t glen;
  uint8_t *golden = test_unhex(hex, &glen);
  uint8_t *buf = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(audit_entry_encode(e, &buf, &len), AUDIT_OK);
  ASSERT_UINT_EQ(len, glen);
  ASSERT_MEM_EQ(buf, golden, len);
  audit_entry d;
  ASSERT_INT_EQ(audit_entry_decode(golden, glen, &d), AUDIT_OK);
  ASSERT(entry_eq(&d, e));
  /* encoding twice gives the same bytes */
  uint8_t *buf2 = NULL;
  size_t len2 = 0;
  ASSERT_INT_EQ(audit_entry_encode(&d, &buf2, &len2), AUDIT_OK);
  ASSERT_UINT_EQ(len2, len);
  ASSERT_MEM_EQ(buf2, buf, len);
  free(buf2);
  free(buf);
  free(golden);
}

static void test_golden(void) {
  audit_entry e1 = entry1(), e2 = entry2();
  check_golden(&e1, golden1_hex);
  check_golden(&e2, golden2_hex);
  uint8_t leaf[32];
  size_t n;
  uint8_t *want = test_unhex(golden1_leaf_hex, &n);
  ASSERT_INT_EQ(audit_entry_leaf_hash(&e1, leaf), AUDIT_OK);
  ASSERT_MEM_EQ(leaf, want, 32);
  free(want);
}

static void test_roundtrip(void) {
  audit_entry e = entry1();
  const uint64_t ints[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295ull, 4294967296ull,
                           UINT64_MAX};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    e.seq = ints[i];
    e.time_ms = ints[sizeof ints / sizeof ints[0] - 1 - i];
    /* strings at 0, 31, 32 (str8 boundary) and maximal lengths */
    size_t olen = i % 4 == 0 ? 0 : i % 4 == 1 ? 31 : i % 4 == 2 ? 32 : AUDIT_OBJECT_MAX;
    memset(e.object, 'o', olen);
    e.object[olen] = '\0';
    size_t plen = i % 2 ? AUDIT_PURPOSE_MAX : 5;
    memset(e.purpose, 'p', plen);
    e.purpose[plen] = '\0';
    strcpy(e.rule, "r\xc3\xa6gel"); /* UTF-8 */
    uint8_t *buf = NULL;
    size_t len = 0;
    ASSERT_INT_EQ(audit_entry_encode(&e, &buf, &len), AUDIT_OK);
    audit_entry d;
    ASSERT_INT_EQ(audit_entry_decode(buf, len, &d), AUDIT_OK);
    ASSERT(entry_eq(&d, &e));
    free(buf);
  }
}

/* ---- non-canonical variants built with msgpack-c directly ---- */

enum variant {
  V_CANONICAL,
  V_SWAP_ROLE_OP,  /* keys reordered */
  V_EXTRA_KEY,     /* 12th key at the end */
  V_MISSING_KEY,   /* no "purpose" */
  V_SEQ_STR,       /* seq as string */
  V_SEQ_NEG,       /* seq as negative integer */
  V_SEQ_FLOAT,     /* seq as float */
  V_TIME_WIDE,     /* time as uint64 although it fits uint8 */
  V_POLICY_STR,    /* policy as str */
  V_POLICY_SHORT,  /* bin 31 */
  V_ACTOR_BIN,     /* actor as bin */
  V_DECISION_BAD,  /* "allow" */
  V_MAP16,         /* map16 header */
  V_KEY_STR8,      /* key "seq" as str8 */
  V_DUP_KEY,       /* "role" twice instead of "op" */
  V_ACTOR_UPPER,   /* actor in uppercase hex */
  V_ROLE_EMPTY,    /* role "" */
  V_OBJECT_NUL,    /* NUL inside object */
  V_NVARIANTS
};

static void pstr(msgpack_packer *pk, const char *s, size_t n) {
  msgpack_pack_str(pk, n);
  msgpack_pack_str_body(pk, s, n);
}
#define PS(pk, s) pstr(pk, s, strlen(s))

static uint8_t *build(enum variant v, size_t *len) {
  audit_entry e = entry1();
  msgpack_sbuffer sb;
  msgpack_packer pk;
  msgpack_sbuffer_init(&sb);
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  int n = v == V_EXTRA_KEY ? 12 : v == V_MISSING_KEY ? 10 : 11;
  if (v == V_MAP16) {
    const char hdr[3] = {(char)0xde, 0, 11};
    msgpack_sbuffer_write(&sb, hdr, 3);
  } else {
    msgpack_pack_map(&pk, (size_t)n);
  }
  if (v == V_KEY_STR8) {
    const char hdr[2] = {(char)0xd9, 3};
    msgpack_sbuffer_write(&sb, hdr, 2);
    msgpack_sbuffer_write(&sb, "seq", 3);
  } else {
    PS(&pk, "seq");
  }
  if (v == V_SEQ_STR) PS(&pk, "42");
  else if (v == V_SEQ_NEG) msgpack_pack_int64(&pk, -1);
  else if (v == V_SEQ_FLOAT) msgpack_pack_double(&pk, 42.0);
  else msgpack_pack_uint64(&pk, e.seq);
  PS(&pk, "time");
  if (v == V_TIME_WIDE) {
    const char w[9] = {(char)0xcf, 0, 0, 0, 0, 0, 0, 0, 5};
    msgpack_sbuffer_write(&sb, w, 9);
  } else {
    msgpack_pack_uint64(&pk, e.time_ms);
  }
  PS(&pk, "actor");
  if (v == V_ACTOR_BIN) {
    msgpack_pack_bin(&pk, strlen(e.actor));
    msgpack_pack_bin_body(&pk, e.actor, strlen(e.actor));
  } else if (v == V_ACTOR_UPPER) {
    PS(&pk, "3F2A9C0B1D4E5F60");
  } else {
    PS(&pk, e.actor);
  }
  if (v == V_SWAP_ROLE_OP) {
    PS(&pk, "op");
    PS(&pk, e.op);
    PS(&pk, "role");
    PS(&pk, e.role);
  } else {
    PS(&pk, "role");
    PS(&pk, v == V_ROLE_EMPTY ? "" : e.role);
    PS(&pk, v == V_DUP_KEY ? "role" : "op");
    PS(&pk, e.op);
  }
  PS(&pk, "class");
  PS(&pk, e.data_class);
  PS(&pk, "object");
  if (v == V_OBJECT_NUL) pstr(&pk, "note\0x", 6);
  else PS(&pk, e.object);
  PS(&pk, "decision");
  PS(&pk, v == V_DECISION_BAD ? "allow" : "permit");
  PS(&pk, "rule");
  PS(&pk, e.rule);
  if (v != V_MISSING_KEY) {
    PS(&pk, "purpose");
    PS(&pk, e.purpose);
  }
  PS(&pk, "policy");
  if (v == V_POLICY_STR) {
    pstr(&pk, (const char *)e.policy, 32);
  } else {
    size_t pl = v == V_POLICY_SHORT ? 31 : 32;
    msgpack_pack_bin(&pk, pl);
    msgpack_pack_bin_body(&pk, e.policy, pl);
  }
  if (v == V_EXTRA_KEY) {
    PS(&pk, "extra");
    msgpack_pack_uint8(&pk, 1);
  }
  *len = sb.size;
  return (uint8_t *)msgpack_sbuffer_release(&sb);
}

static void test_noncanonical(void) {
  audit_entry d;
  size_t len;
  uint8_t *canon = build(V_CANONICAL, &len);
  ASSERT_INT_EQ(audit_entry_decode(canon, len, &d), AUDIT_OK); /* the builder is faithful */
  for (int v = V_CANONICAL + 1; v < V_NVARIANTS; v++) {
    size_t vlen;
    uint8_t *buf = build((enum variant)v, &vlen);
    ASSERT(vlen != len || memcmp(buf, canon, len) != 0);
    int rc = audit_entry_decode(buf, vlen, &d);
    if (rc != AUDIT_ERR_FORMAT) TASK_FAIL("variant %d decoded (rc %d)", v, rc);
    ASSERT_UINT_EQ(d.seq, 0); /* zeroed on failure */
    free(buf);
  }
  /* Container headers claiming huge sizes are refused before anything is allocated. */
  const uint8_t huge1[] = {0x8b, 0xa3, 's', 'e', 'q', 0xdd, 0xff, 0xff, 0xff, 0xff};
  const uint8_t huge2[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
  const uint8_t huge3[] = {0x8b, 0xa3, 's', 'e', 'q', 0xdb, 0xff, 0xff, 0xff, 0xff};
  ASSERT_INT_EQ(audit_entry_decode(huge1, sizeof huge1, &d), AUDIT_ERR_FORMAT);
  ASSERT_INT_EQ(audit_entry_decode(huge2, sizeof huge2, &d), AUDIT_ERR_FORMAT);
  ASSERT_INT_EQ(audit_entry_decode(huge3, sizeof huge3, &d), AUDIT_ERR_FORMAT);
  /* trailing byte, and every truncation */
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, canon, len);
  longer[len] = 0xc0;
  ASSERT_INT_EQ(audit_entry_decode(longer, len + 1, &d), AUDIT_ERR_FORMAT);
  for (size_t n = 0; n < len; n++) ASSERT_INT_EQ(audit_entry_decode(canon, n, &d), AUDIT_ERR_FORMAT);
  /* Every single-byte change: rejected, or a different entry whose encoding is exactly the
   * changed bytes (so no two byte strings decode to the same entry). */
  audit_entry orig;
  ASSERT_INT_EQ(audit_entry_decode(canon, len, &orig), AUDIT_OK);
  for (size_t pos = 0; pos < len; pos++)
    for (int c = 0; c < 256; c++) {
      if (canon[pos] == c) continue;
      memcpy(longer, canon, len);
      longer[pos] = (uint8_t)c;
      if (audit_entry_decode(longer, len, &d) != AUDIT_OK) continue;
      ASSERT(!entry_eq(&d, &orig));
      uint8_t *re = NULL;
      size_t rlen;
      ASSERT_INT_EQ(audit_entry_encode(&d, &re, &rlen), AUDIT_OK);
      ASSERT_UINT_EQ(rlen, len);
      ASSERT_MEM_EQ(re, longer, len);
      free(re);
    }
  free(longer);
  free(canon);
}

static void test_encode_rejects(void) {
  uint8_t *buf = NULL;
  size_t len = 0;
  audit_entry e;
#define REJECT(stmt)                                                        \
  do {                                                                      \
    e = entry1();                                                           \
    stmt;                                                                   \
    ASSERT_INT_EQ(audit_entry_encode(&e, &buf, &len), AUDIT_ERR_INVALID);   \
    ASSERT(buf == NULL);                                                    \
  } while (0)
  REJECT(e.role[0] = '\0');
  REJECT(e.op[0] = '\0');
  REJECT(e.data_class[0] = '\0');
  REJECT(e.rule[0] = '\0');
  REJECT(e.actor[0] = '\0');
  REJECT(strcpy(e.actor, "3F2A"));
  REJECT(strcpy(e.actor, "--"));
  REJECT(strcpy(e.actor, "xyz"));
  REJECT(strcpy(e.object, "a\nb"));
  REJECT(strcpy(e.purpose, "bad \xff utf8"));
  REJECT(e.decision = (enum audit_decision)7);
  REJECT(memset(e.purpose, 'p', sizeof e.purpose)); /* no NUL within the array: too long */
  REJECT(memset(e.role, 'r', sizeof e.role));
#undef REJECT
  e = entry1();
  strcpy(e.actor, "-");
  ASSERT_INT_EQ(audit_entry_encode(&e, &buf, &len), AUDIT_OK);
  free(buf);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_golden);
  RUN_TEST(test_roundtrip);
  RUN_TEST(test_noncanonical);
  RUN_TEST(test_encode_rejects);
  return 0;
}

/* test_audit_entry.c -- canonical msgpack audit entries (versions 1 and 2): golden bytes, the
 * committed vector, strict decoding. */
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

/* Version 2, computed the same way: entry1's fields with v=2 first, outcome="personal_data"
 * after rule, and salt=bytes(range(16)) after policy. */
static const char golden3_hex[] =
    "8ea17602a37365712aa474696d65cf0000018bcfe5687ba56163746f72b033663261396330623164346535"
    "663630a4726f6c65af7373702d636f6f7264696e61746f72a26f70a472656164a5636c617373aa696e6469"
    "76696475616ca66f626a656374a96e6f74652f37663365a86465636973696f6ea67065726d6974a472756c"
    "65b17373702d726561642d6f776e2d61726561a76f7574636f6d65ad706572736f6e616c5f64617461a770"
    "7572706f7365aa70726576656e74696f6ea6706f6c696379c42019667cd7243831f9a8f60b64ae0e61c7fa"
    "9cd64225b2aead93188680716ef01ba473616c74c410000102030405060708090a0b0c0d0e0f";
static const char golden3_leaf_hex[] =
    "14ea4b5efb910164ce4256fe091033661ac551b1f02d9729e21f10ade69f3f4a";
/* golden3 with entry2's changes and outcome="o"*64 (str8, the longest allowed). */
static const char golden4_hex[] =
    "8ea17602a373657100a474696d6500a56163746f72a12da4726f6c65d92872727272727272727272727272"
    "727272727272727272727272727272727272727272727272727272a26f70a472656164a5636c617373aa69"
    "6e646976696475616ca66f626a656374a0a86465636973696f6ea464656e79a472756c65b17373702d7265"
    "61642d6f776e2d61726561a76f7574636f6d65d9406f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f"
    "6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6fa7"
    "707572706f7365a0a6706f6c696379c42019667cd7243831f9a8f60b64ae0e61c7fa9cd64225b2aead9318"
    "8680716ef01ba473616c74c410000102030405060708090a0b0c0d0e0f";

static audit_entry entry1(void) {
  audit_entry e;
  memset(&e, 0, sizeof e);
  e.version = AUDIT_ENTRY_V1;
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

static audit_entry entry3(void) {
  audit_entry e = entry1();
  e.version = AUDIT_ENTRY_V2;
  strcpy(e.outcome, "personal_data");
  for (int i = 0; i < AUDIT_SALT_LEN; i++) e.salt[i] = (uint8_t)i;
  return e;
}

static audit_entry entry4(void) {
  audit_entry e = entry2();
  e.version = AUDIT_ENTRY_V2;
  memset(e.outcome, 'o', AUDIT_NAME_MAX);
  e.outcome[AUDIT_NAME_MAX] = '\0';
  for (int i = 0; i < AUDIT_SALT_LEN; i++) e.salt[i] = (uint8_t)i;
  return e;
}

static bool entry_eq(const audit_entry *a, const audit_entry *b) {
  return a->version == b->version && strcmp(a->outcome, b->outcome) == 0 &&
         memcmp(a->salt, b->salt, sizeof a->salt) == 0 && a->seq == b->seq &&
         a->time_ms == b->time_ms && strcmp(a->actor, b->actor) == 0 &&
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
  audit_entry e3 = entry3(), e4 = entry4();
  check_golden(&e3, golden3_hex);
  check_golden(&e4, golden4_hex);
  want = test_unhex(golden3_leaf_hex, &n);
  ASSERT_INT_EQ(audit_entry_leaf_hash(&e3, leaf), AUDIT_OK);
  ASSERT_MEM_EQ(leaf, want, 32);
  free(want);
  /* The salt is hashed: one bit of it changes the leaf. */
  e3.salt[AUDIT_SALT_LEN - 1] ^= 1;
  uint8_t leaf2[32];
  ASSERT_INT_EQ(audit_entry_leaf_hash(&e3, leaf2), AUDIT_OK);
  ASSERT(memcmp(leaf, leaf2, 32) != 0);
}

/* A string field of the committed vector: "..." without escapes. */
static void vec_str(const test_kv_file *f, const char *name, const char *key, char *dst,
                    size_t cap) {
  char k[64];
  snprintf(k, sizeof k, "%s.%s", name, key);
  const char *v = test_kv_get(f, k);
  size_t n = strlen(v);
  ASSERT(n >= 2 && v[0] == '"' && v[n - 1] == '"' && memchr(v, '\\', n) == NULL);
  ASSERT(n - 2 < cap);
  memcpy(dst, v + 1, n - 2);
  dst[n - 2] = '\0';
}

static uint64_t vec_uint(const test_kv_file *f, const char *name, const char *key) {
  char k[64];
  snprintf(k, sizeof k, "%s.%s", name, key);
  return strtoull(test_kv_get(f, k), NULL, 10);
}

/* tests/vectors/audit_entry_v2.txt: every entry built from its fields encodes to the
 * committed bytes and leaf, decodes back, and the four leaves give the committed root. */
static void test_vector(void) {
  test_kv_file f;
  test_kv_load(&f, "audit_entry_v2.txt");
  const char *names[4] = {"e1", "e2", "e3", "e4"};
  uint8_t leaves[4][32];
  unsigned last = 0;
  for (int i = 0; i < 4; i++) {
    const char *nm = names[i];
    char k[64], dec[16];
    audit_entry e;
    memset(&e, 0, sizeof e);
    snprintf(k, sizeof k, "%s.v", nm);
    e.version = test_kv_has(&f, k) ? (unsigned)vec_uint(&f, nm, "v") : AUDIT_ENTRY_V1;
    e.seq = vec_uint(&f, nm, "seq");
    e.time_ms = vec_uint(&f, nm, "time");
    vec_str(&f, nm, "actor", e.actor, sizeof e.actor);
    vec_str(&f, nm, "role", e.role, sizeof e.role);
    vec_str(&f, nm, "op", e.op, sizeof e.op);
    vec_str(&f, nm, "class", e.data_class, sizeof e.data_class);
    vec_str(&f, nm, "object", e.object, sizeof e.object);
    vec_str(&f, nm, "decision", dec, sizeof dec);
    e.decision = strcmp(dec, "permit") == 0 ? AUDIT_PERMIT : AUDIT_DENY;
    vec_str(&f, nm, "rule", e.rule, sizeof e.rule);
    vec_str(&f, nm, "purpose", e.purpose, sizeof e.purpose);
    snprintf(k, sizeof k, "%s.policy", nm);
    uint8_t *pol = test_kv_hex(&f, k, 32, NULL);
    memcpy(e.policy, pol, 32);
    free(pol);
    if (e.version == AUDIT_ENTRY_V2) {
      vec_str(&f, nm, "outcome", e.outcome, sizeof e.outcome);
      snprintf(k, sizeof k, "%s.salt", nm);
      uint8_t *salt = test_kv_hex(&f, k, AUDIT_SALT_LEN, NULL);
      memcpy(e.salt, salt, AUDIT_SALT_LEN);
      free(salt);
    }
    size_t wlen = 0;
    snprintf(k, sizeof k, "%s.entry", nm);
    uint8_t *want = test_kv_hex(&f, k, 0, &wlen);
    uint8_t *buf = NULL;
    size_t len = 0;
    ASSERT_INT_EQ(audit_entry_encode(&e, &buf, &len), AUDIT_OK);
    ASSERT_UINT_EQ(len, wlen);
    ASSERT_MEM_EQ(buf, want, len);
    audit_entry d;
    ASSERT_INT_EQ(audit_entry_decode(want, wlen, &d), AUDIT_OK);
    ASSERT(entry_eq(&d, &e));
    ASSERT(audit_entry_version_follows(last, d.version));
    last = d.version;
    snprintf(k, sizeof k, "%s.leaf", nm);
    uint8_t *wleaf = test_kv_hex(&f, k, 32, NULL);
    merkle_leaf_hash(want, wlen, leaves[i]);
    ASSERT_MEM_EQ(leaves[i], wleaf, 32);
    free(wleaf);
    free(want);
    free(buf);
  }
  uint8_t root[32];
  merkle_mem_root((const uint8_t(*)[32])leaves, 4, root);
  uint8_t *wroot = test_kv_hex(&f, "root", 32, NULL);
  ASSERT_MEM_EQ(root, wroot, 32);
  free(wroot);
  test_kv_free(&f);
}

static void test_version_order(void) {
  ASSERT(audit_entry_version_follows(0, AUDIT_ENTRY_V1));
  ASSERT(audit_entry_version_follows(0, AUDIT_ENTRY_V2));
  ASSERT(audit_entry_version_follows(AUDIT_ENTRY_V1, AUDIT_ENTRY_V1));
  ASSERT(audit_entry_version_follows(AUDIT_ENTRY_V1, AUDIT_ENTRY_V2));
  ASSERT(audit_entry_version_follows(AUDIT_ENTRY_V2, AUDIT_ENTRY_V2));
  ASSERT(!audit_entry_version_follows(AUDIT_ENTRY_V2, AUDIT_ENTRY_V1));
  ASSERT(!audit_entry_version_follows(0, 0));
  ASSERT(!audit_entry_version_follows(0, 3));
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

/* canon (len bytes) is a canonical entry: a trailing byte and every truncation are refused;
 * every single-byte change is refused, or gives a different entry whose encoding is exactly
 * the changed bytes (so no two byte strings decode to the same entry). */
static void check_mutations(const uint8_t *canon, size_t len) {
  audit_entry d;
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, canon, len);
  longer[len] = 0xc0;
  ASSERT_INT_EQ(audit_entry_decode(longer, len + 1, &d), AUDIT_ERR_FORMAT);
  for (size_t n = 0; n < len; n++)
    ASSERT_INT_EQ(audit_entry_decode(canon, n, &d), AUDIT_ERR_FORMAT);
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
  check_mutations(canon, len);
  free(canon);
}

/* ---- version 2 variants ---- */

enum v2variant {
  W_CANONICAL,
  W_V_ONE,          /* "v": 1 in a 14-key map */
  W_V_THREE,        /* "v": 3 */
  W_V_STR,          /* "v": "2" */
  W_NO_V,           /* 13 keys, no "v" */
  W_NO_SALT,        /* 13 keys, no "salt" */
  W_SALT_SHORT,     /* salt bin 15 */
  W_SALT_LONG,      /* salt bin 17 */
  W_SALT_STR,       /* salt as str */
  W_OUTCOME_UPPER,  /* "Personal_data" */
  W_OUTCOME_EMPTY,  /* "" */
  W_OUTCOME_SPACE,  /* "personal data" */
  W_OUTCOME_DIGIT,  /* "1personal" */
  W_OUTCOME_LONG,   /* 65 bytes */
  W_DENY_OK,        /* decision deny, outcome ok */
  W_SWAP_OUTCOME,   /* purpose before outcome */
  W_V1_OUTCOME,     /* a v1 map (no "v", no salt) with an outcome: 12 keys */
  W_EXTRA_KEY,      /* 15th key */
  W_NV2
};

static uint8_t *build_v2(enum v2variant v, size_t *len) {
  audit_entry e = entry3();
  msgpack_sbuffer sb;
  msgpack_packer pk;
  msgpack_sbuffer_init(&sb);
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  int n = v == W_NO_V || v == W_NO_SALT ? 13 : v == W_V1_OUTCOME ? 12 : v == W_EXTRA_KEY ? 15 : 14;
  msgpack_pack_map(&pk, (size_t)n);
  if (v != W_NO_V && v != W_V1_OUTCOME) {
    PS(&pk, "v");
    if (v == W_V_STR) PS(&pk, "2");
    else msgpack_pack_uint8(&pk, v == W_V_ONE ? 1 : v == W_V_THREE ? 3 : 2);
  }
  PS(&pk, "seq");
  msgpack_pack_uint64(&pk, e.seq);
  PS(&pk, "time");
  msgpack_pack_uint64(&pk, e.time_ms);
  PS(&pk, "actor");
  PS(&pk, e.actor);
  PS(&pk, "role");
  PS(&pk, e.role);
  PS(&pk, "op");
  PS(&pk, e.op);
  PS(&pk, "class");
  PS(&pk, e.data_class);
  PS(&pk, "object");
  PS(&pk, e.object);
  PS(&pk, "decision");
  PS(&pk, v == W_DENY_OK ? "deny" : "permit");
  PS(&pk, "rule");
  PS(&pk, e.rule);
  char longout[AUDIT_NAME_MAX + 2];
  memset(longout, 'o', sizeof longout - 1);
  longout[sizeof longout - 1] = '\0';
  const char *out = v == W_OUTCOME_UPPER   ? "Personal_data"
                    : v == W_OUTCOME_EMPTY ? ""
                    : v == W_OUTCOME_SPACE ? "personal data"
                    : v == W_OUTCOME_DIGIT ? "1personal"
                    : v == W_OUTCOME_LONG  ? longout
                    : v == W_DENY_OK || v == W_V1_OUTCOME ? "ok"
                                                          : e.outcome;
  if (v != W_SWAP_OUTCOME) {
    PS(&pk, "outcome");
    PS(&pk, out);
  }
  PS(&pk, "purpose");
  PS(&pk, e.purpose);
  if (v == W_SWAP_OUTCOME) {
    PS(&pk, "outcome");
    PS(&pk, out);
  }
  PS(&pk, "policy");
  msgpack_pack_bin(&pk, 32);
  msgpack_pack_bin_body(&pk, e.policy, 32);
  if (v != W_NO_SALT && v != W_V1_OUTCOME) {
    PS(&pk, "salt");
    if (v == W_SALT_STR) {
      pstr(&pk, (const char *)"0123456789abcdef", AUDIT_SALT_LEN);
    } else {
      size_t sl = v == W_SALT_SHORT ? AUDIT_SALT_LEN - 1 : v == W_SALT_LONG ? AUDIT_SALT_LEN + 1
                                                                             : AUDIT_SALT_LEN;
      uint8_t salt[AUDIT_SALT_LEN + 1] = {0};
      memcpy(salt, e.salt, AUDIT_SALT_LEN);
      msgpack_pack_bin(&pk, sl);
      msgpack_pack_bin_body(&pk, salt, sl);
    }
  }
  if (v == W_EXTRA_KEY) {
    PS(&pk, "extra");
    msgpack_pack_uint8(&pk, 1);
  }
  *len = sb.size;
  return (uint8_t *)msgpack_sbuffer_release(&sb);
}

static void test_noncanonical_v2(void) {
  audit_entry d;
  size_t len;
  uint8_t *canon = build_v2(W_CANONICAL, &len);
  ASSERT_INT_EQ(audit_entry_decode(canon, len, &d), AUDIT_OK); /* the builder is faithful */
  audit_entry want = entry3();
  ASSERT(entry_eq(&d, &want));
  for (int v = W_CANONICAL + 1; v < W_NV2; v++) {
    size_t vlen;
    uint8_t *buf = build_v2((enum v2variant)v, &vlen);
    ASSERT(vlen != len || memcmp(buf, canon, len) != 0);
    int rc = audit_entry_decode(buf, vlen, &d);
    if (rc != AUDIT_ERR_FORMAT) TASK_FAIL("v2 variant %d decoded (rc %d)", v, rc);
    ASSERT_UINT_EQ(d.seq, 0);
    free(buf);
  }
  check_mutations(canon, len);
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
  /* version rules */
  REJECT(e.version = 0);
  REJECT(e.version = 3);
  REJECT(strcpy(e.outcome, "ok"));         /* v1 cannot carry an outcome */
  REJECT(e.salt[3] = 1);                   /* ... nor a salt */
  REJECT((e = entry3(), e.outcome[0] = '\0'));
  REJECT((e = entry3(), strcpy(e.outcome, "Denied")));
  REJECT((e = entry3(), strcpy(e.outcome, "not found")));
  REJECT((e = entry3(), strcpy(e.outcome, "_x")));
  REJECT((e = entry3(), strcpy(e.outcome, "9x")));
  REJECT((e = entry3(), memset(e.outcome, 'o', sizeof e.outcome)));
  REJECT((e = entry3(), e.decision = AUDIT_DENY, strcpy(e.outcome, "ok")));
#undef REJECT
  e = entry3();
  e.decision = AUDIT_DENY;
  strcpy(e.outcome, "denied");
  ASSERT_INT_EQ(audit_entry_encode(&e, &buf, &len), AUDIT_OK);
  free(buf);
  strcpy(e.outcome, "invite_expired2");
  ASSERT_INT_EQ(audit_entry_encode(&e, &buf, &len), AUDIT_OK);
  free(buf);
  e.decision = AUDIT_PERMIT;
  strcpy(e.outcome, "ok");
  memset(e.salt, 0, sizeof e.salt); /* any salt, even zeros, is encodable in v2 */
  ASSERT_INT_EQ(audit_entry_encode(&e, &buf, &len), AUDIT_OK);
  free(buf);
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
  RUN_TEST(test_noncanonical_v2);
  RUN_TEST(test_vector);
  RUN_TEST(test_version_order);
  RUN_TEST(test_encode_rejects);
  return 0;
}

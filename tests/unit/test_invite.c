/* test_invite.c -- invite codes: RFC 4648 base32 format, tolerant parsing, strict rejection, hash. */
#include <sodium.h>

#include "invite.h"
#include "support/tmpdir.h"
#include "task.h"

static const uint8_t seq_raw[INVITE_RAW_LEN] = {0, 1, 2,  3,  4,  5,  6,  7,  8,  9,
                                                10, 11, 12, 13, 14, 15, 16, 17, 18, 19};

/* Expected values computed independently (Python base64.b32encode and hashlib.sha256). */
static void test_format_vectors(void) {
  char code[INVITE_CODE_LEN];
  invite_format(seq_raw, code);
  ASSERT_STR_EQ(code, "AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT");
  uint8_t ff[INVITE_RAW_LEN];
  memset(ff, 0xff, sizeof ff);
  invite_format(ff, code);
  ASSERT_STR_EQ(code, "7777-7777-7777-7777-7777-7777-7777-7777");
  uint8_t zero[INVITE_RAW_LEN] = {0};
  invite_format(zero, code);
  ASSERT_STR_EQ(code, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA");
}

static void test_hash_vector(void) {
  uint8_t h[32];
  invite_hash(seq_raw, h);
  size_t n = 0;
  uint8_t *want = test_unhex("302069f6474ab7e339707a53390849af0d683ca4e8d3b2fd0e3c7056f85d8bab", &n);
  ASSERT(want != NULL && n == 32);
  ASSERT_MEM_EQ(h, want, 32);
  free(want);
}

static void expect_parse(const char *code, const uint8_t want[INVITE_RAW_LEN]) {
  uint8_t raw[INVITE_RAW_LEN];
  memset(raw, 0xa5, sizeof raw);
  ASSERT_INT_EQ(invite_parse(code, raw), 0);
  ASSERT_MEM_EQ(raw, want, INVITE_RAW_LEN);
}

static void test_parse_tolerant(void) {
  expect_parse("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT", seq_raw);
  expect_parse("aaaq-eaye-auda-ocaj-bifq-ydio-b4ib-ceqt", seq_raw); /* case */
  expect_parse("AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT", seq_raw);         /* no dashes */
  expect_parse(" AAAQ EAYE AUDA OCAJ-BIFQ--YDIO B4IB CEQT ", seq_raw); /* spaces, extra dashes */
}

static void expect_reject(const char *code) {
  uint8_t raw[INVITE_RAW_LEN];
  if (invite_parse(code, raw) != -1) TASK_FAIL("accepted invite code \"%s\"", code);
}

static void test_parse_rejects(void) {
  expect_reject("");
  expect_reject("----");
  expect_reject("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQ");    /* 31 symbols */
  expect_reject("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQTA");  /* 33 symbols */
  expect_reject("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT-AAAAAAAA");
  expect_reject("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQ1");   /* 1 is not base32 */
  expect_reject("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQ0");   /* nor 0 */
  expect_reject("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQ=");   /* no padding */
  expect_reject("AAAQ_EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT");   /* other separators */
  expect_reject("AAAQ\tEAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT");
  expect_reject("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQ\xc3\xa9"); /* UTF-8 letter */
}

static void test_roundtrip_random(void) {
  for (int i = 0; i < 200; i++) {
    uint8_t raw[INVITE_RAW_LEN], back[INVITE_RAW_LEN];
    char code[INVITE_CODE_LEN];
    randombytes_buf(raw, sizeof raw);
    invite_format(raw, code);
    ASSERT_INT_EQ((int)strlen(code), INVITE_CODE_LEN - 1);
    for (int g = 1; g < 8; g++) ASSERT_INT_EQ(code[g * 5 - 1], '-');
    ASSERT_INT_EQ(invite_parse(code, back), 0);
    ASSERT_MEM_EQ(raw, back, INVITE_RAW_LEN);
    /* Changing one symbol changes the bytes and the hash. */
    code[0] = code[0] == 'A' ? 'B' : 'A';
    ASSERT_INT_EQ(invite_parse(code, back), 0);
    ASSERT(memcmp(raw, back, INVITE_RAW_LEN) != 0);
    uint8_t h1[32], h2[32];
    invite_hash(raw, h1);
    invite_hash(back, h2);
    ASSERT(memcmp(h1, h2, 32) != 0);
  }
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_format_vectors);
  RUN_TEST(test_hash_vector);
  RUN_TEST(test_parse_tolerant);
  RUN_TEST(test_parse_rejects);
  RUN_TEST(test_roundtrip_random);
  return 0;
}

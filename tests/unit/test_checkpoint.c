/* test_checkpoint.c -- C2SP tlog-checkpoint: strict body parsing, formatting, signing. */
#include <sodium.h>

#include "checkpoint.h"
#include "merkle.h"
#include "task.h"

/* The example body from the C2SP tlog-checkpoint specification. */
static const char spec_body[] =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

static void test_spec_example(void) {
  checkpoint c;
  ASSERT_INT_EQ(checkpoint_parse(spec_body, strlen(spec_body), &c), CHECKPOINT_OK);
  ASSERT_STR_EQ(c.origin, "example.com/behind-the-sofa");
  ASSERT_UINT_EQ(c.size, 20852163);
  ASSERT_STR_EQ(c.ext, "");
  ASSERT_UINT_EQ(c.root[0], 0x0a);
  ASSERT_UINT_EQ(c.root[31], 0x62);
  char *out = NULL;
  size_t n = 0;
  ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_OK);
  ASSERT_STR_EQ(out, spec_body);
  ASSERT_UINT_EQ(n, strlen(spec_body));
  free(out);
}

static void expect_bad(const char *body) {
  checkpoint c;
  int rc = checkpoint_parse(body, strlen(body), &c);
  if (rc != CHECKPOINT_ERR_FORMAT) TASK_FAIL("accepted: \"%s\" (rc %d)", body, rc);
}

static void test_parse_strict(void) {
  const char *root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  char buf[512];
  checkpoint c;
  /* sizes */
  const char *good_sizes[] = {"0", "1", "10", "18446744073709551615"};
  const uint64_t good_vals[] = {0, 1, 10, UINT64_MAX};
  for (int i = 0; i < 4; i++) {
    snprintf(buf, sizeof buf, "o\n%s\n%s\n", good_sizes[i], root);
    ASSERT_INT_EQ(checkpoint_parse(buf, strlen(buf), &c), CHECKPOINT_OK);
    ASSERT_UINT_EQ(c.size, good_vals[i]);
  }
  const char *bad_sizes[] = {"",   "00", "01", "+1", "-1", " 1", "1 ", "0x1", "1.0",
                             "1e3", "18446744073709551616", "99999999999999999999",
                             "000000000000000000001"};
  for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
    snprintf(buf, sizeof buf, "o\n%s\n%s\n", bad_sizes[i], root);
    expect_bad(buf);
  }
  /* roots */
  const char *bad_roots[] = {
      "",
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I",    /* no padding */
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=",   /* non-zero trailing bits */
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I==",  /* too long */
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==",   /* 31 bytes */
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Iq",   /* 33 bytes */
      "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=",   /* URL alphabet */
      " CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I= ",
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2\xc3\xa9",
  };
  for (size_t i = 0; i < sizeof bad_roots / sizeof bad_roots[0]; i++) {
    snprintf(buf, sizeof buf, "o\n5\n%s\n", bad_roots[i]);
    expect_bad(buf);
  }
  /* structure */
  snprintf(buf, sizeof buf, "\n5\n%s\n", root); /* empty origin */
  expect_bad(buf);
  snprintf(buf, sizeof buf, "o\n5\n%s", root); /* no final newline */
  expect_bad(buf);
  snprintf(buf, sizeof buf, "o\n5\n%s\n\n", root); /* empty extension line */
  expect_bad(buf);
  snprintf(buf, sizeof buf, "o\n5\n%s\next\n\n", root);
  expect_bad(buf);
  snprintf(buf, sizeof buf, "o\n5\n%s\next", root); /* unterminated extension */
  expect_bad(buf);
  snprintf(buf, sizeof buf, "o\r\n5\n%s\n", root); /* control character */
  expect_bad(buf);
  snprintf(buf, sizeof buf, "o\n5\r\n%s\n", root);
  expect_bad(buf);
  expect_bad("o\n5\n");
  expect_bad("");
  /* extension lines are kept */
  snprintf(buf, sizeof buf, "o\n5\n%s\nfirst ext\nsecond\n", root);
  ASSERT_INT_EQ(checkpoint_parse(buf, strlen(buf), &c), CHECKPOINT_OK);
  ASSERT_STR_EQ(c.ext, "first ext\nsecond\n");
  char *out = NULL;
  size_t n;
  ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_OK);
  ASSERT_STR_EQ(out, buf);
  free(out);
}

/* Any accepted variant of a body formats back to exactly itself: one text per checkpoint. */
static void test_canonical(void) {
  size_t len = strlen(spec_body);
  char m[sizeof spec_body];
  checkpoint orig, c;
  ASSERT_INT_EQ(checkpoint_parse(spec_body, len, &orig), CHECKPOINT_OK);
  for (size_t pos = 0; pos < len; pos++)
    for (int v = 0; v < 256; v++) {
      if ((unsigned char)spec_body[pos] == v) continue;
      memcpy(m, spec_body, len + 1);
      m[pos] = (char)v;
      if (checkpoint_parse(m, len, &c) != CHECKPOINT_OK) continue;
      ASSERT(memcmp(&c, &orig, sizeof c) != 0);
      char *out = NULL;
      size_t n;
      ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_OK);
      ASSERT_UINT_EQ(n, len);
      ASSERT_MEM_EQ(out, m, len);
      free(out);
    }
}

static void test_format_rejects(void) {
  checkpoint c;
  char *out = NULL;
  size_t n;
  memset(&c, 0, sizeof c);
  ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_ERR_FORMAT); /* empty origin */
  strcpy(c.origin, "a\nb");
  ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_ERR_FORMAT);
  strcpy(c.origin, "log");
  strcpy(c.ext, "no newline");
  ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_ERR_FORMAT);
  strcpy(c.ext, "\n");
  ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_ERR_FORMAT);
  ASSERT(out == NULL);
  c.ext[0] = '\0';
  ASSERT_INT_EQ(checkpoint_format(&c, &out, &n), CHECKPOINT_OK);
  ASSERT_STR_EQ(out, "log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
  free(out);
}

static void test_sign_open(void) {
  uint8_t seed[32];
  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(7 * i + 1);
  int st;
  note_signer *log = note_signer_from_seed("samvirke.example/audit", seed, &st);
  seed[0] ^= 1;
  note_signer *other = note_signer_from_seed("samvirke.example/audit", seed, &st);
  ASSERT(log != NULL && other != NULL);
  checkpoint c, d;
  memset(&c, 0, sizeof c);
  strcpy(c.origin, "samvirke.example/audit");
  c.size = 8;
  /* root of a tree of 8 leaves */
  uint8_t leaves[8][32];
  for (int i = 0; i < 8; i++) {
    uint8_t byte = (uint8_t)i;
    merkle_leaf_hash(&byte, 1, leaves[i]);
  }
  merkle_mem_root((const uint8_t(*)[32])leaves, 8, c.root);
  char *note = NULL;
  size_t n = 0;
  ASSERT_INT_EQ(checkpoint_sign(&c, log, &note, &n), CHECKPOINT_OK);
  ASSERT_INT_EQ(checkpoint_open(note, n, &log->pub, "samvirke.example/audit", &d, &st),
                CHECKPOINT_OK);
  ASSERT_INT_EQ(st, NOTE_OK);
  ASSERT(memcmp(&c, &d, sizeof c) == 0);
  ASSERT_INT_EQ(checkpoint_open(note, n, &log->pub, NULL, &d, NULL), CHECKPOINT_OK);
  ASSERT_INT_EQ(checkpoint_open(note, n, &log->pub, "samvirke.example/other", &d, &st),
                CHECKPOINT_ERR_ORIGIN);
  /* a different key with the same name: its signature is unknown, so unverified */
  ASSERT_INT_EQ(checkpoint_open(note, n, &other->pub, NULL, &d, &st), CHECKPOINT_ERR_NOTE);
  ASSERT_INT_EQ(st, NOTE_ERR_UNVERIFIED);
  /* every changed byte fails */
  char *m = malloc(n + 1);
  for (size_t pos = 0; pos < n; pos++) {
    memcpy(m, note, n + 1);
    m[pos] ^= 0x01;
    ASSERT_INT_NE(checkpoint_open(m, n, &log->pub, NULL, &d, NULL), CHECKPOINT_OK);
  }
  free(m);
  free(note);
  /* a signed note whose text is not a checkpoint */
  const note_signer *list[] = {log};
  ASSERT_INT_EQ(note_sign("hello\n", 6, list, 1, &note, &n), NOTE_OK);
  ASSERT_INT_EQ(checkpoint_open(note, n, &log->pub, NULL, &d, &st), CHECKPOINT_ERR_FORMAT);
  free(note);
  note_signer_free(log);
  note_signer_free(other);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_spec_example);
  RUN_TEST(test_parse_strict);
  RUN_TEST(test_canonical);
  RUN_TEST(test_format_rejects);
  RUN_TEST(test_sign_open);
  return 0;
}

/* test_policy_lexer.c -- policy tokens, positions, string escapes and every lexer error. */
#include "policy_int.h"
#include "task.h"

/* Lex text completely; returns the number of tokens (EOF included) or -1 on error. */
static int lex_all(const char *text, policy_token *toks, int max, policy_diag *d) {
  policy_lexer lx;
  policy_diag_clear(d);
  policy_lexer_init(&lx, "t.policy", text, strlen(text));
  for (int n = 0; n < max; n++) {
    if (policy_lexer_next(&lx, &toks[n], d) != 0) return -1;
    if (toks[n].type == TOK_EOF) return n + 1;
  }
  return max;
}

/* The single error produced by lexing text. */
static const char *lex_error(const char *text) {
  static policy_diag d;
  static policy_token toks[64];
  ASSERT_INT_EQ(lex_all(text, toks, 64, &d), -1);
  ASSERT_INT_EQ(d.count, 1);
  return d.errors[0].text;
}

static void test_tokens(void) {
  policy_token t[32];
  policy_diag d;
  int n = lex_all("roles a_1, b-2 # comment\n  set x = 42;\n{ } ( ) * \"s\\\"q\\\\\"", t, 32, &d);
  ASSERT_INT_EQ(n, 16);
  ASSERT_INT_EQ(t[0].type, TOK_NAME);
  ASSERT_STR_EQ(t[0].text, "roles");
  ASSERT_INT_EQ(t[0].line, 1);
  ASSERT_INT_EQ(t[0].col, 1);
  ASSERT_STR_EQ(t[1].text, "a_1");
  ASSERT_INT_EQ(t[1].col, 7);
  ASSERT_INT_EQ(t[2].type, TOK_COMMA);
  ASSERT_STR_EQ(t[3].text, "b-2");
  ASSERT_INT_EQ(t[4].type, TOK_NAME);
  ASSERT_STR_EQ(t[4].text, "set");
  ASSERT_INT_EQ(t[4].line, 2);
  ASSERT_INT_EQ(t[4].col, 3);
  ASSERT_INT_EQ(t[6].type, TOK_EQ);
  ASSERT_INT_EQ(t[7].type, TOK_NUMBER);
  ASSERT_INT_EQ(t[7].number, 42);
  ASSERT_INT_EQ(t[8].type, TOK_SEMI);
  ASSERT_INT_EQ(t[9].type, TOK_LBRACE);
  ASSERT_INT_EQ(t[9].line, 3);
  ASSERT_INT_EQ(t[10].type, TOK_RBRACE);
  ASSERT_INT_EQ(t[11].type, TOK_LPAREN);
  ASSERT_INT_EQ(t[12].type, TOK_RPAREN);
  ASSERT_INT_EQ(t[13].type, TOK_STAR);
  ASSERT_INT_EQ(t[14].type, TOK_STRING);
  ASSERT_STR_EQ(t[14].text, "s\"q\\");
  ASSERT_INT_EQ(t[14].len, 4);
  ASSERT_INT_EQ(t[14].col, 11);
  ASSERT_INT_EQ(t[15].type, TOK_EOF);
}

static void test_empty_and_comments(void) {
  policy_token t[4];
  policy_diag d;
  ASSERT_INT_EQ(lex_all("", t, 4, &d), 1);
  ASSERT_INT_EQ(t[0].type, TOK_EOF);
  ASSERT_INT_EQ(lex_all("# only a comment", t, 4, &d), 1);
  ASSERT_INT_EQ(lex_all("\r\n\t x", t, 4, &d), 2);
  ASSERT_INT_EQ(t[0].line, 2);
  ASSERT_INT_EQ(t[0].col, 3);
  /* UTF-8 inside strings is kept */
  ASSERT_INT_EQ(lex_all("\"b\xc3\xb8rn\"", t, 4, &d), 2);
  ASSERT_STR_EQ(t[0].text, "b\xc3\xb8rn");
}

static void test_limits(void) {
  char name[POLICY_MAX_NAME + 2];
  memset(name, 'a', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  ASSERT_STR_EQ(lex_error(name), "t.policy:1:1: name longer than 64 bytes");
  name[POLICY_MAX_NAME] = '\0';
  policy_token t[4];
  policy_diag d;
  ASSERT_INT_EQ(lex_all(name, t, 4, &d), 2);
  ASSERT_INT_EQ(t[0].len, POLICY_MAX_NAME);

  char str[POLICY_MAX_STRING + 4];
  str[0] = '"';
  memset(str + 1, 'x', POLICY_MAX_STRING + 1);
  str[POLICY_MAX_STRING + 2] = '"';
  str[POLICY_MAX_STRING + 3] = '\0';
  ASSERT_STR_EQ(lex_error(str), "t.policy:1:1: string longer than 256 bytes");
  str[POLICY_MAX_STRING + 1] = '"';
  str[POLICY_MAX_STRING + 2] = '\0';
  ASSERT_INT_EQ(lex_all(str, t, 4, &d), 2);
  ASSERT_INT_EQ(t[0].len, POLICY_MAX_STRING);

  ASSERT_STR_EQ(lex_error("set x = 99999999999"), "t.policy:1:9: number too large");
  ASSERT_STR_EQ(lex_error("set x = 00000000000000000000000000000000000000001"),
                "t.policy:1:9: number too large");
  ASSERT_INT_EQ(lex_all("0000000042", t, 4, &d), 2);
  ASSERT_INT_EQ(t[0].number, 42);
}

static void test_errors(void) {
  ASSERT_STR_EQ(lex_error("roles a\n  \"abc"), "t.policy:2:3: unterminated string");
  ASSERT_STR_EQ(lex_error("\"ab\ncd\""), "t.policy:1:1: unterminated string");
  ASSERT_STR_EQ(lex_error("x \"a\\nb\""),
                "t.policy:1:5: invalid escape in string (only \\\" and \\\\ are allowed)");
  ASSERT_STR_EQ(lex_error("\"a\tb\""), "t.policy:1:3: control character 0x09 in string");
  ASSERT_STR_EQ(lex_error("roles 1abc"), "t.policy:1:7: a name must not start with a digit");
  ASSERT_STR_EQ(lex_error("roles a\nroles b!"), "t.policy:2:8: unexpected character '!'");
  ASSERT_STR_EQ(lex_error("roles \xc3\xa6"), "t.policy:1:7: unexpected byte 0xc3");
  char nul[] = "roles a\0";
  policy_lexer lx;
  policy_token t;
  policy_diag d;
  policy_diag_clear(&d);
  policy_lexer_init(&lx, "t.policy", nul, sizeof nul - 1);
  ASSERT_INT_EQ(policy_lexer_next(&lx, &t, &d), 0);
  ASSERT_INT_EQ(policy_lexer_next(&lx, &t, &d), 0);
  ASSERT_INT_EQ(policy_lexer_next(&lx, &t, &d), -1);
  ASSERT_STR_EQ(d.errors[0].text, "t.policy:1:8: unexpected byte 0x00");
}

static void test_describe(void) {
  policy_token t[8];
  policy_diag d;
  char buf[64];
  ASSERT_INT_EQ(lex_all("abc \"s\" 7 ,", t, 8, &d), 5);
  policy_token_describe(&t[0], buf, sizeof buf);
  ASSERT_STR_EQ(buf, "'abc'");
  policy_token_describe(&t[1], buf, sizeof buf);
  ASSERT_STR_EQ(buf, "string \"s\"");
  policy_token_describe(&t[2], buf, sizeof buf);
  ASSERT_STR_EQ(buf, "number 7");
  policy_token_describe(&t[3], buf, sizeof buf);
  ASSERT_STR_EQ(buf, "','");
  policy_token_describe(&t[4], buf, sizeof buf);
  ASSERT_STR_EQ(buf, "end of file");
}

static void test_diag_format(void) {
  policy_diag d;
  policy_diag_clear(&d);
  for (int i = 0; i < POLICY_DIAG_MAX + 3; i++) policy_diag_add(&d, "f", i + 1, 2, -1, "e%d", i);
  ASSERT_INT_EQ(d.count, POLICY_DIAG_MAX);
  ASSERT_INT_EQ(d.total, POLICY_DIAG_MAX + 3);
  char buf[4096];
  policy_diag_format(&d, buf, sizeof buf);
  ASSERT(strncmp(buf, "f:1:2: e0\nf:2:2: e1\n", 20) == 0);
  ASSERT_STR_CONTAINS(buf, "(3 more errors)");
  char small[8];
  policy_diag_format(&d, small, sizeof small);
  ASSERT_STR_EQ(small, "f:1:2: ");
  policy_diag_clear(&d);
  policy_diag_add(&d, "f", 0, 0, -1, "cannot open");
  ASSERT_STR_EQ(d.errors[0].text, "f: cannot open");
}

int main(void) {
  RUN_TEST(test_tokens);
  RUN_TEST(test_empty_and_comments);
  RUN_TEST(test_limits);
  RUN_TEST(test_errors);
  RUN_TEST(test_describe);
  RUN_TEST(test_diag_format);
  return 0;
}

/* lexer.c -- policy tokens (names, strings, numbers, punctuation, # comments) and load diagnostics. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

void policy_diag_clear(policy_diag *diag) {
  if (diag != NULL) memset(diag, 0, sizeof *diag);
}

void policy_diag_add(policy_diag *diag, const char *file, int line, int col, int rule,
                     const char *fmt, ...) {
  if (diag == NULL) return;
  diag->total++;
  if (diag->count >= POLICY_DIAG_MAX) return;
  policy_error *e = &diag->errors[diag->count++];
  e->line = line;
  e->col = col;
  e->rule = rule;
  const char *f = file ? file : "(policy)";
  int off = line > 0 ? snprintf(e->text, sizeof e->text, "%s:%d:%d: ", f, line, col)
                     : snprintf(e->text, sizeof e->text, "%s: ", f);
  if (off < 0 || (size_t)off >= sizeof e->text) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->text + off, sizeof e->text - (size_t)off, fmt, ap);
  va_end(ap);
}

void policy_diag_format(const policy_diag *diag, char *buf, size_t n) {
  assert(buf != NULL && n > 0);
  buf[0] = '\0';
  if (diag == NULL) return;
  size_t used = 0;
  for (int i = 0; i < diag->count && used < n; i++) {
    int w = snprintf(buf + used, n - used, "%s\n", diag->errors[i].text);
    if (w < 0) break;
    used += (size_t)w;
  }
  if (diag->total > diag->count && used < n)
    snprintf(buf + used, n - used, "(%d more errors)\n", diag->total - diag->count);
}

void policy_lexer_init(policy_lexer *lx, const char *file, const char *src, size_t len) {
  assert(lx != NULL && (src != NULL || len == 0));
  lx->file = file;
  lx->src = src;
  lx->len = len;
  lx->pos = 0;
  lx->line = 1;
  lx->col = 1;
}

static int lexer_peek(const policy_lexer *lx, size_t ahead) {
  size_t i = lx->pos + ahead;
  return i < lx->len ? (unsigned char)lx->src[i] : -1;
}

static void lexer_advance(policy_lexer *lx) {
  if (lx->pos >= lx->len) return;
  if (lx->src[lx->pos] == '\n') {
    lx->line++;
    lx->col = 1;
  } else {
    lx->col++;
  }
  lx->pos++;
}

static bool lexer_is_name_start(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool lexer_is_name_char(int c) {
  return lexer_is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* Read a string literal starting at the opening quote. */
static int lexer_string(policy_lexer *lx, policy_token *tok, policy_diag *diag) {
  lexer_advance(lx); /* opening quote */
  tok->len = 0;
  for (;;) {
    int c = lexer_peek(lx, 0);
    if (c == -1 || c == '\n') {
      policy_diag_add(diag, lx->file, tok->line, tok->col, -1, "unterminated string");
      return -1;
    }
    if (c == '"') {
      lexer_advance(lx);
      break;
    }
    if (c == '\\') {
      int e = lexer_peek(lx, 1);
      if (e != '"' && e != '\\') {
        policy_diag_add(diag, lx->file, lx->line, lx->col, -1,
                        "invalid escape in string (only \\\" and \\\\ are allowed)");
        return -1;
      }
      lexer_advance(lx);
      c = e;
    } else if (c < 0x20 || c == 0x7f) {
      policy_diag_add(diag, lx->file, lx->line, lx->col, -1,
                      "control character 0x%02x in string", (unsigned)c);
      return -1;
    }
    if (tok->len >= POLICY_MAX_STRING) {
      policy_diag_add(diag, lx->file, tok->line, tok->col, -1,
                      "string longer than %d bytes", POLICY_MAX_STRING);
      return -1;
    }
    tok->text[tok->len++] = (char)c;
    lexer_advance(lx);
  }
  tok->text[tok->len] = '\0';
  tok->type = TOK_STRING;
  return 0;
}

int policy_lexer_next(policy_lexer *lx, policy_token *tok, policy_diag *diag) {
  assert(lx != NULL && tok != NULL);
  /* skip blanks and comments */
  for (;;) {
    int c = lexer_peek(lx, 0);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      lexer_advance(lx);
    } else if (c == '#') {
      while (lexer_peek(lx, 0) != -1 && lexer_peek(lx, 0) != '\n') lexer_advance(lx);
    } else {
      break;
    }
  }
  tok->line = lx->line;
  tok->col = lx->col;
  tok->len = 0;
  tok->text[0] = '\0';
  tok->number = 0;
  int c = lexer_peek(lx, 0);
  if (c == -1) {
    tok->type = TOK_EOF;
    return 0;
  }
  if (lexer_is_name_start(c)) {
    while (lexer_is_name_char(lexer_peek(lx, 0))) {
      if (tok->len >= POLICY_MAX_NAME) {
        policy_diag_add(diag, lx->file, tok->line, tok->col, -1, "name longer than %d bytes",
                        POLICY_MAX_NAME);
        return -1;
      }
      tok->text[tok->len++] = (char)lexer_peek(lx, 0);
      lexer_advance(lx);
    }
    tok->text[tok->len] = '\0';
    tok->type = TOK_NAME;
    return 0;
  }
  if (c >= '0' && c <= '9') {
    long v = 0;
    while (lexer_peek(lx, 0) >= '0' && lexer_peek(lx, 0) <= '9') {
      v = v * 10 + (lexer_peek(lx, 0) - '0');
      if (v > 1000000000L || tok->len >= 10) {
        policy_diag_add(diag, lx->file, tok->line, tok->col, -1, "number too large");
        return -1;
      }
      tok->text[tok->len++] = (char)lexer_peek(lx, 0);
      lexer_advance(lx);
    }
    if (lexer_is_name_start(lexer_peek(lx, 0))) {
      policy_diag_add(diag, lx->file, tok->line, tok->col, -1,
                      "a name must not start with a digit");
      return -1;
    }
    tok->text[tok->len] = '\0';
    tok->number = v;
    tok->type = TOK_NUMBER;
    return 0;
  }
  if (c == '"') return lexer_string(lx, tok, diag);
  enum policy_tok t;
  switch (c) {
    case ',': t = TOK_COMMA; break;
    case ';': t = TOK_SEMI; break;
    case '{': t = TOK_LBRACE; break;
    case '}': t = TOK_RBRACE; break;
    case '(': t = TOK_LPAREN; break;
    case ')': t = TOK_RPAREN; break;
    case '=': t = TOK_EQ; break;
    case '*': t = TOK_STAR; break;
    default:
      if (c >= 0x21 && c < 0x7f)
        policy_diag_add(diag, lx->file, tok->line, tok->col, -1, "unexpected character '%c'", c);
      else
        policy_diag_add(diag, lx->file, tok->line, tok->col, -1, "unexpected byte 0x%02x",
                        (unsigned)c);
      return -1;
  }
  tok->text[0] = (char)c;
  tok->text[1] = '\0';
  tok->len = 1;
  tok->type = t;
  lexer_advance(lx);
  return 0;
}

void policy_token_describe(const policy_token *tok, char *buf, size_t n) {
  assert(tok != NULL && buf != NULL && n > 0);
  switch (tok->type) {
    case TOK_EOF: snprintf(buf, n, "end of file"); break;
    case TOK_NAME: snprintf(buf, n, "'%s'", tok->text); break;
    case TOK_STRING: snprintf(buf, n, "string \"%.40s\"", tok->text); break;
    case TOK_NUMBER: snprintf(buf, n, "number %ld", tok->number); break;
    default: snprintf(buf, n, "'%s'", tok->text); break;
  }
}

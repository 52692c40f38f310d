/* cli.c -- command-table dispatch, usage generated from the tables, and leaf option parsing. */
#include "cli.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CLI_PATH_MAX 256

/* Print "samvirke: MESSAGE[suffix]" as exactly one line on stderr: control characters in the
 * message (a file name or argument with a newline or an escape sequence) become '?'. */
__attribute__((format(printf, 2, 0))) static void cli_message(const char *suffix, const char *fmt,
                                                              va_list ap) {
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  for (char *p = msg; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  fprintf(stderr, "samvirke: %s%s\n", msg, suffix);
}

int cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_message("", fmt, ap);
  va_end(ap);
  return CLI_FAIL;
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) {
  char suffix[CLI_PATH_MAX + 32];
  snprintf(suffix, sizeof suffix, " (see '%s --help')", ctx->path);
  va_list ap;
  va_start(ap, fmt);
  cli_message(suffix, fmt, ap);
  va_end(ap);
  return CLI_USAGE;
}

void cli_print_text(FILE *f, const char *s, size_t n) {
  assert(f != NULL && (s != NULL || n == 0));
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    /* C0 controls, DEL, and the C1 range's UTF-8 lead (0xc2 0x80-0x9f) are all replaced */
    if (c < 0x20 || c == 0x7f) {
      fputc('?', f);
    } else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
               (unsigned char)s[i + 1] <= 0x9f) {
      fputc('?', f);
      i++;
    } else {
      fputc(c, f);
    }
  }
}

/* Width of the widest name in a table, for aligned help columns. */
static int group_width(const cli_cmd *rows) {
  int w = 0;
  for (const cli_cmd *r = rows; r->name != NULL; r++) {
    int n = (int)strlen(r->name);
    if (n > w) w = n;
  }
  return w;
}

void cli_usage_group(const cli_cmd *cmd, const cli_ctx *ctx, FILE *f) {
  assert(cmd != NULL && cmd->sub != NULL);
  fprintf(f, "usage: %s COMMAND [ARGS...]\n\n%s\n\nCommands:\n", ctx->path, cmd->help);
  int w = group_width(cmd->sub);
  for (const cli_cmd *r = cmd->sub; r->name != NULL; r++)
    fprintf(f, "  %-*s  %s\n", w, r->name, r->help);
  if (cmd->notes != NULL) fprintf(f, "\n%s", cmd->notes);
  fprintf(f, "\nRun '%s COMMAND --help' for a command's options.\n", ctx->path);
}

int cli_dispatch(const cli_cmd *cmd, int argc, char **argv, const cli_ctx *ctx) {
  assert(cmd != NULL && argc >= 1);
  char path[CLI_PATH_MAX];
  cli_ctx sub = *ctx;
  sub.cmd = cmd;
  if (cmd->sub == NULL) return cmd->fn(argc, argv, &sub);

  if (argc < 2) return cli_usage_error(ctx, "missing command");
  const char *word = argv[1];
  if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
    cli_usage_group(cmd, ctx, stdout);
    return CLI_OK;
  }
  for (const cli_cmd *r = cmd->sub; r->name != NULL; r++) {
    if (strcmp(r->name, word) != 0) continue;
    snprintf(path, sizeof path, "%s %s", ctx->path, r->name);
    sub.path = path;
    return cli_dispatch(r, argc - 1, argv + 1, &sub);
  }
  if (word[0] == '-') return cli_usage_error(ctx, "unknown option '%s'", word);
  return cli_usage_error(ctx, "unknown command '%s'", word);
}

/* Print a leaf's usage from its option table. */
static void leaf_usage(const cli_ctx *ctx, const cli_opt *opts, const char *synopsis, FILE *f) {
  fprintf(f, "usage: %s", ctx->path);
  for (const cli_opt *o = opts; o != NULL && o->name != NULL; o++) {
    fprintf(f, o->required ? " %s" : " [%s", o->name);
    if (o->arg != NULL) fprintf(f, " %s", o->arg);
    if (!o->required) fputc(']', f);
  }
  if (synopsis != NULL && synopsis[0] != '\0') fprintf(f, " %s", synopsis);
  fprintf(f, "\n\n%s\n\nOptions:\n", ctx->cmd != NULL ? ctx->cmd->help : "");
  int w = (int)strlen("-h, --help");
  for (const cli_opt *o = opts; o != NULL && o->name != NULL; o++) {
    int n = (int)strlen(o->name) + (o->arg ? 1 + (int)strlen(o->arg) : 0);
    if (n > w) w = n;
  }
  char buf[128];
  for (const cli_opt *o = opts; o != NULL && o->name != NULL; o++) {
    snprintf(buf, sizeof buf, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(f, "  %-*s  %s\n", w, buf, o->help);
  }
  fprintf(f, "  %-*s  %s\n", w, "--json", "print the result as one JSON object");
  fprintf(f, "  %-*s  %s\n", w, "-h, --help", "show this help");
  if (ctx->cmd != NULL && ctx->cmd->notes != NULL) fprintf(f, "\n%s", ctx->cmd->notes);
}

/* Find the option named name (the part of arg before any '='). */
static const cli_opt *find_opt(const cli_opt *opts, const char *arg, size_t namelen) {
  for (const cli_opt *o = opts; o != NULL && o->name != NULL; o++)
    if (strlen(o->name) == namelen && strncmp(o->name, arg, namelen) == 0) return o;
  return NULL;
}

int cli_parse(int argc, char **argv, cli_ctx *ctx, const cli_opt *opts, const char *synopsis,
              int *npos, int *status) {
  assert(argc >= 1 && ctx != NULL && npos != NULL && status != NULL);
  int pos = 0;
  bool only_pos = false;
  *npos = 0;
  *status = CLI_OK;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
      argv[1 + pos++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_pos = true;
      continue;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      leaf_usage(ctx, opts, synopsis, stdout);
      return -1;
    }
    if (strcmp(a, "--json") == 0) {
      ctx->json = true;
      continue;
    }
    const char *eq = strchr(a, '=');
    size_t namelen = eq ? (size_t)(eq - a) : strlen(a);
    const cli_opt *o = find_opt(opts, a, namelen);
    if (o == NULL) {
      *status = cli_usage_error(ctx, "unknown option '%.*s'", (int)namelen, a);
      return -1;
    }
    if (o->arg == NULL) {
      if (eq != NULL) {
        *status = cli_usage_error(ctx, "option %s takes no value", o->name);
        return -1;
      }
      if (o->flag) *o->flag = true;
      continue;
    }
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (v == NULL) {
      *status = cli_usage_error(ctx, "option %s needs a value (%s)", o->name, o->arg);
      return -1;
    }
    if (o->value) *o->value = v;
  }
  for (const cli_opt *o = opts; o != NULL && o->name != NULL; o++) {
    if (o->required && o->value != NULL && *o->value == NULL) {
      *status = cli_usage_error(ctx, "missing %s %s", o->name, o->arg ? o->arg : "");
      return -1;
    }
  }
  argv[1 + pos] = NULL;
  *npos = pos;
  return 0;
}

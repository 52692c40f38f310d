/* cli.h -- samvirke's command table, dispatch, generated usage and option parsing. */
#ifndef SAMVIRKE_CLI_H
#define SAMVIRKE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses of every command. */
enum cli_status {
  CLI_OK = 0,    /* success (also --help) */
  CLI_FAIL = 1,  /* the command failed; one line on stderr says why */
  CLI_USAGE = 2, /* bad command line; one line on stderr says what */
};

struct cli_cmd;

/* What every command receives besides its arguments. */
typedef struct cli_ctx {
  bool json;                 /* --json: print one JSON object on stdout */
  const char *identity_dir;  /* --identity DIR, or the default (always set) */
  const char *path;          /* the command words so far, e.g. "samvirke server set" */
  const struct cli_cmd *cmd; /* the table row being run (for its usage) */
} cli_ctx;

/* A command function. argv[0] is the command's own name and argv[argc] is NULL, as for main.
 * Returns a cli_status. */
typedef int (*cli_fn)(int argc, char **argv, const cli_ctx *ctx);

/* One row of a command table; a table ends with a row whose name is NULL. A row has either fn
 * (a leaf command) or sub (a group whose next word picks a row of sub). */
typedef struct cli_cmd {
  const char *name;
  cli_fn fn;
  const char *help;          /* one line, shown in the parent's usage */
  const struct cli_cmd *sub; /* NULL for a leaf */
  const char *notes;         /* optional text at the end of the usage (group or leaf) */
} cli_cmd;

/* One option of a leaf command, for cli_parse. A table ends with a row whose name is NULL.
 * An option with arg != NULL takes a value ("--name NAME" or "--name=NAME") stored in *value;
 * one without sets *flag. --help/-h and --json are understood by every command. */
typedef struct cli_opt {
  const char *name; /* "--name" */
  const char *arg;  /* "NAME", or NULL for a flag */
  const char *help;
  const char **value;
  bool *flag;
  bool required;
} cli_opt;

/* Run the group (or leaf) row cmd with argc/argv where argv[0] is cmd's name: picks the
 * sub-row named by argv[1] and recurses, or calls the leaf. Prints usage on --help (exit 0), or
 * one line on stderr for an unknown or missing command (exit 2). */
int cli_dispatch(const cli_cmd *cmd, int argc, char **argv, const cli_ctx *ctx);

/* Print a group's usage (its rows and their help) to f. */
void cli_usage_group(const cli_cmd *cmd, const cli_ctx *ctx, FILE *f);

/* Parse a leaf command's options. synopsis describes positional arguments ("" when none).
 * Positional arguments are moved to the front of argv[1..]; *npos receives their count.
 * Returns -1 when parsing is finished and the command must return *status right away (help
 * printed: CLI_OK; usage error reported on stderr: CLI_USAGE), else 0. ctx->json is set from
 * --json given after the command too (ctx is the caller's copy). */
int cli_parse(int argc, char **argv, cli_ctx *ctx, const cli_opt *opts, const char *synopsis,
              int *npos, int *status);

/* Write n bytes of untrusted text (e.g. from the server) for a terminal: control characters
 * and DEL become '?', so no escape sequence reaches the terminal. */
void cli_print_text(FILE *f, const char *s, size_t n);

/* Report a usage error: "samvirke: <message>" plus a hint line on stderr. Returns CLI_USAGE. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report a failure: "samvirke: <message>" on stderr. Returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

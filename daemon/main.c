/* main.c -- samvirked entry point: init, info and run, dispatched from one table. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "log.h"
#include "server.h"
#include "signer_proc.h"

static int cmd_init(int argc, char **argv);
static int cmd_info(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_signer(int argc, char **argv);

static const struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *args;
  const char *help;
  bool hidden; /* started by samvirked itself, not by people */
} commands[] = {
    {"init", cmd_init, "DIR [--admin CARD] [--origin NAME] [--member CARD:ROLE]...",
     "create a daemon directory: keys, config, policy, database, first coordinator", false},
    {"info", cmd_info, "DIR [--json]", "print what a client needs to connect", false},
    {"run", cmd_run, "DIR [--verify quick|full]", "serve TCP and the Unix socket until SIGTERM", false},
    {"signer", cmd_signer, "DIR", "the audit log's signer process, started by samvirked run", true},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
  fprintf(f, "usage: samvirked COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!commands[i].hidden)
      fprintf(f, "  %-5s %-36s %s\n", commands[i].name, commands[i].args, commands[i].help);
  fprintf(f, "\nsamvirked COMMAND --help shows one command's usage.\n");
}

static int command_usage(const char *name, bool to_stdout) {
  for (size_t i = 0; i < NCOMMANDS; i++) {
    if (strcmp(commands[i].name, name) == 0) {
      fprintf(to_stdout ? stdout : stderr, "usage: samvirked %s %s\n  %s\n", name,
              commands[i].args, commands[i].help);
    }
  }
  return to_stdout ? 0 : 2;
}

static bool wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
  return false;
}

static int cmd_init(int argc, char **argv) {
  const char *dir = NULL, *admin = NULL, *origin = "samvirke.local/audit";
  const char *members[64];
  size_t nmembers = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc)
      admin = argv[++i];
    else if (strcmp(argv[i], "--member") == 0 && i + 1 < argc && nmembers < 64)
      members[nmembers++] = argv[++i];
    else if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc)
      origin = argv[++i];
    else if (argv[i][0] != '-' && dir == NULL)
      dir = argv[i];
    else {
      fprintf(stderr, "samvirked init: unexpected argument '%s'\n", argv[i]);
      return command_usage("init", false);
    }
  }
  if (dir == NULL) {
    fprintf(stderr, "samvirked init: missing DIR\n");
    return command_usage("init", false);
  }
  char err[1024];
  if (admin_init(dir, origin, admin, members, nmembers, err, sizeof err) != 0) {
    fprintf(stderr, "samvirked init: %s\n", err);
    return 1;
  }
  printf("initialised %s\n", dir);
  return 0;
}

static int cmd_info(int argc, char **argv) {
  const char *dir = NULL;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = true;
    else if (argv[i][0] != '-' && dir == NULL)
      dir = argv[i];
    else {
      fprintf(stderr, "samvirked info: unexpected argument '%s'\n", argv[i]);
      return command_usage("info", false);
    }
  }
  if (dir == NULL) {
    fprintf(stderr, "samvirked info: missing DIR\n");
    return command_usage("info", false);
  }
  char err[1024];
  if (admin_info(dir, json, err, sizeof err) != 0) {
    fprintf(stderr, "samvirked info: %s\n", err);
    return 1;
  }
  return 0;
}

static int cmd_run(int argc, char **argv) {
  const char *dir = NULL;
  enum store_verify verify = STORE_VERIFY_AUTO;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--verify") == 0 && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "quick") == 0)
        verify = STORE_VERIFY_QUICK;
      else if (strcmp(argv[i], "full") == 0)
        verify = STORE_VERIFY_FULL;
      else {
        fprintf(stderr, "samvirked run: --verify takes quick or full\n");
        return 2;
      }
    } else if (argv[i][0] != '-' && dir == NULL) {
      dir = argv[i];
    } else {
      fprintf(stderr, "samvirked run: unexpected argument '%s'\n", argv[i]);
      return command_usage("run", false);
    }
  }
  if (dir == NULL) {
    fprintf(stderr, "samvirked run: missing DIR\n");
    return command_usage("run", false);
  }
  char abs[1024];
  if (realpath(dir, abs) == NULL) {
    fprintf(stderr, "samvirked run: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  return server_run(abs, verify);
}

/* The log signer (signer_proc.c): only as the child samvirked run starts, with its socket on
 * descriptor 3. */
static int cmd_signer(int argc, char **argv) {
  struct stat st;
  if (argc != 2 || fstat(3, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    fprintf(stderr, "samvirked signer: this process is started by 'samvirked run', not by hand\n");
    return 2;
  }
  return signer_proc_main(3, argv[1]);
}

int main(int argc, char **argv) {
  if (sodium_init() < 0) {
    fprintf(stderr, "samvirked: cannot initialise libsodium\n");
    return 1;
  }
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < NCOMMANDS; i++) {
    if (strcmp(argv[1], commands[i].name) == 0) {
      if (wants_help(argc - 1, argv + 1)) return command_usage(commands[i].name, true);
      return commands[i].fn(argc - 1, argv + 1);
    }
  }
  fprintf(stderr, "samvirked: unknown command '%s' (try samvirked --help)\n", argv[1]);
  return 2;
}

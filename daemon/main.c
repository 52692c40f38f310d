/* main.c -- samvirked entry point: every command (init, info, run, status, backup, restore, purge,
 * admin, and the signer it starts itself), dispatched from one table. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "backup.h"
#include "log.h"
#include "noise.h"
#include "purge.h"
#include "server.h"
#include "signer_proc.h"
#include "status_show.h"

static int cmd_init(int argc, char **argv);
static int cmd_info(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_admin(int argc, char **argv);
static int cmd_backup(int argc, char **argv);
static int cmd_restore(int argc, char **argv);
static int cmd_purge(int argc, char **argv);
static int cmd_status(int argc, char **argv);
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
    {"status", cmd_status, "DIR [--json]",
     "connections, request rate, commit latency, log, checkpoint, notes, next retention sweep",
     false},
    {"backup", cmd_backup, "DIR DEST [--with-keys]",
     "copy the directory, running or not, into the new directory DEST, verified", false},
    {"restore", cmd_restore, "DIR BACKUP [--trusted CHECKPOINT] [--force]",
     "with the daemon stopped: put BACKUP back, unless it would roll the audit log back", false},
    {"purge", cmd_purge, "DIR [--dry-run]",
     "delete what is past its retention now (daemon stopped); --dry-run only shows it", false},
    {"admin", cmd_admin, "add-coordinator DIR CARD",
     "with the daemon stopped: make CARD a coordinator when none is left", false},
    {"signer", cmd_signer, "DIR", "the audit log's signer process, started by samvirked run", true},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
  fprintf(f, "usage: samvirked COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!commands[i].hidden)
      fprintf(f, "  %-7s %s\n  %-7s   %s\n", commands[i].name, commands[i].args, "",
              commands[i].help);
  fprintf(f, "\nsamvirked COMMAND --help shows one command's usage.\n");
}

/* Print command name's usage on stdout (for --help). Returns 0. */
static int command_help(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0)
      printf("usage: samvirked %s %s\n  %s\n", name, commands[i].args, commands[i].help);
  return 0;
}

/* A usage error of command name: one line on stderr, the reason and the command's usage.
 * Returns 2, the exit status of a usage error. */
__attribute__((format(printf, 2, 3))) static int usage_error(const char *name, const char *fmt,
                                                             ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *args = "";
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) args = commands[i].args;
  fprintf(stderr, "samvirked %s: %s (usage: samvirked %s %s)\n", name, msg, name, args);
  return 2;
}

static bool wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
  return false;
}

/* Parse "DIR [FLAG]" for command name: *dir and whether FLAG was given. Returns 0, or the
 * usage error's exit status. */
static int dir_and_flag(int argc, char **argv, const char *name, const char *flag,
                        const char **dir, bool *set) {
  *dir = NULL;
  *set = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], flag) == 0)
      *set = true;
    else if (argv[i][0] != '-' && *dir == NULL)
      *dir = argv[i];
    else
      return usage_error(name, "unexpected argument '%s'", argv[i]);
  }
  return *dir == NULL ? usage_error(name, "missing DIR") : 0;
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
      return usage_error("init", "unexpected argument '%s'", argv[i]);
    }
  }
  if (dir == NULL) {
    return usage_error("init", "missing DIR");
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
  const char *dir;
  bool json;
  int usage = dir_and_flag(argc, argv, "info", "--json", &dir, &json);
  if (usage != 0) return usage;
  char err[1024];
  if (admin_info(dir, json, err, sizeof err) != 0) {
    fprintf(stderr, "samvirked info: %s\n", err);
    return 1;
  }
  return 0;
}

static int cmd_run(int argc, char **argv) {
  const char *dir = NULL;
  enum auditlog_verify verify = AUDITLOG_VERIFY_AUTO;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--verify") == 0 && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "quick") == 0)
        verify = AUDITLOG_VERIFY_QUICK;
      else if (strcmp(argv[i], "full") == 0)
        verify = AUDITLOG_VERIFY_FULL;
      else {
        fprintf(stderr, "samvirked run: --verify takes quick or full\n");
        return 2;
      }
    } else if (argv[i][0] != '-' && dir == NULL) {
      dir = argv[i];
    } else {
      return usage_error("run", "unexpected argument '%s'", argv[i]);
    }
  }
  if (dir == NULL) {
    return usage_error("run", "missing DIR");
  }
  char abs[1024];
  if (realpath(dir, abs) == NULL) {
    fprintf(stderr, "samvirked run: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
#ifdef __GLIBC__
  /* Requests are allocated and freed by the thousand per second, on two threads: without a
   * fixed trim threshold each thread's heap is given back to the kernel and taken again
   * (mprotect, madvise) between batches. Up to 32 MiB of free heap stays with the daemon. */
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  mallopt(M_TOP_PAD, 1 << 20);
#endif
  /* SQLite's memory statistics take a global mutex on every allocation; nothing reads them. */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  int rc = server_run(abs, verify);
  noise_pool_drain(); /* the wiped secure blocks kept for reuse */
  return rc;
}

static int cmd_backup(int argc, char **argv) {
  const char *dir = NULL, *dest = NULL;
  bool with_keys = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--with-keys") == 0)
      with_keys = true;
    else if (argv[i][0] != '-' && dir == NULL)
      dir = argv[i];
    else if (argv[i][0] != '-' && dest == NULL)
      dest = argv[i];
    else
      return usage_error("backup", "unexpected argument '%s'", argv[i]);
  }
  if (dest == NULL) return usage_error("backup", "give DIR and DEST");
  char err[2048];
  if (backup_create(dir, dest, with_keys, err, sizeof err) != 0) {
    fprintf(stderr, "samvirked backup: %s\n", err);
    return 1;
  }
  return 0;
}

static int cmd_restore(int argc, char **argv) {
  const char *dir = NULL, *src = NULL, *trusted = NULL;
  bool force = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--force") == 0)
      force = true;
    else if (strcmp(argv[i], "--trusted") == 0 && i + 1 < argc)
      trusted = argv[++i];
    else if (argv[i][0] != '-' && dir == NULL)
      dir = argv[i];
    else if (argv[i][0] != '-' && src == NULL)
      src = argv[i];
    else
      return usage_error("restore", "unexpected argument '%s'", argv[i]);
  }
  if (src == NULL) return usage_error("restore", "give DIR and BACKUP");
  char err[4096];
  if (backup_restore(dir, src, trusted, force, err, sizeof err) != 0) {
    fprintf(stderr, "samvirked restore: %s\n", err);
    return 1;
  }
  return 0;
}

static int cmd_status(int argc, char **argv) {
  const char *dir;
  bool json;
  int usage = dir_and_flag(argc, argv, "status", "--json", &dir, &json);
  if (usage != 0) return usage;
  char err[2048];
  int rc = status_show(dir, json, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "samvirked status: %s\n", err);
    return 1;
  }
  return rc;
}

static int cmd_purge(int argc, char **argv) {
  const char *dir;
  bool dry_run;
  int usage = dir_and_flag(argc, argv, "purge", "--dry-run", &dir, &dry_run);
  if (usage != 0) return usage;
  char err[4096];
  if (purge_run(dir, dry_run, err, sizeof err) != 0) {
    fprintf(stderr, "samvirked purge: %s\n", err);
    return 1;
  }
  return 0;
}

static int cmd_admin(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "add-coordinator") != 0)
    return usage_error("admin", "%s",
                       argc < 2 ? "missing subcommand" : "unknown subcommand (known: add-coordinator)");
  const char *dir = NULL, *card = NULL;
  for (int i = 2; i < argc; i++) {
    if (argv[i][0] != '-' && dir == NULL)
      dir = argv[i];
    else if (argv[i][0] != '-' && card == NULL)
      card = argv[i];
    else
      return usage_error("admin", "unexpected argument '%s'", argv[i]);
  }
  if (card == NULL) return usage_error("admin", "give DIR and CARD");
  char err[2048];
  if (admin_add_coordinator(dir, card, err, sizeof err) != 0) {
    fprintf(stderr, "samvirked admin add-coordinator: %s\n", err);
    return 1;
  }
  return 0;
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
      if (wants_help(argc - 1, argv + 1)) return command_help(commands[i].name);
      return commands[i].fn(argc - 1, argv + 1);
    }
  }
  fprintf(stderr, "samvirked: unknown command '%s' (try samvirked --help)\n", argv[1]);
  return 2;
}

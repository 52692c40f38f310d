/* log.c -- leveled logging to stderr. Callers never pass secrets or note contents.
 * When stderr is systemd's journal stream, lines carry the journal's "<N>" priority prefix
 * instead of a timestamp (journald stamps every line itself). */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};
/* syslog priorities of the levels: debug 7, info 6, warning 4, err 3 */
static const int journal_prio[] = {7, 6, 4, 3};
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;
static bool to_journal;

/* Is stderr the stream systemd connected to the journal? systemd names it in JOURNAL_STREAM
 * as "device:inode"; a stderr redirected elsewhere by a child's caller no longer matches. */
static void journal_detect(void) {
  const char *js = getenv("JOURNAL_STREAM");
  unsigned long long dev, ino;
  struct stat sb;
  if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &sb) != 0)
    return;
  to_journal = (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void log_set_level(enum log_level level) { min_level = level; }

int log_parse_level(const char *s, enum log_level *out) {
  for (int i = 0; i < 4; i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = (enum log_level)i;
      return 0;
    }
  }
  return -1;
}

void log_msg(enum log_level level, const char *fmt, ...) {
  if (level < min_level) return;
  char line[1024];
  int n;
  pthread_once(&journal_once, journal_detect);
  if (to_journal) {
    n = snprintf(line, sizeof line, "<%d>", journal_prio[level]);
  } else {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03ldZ %-5s ", ts.tv_nsec / 1000000L,
                  names[level]);
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  /* One write per line so concurrent threads do not interleave. */
  fprintf(stderr, "%s\n", line);
}

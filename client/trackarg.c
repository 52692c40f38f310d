/* trackarg.c -- command-line arguments of the two-track commands: meeting references (3, K3),
 * object ids, times (meetings, due dates) and options that may be repeated. */
#include "trackarg.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timearg.h"
#include "util.h"

uint64_t trackarg_id(const char *s, char prefix) {
  if (s[0] == '#' || (prefix && (s[0] == prefix || s[0] == (prefix | 0x20)))) s++;
  if (s[0] < '0' || s[0] > '9') return 0;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v == 0 || v > INT64_MAX) return 0;
  return v;
}

int trackarg_meeting(const char *s, bool *core, uint64_t *id) {
  bool k = s[0] == 'K' || s[0] == 'k';
  uint64_t v = trackarg_id(k ? s + 1 : s, 0);
  if (v == 0 || (k && s[1] == '#')) return -1;
  *core = k;
  *id = v;
  return 0;
}

void trackarg_meeting_label(char *out, size_t n, bool core, uint64_t id) {
  snprintf(out, n, "%s%llu", core ? "K" : "#", (unsigned long long)id);
}

int trackarg_time(const char *s, bool ahead, uint64_t *secs, char *err, size_t errlen) {
  uint64_t ms;
  if (timearg_parse_time(s, util_unix_ms(), ahead ? TIMEARG_AHEAD : TIMEARG_BACK, &ms, err,
                         errlen) != 0)
    return -1;
  *secs = ms / 1000; /* the daemon keeps Unix seconds */
  return 0;
}

int trackarg_take(int argc, char **argv, const char *opt, char **out, int max, int *n) {
  assert(argc >= 1 && opt != NULL);
  size_t ol = strlen(opt);
  int w = 1;
  *n = 0;
  for (int i = 1; i < argc; i++) {
    char *v = NULL;
    if (strcmp(argv[i], opt) == 0 && i + 1 < argc) {
      v = argv[++i];
    } else if (strncmp(argv[i], opt, ol) == 0 && argv[i][ol] == '=') {
      v = argv[i] + ol + 1;
    } else if (strcmp(argv[i], "--") == 0) {
      while (i < argc) argv[w++] = argv[i++];
      break;
    } else {
      argv[w++] = argv[i];
      continue;
    }
    if (*n < max) out[*n] = v;
    (*n)++;
  }
  argv[w] = NULL;
  return w;
}

int trackarg_split(char *s, char **out, int max) {
  int n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    size_t l = strlen(tok);
    while (l > 0 && tok[l - 1] == ' ') tok[--l] = '\0';
    if (l > 0 && n < max) out[n++] = tok;
  }
  return n;
}

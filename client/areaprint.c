/* areaprint.c -- area data at the terminal: the client's own guards before text is sent
 * (CPR-shaped numbers, labels), command words joined into a text, and the printing of the
 * daemon's object maps (observations, interventions, links, meetings, actors). */
#include "areaprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmdutil.h"
#include "codec.h"
#include "guard.h"
#include "util.h"

#define TEXT_MAX_LOCAL (1u << 20) /* the daemon enforces its own, smaller, limit */

int areaprint_check_text(const char *what, const char *text) {
  size_t n = strlen(text);
  if (n == 0) return cli_fail("%s is empty", what);
  if (n > TEXT_MAX_LOCAL) return cli_fail("%s is too long", what);
  if (!util_utf8_valid(text, n, true)) return cli_fail("%s is not valid UTF-8 text", what);
  if (guard_find_cpr(text, n, NULL, NULL))
    return cli_fail("personal_data: %s: %s (nothing was sent)", what, GUARD_CPR_MESSAGE);
  return CLI_OK;
}

int areaprint_check_label(const char *what, const char *s) {
  enum guard_label_status st = guard_label_check(s, strlen(s), GUARD_LABEL_MAX);
  if (st != GUARD_LABEL_OK)
    return cli_fail("%s %s", what, guard_label_message(st));
  if (guard_find_cpr(s, strlen(s), NULL, NULL))
    return cli_fail("personal_data: %s: %s (nothing was sent)", what, GUARD_CPR_MESSAGE);
  return CLI_OK;
}

char *areaprint_join(char **argv, int from, int to) {
  size_t n = 1;
  for (int i = from; i < to; i++) n += strlen(argv[i]) + 1;
  char *s = malloc(n);
  if (s == NULL) return NULL;
  s[0] = '\0';
  size_t at = 0;
  for (int i = from; i < to; i++) {
    size_t l = strlen(argv[i]);
    if (i > from) s[at++] = ' ';
    memcpy(s + at, argv[i], l);
    at += l;
    s[at] = '\0';
  }
  return s;
}

void areaprint_str(const msgpack_object *m, const char *key) {
  const char *v;
  size_t n;
  if (sv_map_str(m, key, &v, &n) == 0)
    cli_print_text(stdout, v, n);
  else
    fputs("-", stdout);
}

void areaprint_str_w(const msgpack_object *m, const char *key, int width) {
  const char *v = "-";
  size_t n = 1;
  sv_map_str(m, key, &v, &n);
  cli_print_text(stdout, v, n);
  int cols = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)v[i] & 0xc0) != 0x80) cols++;
  for (; cols < width; cols++) putchar(' ');
}

void areaprint_time(const msgpack_object *m, const char *key) {
  uint64_t t = 0;
  if (sv_map_uint(m, key, &t) != 0) {
    fputs("-", stdout);
    return;
  }
  char buf[32];
  cmdutil_fmt_time(buf, sizeof buf, "%Y-%m-%d %H:%M", t, true);
  fputs(buf, stdout);
}

void areaprint_text_block(const msgpack_object *m, const char *key, const char *indent) {
  const char *v;
  size_t n;
  if (sv_map_str(m, key, &v, &n) != 0) return;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || v[i] == '\n') {
      size_t end = i;
      if (end > start && v[end - 1] == '\r') end--;
      fputs(indent, stdout);
      cli_print_text(stdout, v + start, end - start);
      putchar('\n');
      start = i + 1;
    }
  }
}

void areaprint_observation(const msgpack_object *o) {
  printf("#%-5llu ", (unsigned long long)cmdutil_get_uint(o, "id"));
  areaprint_str_w(o, "kind", 10);
  areaprint_str_w(o, "category", 16);
  uint64_t size;
  if (sv_map_uint(o, "size", &size) == 0) {
    char lv[48];
    const char *l = "?";
    size_t ln = 1;
    sv_map_str(o, "level", &l, &ln);
    int w = snprintf(lv, sizeof lv, "%.*s ~%llu", (int)(ln < 16 ? ln : 16), l,
                     (unsigned long long)size);
    cli_print_text(stdout, lv, strlen(lv));
    for (; w < 11; w++) putchar(' ');
  } else {
    areaprint_str_w(o, "level", 11);
  }
  fputs(" ", stdout);
  areaprint_time(o, "time");
  fputs("  ", stdout);
  areaprint_str(o, "author");
  double lat, lon;
  if (cmdutil_get_double(o, "lat", &lat) && cmdutil_get_double(o, "lon", &lon))
    printf("  @ %.5f,%.5f", lat, lon);
  putchar('\n');
  areaprint_text_block(o, "text", "       ");
}

void areaprint_intervention(const msgpack_object *o) {
  printf("#%-5llu ", (unsigned long long)cmdutil_get_uint(o, "id"));
  areaprint_str_w(o, "area", 16);
  areaprint_str_w(o, "level", 6);
  areaprint_str_w(o, "step", 10);
  areaprint_str_w(o, "status", 10);
  areaprint_time(o, "updated");
  fputs("  ", stdout);
  areaprint_str(o, "author");
  putchar('\n');
  const char *owner;
  size_t on;
  uint64_t due;
  bool overdue = false;
  sv_map_bool(o, "overdue", &overdue);
  bool has_owner = sv_map_str(o, "owner", &owner, &on) == 0 && on > 0;
  bool has_due = sv_map_uint(o, "due", &due) == 0;
  if (has_owner || has_due) {
    fputs("       ", stdout);
    if (has_owner) {
      fputs("owner ", stdout);
      cli_print_text(stdout, owner, on);
    }
    if (has_due) {
      char buf[32];
      cmdutil_fmt_time(buf, sizeof buf, "%Y-%m-%d %H:%M", due, true);
      printf("%sdue %s%s", has_owner ? ", " : "", buf, overdue ? "  OVERDUE" : "");
    }
    uint64_t meeting;
    if (sv_map_uint(o, "meeting", &meeting) == 0) {
      char track[8];
      cmdutil_get_str(o, "track", track, sizeof track);
      printf(", decided at meeting %s%llu", strcmp(track, "core") == 0 ? "K" : "#",
             (unsigned long long)meeting);
    }
    putchar('\n');
  }
  areaprint_text_block(o, "text", "       ");
  const char *outcome;
  size_t n;
  if (sv_map_str(o, "outcome", &outcome, &n) == 0 && n > 0) {
    fputs("       outcome: ", stdout);
    cli_print_text(stdout, outcome, n);
    putchar('\n');
  }
}

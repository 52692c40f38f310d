/* timearg.h -- the one syntax for times and durations typed on the command line.
 *
 * A TIME is one of
 *   2026-03-01                 the start of that day (00:00), local time
 *   2026-03-01 14:30           local time; 'T' may stand for the space; seconds (14:30:05) and
 *                              milliseconds (14:30:05.250) may follow
 *   2026-03-01T13:30Z          after a time of day, Z (UTC) or an offset (+01:00, +0100, -05)
 *                              says which clock it is; `audit show` prints times in this form
 *   1.3.2026 [14:30]           the Danish day.month.year, local time
 *   now, nu                    this moment
 *   -7d, +2w                   that long before or after this moment (units below)
 *   7d                         without a sign: the way the option looks (before now for
 *                              --since, after now for an option that looks ahead)
 *   1767225600                 Unix seconds
 * A DURATION is a whole number and a unit: s (seconds), m or min (minutes), h or t (hours),
 * d (days), w or u (weeks); an option may let a bare number count in one unit (--ttl counts
 * hours). Times run from 1970-01-01 to 9999-12-31 UTC. Local times that the
 * clocks skip (the hour lost in spring) are refused; of the hour that repeats in autumn the
 * first is meant. */
#ifndef SAMVIRKE_CLIENT_TIMEARG_H
#define SAMVIRKE_CLIENT_TIMEARG_H

#include <stddef.h>
#include <stdint.h>

/* The way a relative time without a sign ("7d") counts from now. */
enum timearg_dir {
  TIMEARG_BACK = -1, /* options that look back: --since */
  TIMEARG_AHEAD = 1, /* options that look ahead: a due date, --until */
};

#define TIMEARG_MAX_MS UINT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

/* The syntax in words, for a command's --help (cli_cmd.notes): durations alone, and times (with
 * durations) in two forms that differ only in what an unsigned relative time means. */
#define TIMEARG_HELP_DURATION                                                                 \
  "Durations: a whole number and a unit: 90s, 30m (or min), 12h (or t), 7d, 2w (or u).\n"
#define TIMEARG_HELP_TIMES(unsigned_means)                                                    \
  "Times (TIME):\n"                                                                           \
  "  2026-03-01              the start of that day, local time\n"                             \
  "  2026-03-01 14:30        local time (also 2026-03-01T14:30, 14:30:05, 14:30:05.250)\n"    \
  "  2026-03-01T13:30Z       UTC, as 'audit show' prints it; or an offset: +01:00, -05\n"     \
  "  1.3.2026 [14:30]        day.month.year, local time\n"                                    \
  "  now, nu                 this moment\n"                                                   \
  "  -7d, +2w                that long before / after now\n"                                  \
  "  7d                      without a sign: " unsigned_means "\n"                            \
  "  1767225600              Unix seconds\n" TIMEARG_HELP_DURATION
#define TIMEARG_HELP_BACK TIMEARG_HELP_TIMES("7 days ago")
#define TIMEARG_HELP_AHEAD TIMEARG_HELP_TIMES("7 days from now")

/* Parse the TIME s (syntax above) relative to now_ms (Unix milliseconds; used by now and the
 * relative forms), an unsigned relative form counting in direction dir, and local times in the
 * process's time zone (TZ). Returns 0 with *ms in Unix milliseconds (0..TIMEARG_MAX_MS), or -1
 * with one line in err saying what is wrong with s (*ms untouched). Nothing but s is read:
 * no leading or trailing space, no other spellings. */
int timearg_parse_time(const char *s, uint64_t now_ms, enum timearg_dir dir, uint64_t *ms,
                       char *err, size_t errlen);

/* Parse the DURATION s (syntax above). bare_unit is the number of seconds a number without a
 * unit counts (0: a unit is required). The result must lie in [min_s, max_s]. Returns 0 with
 * *secs set, or -1 with one line in err (*secs untouched). */
int timearg_parse_duration(const char *s, uint64_t bare_unit, uint64_t min_s, uint64_t max_s,
                           uint64_t *secs, char *err, size_t errlen);

#endif

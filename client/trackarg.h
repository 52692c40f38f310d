/* trackarg.h -- command-line arguments of the two-track commands: meeting references (3, K3),
 * object ids, times (meetings, due dates) and options that may be repeated. */
#ifndef SAMVIRKE_CLIENT_TRACKARG_H
#define SAMVIRKE_CLIENT_TRACKARG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A meeting as people type it: "3" or "#3" is area-track meeting 3, "K3" or "k3" core-track
 * meeting 3 (K for kerneteam). Sets *core and *id (> 0) and returns 0, or -1. */
int trackarg_meeting(const char *s, bool *core, uint64_t *id);

/* The way a meeting is shown: "#3" or "K3" into out (at least 24 bytes). */
void trackarg_meeting_label(char *out, size_t n, bool core, uint64_t id);

/* A positive id, with or without a leading '#' (or the given letter prefix, e.g. 'I' for an
 * intervention): the id, or 0 when s is not one. */
uint64_t trackarg_id(const char *s, char prefix);

/* A TIME for a meeting or a due date (ahead: an unsigned relative time counts forward; else
 * backward). The syntax is the client's one time syntax (timearg.h). Returns 0 with *secs in
 * Unix seconds, or -1 with one line in err. */
int trackarg_time(const char *s, bool ahead, uint64_t *secs, char *err, size_t errlen);

/* Take every "OPT VALUE" and "OPT=VALUE" out of argv[1..argc) (stopping at "--"), store up to
 * max values in out (the rest are counted but dropped), and close the gap. Returns the new argc
 * (argv[argc] is NULL) and sets *n to the number of values seen. */
int trackarg_take(int argc, char **argv, const char *opt, char **out, int max, int *n);

/* Split s in place at commas into at most max trimmed, non-empty parts. Returns the count. */
int trackarg_split(char *s, char **out, int max);

#endif

/* progress.h -- a progress bar on stderr for long runs, shown only when stderr is a terminal. */
#ifndef SAMVIRKE_CLIENT_PROGRESS_H
#define SAMVIRKE_CLIENT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_MIN 10000 /* steps before a bar is worth showing */

typedef struct progress {
  bool on;
  const char *what;
  uint64_t total, last;
} progress;

/* Start a bar labelled what (a static string) for total steps; it shows only for at least
 * PROGRESS_MIN steps on a terminal. */
void progress_start(progress *p, const char *what, uint64_t total);
/* done of the total steps are done (redrawn every 8192 steps and at the end). */
void progress_update(progress *p, uint64_t done);
/* Erase the bar. */
void progress_end(progress *p);

#endif

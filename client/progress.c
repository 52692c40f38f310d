/* progress.c -- a progress bar on stderr for long runs (fetching and verifying audit trails). */
#include "progress.h"

#include <assert.h>
#include <stdio.h>
#include <unistd.h>

void progress_start(progress *p, const char *what, uint64_t total) {
  assert(p != NULL && what != NULL);
  p->on = total >= PROGRESS_MIN && isatty(2);
  p->what = what;
  p->total = total;
  p->last = 0;
}

void progress_update(progress *p, uint64_t done) {
  if (!p->on || (done - p->last < 8192 && done != p->total)) return;
  p->last = done;
  int pct = p->total ? (int)(done * 100 / p->total) : 100;
  char bar[31];
  int fill = pct * 30 / 100;
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = '\0';
  fprintf(stderr, "\r%s [%s] %3d%% %llu/%llu", p->what, bar, pct, (unsigned long long)done,
          (unsigned long long)p->total);
  fflush(stderr);
}

void progress_end(progress *p) {
  if (p->on) fprintf(stderr, "\r%*s\r", 70, "");
}

/* cputime.h -- test support: CPU time used, for the figures benchmarks report per request. */
#ifndef SAMVIRKE_TEST_CPUTIME_H
#define SAMVIRKE_TEST_CPUTIME_H

#include <sys/types.h>

/* CPU seconds (user + system) used so far by thread tid of process pid, or by the whole
 * process (all its threads) when tid is 0, from /proc. -1 when unreadable. */
double test_proc_cpu(pid_t pid, pid_t tid);
/* CPU seconds (user + system) of getrusage(who): RUSAGE_SELF, RUSAGE_CHILDREN, ... */
double test_rusage_cpu(int who);

#endif

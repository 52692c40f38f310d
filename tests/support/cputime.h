/* cputime.h -- test support: CPU time used, for the figures benchmarks report per request. */
#ifndef SAMVIRKE_TEST_CPUTIME_H
#define SAMVIRKE_TEST_CPUTIME_H

#include <sys/types.h>

/* CPU seconds (user + system) used so far by thread tid of process pid, or by the whole
 * process (all its threads) when tid is 0, from /proc. -1 when unreadable. */
double test_proc_cpu(pid_t pid, pid_t tid);
/* CPU seconds (user + system) of getrusage(who): RUSAGE_SELF, RUSAGE_CHILDREN, ... */
double test_rusage_cpu(int who);

/* CPU seconds so far of the threads of process pid and of its child processes, summed by the
 * thread's name (its comm: a daemon names its threads), in the order first seen. */
#define TEST_TASK_NAMES 16
typedef struct test_task_cpu {
  char name[16];
  double cpu;
} test_task_cpu;
typedef struct test_tasks {
  int n;
  test_task_cpu t[TEST_TASK_NAMES];
} test_tasks;
/* Fill *out; 0, or -1 when pid's threads cannot be read. Names beyond TEST_TASK_NAMES are
 * added to the last one. */
int test_tasks_cpu(pid_t pid, test_tasks *out);
/* The CPU seconds of name in after minus those in before (0 when absent from both). */
double test_tasks_delta(const test_tasks *before, const test_tasks *after, const char *name);

/* The machine's CPU time so far from /proc/stat, in clock ticks: all of it, and the idle part
 * (idle and iowait). 0, or -1 when unreadable. */
int test_machine_ticks(unsigned long long *total, unsigned long long *idle);

/* A process's CPU by thread name and the machine's ticks at one moment. */
typedef struct test_cpu_snap {
  int ok; /* 1 when both were read */
  test_tasks tasks;
  unsigned long long ticks, idle;
} test_cpu_snap;
void test_cpu_snap_take(pid_t pid, test_cpu_snap *s);
/* Print, after prefix, the CPU per item between two snapshots of n items, thread by thread
 * ("NAME X.Y us, ..."), and the share of the machine's time that was idle: one line. Nothing
 * when a snapshot failed or no tick passed. /proc counts in clock ticks (10 ms at 100 Hz), so
 * a figure is exact to 10 ms over the whole run divided by n. */
void test_cpu_print_by_thread(const char *prefix, const test_cpu_snap *a, const test_cpu_snap *b,
                              double n);

#endif

/* cputime.c -- test support: CPU time of a process, a thread or this process (cputime.h). */
#include "support/cputime.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The CPU seconds of the task whose stat file is path, and its name (comm, when name is not
 * NULL: namecap bytes). -1 when unreadable. */
static double stat_cpu(const char *path, char *name, size_t namecap) {
  char buf[1024];
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *open = strchr(buf, '('), *p = strrchr(buf, ')'); /* the name may hold spaces */
  unsigned long long ut = 0, st = 0; /* utime, stime: the 14th and 15th fields */
  if (open == NULL || p == NULL || p < open ||
      sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return -1;
  if (name != NULL) snprintf(name, namecap, "%.*s", (int)(p - open - 1), open + 1);
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double test_proc_cpu(pid_t pid, pid_t tid) {
  char path[96];
  if (tid)
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
  else
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  return stat_cpu(path, NULL, 0);
}

static void tasks_add(test_tasks *out, const char *name, double cpu) {
  for (int i = 0; i < out->n; i++)
    if (strcmp(out->t[i].name, name) == 0) {
      out->t[i].cpu += cpu;
      return;
    }
  if (out->n == TEST_TASK_NAMES) {
    out->t[out->n - 1].cpu += cpu;
    return;
  }
  snprintf(out->t[out->n].name, sizeof out->t[out->n].name, "%s", name);
  out->t[out->n++].cpu = cpu;
}

/* Add the threads of pid to out, and, when kids, those of its child processes. */
static int tasks_of(pid_t pid, bool kids, test_tasks *out) {
  char path[96];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (d == NULL) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char name[16];
    snprintf(path, sizeof path, "/proc/%d/task/%.16s/stat", (int)pid, e->d_name);
    double cpu = stat_cpu(path, name, sizeof name);
    if (cpu >= 0) tasks_add(out, name, cpu);
    if (!kids) continue;
    snprintf(path, sizeof path, "/proc/%d/task/%.16s/children", (int)pid, e->d_name);
    FILE *f = fopen(path, "r");
    if (f == NULL) continue;
    long kid;
    while (fscanf(f, "%ld", &kid) == 1) tasks_of((pid_t)kid, false, out);
    fclose(f);
  }
  closedir(d);
  return 0;
}

int test_tasks_cpu(pid_t pid, test_tasks *out) {
  memset(out, 0, sizeof *out);
  return tasks_of(pid, true, out);
}

double test_tasks_delta(const test_tasks *before, const test_tasks *after, const char *name) {
  double d = 0;
  for (int i = 0; i < after->n; i++)
    if (strcmp(after->t[i].name, name) == 0) d += after->t[i].cpu;
  for (int i = 0; i < before->n; i++)
    if (strcmp(before->t[i].name, name) == 0) d -= before->t[i].cpu;
  return d;
}

int test_machine_ticks(unsigned long long *total, unsigned long long *idle) {
  FILE *f = fopen("/proc/stat", "r");
  if (f == NULL) return -1;
  unsigned long long v[8] = {0};
  int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (got < 5) return -1;
  *total = 0;
  for (int i = 0; i < 8; i++) *total += v[i];
  *idle = v[3] + v[4];
  return 0;
}

double test_rusage_cpu(int who) {
  struct rusage ru;
  getrusage(who, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void test_cpu_snap_take(pid_t pid, test_cpu_snap *s) {
  s->ok = test_tasks_cpu(pid, &s->tasks) == 0 && test_machine_ticks(&s->ticks, &s->idle) == 0;
}

void test_cpu_print_by_thread(const char *prefix, const test_cpu_snap *a, const test_cpu_snap *b,
                              double n) {
  if (!a->ok || !b->ok || b->ticks <= a->ticks || n <= 0) return;
  printf("%s", prefix);
  for (int i = 0; i < b->tasks.n; i++)
    printf("%s %s %.1f us", i ? "," : "", b->tasks.t[i].name,
           test_tasks_delta(&a->tasks, &b->tasks, b->tasks.t[i].name) * 1e6 / n);
  printf("; machine idle %.0f%%\n",
         100.0 * (double)(b->idle - a->idle) / (double)(b->ticks - a->ticks));
}

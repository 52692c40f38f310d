/* bench_policy.c -- decisions per second and median/p99 ns per decision: default.policy and a 1,000-rule policy. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "support/rng.h"
#include "support/sort.h"

static uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static test_rng bench_rng = {88172645463325252ull};
static uint32_t bench_rnd(uint32_t n) { return test_rng_below(&bench_rng, n); }

static volatile int bench_sink;

/* Time decisions over a request mix drawn from every (role, action, class, level) with a purpose
 * and area present or not, and print the figures. */
static void bench_run(const char *label, const policy *p) {
  static const char *const purposes[] = {NULL, "forebyggelse", "efterforskning", "p3", "other"};
  static const char *const areas[] = {NULL, "north", "a7", "elsewhere"};
  enum { NREQ = 4096, SAMPLES = 200000, BATCH = 1000000 };
  policy_request *req = malloc(NREQ * sizeof *req);
  uint64_t *ns = malloc(SAMPLES * sizeof *ns);
  if (req == NULL || ns == NULL) abort();
  int nr = policy_role_count(p), na = policy_action_count(p), nc = policy_class_count(p);
  for (int i = 0; i < NREQ; i++) {
    req[i].role = (int)bench_rnd((uint32_t)nr);
    req[i].action = (int)bench_rnd((uint32_t)na);
    req[i].klass = (int)bench_rnd((uint32_t)nc);
    req[i].level = (enum policy_level)bench_rnd(4);
    req[i].purpose = purposes[bench_rnd(5)];
    req[i].area = areas[bench_rnd(4)];
  }
  policy_decision d;
  int permits = 0;
  /* throughput */
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < BATCH; i++) {
    policy_decide(p, &req[i & (NREQ - 1)], &d);
    permits += d.permit;
  }
  uint64_t t1 = bench_now_ns();
  double per = (double)(t1 - t0) / BATCH;
  /* latency: a single decision is near the clock's resolution, so time groups of GROUP
   * different requests, subtract the clock's own cost, and divide */
  enum { GROUP = 8 };
  for (int i = 0; i < SAMPLES; i++) {
    uint64_t a = bench_now_ns();
    uint64_t b = bench_now_ns();
    ns[i] = b - a;
  }
  qsort(ns, SAMPLES, sizeof *ns, test_cmp_u64);
  uint64_t overhead = ns[SAMPLES / 2];
  double *lat = malloc(SAMPLES * sizeof *lat);
  if (lat == NULL) abort();
  for (int i = 0; i < SAMPLES; i++) {
    uint64_t a = bench_now_ns();
    for (int k = 0; k < GROUP; k++) {
      policy_decide(p, &req[(i * GROUP + k) & (NREQ - 1)], &d);
      permits += d.permit;
    }
    uint64_t b = bench_now_ns();
    ns[i] = b - a > overhead ? b - a - overhead : 0;
  }
  qsort(ns, SAMPLES, sizeof *ns, test_cmp_u64);
  for (int i = 0; i < SAMPLES; i++) lat[i] = (double)ns[i] / GROUP;
  bench_sink = permits;
  printf("%-22s %3d roles %4d rules: %11.0f decisions/s, mean %5.1f ns, median %5.1f ns, "
         "p99 %6.1f ns per decision\n",
         label, nr, policy_rule_count(p), 1e9 / per, per, lat[SAMPLES / 2],
         lat[SAMPLES * 99 / 100]);
  free(lat);
  free(ns);
  free(req);
}

/* A generated policy of nrules rules over 40 roles, 10 actions, 30 classes, one regime; permits
 * on regime classes only name regime roles, so it passes the regime proof. Returns malloc'd
 * text. */
static char *bench_generate(int nrules, size_t *len) {
  enum { NR = 40, NA = 10, NC = 30, NREG_R = 6, NREG_C = 3 };
  size_t cap = (size_t)nrules * 400 + 8192, n = 0;
  char *t = malloc(cap);
  if (t == NULL) abort();
#define PUT(...) n += (size_t)snprintf(t + n, cap - n, __VA_ARGS__)
  PUT("roles r0");
  for (int i = 1; i < NR; i++) PUT(", r%d", i);
  PUT("\nactions a0");
  for (int i = 1; i < NA; i++) PUT(", a%d", i);
  PUT("\nclasses c0");
  for (int i = 1; i < NC; i++) PUT(", c%d", i);
  PUT("\nregime \"core\" {\n  roles r0");
  for (int i = 1; i < NREG_R; i++) PUT(", r%d", i);
  PUT("\n  classes c0");
  for (int i = 1; i < NREG_C; i++) PUT(", c%d", i);
  PUT("\n}\npurposes {\n  forebyggelse basis \"b\" description \"d\"\n"
      "  efterforskning basis \"b\" description \"d\"\n");
  for (int i = 0; i < 20; i++) PUT("  p%d basis \"b\" description \"d\"\n", i);
  PUT("}\n");
  for (int k = 0; k < nrules; k++) {
    bool forbid = bench_rnd(10) == 0;
    bool regime = bench_rnd(4) == 0;
    PUT("%s \"rule-%d\"\n  role ", forbid ? "forbid" : "permit", k);
    int nroles = 1 + (int)bench_rnd(4);
    int rbase = regime && !forbid ? 0 : (int)bench_rnd(NR - 4);
    int rspan = regime && !forbid ? NREG_R : NR - rbase;
    int rfirst = rbase + (int)bench_rnd((uint32_t)(rspan - nroles + 1));
    for (int i = 0; i < nroles; i++) PUT("%sr%d", i ? ", " : "", rfirst + i);
    PUT(" action ");
    int nact = 1 + (int)bench_rnd(3), afirst = (int)bench_rnd(NA - 3);
    for (int i = 0; i < nact; i++) PUT("%sa%d", i ? ", " : "", afirst + i);
    PUT(" class ");
    if (regime)
      PUT("c%d", (int)bench_rnd(NREG_C));
    else
      PUT("c%d", NREG_C + (int)bench_rnd(NC - NREG_C));
    switch (bench_rnd(5)) {
      case 0: PUT("\n  when purpose present"); break;
      case 1: PUT("\n  when level in (area, group) and area in (\"north\", \"a%d\")", k % 50); break;
      case 2: PUT("\n  when purpose = \"p%d\"", k % 20); break;
      default: break;
    }
    PUT("\n");
  }
#undef PUT
  *len = n;
  return t;
}

int main(int argc, char **argv) {
  char path[4096];
  const char *src = getenv("SAMVIRKE_SOURCE");
  if (argc > 1)
    snprintf(path, sizeof path, "%s", argv[1]);
  else
    snprintf(path, sizeof path, "%s/policy/default.policy", src ? src : ".");
  policy_diag *diag = malloc(sizeof *diag);
  if (diag == NULL) return 1;
  uint64_t t0 = bench_now_ns();
  policy *p = policy_load_file(path, diag);
  uint64_t t1 = bench_now_ns();
  if (p == NULL) {
    fprintf(stderr, "%s\n", diag->count ? diag->errors[0].text : path);
    return 1;
  }
  printf("load %s: %.1f us (parse, check, compile, %d expectations)\n", path,
         (double)(t1 - t0) / 1e3, policy_expect_count(p));
  bench_run("default.policy", p);
  policy_free(p);

  size_t len;
  char *text = bench_generate(1000, &len);
  t0 = bench_now_ns();
  p = policy_load_text("generated-1000.policy", text, len, diag);
  t1 = bench_now_ns();
  if (p == NULL) {
    fprintf(stderr, "%s\n", diag->count ? diag->errors[0].text : "generated");
    return 1;
  }
  printf("load generated 1000-rule policy (%zu bytes): %.1f ms\n", len, (double)(t1 - t0) / 1e6);
  bench_run("generated 1000 rules", p);
  policy_free(p);
  free(text);
  free(diag);
  return 0;
}

/* bench_signer.c -- what the separate log signer costs per commit: the round trip that extends
 * its frontier by one batch's leaf hashes, records it and signs the root, against signing the
 * same checkpoint with the key in this process.
 *
 * Usage: bench_signer SAMVIRKED [COMMITS [LEAVES_PER_COMMIT]]   (defaults 5000 and 64) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "keys.h"
#include "merkle.h"
#include "signed_note.h"
#include "signer.h"
#include "support/sort.h"
#include "support/tmpdir.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double pct(double *v, size_t n, double p) {
  qsort(v, n, sizeof *v, test_cmp_double);
  size_t i = (size_t)(p * (double)(n - 1));
  return v[i];
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_signer SAMVIRKED [COMMITS [LEAVES_PER_COMMIT]]\n");
    return 2;
  }
  size_t commits = argc > 2 ? strtoul(argv[2], NULL, 10) : 5000;
  size_t per = argc > 3 ? strtoul(argv[3], NULL, 10) : 64;
  if (commits == 0 || per == 0) return 2;
  char *tmp = test_mkdtemp("bench-signer");
  char cmd[8192], dir[4200], err[512];
  snprintf(dir, sizeof dir, "%s/d", tmp);
  snprintf(cmd, sizeof cmd, "'%s' init '%s' --origin bench.local/log >/dev/null", argv[1], dir);
  if (system(cmd) != 0) {
    fprintf(stderr, "bench_signer: samvirked init failed\n");
    return 1;
  }
  sv_daemon_keys *keys = NULL;
  signer *s = signer_spawn(argv[1], dir, &keys, err, sizeof err);
  merkle_frontier fr;
  merkle_frontier_init(&fr);
  if (s == NULL || signer_init(s, &fr, NULL, 0, err, sizeof err) != 0) {
    fprintf(stderr, "bench_signer: %s\n", err);
    return 1;
  }
  uint8_t(*leaves)[32] = malloc(per * 32);
  double *rt = malloc(commits * sizeof *rt), *local = malloc(commits * sizeof *local);
  char kpath[4300];
  snprintf(kpath, sizeof kpath, "%s/daemon.key", dir);
  sv_daemon_keys *file_keys = daemon_keys_load(kpath, err, sizeof err);
  note_signer *key = file_keys ? note_signer_from_seed("bench.local/log", file_keys->log_sk, NULL)
                               : NULL;
  if (leaves == NULL || rt == NULL || local == NULL || key == NULL) {
    fprintf(stderr, "bench_signer: setup failed\n");
    return 1;
  }
  uint64_t size = 0;
  double t_start = now_us();
  for (size_t c = 0; c < commits; c++) {
    for (size_t i = 0; i < per; i++) {
      uint64_t v = size + i;
      merkle_leaf_hash((const uint8_t *)&v, sizeof v, leaves[i]);
      merkle_frontier_append(&fr, leaves[i], NULL, NULL);
    }
    char *note = NULL;
    size_t nlen = 0;
    double t0 = now_us();
    if (signer_extend(s, size, (const uint8_t(*)[32])leaves, per, &note, &nlen, err,
                      sizeof err) != 0) {
      fprintf(stderr, "bench_signer: %s\n", err);
      return 1;
    }
    rt[c] = now_us() - t0;
    free(note);
    size += per;
    /* the same checkpoint signed in this process, as the offline tools do */
    checkpoint cp;
    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "bench.local/log");
    cp.size = size;
    merkle_frontier_root(&fr, cp.root);
    t0 = now_us();
    if (checkpoint_sign(&cp, key, &note, &nlen) != CHECKPOINT_OK) return 1;
    local[c] = now_us() - t0;
    free(note);
  }
  double total_s = (now_us() - t_start) / 1e6;
  double rsum = 0, lsum = 0;
  for (size_t c = 0; c < commits; c++) rsum += rt[c], lsum += local[c];
  printf("log signer process: %zu commits of %zu leaves in %.2f s\n", commits, per, total_s);
  printf("  extend + record + sign round trip: mean %.1f us, median %.1f us, p99 %.1f us\n",
         rsum / commits, pct(rt, commits, 0.5), pct(rt, commits, 0.99));
  printf("  signing the same checkpoint in this process: mean %.1f us, median %.1f us\n",
         lsum / commits, pct(local, commits, 0.5));
  printf("  cost of the separate signer per commit: %.1f us (the record is flushed at most once "
         "a second)\n", rsum / commits - lsum / commits);
  signer_close(s);
  daemon_keys_free(keys);
  daemon_keys_free(file_keys);
  note_signer_free(key);
  free(leaves);
  free(rt);
  free(local);
  test_rmtree(tmp);
  free(tmp);
  return 0;
}

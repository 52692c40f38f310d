/* purge.c -- `samvirked purge [--dry-run] DIR` (see purge.h). */
#include "purge.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "config.h"
#include "ops_retention.h"
#include "policy.h"
#include "retention.h"
#include "util.h"

/* One line per class of the plan: its items past retention, the oldest, and the retention. */
static void print_result(const policy *pol, const retention_plan *p, const retention_result *r,
                         const char *verb) {
  char when[64];
  util_utc_text(when, sizeof when, p->now);
  printf("retention at %s:\n", when);
  if (p->n == 0) printf("  the policy gives no class a retention\n");
  for (int i = 0; i < p->n; i++) {
    char kept[96], oldest[64];
    policy_retention_describe(pol, policy_class(pol, p->c[i].klass), kept, sizeof kept);
    int64_t items = 0, first = 0;
    for (int k = 0; k < r->n; k++)
      if (strcmp(r->c[k].klass, p->c[i].klass) == 0) items = r->c[k].items, first = r->c[k].oldest;
    if (items == 0) {
      printf("  %-14s nothing past its retention (%s)\n", p->c[i].klass, kept);
      continue;
    }
    util_utc_text(oldest, sizeof oldest, (uint64_t)first);
    printf("  %-14s %lld %s, the oldest from %s (%s)\n", p->c[i].klass, (long long)items, verb,
           oldest, kept);
  }
}

/* Count with a read-only connection of its own, in one read transaction. */
static int dry_run(const config *cfg, const policy *pol, char *err, size_t errlen) {
  sqlite3 *db = admin_read_db(cfg, err, errlen);
  if (db == NULL) return -1;
  retention_plan p;
  retention_plan_make(pol, util_unix_time(), &p);
  retention_result r;
  int rc = retention_count(db, &p, &r, err, errlen);
  if (rc == 0) {
    print_result(pol, &p, &r, "would be deleted");
    printf("dry run: %lld items would be deleted; nothing was changed\n", (long long)r.total);
  }
  sqlite3_close(db); /* ends the read transaction */
  return rc;
}

/* Delete now, with the daemon stopped, through the store (the same job as the daemon's). */
static int purge_now(const char *dir, const policy *pol, char *err, size_t errlen) {
  admin_dir ad;
  if (admin_open(&ad, dir, err, errlen) != 0) return -1;
  int rc = -1;
  job *j = ops_retention_job(pol, util_unix_time(), "samvirked purge");
  if (j == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  size_t len = 0;
  const char *text = policy_source(pol, &len);
  crypto_hash_sha256(j->policy_hash, (const unsigned char *)text, len);
  store_run_sync(ad.st, j);
  const retention_result *r = ops_retention_result(j);
  if (j->err != SV_OK || r == NULL) {
    snprintf(err, errlen, "nothing was deleted: %s", j->errmsg[0] ? j->errmsg : "storage failure");
    goto out;
  }
  print_result(pol, ops_retention_plan(j), r, "deleted");
  if (j->audited)
    printf("deleted %lld items (audit #%llu)\n", (long long)r->total,
           (unsigned long long)j->audit_seq);
  else
    printf("nothing was past its retention: nothing deleted, no audit entry\n");
  rc = 0;
out:
  job_free(j);
  admin_close(&ad);
  return rc;
}

int purge_run(const char *dir, bool dry_run_only, char *err, size_t errlen) {
  err[0] = '\0';
  config cfg;
  if (config_load(&cfg, dir, err, errlen) != 0) return -1;
  policy *pol = admin_load_policy(&cfg, err, errlen);
  if (pol == NULL) return -1;
  int rc = dry_run_only ? dry_run(&cfg, pol, err, errlen) : purge_now(dir, pol, err, errlen);
  policy_free(pol);
  return rc;
}

/* audit_trail.c -- read the fetched checkpoint and verify the entries file in one pass. */
#include "audit_trail.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "audit_verify.h"
#include "audit_file.h"
#include "cli.h"
#include "progress.h"
#include "tlog.h"

int audit_trail_checkpoint(const audit_paths *p, const note_verifier *v, checkpoint *cp,
                           char **note) {
  assert(p != NULL && v != NULL && cp != NULL && note != NULL);
  char err[800];
  int rd = tlog_checkpoint_read(p->checkpoint, v, cp, note, err, sizeof err);
  if (rd == 1) return 0;
  if (rd == 0)
    cli_fail("%s: no fetched checkpoint: run 'samvirke audit fetch'", p->checkpoint);
  else
    cli_fail("checkpoint does not verify with the log key: %s", err);
  return -1;
}

/* audit_problem_fn: one line on stderr. */
static void print_problem(void *ctx, const char *msg) {
  (void)ctx;
  cli_fail("%s", msg);
}

int audit_trail_walk(const audit_paths *p, const checkpoint *cp, const checkpoint *trusted,
                     const audit_filter *f, audit_trail_fn each, void *ctx,
                     audit_trail_result *r) {
  assert(p != NULL && cp != NULL && r != NULL);
  memset(r, 0, sizeof *r);
  char err[600];
  audit_file af;
  if (audit_file_open(p->entries, &af, err, sizeof err) != 0) {
    cli_fail("%s", err);
    return r->problems = 1;
  }
  r->start = af.start;
  audit_verify av;
  audit_verify_begin(&av, &af.fr, cp, trusted, p->entries, print_problem, NULL);
  progress pg;
  progress_start(&pg, "verifying", cp->size > af.start ? cp->size - af.start : 0);
  uint8_t buf[AUDIT_FILE_ENTRY_MAX];
  size_t len;
  int nr;
  while ((nr = audit_file_next(&af, buf, &len)) == 1) {
    audit_entry e;
    int step = audit_verify_entry(&av, buf, len, &e);
    if (step == AUDIT_VERIFY_STOP) break;
    if (step == AUDIT_VERIFY_NEXT && each != NULL && audit_filter_match(f, &e)) each(ctx, &e);
    progress_update(&pg, av.fr.size - af.start);
  }
  progress_end(&pg);
  if (nr < 0) audit_verify_damaged(&av);
  audit_file_close(&af);
  r->checked = av.fr.size - af.start;
  r->problems = audit_verify_end(&av);
  r->link = av.link;
  return r->problems;
}

int audit_trail_verify(const audit_paths *p, const char *dir, const note_verifier *v,
                       const checkpoint *cp, const char *note, const audit_filter *f,
                       audit_trail_fn each, void *ctx, audit_trail_result *r, checkpoint *tr,
                       bool *have_tr, int *outcome) {
  assert(p != NULL && dir != NULL && v != NULL && cp != NULL && note != NULL && r != NULL);
  char err[800];
  *outcome = TRUSTED_ERR;
  int tl = trusted_load(dir, v, tr, err, sizeof err);
  *have_tr = tl == 1;
  int bad = 0;
  if (tl < 0) {
    cli_fail("the trusted checkpoint does not verify (edited?): %s", err);
    bad = 1;
  }
  audit_trail_walk(p, cp, *have_tr ? tr : NULL, f, each, ctx, r);
  r->problems += bad;
  if (r->problems) return r->problems;
  /* The entries are bound to cp's root: cp may now move the trusted checkpoint. */
  tlog_proof cons;
  uint64_t o = 0, nsz = 0;
  trusted_link link = r->link;
  if (*have_tr && audit_consistency_read(p->consistency, &o, &nsz, &cons) == 0 &&
      o == tr->size && nsz == cp->size)
    link.proof = &cons;
  *outcome = trusted_accept(dir, v, *have_tr ? tr : NULL, cp, note, strlen(note), &link, err,
                            sizeof err);
  if (*outcome >= 0 || *outcome == TRUSTED_ERR_STALE) return r->problems;
  cli_fail("%s%s", err,
           *outcome == TRUSTED_ERR_ROLLBACK
               ? " (if it was trusted after this fetch, by 'audit prove' or 'member verify', "
                 "fetch again)"
           : *outcome == TRUSTED_ERR_NO_PROOF ? ": run 'samvirke audit fetch' again"
                                              : "");
  return ++r->problems;
}

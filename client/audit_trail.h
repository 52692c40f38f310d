/* audit_trail.h -- the fetched audit trail as a whole, for the audit commands: its signed
 * checkpoint, and one verifying pass over the entries file that hands each entry to the caller
 * (audit_file.h for the files, audit_verify.h for the checks). Problems are printed on stderr,
 * one line each. */
#ifndef SAMVIRKE_CLIENT_AUDIT_TRAIL_H
#define SAMVIRKE_CLIENT_AUDIT_TRAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "audit_entry.h"
#include "audit_file.h"
#include "audit_filter.h"
#include "checkpoint.h"
#include "signed_note.h"
#include "trusted.h"

/* Hears of one entry in its place that passed the filter. */
typedef void (*audit_trail_fn)(void *ctx, const audit_entry *e);

/* What a pass over the entries found. */
typedef struct audit_trail_result {
  int problems;      /* 0: every entry is bound to the checkpoint's root */
  uint64_t start;    /* the first entry's sequence number */
  uint64_t checked;  /* entries read */
  trusted_link link; /* the root at the trusted size, when the entries pass it */
} audit_trail_result;

/* Read the fetched checkpoint p->checkpoint and verify it with the log key v. Returns 0 with *cp
 * and *note (the signed text, malloc'd; caller frees), or -1 after printing that nothing was
 * fetched yet or that it does not verify. */
int audit_trail_checkpoint(const audit_paths *p, const note_verifier *v, checkpoint *cp,
                           char **note);

/* Verify the entries file p->entries against cp, printing each problem (and a progress bar on a
 * terminal for long files). trusted (NULL: none) is the trusted checkpoint whose size's root is
 * recorded in r->link. For each entry in its place that passes f (NULL: every one), each(ctx,
 * entry) is called as it is read (each may be NULL): what it saw is authenticated only when the
 * pass ends with r->problems == 0; otherwise the caller must discard it. Returns
 * r->problems. */
int audit_trail_walk(const audit_paths *p, const checkpoint *cp, const checkpoint *trusted,
                     const audit_filter *f, audit_trail_fn each, void *ctx,
                     audit_trail_result *r);

/* One pass of `audit verify`: the entries must reproduce cp's root (audit_trail_walk, handing
 * each entry that passes f to each(ctx, entry) as above); then cp (its signed text note) moves
 * the trusted checkpoint of identity directory dir, linked by the root recomputed at the trusted
 * size or by the stored consistency proof. Problems are printed and counted in r->problems;
 * *outcome is trusted_accept's (TRUSTED_ERR when it was not asked; TRUSTED_ERR_STALE: run the
 * pass again), and *tr, *have_tr the trusted checkpoint before. Returns r->problems: what each
 * saw is authenticated only when it is 0 and *outcome is not TRUSTED_ERR_STALE. */
int audit_trail_verify(const audit_paths *p, const char *dir, const note_verifier *v,
                       const checkpoint *cp, const char *note, const audit_filter *f,
                       audit_trail_fn each, void *ctx, audit_trail_result *r, checkpoint *tr,
                       bool *have_tr, int *outcome);

#endif

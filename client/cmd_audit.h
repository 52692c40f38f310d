/* cmd_audit.h -- `samvirke audit fetch|verify|show|prove`: the auditor's copy of the audit trail,
 * verified offline with nothing but the log's verifier key. */
#ifndef SAMVIRKE_CMD_AUDIT_H
#define SAMVIRKE_CMD_AUDIT_H

#include "cli.h"

/* The "audit" command group for the command table in main.c. */
extern const cli_cmd cmd_audit_table[];

/* fetch [--since N] [--out FILE]: download entries (incrementally), the latest checkpoint and a
 * consistency proof from the trusted checkpoint. */
int cmd_audit_fetch(int argc, char **argv, const cli_ctx *ctx);
/* verify [FILE]: offline: recompute the root, check the checkpoint signature and consistency with
 * the trusted checkpoint, then trust the new one. Exit 0 only when all of it verifies. */
int cmd_audit_verify(int argc, char **argv, const cli_ctx *ctx);
/* show [--actor K] [--op OP] [--decision deny|permit] [--since TIME] [--file FILE]: list
 * fetched entries. */
int cmd_audit_show(int argc, char **argv, const cli_ctx *ctx);
/* prove SEQ: fetch and verify an inclusion proof for one entry against the signed checkpoint. */
int cmd_audit_prove(int argc, char **argv, const cli_ctx *ctx);

#endif

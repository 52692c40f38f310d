/* cmd_audit_report.h -- `samvirke audit report`: who did what over a period, by name, from the
 * verified audit trail, as text, CSV or HTML. */
#ifndef SAMVIRKE_CLIENT_CMD_AUDIT_REPORT_H
#define SAMVIRKE_CLIENT_CMD_AUDIT_REPORT_H

#include "cli.h"

int cmd_audit_report(int argc, char **argv, const cli_ctx *ctx);

#endif

/* purposearg.h -- a purpose as the client takes it from a user: a purpose code, never free text
 * (the daemon refuses a code its policy does not declare; the client cannot know which). */
#ifndef SAMVIRKE_CLIENT_PURPOSEARG_H
#define SAMVIRKE_CLIENT_PURPOSEARG_H

#include "cli.h"

/* What a purpose must be, in one line, for a purpose that is not a code. */
extern const char purposearg_help[];

/* CLI_OK when purpose is a purpose code (policy_purpose_code_valid); else the usage error
 * "invalid purpose: <purposearg_help>" (one line on stderr) and CLI_USAGE. The offered text is
 * not repeated: it may hold a name or a CPR number. */
int purposearg_check(const cli_ctx *ctx, const char *purpose);

#endif

/* purposearg.c -- a purpose as the client takes it from a user (purposearg.h). */
#include "purposearg.h"

#include "policy.h"

#define PURPOSEARG_STR(x) #x
#define PURPOSEARG_XSTR(x) PURPOSEARG_STR(x)

const char purposearg_help[] =
    "a purpose is one of the codes the policy declares, such as forebyggelse (lowercase letters "
    "a-z, digits and '-', starting with a letter, at most " PURPOSEARG_XSTR(
        POLICY_MAX_PURPOSE_CODE) " characters; 'samvirke policy explain' lists them); names and "
    "details about a person belong in the note, never in the purpose";

int purposearg_check(const cli_ctx *ctx, const char *purpose) {
  if (policy_purpose_code_valid(purpose)) return CLI_OK;
  return cli_usage_error(ctx, "invalid purpose: %s", purposearg_help);
}

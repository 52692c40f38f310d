/* cmd_policy.h -- `samvirke policy check|explain|test`: offline tools for a policy file. */
#ifndef SAMVIRKE_CMD_POLICY_H
#define SAMVIRKE_CMD_POLICY_H

#include <stdbool.h>

/* Run `policy SUBCOMMAND ...`: argv[0] is "policy", argv[1] the subcommand. json selects JSON
 * output for explain and test. Returns the exit status: 0 ok, 1 failure, 2 usage error. */
int cmd_policy(int argc, char **argv, bool json);

#endif

/* cmd_member.h -- `samvirke member ...` and `samvirke enroll`: the member directory. */
#ifndef SAMVIRKE_CMD_MEMBER_H
#define SAMVIRKE_CMD_MEMBER_H

#include "cli.h"

/* The "member" group's sub-table: invite, list, show, role, revoke, verify. */
extern const cli_cmd cmd_member_table[];

/* member invite --role ROLE --name NAME [--ttl HOURS]: print a one-time invite code. */
int cmd_member_invite(int argc, char **argv, const cli_ctx *ctx);
/* member list: every member with role, key id, fingerprint and state. */
int cmd_member_list(int argc, char **argv, const cli_ctx *ctx);
/* member show NAME|FINGERPRINT|KEYID: one member, with the card. */
int cmd_member_show(int argc, char **argv, const cli_ctx *ctx);
/* member role NAME ROLE: change a member's role. */
int cmd_member_role(int argc, char **argv, const cli_ctx *ctx);
/* member revoke NAME: revoke a member (connections closed, key refused from then on). */
int cmd_member_revoke(int argc, char **argv, const cli_ctx *ctx);
/* member verify NAME [--accept-new-key]: prove the member's card in the audit log, compare it
 * with known_cards, and print the fingerprint to compare out of band. */
int cmd_member_verify(int argc, char **argv, const cli_ctx *ctx);

/* enroll --server ADDRESS --server-key KEY --invite CODE [--log-key VKEY] [--name NAME]:
 * join with an invite. Creates the identity (with --name) when there is none yet, enrols its
 * card, and on success writes the server settings to client.conf. */
int cmd_enroll(int argc, char **argv, const cli_ctx *ctx);

#endif

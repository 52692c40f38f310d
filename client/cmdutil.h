/* cmdutil.h -- steps shared by commands: load the client config and identity, open a session. */
#ifndef SAMVIRKE_CMDUTIL_H
#define SAMVIRKE_CMDUTIL_H

#include "cli.h"
#include "config.h"
#include "session.h"

/* Load client.conf from the identity directory. On failure prints one line on stderr and
 * returns -1. */
int cmdutil_load_config(const cli_ctx *ctx, client_config *cfg);

/* Load the config and identity and connect to the configured server. On failure prints one line
 * on stderr and returns NULL. On success *id holds the identity (caller frees it with
 * identity_free after session_close, or right away: the session keeps no reference). */
session *cmdutil_open_session(const cli_ctx *ctx, client_config *cfg, sv_identity **id);

#endif

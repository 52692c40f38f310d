/* cmdutil.c -- steps shared by commands: load the client config and identity, open a session. */
#include "cmdutil.h"

#include <assert.h>
#include <stddef.h>

int cmdutil_load_config(const cli_ctx *ctx, client_config *cfg) {
  char err[512];
  if (client_config_load(ctx->identity_dir, cfg, err, sizeof err) != 0) {
    cli_fail("%s", err);
    return -1;
  }
  return 0;
}

session *cmdutil_open_session(const cli_ctx *ctx, client_config *cfg, sv_identity **id) {
  assert(ctx != NULL && cfg != NULL && id != NULL);
  char err[512];
  *id = NULL;
  if (cmdutil_load_config(ctx, cfg) != 0) return NULL;
  if (client_config_require_server(cfg, err, sizeof err) != 0) goto err;
  *id = client_config_load_identity(ctx->identity_dir, err, sizeof err);
  if (*id == NULL) goto err;
  session *s = session_open(cfg, *id, err, sizeof err);
  if (s == NULL) goto err;
  return s;
err:
  cli_fail("%s", err);
  identity_free(*id);
  *id = NULL;
  return NULL;
}

/* cmd_server.c -- `samvirke server set|show`: which daemon to talk to, and its keys. */
#include "cmd_server.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmdutil.h"
#include "config.h"
#include "json.h"
#include "util.h"

const cli_cmd cmd_server_table[] = {
    {"set", cmd_server_set, "set the server address and keys (as 'samvirked info' prints them)",
     NULL, NULL},
    {"show", cmd_server_show, "show the configured server", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Print the server settings of cfg (human lines or one JSON object). 0 or -1 on output error. */
static int print_server(const client_config *cfg, bool json) {
  char *key = util_b64(cfg->server_key, sizeof cfg->server_key);
  if (key == NULL) return -1;
  int rc = 0;
  if (json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "address", cfg->server);
    json_kv_str(&j, "key", key);
    json_kv_str(&j, "log_key", cfg->log_key[0] ? cfg->log_key : NULL);
    json_end_object(&j);
    rc = json_finish(&j);
  } else {
    printf("address: %s\nkey:     %s\nlog key: %s\n", cfg->server, key,
           cfg->log_key[0] ? cfg->log_key : "(none)");
  }
  free(key);
  return rc;
}

int cmd_server_set(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *address = NULL, *key = NULL, *log_key = NULL;
  const cli_opt opts[] = {
      {"--address", "HOST:PORT|unix:PATH", "where samvirked listens", &address, NULL, true},
      {"--key", "BASE64", "the daemon's Noise public key", &key, NULL, true},
      {"--log-key", "VKEY", "the audit log's verifier key (NAME+KEYID+BASE64)", &log_key, NULL,
       false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;

  char err[512];
  client_config cfg;
  if (client_config_check_address(address, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "%s", err);
  if (log_key != NULL && client_config_check_log_key(log_key, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "%s", err);
  if (cmdutil_load_config(&ctx, &cfg) != 0) return CLI_FAIL;
  if (util_unb64_exact(cfg.server_key, sizeof cfg.server_key, key) != 0)
    return cli_usage_error(&ctx, "--key must be the base64 of a 32-byte key");
  cfg.has_server_key = true;
  snprintf(cfg.server, sizeof cfg.server, "%s", address);
  snprintf(cfg.log_key, sizeof cfg.log_key, "%s", log_key ? log_key : "");
  if (client_config_mkdir(ctx.identity_dir, err, sizeof err) != 0 ||
      client_config_save(&cfg, err, sizeof err) != 0)
    return cli_fail("%s", err);
  if (print_server(&cfg, ctx.json) != 0) return cli_fail("cannot write output");
  return CLI_OK;
}

int cmd_server_show(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, NULL, &status) != 0) return status;
  client_config cfg;
  char err[512];
  if (cmdutil_load_config(&ctx, &cfg) != 0) return CLI_FAIL;
  if (client_config_require_server(&cfg, err, sizeof err) != 0) return cli_fail("%s", err);
  if (print_server(&cfg, ctx.json) != 0) return cli_fail("cannot write output");
  return CLI_OK;
}

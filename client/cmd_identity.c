/* cmd_identity.c -- `samvirke init` and `samvirke card`: the member's own identity and card. */
#include "cmd_identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "config.h"
#include "json.h"
#include "keys.h"

/* Print what identifies the card: human lines or JSON fields (inside an open object). */
static void print_card_ids(const sv_card *card, json_out *j) {
  char keyid[CARD_KEYID_HEX], fp[CARD_FINGERPRINT_LEN];
  card_keyid(card, keyid);
  card_fingerprint(card, fp);
  if (j != NULL) {
    json_kv_str(j, "name", card->name);
    json_kv_str(j, "keyid", keyid);
    json_kv_str(j, "fingerprint", fp);
  } else {
    printf("name:        %s\nkey id:      %s\nfingerprint: %s\n", card->name, keyid, fp);
  }
}

int cmd_init(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *name = NULL;
  const cli_opt opts[] = {
      {"--name", "NAME", "your name as your colleagues will see it", &name, NULL, true},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;

  char err[512], keypath[CLIENT_PATH_MAX], cardpath[CLIENT_PATH_MAX];
  const char *dir = ctx.identity_dir;
  if (client_config_path(dir, CLIENT_IDENTITY_FILE, keypath, sizeof keypath) != 0 ||
      client_config_path(dir, CLIENT_CARD_FILE, cardpath, sizeof cardpath) != 0)
    return cli_fail("identity directory path too long");
  if (client_config_has_identity(dir))
    return cli_fail("an identity already exists in %s; refusing to replace it", dir);
  if (client_config_mkdir(dir, err, sizeof err) != 0) return cli_fail("%s", err);

  int st = KEYS_OK;
  sv_identity *id = identity_generate(name, &st);
  if (id == NULL) {
    if (st == KEYS_ERR_NAME)
      return cli_fail("invalid name '%s': it must be 1-%d bytes of text without control "
                      "characters", name, CARD_NAME_MAX);
    return cli_fail("cannot create keys (error %d)", st);
  }
  int rc = CLI_FAIL;
  if (identity_save(id, keypath, err, sizeof err) != KEYS_OK) {
    cli_fail("%s", err);
    goto out;
  }
  if (card_write_file(&id->card, cardpath, err, sizeof err) != KEYS_OK) {
    cli_fail("%s", err);
    goto out;
  }
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "identity_dir", dir);
    json_kv_str(&j, "card_file", cardpath);
    print_card_ids(&id->card, &j);
    json_end_object(&j);
    if (json_finish(&j) != 0) {
      cli_fail("cannot write output");
      goto out;
    }
  } else {
    printf("created identity in %s\ncard file:   %s\n", dir, cardpath);
    print_card_ids(&id->card, NULL);
    printf("Give the card file to your coordinator and compare the fingerprint with them by "
           "phone or in person.\n");
  }
  rc = CLI_OK;
out:
  identity_free(id);
  return rc;
}

int cmd_card(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, NULL, &status) != 0) return status;

  char err[512];
  sv_identity *id = client_config_load_identity(ctx.identity_dir, err, sizeof err);
  if (id == NULL) return cli_fail("%s", err);
  char *text = NULL;
  int rc = CLI_FAIL;
  if (card_to_text(&id->card, &text) != KEYS_OK || text == NULL) {
    cli_fail("cannot encode the card");
    goto out;
  }
  size_t tl = strlen(text);
  while (tl > 0 && (text[tl - 1] == '\n' || text[tl - 1] == '\r')) text[--tl] = '\0';
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    print_card_ids(&id->card, &j);
    json_kv_uint(&j, "created", id->card.created);
    json_kv_str(&j, "card", text);
    json_end_object(&j);
    if (json_finish(&j) != 0) {
      cli_fail("cannot write output");
      goto out;
    }
  } else {
    printf("%s\n", text);
    print_card_ids(&id->card, NULL);
  }
  rc = CLI_OK;
out:
  free(text);
  identity_free(id);
  return rc;
}

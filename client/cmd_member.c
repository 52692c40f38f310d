/* cmd_member.c -- `samvirke member ...` and `samvirke enroll`: the member directory. */
#include "cmd_member.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "codec.h"
#include "directory.h"
#include "json.h"
#include "timearg.h"
#include "util.h"

#define MEMBER_TIME_FMT "%Y-%m-%d %H:%M:%S UTC"
#define INVITE_TTL_UNIT 3600              /* a bare --ttl counts hours */
#define INVITE_TTL_MAX (365 * 86400ull)  /* an invite lives at most a year */

const cli_cmd cmd_member_table[] = {
    {"invite", cmd_member_invite, "make a one-time invite code for a new member", NULL,
     TIMEARG_HELP_DURATION},
    {"list", cmd_member_list, "list the members, their roles and fingerprints", NULL, NULL},
    {"show", cmd_member_show, "show one member (by name, fingerprint or key id)", NULL, NULL},
    {"role", cmd_member_role, "change a member's role", NULL, NULL},
    {"revoke", cmd_member_revoke, "revoke a member at once", NULL, NULL},
    {"verify", cmd_member_verify, "check a member's card against the audit log", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- helpers ---- */

/* cmdutil_request for op with up to two string arguments (cmdutil_make_req). Returns CLI_OK
 * with resp, *r and *audit set, or CLI_FAIL (printed). The caller destroys resp either way. */
static int member_request(const cli_ctx *ctx, const char *what, enum sv_op op, enum sv_field f1,
                          const char *v1, enum sv_field f2, const char *v2,
                          msgpack_unpacked *resp, const msgpack_object **r, uint64_t *audit) {
  sv_request req;
  int rc;
  if (cmdutil_make_req(&req, op, f1, v1, f2, v2) != 0) {
    msgpack_unpacked_init(resp);
    rc = cli_fail("out of memory");
  } else {
    rc = cmdutil_request(ctx, what, &req, resp, r, audit);
  }
  sv_request_free(&req);
  return rc;
}

/* ---- member invite ---- */

/* Wipe the string at key of map r in place (the response's own memory): a secret received. */
static void wipe_result_str(const msgpack_object *r, const char *key) {
  const char *v = NULL;
  size_t n = 0;
  if (r != NULL && sv_map_str(r, key, &v, &n) == 0 && n > 0)
    sodium_memzero((void *)(uintptr_t)v, n);
}

int cmd_member_invite(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *role = NULL, *name = NULL, *ttl_s = NULL;
  const cli_opt opts[] = {
      {"--role", "ROLE", "the role the new member gets (a role of the policy)", &role, NULL, true},
      {"--name", "NAME", "the new member's name (their card must carry it)", &name, NULL, true},
      {"--ttl", "DURATION", "how long the code is valid (default 72h; a bare number counts hours)",
       &ttl_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;
  uint64_t ttl = 0;
  char terr[200];
  if (ttl_s != NULL && timearg_parse_duration(ttl_s, INVITE_TTL_UNIT, 1, INVITE_TTL_MAX, &ttl, terr,
                                              sizeof terr) != 0)
    return cli_usage_error(&ctx, "--ttl must be a duration such as 72h or 3d: %s", terr);

  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  sv_request req;
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  int rc = CLI_FAIL;
  char code[64] = "";
  if (cmdutil_make_req(&req, SV_OP_MEMBER_INVITE, SV_F_ROLE, role, SV_F_NAME, name) != 0 ||
      (ttl && sv_request_set_uint(&req, SV_F_TTL, ttl) != 0)) {
    cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked_destroy(&resp);
  if (cmdutil_call(s, &req, &resp, "invite") != 0) goto out;
  const msgpack_object *r = session_result(&resp);
  uint64_t expires = 0;
  cmdutil_get_str(r, "code", code, sizeof code);
  if (code[0] == '\0' || sv_map_uint(r, "expires", &expires) != 0) {
    cli_fail("invite: the server's answer is malformed");
    goto out;
  }
  if (ctx.json) {
    rc = cmdutil_print_json_result("invite", r, cmdutil_last_audit(s));
    goto out;
  }
  char when[64];
  cmdutil_fmt_time(when, sizeof when, MEMBER_TIME_FMT, expires, false);
  printf("invite code: %s\n", code);
  cmdutil_print_field("for", r, "name");
  cmdutil_print_field("role", r, "role");
  printf("%-12s %s\n", "expires", when);
  char *skey = util_b64(cfg.server_key, sizeof cfg.server_key);
  printf("\nThe code admits one person once. Give it to them privately; they join with:\n"
         "  samvirke enroll --server %s --server-key %s --invite %s",
         cfg.server, skey ? skey : "?", code);
  free(skey);
  if (cfg.log_key[0]) printf(" --log-key %s", cfg.log_key);
  printf(" --name \"%s\"\n", name);
  rc = CLI_OK;
out:
  sodium_memzero(code, sizeof code);
  wipe_result_str(session_result(&resp), "code");
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}

/* ---- member list / show ---- */

/* Print one member entry as human lines. */
static void print_entry(const msgpack_object *m, bool with_card) {
  cmdutil_print_member(m);
  bool revoked = false;
  uint64_t t = 0, seq = 0;
  char when[64];
  if (sv_map_uint(m, "enrolled", &t) == 0) {
    cmdutil_fmt_time(when, sizeof when, MEMBER_TIME_FMT, t, false);
    printf("%-12s %s\n", "enrolled", when);
  }
  if (sv_map_bool(m, "revoked", &revoked) == 0 && revoked) {
    if (sv_map_uint(m, "revoked_at", &t) == 0) cmdutil_fmt_time(when, sizeof when, MEMBER_TIME_FMT, t, false);
    printf("%-12s REVOKED %s\n", "state", when);
  } else {
    printf("%-12s active\n", "state");
  }
  if (sv_map_uint(m, "reg_seq", &seq) == 0) printf("%-12s audit entry #%llu\n", "registered",
                                                   (unsigned long long)seq);
  const uint8_t *card = NULL;
  size_t cardlen = 0;
  if (with_card && sv_map_bin(m, "card", &card, &cardlen) == 0) {
    sv_card c;
    char *text = NULL;
    if (card_decode(card, cardlen, &c) == KEYS_OK && card_to_text(&c, &text) == KEYS_OK) {
      printf("%-12s %s", "card", text);
    } else {
      printf("%-12s (does not verify)\n", "card");
    }
    free(text);
  }
}

int cmd_member_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, NULL, &status) != 0) return status;
  msgpack_unpacked resp;
  const msgpack_object *r;
  uint64_t audit;
  int rc = member_request(&ctx, "member list", SV_OP_MEMBER_LIST, SV_F_WHO, NULL, SV_F_WHO, NULL,
                          &resp, &r, &audit);
  if (rc != CLI_OK) goto out;
  if (r == NULL || r->type != MSGPACK_OBJECT_ARRAY) {
    rc = cli_fail("member list: the server's answer is malformed");
    goto out;
  }
  if (ctx.json) {
    rc = cmdutil_print_json_result("members", r, audit);
    goto out;
  }
  printf("%-24s %-12s %-16s %-49s %s\n", "NAME", "ROLE", "KEY ID", "FINGERPRINT", "STATE");
  for (uint32_t i = 0; i < r->via.array.size; i++) {
    const msgpack_object *m = &r->via.array.ptr[i];
    char name[CARD_NAME_MAX + 1], role[64], keyid[32], fp[CARD_FINGERPRINT_LEN];
    bool revoked = false;
    cmdutil_get_str(m, "name", name, sizeof name);
    cmdutil_get_str(m, "role", role, sizeof role);
    cmdutil_get_str(m, "keyid", keyid, sizeof keyid);
    cmdutil_get_str(m, "fingerprint", fp, sizeof fp);
    sv_map_bool(m, "revoked", &revoked);
    size_t nl = strlen(name);
    cli_print_text(stdout, name, nl);
    printf("%*s %-12s %-16s %-49s %s\n", nl < 24 ? (int)(24 - nl) : 0, "", role, keyid, fp,
           revoked ? "revoked" : "active");
  }
  rc = CLI_OK;
out:
  msgpack_unpacked_destroy(&resp);
  return rc;
}

int cmd_member_show(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "NAME|FINGERPRINT|KEYID", &npos, &status) != 0)
    return status;
  if (npos != 1) return cli_usage_error(&ctx, "give one member: a name, fingerprint or key id");
  msgpack_unpacked resp;
  const msgpack_object *r;
  uint64_t audit;
  int rc = member_request(&ctx, "member show", SV_OP_MEMBER_SHOW, SV_F_WHO, argv[1], SV_F_WHO,
                          NULL, &resp, &r, &audit);
  if (rc != CLI_OK) goto out;
  if (r == NULL || r->type != MSGPACK_OBJECT_MAP) {
    rc = cli_fail("member show: the server's answer is malformed");
    goto out;
  }
  if (ctx.json) {
    rc = cmdutil_print_json_result("member", r, audit);
    goto out;
  }
  print_entry(r, true);
  rc = CLI_OK;
out:
  msgpack_unpacked_destroy(&resp);
  return rc;
}

/* ---- member role / revoke ---- */

int cmd_member_role(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  bool yes = false;
  const cli_opt opts[] = {
      {"--yes", NULL, "do not ask before giving a role inside the SSP regime", NULL, &yes, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  if (cli_parse(argc, argv, &ctx, opts, "NAME ROLE", &npos, &status) != 0) return status;
  if (npos != 2) return cli_usage_error(&ctx, "give a member and the new role");
  if (cmdutil_regime_role(argv[2])) {
    char q[512];
    snprintf(q, sizeof q,
             "Give %.200s the role %.64s? Inside the SSP regime they may receive information "
             "about individuals.", argv[1], argv[2]);
    if ((status = cmdutil_confirm(&ctx, yes, "member role", q)) != CLI_OK) return status;
  }
  msgpack_unpacked resp;
  const msgpack_object *r;
  uint64_t audit;
  int rc = member_request(&ctx, "member role", SV_OP_MEMBER_ROLE, SV_F_WHO, argv[1], SV_F_ROLE,
                          argv[2], &resp, &r, &audit);
  if (rc != CLI_OK) goto out;
  if (ctx.json) {
    rc = cmdutil_print_json_result("change", r, audit);
    goto out;
  }
  char name[CARD_NAME_MAX + 1], old[64], role[64];
  cmdutil_get_str(r, "name", name, sizeof name);
  cmdutil_get_str(r, "old_role", old, sizeof old);
  cmdutil_get_str(r, "role", role, sizeof role);
  cli_print_text(stdout, name, strlen(name));
  uint64_t dropped = cmdutil_get_uint(r, "deliveries_dropped");
  printf(": role %s -> %s (in effect now)", old, role);
  if (dropped > 0)
    printf("; %llu notes waiting for them under the old role were dropped",
           (unsigned long long)dropped);
  printf("\n");
  rc = CLI_OK;
out:
  msgpack_unpacked_destroy(&resp);
  return rc;
}

int cmd_member_revoke(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  bool yes = false;
  const cli_opt opts[] = {
      {"--yes", NULL, "do not ask before revoking", NULL, &yes, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  if (cli_parse(argc, argv, &ctx, opts, "NAME", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the member to revoke");
  char q[512];
  snprintf(q, sizeof q,
           "Revoke %.200s? Their connections close at once, their key is refused from then on "
           "and the notes waiting for them are dropped; this cannot be undone.", argv[1]);
  if ((status = cmdutil_confirm(&ctx, yes, "member revoke", q)) != CLI_OK) return status;
  msgpack_unpacked resp;
  const msgpack_object *r;
  uint64_t audit;
  int rc = member_request(&ctx, "member revoke", SV_OP_MEMBER_REVOKE, SV_F_WHO, argv[1], SV_F_WHO,
                          NULL, &resp, &r, &audit);
  if (rc != CLI_OK) goto out;
  if (ctx.json) {
    rc = cmdutil_print_json_result("revoked", r, audit);
    goto out;
  }
  char name[CARD_NAME_MAX + 1], fp[CARD_FINGERPRINT_LEN];
  uint64_t dropped = 0;
  cmdutil_get_str(r, "name", name, sizeof name);
  cmdutil_get_str(r, "fingerprint", fp, sizeof fp);
  sv_map_uint(r, "deliveries_dropped", &dropped);
  printf("revoked ");
  cli_print_text(stdout, name, strlen(name));
  printf(" (fingerprint %s): connections closed, key refused from now on, %llu pending "
         "deliveries dropped\n", fp, (unsigned long long)dropped);
  rc = CLI_OK;
out:
  msgpack_unpacked_destroy(&resp);
  return rc;
}

/* ---- member verify ---- */

static const char *known_word(enum directory_known k) {
  return k == DIRECTORY_KNOWN_NEW ? "new" : k == DIRECTORY_KNOWN_SAME ? "same" : "changed";
}

int cmd_member_verify(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  bool accept = false;
  const cli_opt opts[] = {
      {"--accept-new-key", NULL,
       "accept and remember a key that differs from the one remembered for this name (only "
       "after comparing the fingerprint with the person)",
       NULL, &accept, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "NAME|FINGERPRINT|KEYID", &npos, &status) != 0)
    return status;
  if (npos != 1) return cli_usage_error(&ctx, "give one member: a name, fingerprint or key id");
  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  directory_trust t;
  char err[1024];
  int r = directory_trust_card(s, &cfg, argv[1], accept ? DIRECTORY_ACCEPT_NEW_KEY : 0, &t, err,
                               sizeof err);
  session_close(s);
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_bool(&j, "trusted", r == 0);
    if (t.card_ok) {
      json_kv_str(&j, "name", t.card.name);
      json_kv_str(&j, "keyid", t.keyid);
      json_kv_str(&j, "fingerprint", t.fingerprint);
    }
    json_kv_bool(&j, "revoked", t.revoked);
    json_kv_bool(&j, "proven", t.proven);
    if (t.proven) {
      json_kv_uint(&j, "reg_seq", t.reg_seq);
      json_kv_uint(&j, "tree_size", t.tree_size);
      json_kv_str(&j, "known", known_word(t.known));
      if (t.known == DIRECTORY_KNOWN_CHANGED) json_kv_str(&j, "old_fingerprint", t.old_fingerprint);
    }
    if (r != 0) json_kv_str(&j, "error", err);
    json_end_object(&j);
    if (json_finish(&j) != 0) return cli_fail("cannot write output");
    if (r != 0) return cli_fail("%s", err);
    return CLI_OK;
  }
  if (t.card_ok) {
    printf("%-12s ", "name");
    cli_print_text(stdout, t.card.name, strlen(t.card.name));
    printf("\n%-12s %s\n%-12s %s\n", "key id", t.keyid, "fingerprint", t.fingerprint);
  }
  if (t.proven)
    printf("%-12s proven: registered by audit entry #%llu, included in the log's signed "
           "checkpoint of %llu entries\n",
           "audit log", (unsigned long long)t.reg_seq, (unsigned long long)t.tree_size);
  else
    printf("%-12s NOT proven\n", "audit log");
  if (r == 0) {
    if (t.known == DIRECTORY_KNOWN_NEW)
      printf("%-12s first time seen: remembered in %s\n", "known", DIRECTORY_KNOWN_FILE);
    else if (t.known == DIRECTORY_KNOWN_SAME)
      printf("%-12s same key as remembered\n", "known");
    else
      printf("%-12s KEY CHANGED (was %s): the new key is accepted and remembered\n", "known",
             t.old_fingerprint);
    printf("Compare the fingerprint with them in person or by phone before you rely on it.\n");
  }
  fflush(stdout);
  if (r != 0) return cli_fail("%s", err);
  return CLI_OK;
}

/* ---- enroll ---- */

int cmd_enroll(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *address = NULL, *key = NULL, *code = NULL, *log_key = NULL, *name = NULL;
  const cli_opt opts[] = {
      {"--server", "HOST:PORT|unix:PATH", "where samvirked listens", &address, NULL, true},
      {"--server-key", "BASE64", "the daemon's Noise public key", &key, NULL, true},
      {"--invite", "CODE", "the invite code from your coordinator", &code, NULL, true},
      {"--log-key", "VKEY", "the audit log's verifier key (to check colleagues' cards)", &log_key,
       NULL, false},
      {"--name", "NAME", "your name, exactly as invited (creates your identity if there is none)",
       &name, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;
  char err[512];
  uint8_t server_pk[32];
  if (client_config_check_address(address, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "%s", err);
  if (util_unb64_exact(server_pk, sizeof server_pk, key) != 0)
    return cli_usage_error(&ctx, "--server-key must be the base64 of a 32-byte key");
  if (log_key != NULL && client_config_check_log_key(log_key, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "%s", err);

  /* The identity: the existing one, or a new one made for the invited name. */
  const char *dir = ctx.identity_dir;
  sv_identity *id = NULL;
  bool created = false;
  if (client_config_has_identity(dir)) {
    id = client_config_load_identity(dir, err, sizeof err);
    if (id == NULL) return cli_fail("%s", err);
    if (name != NULL && strcmp(name, id->card.name) != 0) {
      cli_fail("your identity in %s is for '%s', not '%s'; use another --identity directory",
               dir, id->card.name, name);
      identity_free(id);
      return CLI_FAIL;
    }
  } else {
    if (name == NULL)
      return cli_usage_error(&ctx, "there is no identity in %s yet: give --name (exactly as "
                                   "invited) to create one",
                             dir);
    char keypath[CLIENT_PATH_MAX], cardpath[CLIENT_PATH_MAX];
    if (client_config_path(dir, CLIENT_IDENTITY_FILE, keypath, sizeof keypath) != 0 ||
        client_config_path(dir, CLIENT_CARD_FILE, cardpath, sizeof cardpath) != 0)
      return cli_fail("identity directory path too long");
    if (client_config_mkdir(dir, err, sizeof err) != 0) return cli_fail("%s", err);
    int st = KEYS_OK;
    id = identity_generate(name, &st);
    if (id == NULL)
      return st == KEYS_ERR_NAME ? cli_usage_error(&ctx, "invalid name '%s'", name)
                                 : cli_fail("cannot create keys (error %d)", st);
    if (identity_save(id, keypath, err, sizeof err) != KEYS_OK ||
        card_write_file(&id->card, cardpath, err, sizeof err) != KEYS_OK) {
      identity_free(id);
      return cli_fail("%s", err);
    }
    created = true;
  }

  int rc = CLI_FAIL;
  uint8_t *card = NULL;
  size_t cardlen = 0;
  sv_request req;
  msgpack_unpacked resp;
  sv_request_init(&req, 0, SV_OP_ENROLL);
  msgpack_unpacked_init(&resp);
  session_params p = {.address = address, .server_pk = server_pk, .client_sk = id->noise_sk};
  session *s = session_connect(&p, err, sizeof err);
  if (s == NULL) {
    cli_fail("%s", err);
    goto out;
  }
  if (session_member(s) != NULL) {
    cli_fail("this identity is already enrolled at %s", address);
    goto out;
  }
  int set = sv_request_set_str(&req, SV_F_INVITE, code);
  sodium_memzero((void *)(uintptr_t)code, strlen(code)); /* argv: no longer needed */
  if (card_encode(&id->card, &card, &cardlen) != KEYS_OK || set != 0 ||
      sv_request_set_bin(&req, SV_F_CARD, card, cardlen) != 0) {
    cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked_destroy(&resp);
  if (cmdutil_call(s, &req, &resp, "enroll") != 0) goto out;
  const msgpack_object *r = session_result(&resp);

  client_config cfg;
  if (client_config_load(dir, &cfg, err, sizeof err) != 0) {
    cli_fail("enrolled, but %s", err);
    goto out;
  }
  memcpy(cfg.server_key, server_pk, 32);
  cfg.has_server_key = true;
  snprintf(cfg.server, sizeof cfg.server, "%s", address);
  if (log_key != NULL) snprintf(cfg.log_key, sizeof cfg.log_key, "%s", log_key);
  if (client_config_save(&cfg, err, sizeof err) != 0) {
    cli_fail("enrolled, but cannot save the server settings: %s", err);
    goto out;
  }
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_bool(&j, "created_identity", created);
    json_kv_str(&j, "identity_dir", dir);
    json_kv_str(&j, "server", address);
    json_kv_msgpack(&j, "member", r);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
    goto out;
  }
  if (created) printf("created identity in %s\n", dir);
  printf("enrolled at %s\n", address);
  cmdutil_print_member(r);
  if (log_key == NULL && cfg.log_key[0] == '\0')
    printf("No log key was given: colleagues' cards cannot be checked against the audit log "
           "until you add one with 'samvirke server set ... --log-key VKEY'.\n");
  rc = CLI_OK;
out:
  free(card);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  identity_free(id);
  return rc;
}
